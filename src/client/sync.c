#include "sync.h"
#include "../util/timeutil.h"
#include <string.h>

void sbx_sync_open(sbx_sync *s, const sbx_config *cfg)
{
	s->loop = loop_new();
	s->client = sbx_client_new(s->loop, cfg);
}

void sbx_sync_close(sbx_sync *s)
{
	sbx_client_free(s->client);
	loop_free(s->loop);
	memset(s, 0, sizeof *s);
}

void sbx_wait_set(sbx_wait *w, const sbx_err *e)
{
	w->done = 1;
	w->failed = e != NULL;
	if (e)
		w->err = *e;
}

void sbx_wait_done(const sbx_err *e, void *ud)
{
	sbx_wait_set(ud, e);
}

int sbx_sync_wait(sbx_sync *s, sbx_wait *w, long timeout_ms, sbx_err *e)
{
	int64_t end = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	while (!w->done) {
		int64_t left = end ? end - now_ms() : 1000;
		if (end && left <= 0)
			return sbx_error(e, "timed out after %ld ms", timeout_ms);
		loop_once(s->loop, (int)(left > 1000 ? 1000 : left));
	}
	if (w->failed) {
		if (e)
			*e = w->err;
		return -1;
	}
	return 0;
}

void sbx_sync_until(sbx_sync *s, const volatile int *flag)
{
	while (!*flag)
		loop_once(s->loop, 1000);
}
