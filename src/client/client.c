/*
 * client: the op machinery.  No user callback ever runs inside a libcurl
 * callback (libcurl refuses new transfers from there): stream bytes are
 * buffered and delivered from a 0 ms loop timer, and completions come from
 * the http client's on_done, which runs after libcurl returned.
 */
#include "client_int.h"
#include "../util/url.h"
#include "../util/xalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sbx_client *sbx_client_new(sbx_loop *loop, const sbx_config *cfg)
{
	sbx_client *c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->http = http_client_new(loop);
	sbx_config_copy(&c->cfg, cfg);
	return c;
}

void sbx_client_free(sbx_client *c)
{
	if (!c)
		return;
	while (c->ops)
		sbx_op_cancel(c->ops);
	http_client_free(c->http);
	sbx_config_free(&c->cfg);
	free(c);
}

int sbx_client_busy(const sbx_client *c) { return c->ops != NULL; }
const sbx_config *sbx_client_config(sbx_client *c) { return &c->cfg; }

void sbx_client_set_config(sbx_client *c, const sbx_config *cfg)
{
	sbx_config tmp;
	sbx_config_copy(&tmp, cfg);
	sbx_config_free(&c->cfg);
	c->cfg = tmp;
}

/* --- op life --------------------------------------------------------------- */

static void op_unlink(sbx_op *op)
{
	sbx_client *cl = op->cl;
	if (op->prev)
		op->prev->next = op->next;
	else if (cl->ops == op)
		cl->ops = op->next;
	if (op->next)
		op->next->prev = op->prev;
	op->prev = op->next = NULL;
}

static void op_release(sbx_op *op)
{
	if (op->busy) {
		op->dead = 1;
		return;
	}
	if (op->dispatch_timer)
		loop_del_timer(op->cl->loop, op->dispatch_timer);
	op_unlink(op);
	if (op->ctx_free)
		op->ctx_free(op->ctx);
	buf_free(&op->body);
	buf_free(&op->pending);
	free(op->url);
	free(op->next_token);
	free(op->content_type);
	free(op);
}

/* busy guards: a hook may cancel its own op; the free waits for the hook. */
static int op_leave(sbx_op *op)
{
	op->busy--;
	if (!op->busy && op->dead) {
		op_release(op);
		return 1;
	}
	return 0;
}

void sbx_op_cancel(sbx_op *op)
{
	if (!op || op->cancelled)
		return;
	op->cancelled = 1;
	op_unlink(op);
	if (op->call) {
		http_call *c = op->call;
		op->call = NULL;
		op->busy++;
		http_call_cancel(c);   /* h_done sees cancelled and only releases */
		op->busy--;
	}
	op_release(op);
}

/* Delivers buffered stream data; 1 when the op went away meanwhile. */
static int dispatch(sbx_op *op)
{
	if (op->dispatching)
		return 0;
	op->dispatching = 1;
	op->busy++;
	while (op->pending.len && !op->cancelled && !op->failed) {
		sbx_buf b = op->pending;
		buf_init(&op->pending);
		if (op->on_data)
			op->on_data(op, b.data, b.len);
		buf_free(&b);
	}
	op->dispatching = 0;
	return op_leave(op);
}

static int64_t on_dispatch_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbx_op *op = ud;
	op->dispatch_timer = 0;
	dispatch(op);
	return -1;
}

static int is_2xx(int s) { return s >= 200 && s < 300; }

static void h_headers(http_call *c, int status, void *ud)
{
	sbx_op *op = ud;
	const char *v;
	op->status = status;
	free(op->next_token);
	free(op->content_type);
	op->next_token = (v = http_call_header(c, "X-Next-Token")) && *v ? xstrdup(v) : NULL;
	op->content_type = (v = http_call_header(c, "Content-Type")) ? xstrdup(v) : NULL;
	op->content_length = (v = http_call_header(c, "Content-Length")) ? strtoll(v, NULL, 10) : -1;
}

static void h_data(http_call *c, const char *data, size_t len, void *ud)
{
	(void)c;
	sbx_op *op = ud;
	if (op->cancelled || op->failed)
		return;
	if (op->stream && is_2xx(op->status)) {
		buf_append(&op->pending, data, len);
		if (!op->dispatch_timer)
			op->dispatch_timer = loop_add_timer(op->cl->loop, 0, on_dispatch_timer, op);
	} else if (op->body.len < 16 * 1024 * 1024) {
		buf_append(&op->body, data, len);
	}
}

/* scheme://host[:port] of a URL. */
static void url_origin(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	size_t len = p ? (size_t)(p - url) + 3 : 0;
	len += strcspn(url + len, "/?");
	snprintf(out, n, "%.*s", (int)len, url);
}

static void transport_error(const sbx_op *op, const char *err, sbx_err *e)
{
	const sbx_config *cfg = &op->cl->cfg;
	char origin[256];
	url_origin(op->url, origin, sizeof origin);
	int to_sbxd = cfg->local && !strncmp(op->url, cfg->api_url, strlen(cfg->api_url));
	sbx_error(e, "cannot %s: no answer from %s (%s)%s", op->what, origin, err ? err : "the connection failed",
		  to_sbxd ? "; is sbxd running? start it with `sbx serve`" : "");
}

