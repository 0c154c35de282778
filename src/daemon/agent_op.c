#include "agent_op.h"
#include "sandbox.h"
#include "../proto/connect.h"
#include "../util/b64.h"
#include "../util/buf.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op_kind { OP_HEALTH, OP_INIT, OP_START };

/* One process.Process/Start stream: start_cmd's, or one ready_cmd try. */
struct pstream {
	struct agent_op *op;
	http_call *call;
	connect_reader rd;
	sbx_buf body;            /* a non-200 answer */
	sbx_buf tail;            /* the last output bytes, for errors */
	int status;              /* HTTP */
	int started, ended;      /* start / end events seen */
	int exit_code;           /* end: -1 when killed by a signal */
	char end_status[96];     /* end: "exit status 1" */
	char err[200];           /* a broken stream */
	void (*on_event)(struct pstream *ps);   /* after start and end events */
	void (*on_closed)(struct pstream *ps);  /* the call is over (ps->call NULL) */
};

struct agent_op {
	sbox *sb;
	enum op_kind kind;
	http_call *call;
	int64_t timer;
	int64_t deadline;        /* monotonic ms */
	int delay;               /* next poll delay, ms */
	int cancelled;           /* on_done inside agent_op_cancel: hands off */
	char *token_hdr, *body;
	int init_after;          /* OP_HEALTH: POST /init (token_hdr, body) once it answers */
	int start_after;         /* OP_HEALTH/OP_INIT: the template's start-up once ready */
	char last_err[256];
	/* OP_START */
	struct pstream start, ready;
	int64_t ready_deadline;
	int tries;
	char ready_last[160];    /* how the last ready_cmd try ended */
	/* Stream callbacks never free the op: they conclude, a timer finishes. */
	int concluded, concluded_ok;
	int64_t fin_timer;
	int64_t guard;           /* the start-up's last word, whatever hangs */
	char fin_msg[1024];
};

static void ps_cancel(struct pstream *ps)
{
	http_call *c = ps->call;
	ps->call = NULL;   /* its on_done (run by the cancel) sees a closed stream */
	if (c)
		http_call_cancel(c);
}

static void ps_reset(struct pstream *ps)
{
	ps_cancel(ps);
	connect_reader_free(&ps->rd);
	buf_free(&ps->body);
	buf_free(&ps->tail);
	struct pstream keep = *ps;
	memset(ps, 0, sizeof *ps);
	ps->op = keep.op;
	ps->on_event = keep.on_event;
	ps->on_closed = keep.on_closed;
}

static void op_free(struct agent_op *op)
{
	sbx_loop *l = op->sb->d->loop;
	if (op->timer)
		loop_del_timer(l, op->timer);
	if (op->fin_timer)
		loop_del_timer(l, op->fin_timer);
	if (op->guard)
		loop_del_timer(l, op->guard);
	ps_reset(&op->start);
	ps_reset(&op->ready);
	free(op->token_hdr);
	free(op->body);
	free(op);
}

static void finish(struct agent_op *op, int ok, const char *err)
{
	sbox *sb = op->sb;
	sb->op = NULL;
	op_free(op);
	sbox_op_done(sb, ok, err);
}

static void start_call(struct agent_op *op);
static void start_startup(struct agent_op *op);

/* The restored guest's clock is the snapshot's: send the time as late as
 * possible (RFC 3339, as E2B's envd takes it). */
static void start_init(struct agent_op *op)
{
	char now[40];
	json_t *j = json_loads(op->body, 0, NULL);
	if (!json_is_object(j)) {   /* ours, so only a bug gets here: send what is sure */
		json_decref(j);
		j = json_object();
	}
	rfc3339_ms(wall_ms(), now, sizeof now);
	if (op->sb->ops->flags & RT_RESTORES)   /* others share the host's clock */
		json_object_set_new(j, "timestamp", json_string(now));
	free(op->body);
	op->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	op->kind = OP_INIT;
	op->init_after = 0;
	start_call(op);
}

static int64_t retry_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct agent_op *op = ud;
	op->timer = 0;
	start_call(op);
	return -1;
}

