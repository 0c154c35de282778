/*
 * sync: the blocking helper, for command-line tools and tests (never the
 * TUI).  It owns a private loop and client; a caller starts any libsbx
 * call on s->client with a sbx_wait as the callback's ud, then blocks in
 * sbx_sync_wait until that callback ran.
 */
#ifndef SBX_CLIENT_SYNC_H
#define SBX_CLIENT_SYNC_H
#include "client.h"

typedef struct sbx_sync {
	sbx_loop *loop;
	sbx_client *client;
} sbx_sync;

/* One call's outcome. */
typedef struct sbx_wait {
	int done;
	int failed;
	sbx_err err;
} sbx_wait;

void sbx_sync_open(sbx_sync *s, const sbx_config *cfg);
void sbx_sync_close(sbx_sync *s);
/* Runs the private loop until w->done (or timeout_ms passes, 0: no limit).
 * Returns 0 when the call succeeded, -1 with e otherwise. */
int sbx_sync_wait(sbx_sync *s, sbx_wait *w, long timeout_ms, sbx_err *e);
/* Runs the loop until *flag is non-zero (for calls with richer callbacks). */
void sbx_sync_until(sbx_sync *s, const volatile int *flag);
/* A sbx_done_cb whose ud is a sbx_wait. */
void sbx_wait_done(const sbx_err *e, void *ud);
/* Marks w done with e (NULL: success); for callbacks of other shapes. */
void sbx_wait_set(sbx_wait *w, const sbx_err *e);

#endif
