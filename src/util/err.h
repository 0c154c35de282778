/*
 * err: how core code reports failure (git's `return error(...)`).
 *
 * Functions that can fail take a `sbx_err *` (may be NULL), return 0 on
 * success and -1 on failure, having written a message that says what failed
 * and, where it can, what to do.  Only OOM aborts.
 */
#ifndef SBX_ERR_H
#define SBX_ERR_H

typedef struct sbx_err {
	char msg[1024];
} sbx_err;

/* Format into e (when non-NULL); returns -1 so callers can `return sbx_error(...)`. */
int sbx_error(sbx_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, appending ": strerror(errno)". */
int sbx_error_errno(sbx_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
