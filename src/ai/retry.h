/*
 * retry: how long the tool loop waits before asking a provider again —
 * its Retry-After (seconds or an HTTP date; OpenAI's retry-after-ms), else
 * an exponential backoff.  Pure.
 */
#ifndef SBX_AI_RETRY_H
#define SBX_AI_RETRY_H
#include <stdint.h>

/* The wait the headers ask for in ms (NULL: header absent), or -1 when
 * they ask none (absent, malformed).  now: unix seconds, for a date. */
long ai_retry_after_ms(const char *retry_after_ms, const char *retry_after, int64_t now);
/* 1 s, 2 s, 4 s ... for attempt 0, 1, 2 ..., at most 32 s. */
long ai_backoff_ms(int attempt);
int64_t ai_now_unix(void);

#endif
