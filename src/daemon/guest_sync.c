#include "guest_sync.h"
#include "../proto/connect.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gsync {
	sbox *sb;
	guest_sync_cb done;
	int status;
};

static void on_headers(http_call *c, int status, void *ud)
{
	(void)c;
	((struct gsync *)ud)->status = status;
}

/* The stream's events are not needed: it ends when sync has exited. */
static void on_data(http_call *c, const char *data, size_t len, void *ud)
{
	(void)c, (void)data, (void)len, (void)ud;
}

static void on_done(http_call *c, int ok, const char *err, void *ud)
{
	struct gsync *g = ud;
	sbox *sb = g->sb;
	guest_sync_cb done = g->done;
	int status = g->status;
	free(g);
	if (sb->sync_call != c)
		return;   /* cancelled */
	sb->sync_call = NULL;
	char msg[256];
	if (ok && status != 200) {
		snprintf(msg, sizeof msg, "the agent answered %d", status);
		done(sb, 0, msg);
	} else {
		done(sb, ok, ok ? NULL : err);
	}
}

void guest_sync(sbox *sb, guest_sync_cb done)
{
	struct gsync *g = xcalloc(1, sizeof *g);
	g->sb = sb;
	g->done = done;
	const char *js = "{\"process\":{\"cmd\":\"/bin/sync\"},\"stdin\":false}";
	sbx_buf body = SBX_BUF_INIT;
	connect_envelope(&body, 0, js, strlen(js));
	char *tok = xasprintf("X-Access-Token: %s", sb->rec.token), url[512];
	/* "root:" in Basic auth: the agent runs it as root */
	const char *hdrs[] = { "Content-Type: application/connect+json", "Connect-Protocol-Version: 1", tok,
			       "Authorization: Basic cm9vdDo=", NULL };
	snprintf(url, sizeof url, "%s/process.Process/Start", sb->agent_base);
	http_call_opts o = {
		.method = "POST", .url = url, .unix_socket = sb->agent_sock, .headers = hdrs, .body = body.data,
		.body_len = body.len, .connect_timeout_ms = 2000, .timeout_ms = GUEST_SYNC_MS,
		.on_headers = on_headers, .on_data = on_data, .on_done = on_done, .ud = g,
	};
	sb->sync_call = http_call_start(sb->d->cl, &o);
	buf_free(&body);
	free(tok);
}

void guest_sync_cancel(sbox *sb)
{
	http_call *c = sb->sync_call;
	sb->sync_call = NULL;   /* its on_done, run by the cancel, sees it is not wanted */
	if (c)
		http_call_cancel(c);
}