static void health_done(http_call *c, int ok, const char *err, void *ud)
{
	struct agent_op *op = ud;
	sbox *sb = op->sb;
	if (op->cancelled)
		return;
	int status = ok ? http_call_status(c) : 0;
	op->call = NULL;
	if (status >= 200 && status < 300) {
		if (op->init_after)
			start_init(op);
		else if (op->start_after)
			start_startup(op);
		else
			finish(op, 1, NULL);
		return;
	}
	if (ok)
		snprintf(op->last_err, sizeof op->last_err, "GET /health answered %d", status);
	else
		snprintf(op->last_err, sizeof op->last_err, "%s", err ? err : "no answer");
	if (!sb->ops->alive(sb->rt)) {
		finish(op, 0, "the sandbox's processes exited while its agent was starting");
		return;
	}
	if (now_ms() >= op->deadline) {
		char msg[512];
		snprintf(msg, sizeof msg, "the sandbox's agent did not answer in time (last try: %s)", op->last_err);
		finish(op, 0, msg);
		return;
	}
	/* Short polls: a connect to a unix socket that is not there yet costs
	 * next to nothing, and every ms here is create latency. */
	op->timer = loop_add_timer(sb->d->loop, op->delay, retry_timer, op);
	if (op->delay < 8)
		op->delay *= 2;
}

static void init_done(http_call *c, int ok, const char *err, void *ud)
{
	struct agent_op *op = ud;
	if (op->cancelled)
		return;
	int status = ok ? http_call_status(c) : 0;
	op->call = NULL;
	if (status == 204 || status == 200) {
		if (op->start_after)
			start_startup(op);
		else
			finish(op, 1, NULL);
		return;
	}
	char msg[512];
	if (ok)
		snprintf(msg, sizeof msg, "the sandbox's agent refused POST /init with %d", status);
	else
		snprintf(msg, sizeof msg, "POST /init to the sandbox's agent failed: %s", err ? err : "no answer");
	finish(op, 0, msg);
}

static void start_call(struct agent_op *op)
{
	sbox *sb = op->sb;
	char url[512];
	const char *hdrs[3] = { "Content-Type: application/json", op->token_hdr, NULL };
	http_call_opts o = {
		.unix_socket = sb->agent_sock,
		.connect_timeout_ms = 1000,
		.timeout_ms = op->kind == OP_HEALTH ? 3000 : 10000,
		.ud = op,
	};
	if (op->kind == OP_HEALTH) {
		snprintf(url, sizeof url, "%s/health", sb->agent_base);
		o.on_done = health_done;
	} else {
		snprintf(url, sizeof url, "%s/init", sb->agent_base);
		o.method = "POST";
		o.headers = hdrs;
		o.body = op->body;
		o.body_len = strlen(op->body);
		o.on_done = init_done;
	}
	o.url = url;
	op->call = http_call_start(sb->d->cl, &o);
}

static struct agent_op *op_new(sbox *sb, enum op_kind kind)
{
	agent_op_cancel(sb);
	struct agent_op *op = xcalloc(1, sizeof *op);
	op->sb = sb;
	op->kind = kind;
	op->delay = 2;
	sb->op = op;
	return op;
}

void agent_op_health(sbox *sb, int64_t timeout_ms)
{
	struct agent_op *op = op_new(sb, OP_HEALTH);
	op->deadline = now_ms() + timeout_ms;
	start_call(op);
}

void agent_op_init(sbox *sb, const char *token, const char *body)
{
	struct agent_op *op = op_new(sb, OP_INIT);
	op->token_hdr = xasprintf("X-Access-Token: %s", token);
	op->body = xstrdup(body);
	start_call(op);
}

void agent_op_health_init(sbox *sb, int64_t timeout_ms, const char *token, const char *body)
{
	struct agent_op *op = op_new(sb, OP_HEALTH);
	op->deadline = now_ms() + timeout_ms;
	op->init_after = 1;
	op->token_hdr = xasprintf("X-Access-Token: %s", token ? token : "");
	op->body = xstrdup(body);
	start_call(op);
}

/* --- the template's start-up: start_cmd, then ready_cmd until it exits 0 ------- */

static void ps_tail_put(struct pstream *ps, const unsigned char *d, size_t n)
{
	buf_append(&ps->tail, d, n);
	if (ps->tail.len > 4096)
		buf_consume(&ps->tail, ps->tail.len - 1024);
}

