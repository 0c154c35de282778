/* retry: Retry-After and backoff (see retry.h). */
#include "retry.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS (24L * 3600 * 1000)

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* A non-negative decimal (optionally with a fraction) scaled by mul, or -1. */
static long number(const char *s, long mul)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	const char *dot = memchr(s, '.', n);
	size_t ni = dot ? (size_t)(dot - s) : n;
	if (!all_digits(s, ni) || ni > 9 || (dot && !all_digits(dot + 1, n - ni - 1)))
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (v * mul > DAY_MS)
		return DAY_MS;
	return (long)(v * mul);
}

long ai_retry_after_ms(const char *retry_after_ms, const char *retry_after, int64_t now)
{
	long v;
	if (retry_after_ms && (v = number(retry_after_ms, 1)) >= 0)
		return v;
	if (!retry_after)
		return -1;
	if ((v = number(retry_after, 1000)) >= 0)
		return v;
	/* IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT" */
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(retry_after, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	int64_t at = (int64_t)timegm(&tm);
	if (at <= now)
		return 0;
	return at - now > DAY_MS / 1000 ? DAY_MS : (long)(at - now) * 1000;
}

long ai_backoff_ms(int attempt)
{
	return 1000L << (attempt < 0 ? 0 : attempt > 5 ? 5 : attempt);
}

int64_t ai_now_unix(void)
{
	return (int64_t)time(NULL);
}
