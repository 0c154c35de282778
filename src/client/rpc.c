#include "rpc.h"
#include "../proto/connect.h"
#include "../util/b64.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNARY_TIMEOUT_MS 60000

static char **headers(const sbx_sandbox *sb, const rpc_call *rc, int stream)
{
	const char *extra[8];
	char ctype[64], auth[300] = "", tmo[64] = "";
	size_t n = 0;
	snprintf(ctype, sizeof ctype, "Content-Type: %s", stream ? "application/connect+json" : "application/json");
	extra[n++] = ctype;
	extra[n++] = "Connect-Protocol-Version: 1";
	if (rc->user && *rc->user) {
		char *up = xasprintf("%s:", rc->user), *b = b64_encode(up, strlen(up));
		snprintf(auth, sizeof auth, "Authorization: Basic %s", b);
		free(up);
		free(b);
		extra[n++] = auth;
	}
	if (stream) {
		extra[n++] = "Keepalive-Ping-Interval: 50";
		if (rc->timeout_ms > 0) {
			snprintf(tmo, sizeof tmo, "Connect-Timeout-Ms: %ld", rc->timeout_ms);
			extra[n++] = tmo;
		}
	}
	extra[n] = NULL;
	return sbx_sandbox_headers(sb, SBX_PORT_ENVD, extra);
}

static sbx_op *start(sbx_client *cl, const sbx_sandbox *sb, const rpc_call *rc, int stream)
{
	char **h = headers(sb, rc, stream);
	char *url = xasprintf("%s/%s", sb->envd_url, rc->method);
	char *js = json_dumps(rc->req, JSON_COMPACT);
	sbx_buf body = SBX_BUF_INIT;
	if (stream)
		connect_envelope(&body, 0, js, strlen(js));
	else
		buf_puts(&body, js);
	op_spec sp = {
		.what = rc->what, .kind = OP_RPC, .method = "POST", .url = url, .headers = (const char *const *)h,
		.body = body.data, .body_len = body.len, .stream = stream,
		.timeout_ms = stream ? 0 : (rc->timeout_ms ? rc->timeout_ms : UNARY_TIMEOUT_MS),
	};
	sbx_op *op = op_start(cl, &sp);
	buf_free(&body);
	free(js);
	free(url);
	sbx_strv_free(h);
	json_decref(rc->req);
	return op;
}

sbx_op *rpc_unary(sbx_client *cl, const sbx_sandbox *sb, const rpc_call *rc)
{
	return start(cl, sb, rc, 0);
}

json_t *rpc_answer(const sbx_op *op, sbx_err *e)
{
	json_t *j = op_json(op, e);
	if (j && !json_is_object(j)) {
		json_decref(j);
		sbx_error(e, "cannot %s: the answer is not a JSON object", op->what);
		return NULL;
	}
	return j;
}

/* --- streams --------------------------------------------------------------- */

typedef struct stream_ctx {
	cstream cs;
	rpc_stream_hooks h;
} stream_ctx;

static void stream_free(void *p)
{
	stream_ctx *s = p;
	cstream_free(&s->cs);
	if (s->h.ud_free)
		s->h.ud_free(s->h.ud);
	free(s);
}

static void stream_data(sbx_op *op, const char *data, size_t len)
{
	stream_ctx *s = op->ctx;
	sbx_err e;
	if (cstream_feed(&s->cs, data, len, s->h.msg_cb, s->h.ud, &e) < 0)
		op_fail(op, "cannot %s: %s", op->what, e.msg);
}

static void stream_finish(sbx_op *op, const sbx_err *e)
{
	stream_ctx *s = op->ctx;
	sbx_err fe, we;
	if (!e && cstream_finish(&s->cs, &fe) < 0) {
		sbx_error(&we, "cannot %s: %s", op->what, fe.msg);
		e = &we;
	}
	s->h.done(e, s->h.ud);
}

sbx_op *rpc_stream(sbx_client *cl, const sbx_sandbox *sb, const rpc_call *rc, const rpc_stream_hooks *h)
{
	sbx_op *op = start(cl, sb, rc, 1);
	stream_ctx *s = xcalloc(1, sizeof *s);
	cstream_init(&s->cs);
	s->cs.raw = h->raw_cb;
	s->h = *h;
	op->ctx = s;
	op->ctx_free = stream_free;
	op->on_data = stream_data;
	op->on_finish = stream_finish;
	return op;
}