/* The last output, printable and on one line, for a message. */
static void ps_tail_text(struct pstream *ps, char *out, size_t n)
{
	size_t len = ps->tail.len, from = len > 300 ? len - 300 : 0, o = 0;
	while (len && (ps->tail.data[len - 1] == '\n' || ps->tail.data[len - 1] == ' '))
		len--;
	for (size_t i = from; i < len && o + 1 < n; i++) {
		unsigned char c = (unsigned char)ps->tail.data[i];
		out[o++] = c == '\n' ? '|' : (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[o] = '\0';
}

static int int_of(json_t *v)
{
	if (json_is_integer(v))
		return (int)json_integer_value(v);
	return json_is_string(v) ? atoi(json_string_value(v)) : 0;
}

/* One StartResponse (hostile input: only what is well-formed counts). */
static void ps_message(struct pstream *ps, const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL), *ev = json_object_get(j, "event"), *x;
	if ((x = json_object_get(ev, "start")) && json_is_object(x)) {
		ps->started = 1;
	} else if ((x = json_object_get(ev, "data")) && json_is_object(x)) {
		const char *k;
		json_t *v;
		json_object_foreach(x, k, v) {
			size_t n;
			unsigned char *b = json_is_string(v) ? b64_decode(json_string_value(v), json_string_length(v), &n)
							      : NULL;
			if (b)
				ps_tail_put(ps, b, n);
			free(b);
		}
	} else if ((x = json_object_get(ev, "end")) && json_is_object(x)) {
		ps->ended = 1;
		ps->exit_code = int_of(json_object_get(x, "exitCode"));
		json_t *st = json_object_get(x, "status");
		snprintf(ps->end_status, sizeof ps->end_status, "%s",
			 json_is_string(st) ? json_string_value(st) : "exited");
	} else {
		json_decref(j);
		return;   /* keepalive, or nothing we know */
	}
	json_decref(j);
	ps->on_event(ps);
}

static void ps_headers(http_call *c, int status, void *ud)
{
	(void)c;
	struct pstream *ps = ud;
	ps->status = status;
}

static void ps_data(http_call *c, const char *data, size_t len, void *ud)
{
	(void)c;
	struct pstream *ps = ud;
	if (ps->status != 200) {
		if (ps->body.len < 2048)
			buf_append(&ps->body, data, len);
		return;
	}
	connect_reader_feed(&ps->rd, data, len);
	connect_frame f;
	sbx_err e;
	int r = CONNECT_NEED_MORE;
	struct agent_op *op = ps->op;
	while (!op->concluded && (r = connect_reader_next(&ps->rd, &f, &e)) == CONNECT_FRAME) {
		if (f.flags & CONNECT_FLAG_END) {
			json_t *j = json_loadb(f.data, f.len, 0, NULL), *m = json_object_get(json_object_get(j, "error"), "message");
			if (json_is_string(m))
				snprintf(ps->err, sizeof ps->err, "%s", json_string_value(m));
			json_decref(j);
			continue;
		}
		ps_message(ps, f.data, f.len);
	}
	if (!op->concluded && r == CONNECT_BAD)
		snprintf(ps->err, sizeof ps->err, "the agent's answer is not a Connect stream: %.150s", e.msg);
}

static void ps_done(http_call *c, int ok, const char *err, void *ud)
{
	struct pstream *ps = ud;
	if (ps->call != c)
		return;   /* cancelled by us */
	ps->call = NULL;
	if (ps->op->concluded)
		return;
	if (!ok && !ps->err[0])
		snprintf(ps->err, sizeof ps->err, "%s", err ? err : "no answer");
	if (ps->status != 200 && !ps->err[0]) {
		json_t *j = json_loadb(ps->body.data ? ps->body.data : "", ps->body.len, 0, NULL);
		json_t *m = json_object_get(j, "message");
		snprintf(ps->err, sizeof ps->err, "the agent answered %d%s%s", ps->status, json_is_string(m) ? ": " : "",
			 json_is_string(m) ? json_string_value(m) : "");
		json_decref(j);
	}
	ps->on_closed(ps);
}

/* POST process.Process/Start: bash -l -c CMD as the template's user in its workdir. */
static void ps_start(struct agent_op *op, struct pstream *ps, const char *cmd, long timeout_ms)
{
	sbox *sb = op->sb;
	ps_reset(ps);
	connect_reader_init(&ps->rd, 1 << 20);
	json_t *proc = json_pack("{s:s, s:[s,s,s]}", "cmd", "/bin/bash", "args", "-l", "-c", cmd);
	if (sb->start_cwd)
		json_object_set_new(proc, "cwd", json_string(sb->start_cwd));
	json_t *req = json_pack("{s:o, s:b}", "process", proc, "stdin", 0);
	char *js = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	sbx_buf body = SBX_BUF_INIT;
	connect_envelope(&body, 0, js ? js : "{}", js ? strlen(js) : 2);
	free(js);
	char *b64 = NULL, *auth = NULL, tmo[64] = "";
	if (sb->start_user) {
		char *u = xasprintf("%s:", sb->start_user);
		b64 = b64_encode(u, strlen(u));
		auth = xasprintf("Authorization: Basic %s", b64);
		free(u);
	}
	if (timeout_ms > 0)
		snprintf(tmo, sizeof tmo, "Connect-Timeout-Ms: %ld", timeout_ms);
	char *tok = xasprintf("X-Access-Token: %s", sb->rec.token);
	const char *hdrs[6] = { "Content-Type: application/connect+json", "Connect-Protocol-Version: 1", tok };
	size_t n = 3;
	if (auth)
		hdrs[n++] = auth;
	if (*tmo)
		hdrs[n++] = tmo;
	char url[512];
	snprintf(url, sizeof url, "%s/process.Process/Start", sb->agent_base);
	http_call_opts o = {
		.method = "POST", .url = url, .unix_socket = sb->agent_sock, .headers = hdrs,
		.body = body.data, .body_len = body.len, .connect_timeout_ms = 1000,
		.timeout_ms = timeout_ms > 0 ? timeout_ms + 2000 : 0,
		.on_headers = ps_headers, .on_data = ps_data, .on_done = ps_done, .ud = ps,
	};
	ps->call = http_call_start(sb->d->cl, &o);
	buf_free(&body);
	free(tok);
	free(auth);
	free(b64);
}

static int64_t fin_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct agent_op *op = ud;
	op->fin_timer = 0;
	char msg[sizeof op->fin_msg];   /* finish frees op before it passes the message on */
	snprintf(msg, sizeof msg, "%s", op->fin_msg);
	finish(op, op->concluded_ok, op->concluded_ok ? NULL : msg);   /* cancels the streams */
	return -1;
}