static void h_done(http_call *c, int ok, const char *err, void *ud)
{
	(void)c;
	sbx_op *op = ud;
	op->call = NULL;
	if (op->cancelled) {
		op_release(op);
		return;
	}
	if (op->dispatch_timer) {
		loop_del_timer(op->cl->loop, op->dispatch_timer);
		op->dispatch_timer = 0;
	}
	if (!op->failed && dispatch(op))
		return;
	if (op->cancelled)
		return;
	sbx_err e;
	const sbx_err *ep = NULL;
	if (op->failed)
		ep = &op->err;
	else if (!ok)
		transport_error(op, err, &e), ep = &e;
	else if (!is_2xx(op->status))
		op_http_error(op, &e), ep = &e;
	op->busy++;
	if (op->on_finish)
		op->on_finish(op, ep);
	if (op->call && !op->cancelled) {
		op->busy--;   /* on_finish started the next exchange (op_restart) */
		return;
	}
	op->cancelled = 1;
	op_unlink(op);
	op->dead = 1;
	op_leave(op);
}

static void op_begin(sbx_op *op, const op_spec *s)
{
	sbx_client *cl = op->cl;
	op->kind = s->kind;
	op->stream = s->stream;
	op->url = xstrdup(s->url);
	snprintf(op->what, sizeof op->what, "%s", s->what);
	http_call_opts o = {
		.method = s->method, .url = s->url, .headers = s->headers, .body = s->body, .body_len = s->body_len,
		.stream_body = s->stream_body, .timeout_ms = s->timeout_ms,
		.connect_timeout_ms = s->connect_timeout_ms ? s->connect_timeout_ms : 10000,
		.on_headers = h_headers, .on_data = h_data, .on_done = h_done, .ud = op,
	};
	op->call = http_call_start(cl->http, &o);
}

sbx_op *op_start(sbx_client *cl, const op_spec *s)
{
	sbx_op *op = xcalloc(1, sizeof *op);
	op->cl = cl;
	op->next = cl->ops;
	if (cl->ops)
		cl->ops->prev = op;
	cl->ops = op;
	op_begin(op, s);
	return op;
}

void op_restart(sbx_op *op, const op_spec *s)
{
	free(op->url);
	buf_reset(&op->body);
	buf_reset(&op->pending);
	op->status = 0;
	free(op->next_token);
	free(op->content_type);
	op->next_token = op->content_type = NULL;
	op_begin(op, s);
}

void op_fail(sbx_op *op, const char *fmt, ...)
{
	if (op->failed || op->cancelled)
		return;
	op->failed = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(op->err.msg, sizeof op->err.msg, fmt, ap);
	va_end(ap);
	if (op->call) {
		http_call *c = op->call;
		/* h_done runs now: it reports op->err (the op is busy in a hook, so
		 * it is freed when the hook returns). */
		op->busy++;
		http_call_cancel(c);
		op_leave(op);
	}
}

/* --- errors ---------------------------------------------------------------- */

json_t *op_json(const sbx_op *op, sbx_err *e)
{
	json_error_t je;
	json_t *j = json_loadb(op->body.data ? op->body.data : "", op->body.len, JSON_DECODE_ANY, &je);
	if (!j)
		sbx_error(e, "cannot %s: the answer is not JSON (%s)", op->what, je.text);
	return j;
}

static const char *status_hint(const sbx_op *op)
{
	switch (op->status) {
	case 401:
		return op->kind == OP_API ? "; check E2B_API_KEY (`sbx env` prints the local one)"
					  : "; the sandbox refused its access token";
	case 429: return "; too many requests, try again shortly";
	case 502: return op->kind == OP_API ? "" : "; the sandbox is not running (paused, killed or timed out: see `sbx ls`)";
	default: return "";
	}
}

void op_http_error(const sbx_op *op, sbx_err *e)
{
	char msg[768] = "";
	const char *code = NULL;
	json_t *j = json_loadb(op->body.data ? op->body.data : "", op->body.len, 0, NULL);
	if (json_is_object(j)) {
		const char *m = json_string_value(json_object_get(j, "message"));
		json_t *c = json_object_get(j, "code");
		if (m)
			snprintf(msg, sizeof msg, "%s", m);
		if (json_is_string(c))
			code = json_string_value(c);
	} else if (op->body.len) {
		/* a text body: its first line */
		size_t n = strcspn(op->body.data, "\r\n");
		snprintf(msg, sizeof msg, "%.*s", (int)n, op->body.data);
	}
	size_t l = strlen(msg);
	while (l && (msg[l - 1] == '\n' || msg[l - 1] == '\r' || msg[l - 1] == ' '))
		msg[--l] = '\0';
	if (!*msg)
		snprintf(msg, sizeof msg, "the server answered HTTP %d", op->status);
	if (code)
		sbx_error(e, "cannot %s: %s (%s)%s", op->what, msg, code, status_hint(op));
	else
		sbx_error(e, "cannot %s: %s (HTTP %d)%s", op->what, msg, op->status, status_hint(op));
	json_decref(j);
}

void url_query_enc(sbx_buf *b, const char *s)
{
	url_encode(b, s, NULL);
}

char **api_headers(sbx_client *cl, sbx_err *e)
{
	if (!cl->cfg.api_key) {
		sbx_error(e, cl->cfg.local ? "no API key yet: start sbxd once with `sbx serve` (it makes one)"
					   : "no API key: set E2B_API_KEY");
		return NULL;
	}
	char **v = xcalloc(5, sizeof *v);
	v[0] = xasprintf("X-API-KEY: %s", cl->cfg.api_key);
	v[1] = xstrdup("Content-Type: application/json");
	v[2] = xstrdup("User-Agent: libsbx/0.1");
	/* We understand sbxd's states beyond E2B's ("dead"): lists include
	 * them.  E2B's cloud ignores the header. */
	v[3] = xstrdup("Sbx-States: extended");
	return v;
}
