#include "rpc.h"
#include "../proto/connect.h"
#include "../proto/envd_json.h"
#include "../util/buf.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "application/json" or "application/json; charset=utf-8" for want "application/json". */
static int ctype_is(const char *got, const char *want)
{
	size_t n = strlen(want);
	if (!got || strncasecmp(got, want, n))
		return 0;
	got += n;
	while (*got == ' ' || *got == '\t')
		got++;
	return *got == '\0' || *got == ';';
}

static int check_request(http_req *r, const char *want_ctype)
{
	if (strcmp(http_req_method(r), "POST")) {
		http_req_add_header(r, "Allow", "POST");
		agent_connect_error(r, "unimplemented", "%s is a Connect RPC method: use POST, not %s",
				    http_req_path(r), http_req_method(r));
		return -1;
	}
	const char *ct = http_req_header(r, "Content-Type");
	if (!ctype_is(ct, want_ctype)) {
		agent_connect_error(r, "invalid_argument",
				    "unsupported content type '%s' for %s: send %s (Connect with JSON)",
				    ct ? ct : "", http_req_path(r), want_ctype);
		return -1;
	}
	return 0;
}

/* --- unary ---------------------------------------------------------------- */

struct unary {
	agent *a;
	rpc_unary_fn fn;
	void *ud;
};

static void unary_close(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	free(ud);
}

static void unary_body(http_req *r, const char *body, size_t len, void *ud)
{
	struct unary *u = ud;
	sbx_err e;
	json_t *j = envd_parse(body, len, &e);
	if (!j) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return;
	}
	u->fn(u->a, r, j, u->ud);
	json_decref(j);
}

void rpc_unary(agent *a, http_req *r, rpc_unary_fn fn, void *ud)
{
	if (check_request(r, "application/json") < 0)
		return;
	struct unary *u = xmalloc(sizeof *u);
	*u = (struct unary){ a, fn, ud };
	http_req_on_close(r, unary_close, u);
	http_req_read_body(r, RPC_UNARY_LIMIT, unary_body, u);
}

void rpc_reply(http_req *r, json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!s) {
		agent_connect_error(r, "internal", "cannot encode the response as JSON");
		return;
	}
	http_respond_str(r, 200, "application/json", s);
	free(s);
}

/* --- streams -------------------------------------------------------------- */

struct rpc_stream {
	agent *a;
	http_req *req;
	rpc_stream_fn fn;
	void *fn_ud;
	char *keepalive;
	int64_t keepalive_ms, last_send;
	int64_t keepalive_timer, deadline_timer;
	int64_t deadline_ms, deadline_at;
	int finished;
	rpc_gone_fn gone;
	void *owner;
};

static void stop_timers(rpc_stream *s)
{
	if (s->keepalive_timer)
		loop_del_timer(s->a->loop, s->keepalive_timer);
	if (s->deadline_timer)
		loop_del_timer(s->a->loop, s->deadline_timer);
	s->keepalive_timer = s->deadline_timer = 0;
}

static void write_frame(rpc_stream *s, uint8_t flags, const char *data, size_t len)
{
	sbx_buf b = SBX_BUF_INIT;
	connect_envelope(&b, flags, data, len);
	http_stream_write(s->req, b.data, b.len);
	buf_free(&b);
}

void rpc_stream_send_raw(rpc_stream *s, const char *json, size_t len)
{
	if (s->finished)
		return;
	write_frame(s, 0, json, len);
	s->last_send = now_ms();
}

void rpc_stream_send(rpc_stream *s, json_t *msg)
{
	char *j = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (j)
		rpc_stream_send_raw(s, j, strlen(j));
	free(j);
}

size_t rpc_stream_pending(rpc_stream *s)
{
	return s->finished ? 0 : http_stream_pending(s->req);
}

void rpc_stream_finish(rpc_stream *s, const char *code, const char *fmt, ...)
{
	char msg[1024] = "";
	if (s->finished)
		return;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
	}
	char *end = connect_end_json(code, msg);
	write_frame(s, CONNECT_FLAG_END, end, strlen(end));
	free(end);
	http_stream_end(s->req);
	stop_timers(s);
	s->finished = 1;
	s->gone = NULL;
	s->owner = NULL;
}

void rpc_stream_set_owner(rpc_stream *s, rpc_gone_fn gone, void *owner)
{
	s->gone = gone;
	s->owner = owner;
}

int64_t rpc_stream_deadline_left(rpc_stream *s)
{
	if (!s->deadline_at)
		return -1;
	int64_t left = s->deadline_at - now_ms();
	return left > 0 ? left : 0;
}

http_req *rpc_stream_req(rpc_stream *s)
{
	return s->req;
}