static void conclude(struct agent_op *op, int ok)
{
	op->concluded = 1;
	op->concluded_ok = ok;
	if (op->timer)
		loop_del_timer(op->sb->d->loop, op->timer);
	op->timer = 0;
	op->fin_timer = loop_add_timer(op->sb->d->loop, 0, fin_timer, op);
}

static void startup_fail(struct agent_op *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void startup_fail(struct agent_op *op, const char *fmt, ...)
{
	if (op->concluded)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(op->fin_msg, sizeof op->fin_msg, fmt, ap);
	va_end(ap);
	conclude(op, 0);
}

static void startup_ok(struct agent_op *op)
{
	sbox *sb = op->sb;
	if (op->concluded)
		return;
	if (sb->ready_cmd)
		sbox_log(sb, "template start-up ready: ready_cmd exited 0 (try %d)%s", op->tries,
			 sb->start_cmd ? ", start_cmd runs" : "");
	else
		sbox_log(sb, "template start-up ready: start_cmd runs (no ready_cmd to wait for)");
	conclude(op, 1);   /* the start stream is cancelled then; its process goes on */
}

static void ready_try(struct agent_op *op);

static int64_t ready_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct agent_op *op = ud;
	op->timer = 0;
	ready_try(op);
	return -1;
}

/* start_cmd died with a failure: the sandbox is of no use. */
static int start_failed(struct agent_op *op)
{
	struct pstream *ps = &op->start;
	if (!ps->ended || ps->exit_code == 0)
		return 0;
	char tail[320];
	ps_tail_text(ps, tail, sizeof tail);
	startup_fail(op, "the template's start_cmd (%s) ended with %s before ready%s%s; fix it in e2b.toml and "
		     "rebuild the template", op->sb->start_cmd, ps->end_status, *tail ? "; its output ends with: " : "",
		     tail);
	return 1;
}

static void ready_event(struct pstream *ps)
{
	struct agent_op *op = ps->op;
	if (!ps->ended || op->concluded)
		return;
	op->tries++;
	if (ps->exit_code == 0) {
		startup_ok(op);
		return;
	}
	char tail[200];
	ps_tail_text(ps, tail, sizeof tail);
	snprintf(op->ready_last, sizeof op->ready_last, "%.40s%s%.100s", ps->end_status, *tail ? ", output: " : "", tail);
}

