/* timeutil: clocks and timestamps. */
#ifndef SBX_TIMEUTIL_H
#define SBX_TIMEUTIL_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

int64_t now_ms(void);              /* CLOCK_MONOTONIC in ms */
/* RFC 3339 UTC with microseconds, e.g. 2024-01-01T00:00:00.123456Z. out >= 32 bytes. */
void rfc3339_now(char *out, size_t n);
void rfc3339_from(const struct timespec *ts, char *out, size_t n);
/* "2024-01-01T00:00:00[.frac](Z|+hh:mm|-hh:mm)" → ms since the epoch;
 * -1 when s is anything else. */
int rfc3339_parse(const char *s, int64_t *ms);

#endif
