#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char ts[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	/* One fprintf per line so concurrent writers do not interleave mid-line. */
	char line[4096];
	vsnprintf(line, sizeof line, fmt, ap);
	fprintf(stderr, "%s.%03ld %s %s\n", ts, now.tv_nsec / 1000000, level, line);
}

void log_debug(const char *fmt, ...)
{
	const char *lv = getenv("SBX_LOG");
	if (!lv || strcmp(lv, "debug") != 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("debug", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("info", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warn", fmt, ap);
	va_end(ap);
}