static void ready_closed(struct pstream *ps)
{
	struct agent_op *op = ps->op;
	if (op->concluded)
		return;
	if (!ps->ended)
		snprintf(op->ready_last, sizeof op->ready_last, "it did not run: %.140s",
			 ps->err[0] ? ps->err : "the stream ended without an end event");
	if (start_failed(op))
		return;
	if (now_ms() >= op->ready_deadline) {
		startup_fail(op, "the template's ready_cmd (%s) did not exit 0 within %d s (last try: %s)%s; check it "
			     "in e2b.toml, or what start_cmd starts", op->sb->ready_cmd, AGENT_READY_TIMEOUT_MS / 1000,
			     op->ready_last, op->start.ended ? "; start_cmd had exited" : "");
		return;
	}
	int delay = op->delay < 50 ? 50 : op->delay;
	op->delay = delay * 2 > 1000 ? 1000 : delay * 2;
	op->timer = loop_add_timer(op->sb->d->loop, delay, ready_timer, op);
}

static void ready_try(struct agent_op *op)
{
	if (op->concluded || start_failed(op))
		return;
	int64_t left = op->ready_deadline - now_ms();
	ps_start(op, &op->ready, op->sb->ready_cmd, left < 1000 ? 1000 : left > 10000 ? 10000 : (long)left);
}

static int64_t ready_timer(sbx_loop *l, int64_t id, void *ud);

static void start_event(struct pstream *ps)
{
	struct agent_op *op = ps->op;
	if (op->concluded)
		return;
	if (ps->ended) {
		start_failed(op);   /* exit 0 is fine: it may have started a daemon */
		return;
	}
	if (!op->sb->ready_cmd)
		startup_ok(op);   /* started: nothing to wait for */
	else if (!op->ready.call && !op->timer)   /* from a timer: libcurl refuses new calls in its callbacks */
		op->timer = loop_add_timer(op->sb->d->loop, 0, ready_timer, op);
}

static void start_closed(struct pstream *ps)
{
	struct agent_op *op = ps->op;
	if (op->concluded)
		return;
	if (!ps->started)
		startup_fail(op, "the template's start_cmd (%s) could not be started: %s", op->sb->start_cmd,
			     ps->err[0] ? ps->err : "the stream ended without a start event");
	else if (!start_failed(op) && !op->sb->ready_cmd)
		startup_ok(op);
}

/* A stream that never answers (an agent stuck): the start-up still ends. */
static int64_t guard_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct agent_op *op = ud;
	op->guard = 0;
	startup_fail(op, "the template's start-up got no answer from the sandbox's agent within %d s (start_cmd %s)",
		     AGENT_READY_TIMEOUT_MS / 1000 + 15, op->start.started ? "started" : "not started");
	return -1;
}

static void start_startup(struct agent_op *op)
{
	sbox *sb = op->sb;
	op->kind = OP_START;
	op->start_after = 0;
	op->delay = 0;
	op->ready_deadline = now_ms() + AGENT_READY_TIMEOUT_MS;
	op->guard = loop_add_timer(sb->d->loop, AGENT_READY_TIMEOUT_MS + 15000, guard_timer, op);
	op->start.op = op->ready.op = op;
	op->start.on_event = start_event;
	op->start.on_closed = start_closed;
	op->ready.on_event = ready_event;
	op->ready.on_closed = ready_closed;
	sbox_log(sb, "agent ready; template start-up: %s%s%s", sb->start_cmd ? "start_cmd " : "",
		 sb->start_cmd && sb->ready_cmd ? "then " : "", sb->ready_cmd ? "ready_cmd until it exits 0" : "");
	if (sb->start_cmd)
		ps_start(op, &op->start, sb->start_cmd, 0);   /* no deadline: it lives on */
	else
		ready_try(op);
}

void agent_op_then_start(sbox *sb)
{
	if (sb->op && (sb->start_cmd || sb->ready_cmd))
		sb->op->start_after = 1;
}

void agent_op_cancel(sbox *sb)
{
	struct agent_op *op = sb->op;
	if (!op)
		return;
	sb->op = NULL;
	op->cancelled = 1;
	if (op->call)
		http_call_cancel(op->call);
	op_free(op);
}

int agent_addr_parse(const char *addr, char **base, char **sock, sbx_err *e)
{
	if (!addr)
		return sbx_error(e, "the runtime reported no agent address");
	if (!strncmp(addr, "unix:", 5) && addr[5]) {
		*base = xstrdup("http://localhost");
		*sock = xstrdup(addr + 5);
		return 0;
	}
	if (!strncmp(addr, "tcp:", 4) && strchr(addr + 4, ':')) {
		*base = xasprintf("http://%s", addr + 4);
		*sock = NULL;
		return 0;
	}
	return sbx_error(e, "the runtime reported an agent address sbxd cannot reach: '%s'", addr);
}