static void tell_owner(rpc_stream *s, int why)
{
	rpc_gone_fn gone = s->gone;
	void *owner = s->owner;
	s->gone = NULL;
	s->owner = NULL;
	if (gone)
		gone(s, why, owner);
}

static int64_t on_keepalive(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	rpc_stream *s = ud;
	int64_t idle = now_ms() - s->last_send;
	if (idle < s->keepalive_ms)
		return s->keepalive_ms - idle;   /* data went out meanwhile */
	rpc_stream_send_raw(s, s->keepalive, strlen(s->keepalive));
	return s->keepalive_ms;
}

static int64_t on_deadline(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	rpc_stream *s = ud;
	s->deadline_timer = 0;
	tell_owner(s, RPC_GONE_DEADLINE);
	rpc_stream_finish(s, "deadline_exceeded", "the deadline of %lld ms set by Connect-Timeout-Ms has passed",
	       (long long)s->deadline_ms);
	return -1;
}

static void stream_close(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	rpc_stream *s = ud;
	stop_timers(s);
	if (!s->finished)
		tell_owner(s, RPC_GONE_CLIENT);
	free(s->keepalive);
	free(s);
}

/* Connect-Timeout-Ms: at most 10 ASCII digits; 0 or absent means none. */
static int64_t parse_timeout(const char *h)
{
	if (!h || !*h || strlen(h) > 10)
		return 0;
	for (const char *p = h; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return strtoll(h, NULL, 10);
}

/* Keepalive-Ping-Interval in seconds; missing or invalid: the default. */
static int64_t parse_keepalive(const char *h)
{
	char *end;
	long v = h ? strtol(h, &end, 10) : 0;
	if (!h || end == h || *end || v <= 0 || v > 86400)
		v = RPC_KEEPALIVE_DEFAULT_S;
	return (int64_t)v * 1000;
}

static void stream_body(http_req *r, const char *body, size_t len, void *ud)
{
	rpc_stream *s = ud;
	connect_frame f;
	sbx_err e;
	/* From here on every outcome is 200 + an end-stream frame. */
	http_stream_begin(r, 200, "application/connect+json");
	int rc = connect_decode(body, len, RPC_STREAM_LIMIT, &f, &e);
	if (rc == CONNECT_BAD) {
		rpc_stream_finish(s, "invalid_argument", "%s", e.msg);
		return;
	}
	if (rc == CONNECT_NEED_MORE) {
		rpc_stream_finish(s, "invalid_argument", "protocol error: incomplete envelope (%zu bytes); "
		       "send one enveloped JSON request message", len);
		return;
	}
	if (f.flags & CONNECT_FLAG_END || f.consumed != len) {
		rpc_stream_finish(s, "invalid_argument",
		       "protocol error: a server-streaming request is exactly one data envelope");
		return;
	}
	json_t *j = envd_parse(f.data, f.len, &e);
	if (!j) {
		rpc_stream_finish(s, "invalid_argument", "%s", e.msg);
		return;
	}
	s->last_send = now_ms();
	s->keepalive_timer = loop_add_timer(s->a->loop, s->keepalive_ms, on_keepalive, s);
	if (s->deadline_ms > 0) {
		s->deadline_at = now_ms() + s->deadline_ms;
		s->deadline_timer = loop_add_timer(s->a->loop, s->deadline_ms, on_deadline, s);
	}
	s->fn(s->a, s, j, s->fn_ud);
	json_decref(j);
}

void rpc_stream_open(agent *a, http_req *r, const char *keepalive_json, rpc_stream_fn fn, void *ud)
{
	if (check_request(r, "application/connect+json") < 0)
		return;
	rpc_stream *s = xcalloc(1, sizeof *s);
	s->a = a;
	s->req = r;
	s->fn = fn;
	s->fn_ud = ud;
	s->keepalive = xstrdup(keepalive_json);
	s->keepalive_ms = parse_keepalive(http_req_header(r, "Keepalive-Ping-Interval"));
	s->deadline_ms = parse_timeout(http_req_header(r, "Connect-Timeout-Ms"));
	http_req_on_close(r, stream_close, s);
	http_req_read_body(r, RPC_STREAM_LIMIT + CONNECT_HDR_LEN, stream_body, s);
}

/* --- helpers -------------------------------------------------------------- */

const char *rpc_errno_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return "not_found";
	case EACCES:
	case EPERM:
	case EROFS:
		return "permission_denied";
	case EEXIST:
	case ENOTEMPTY:
		return "already_exists";
	case ENOSPC:
	case EDQUOT:
		return "resource_exhausted";
	case EINVAL:
	case ENAMETOOLONG:
	case ELOOP:
	case EISDIR:
		return "invalid_argument";
	default:
		return "internal";
	}
}
