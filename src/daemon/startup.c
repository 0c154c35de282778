/* startup: a template's start-up in a new sandbox (startup.h). */
#include "startup.h"
#include "sandbox.h"
#include "../proto/connect.h"
#include "../util/b64.h"
#include "../util/buf.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One process.Process/Start stream: start_cmd's, or one ready_cmd try. */
struct pstream {
	struct startup *su;
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


struct startup {
	sbox *sb;
	startup_done_cb done;
	void *ud;
	struct pstream start, ready;
	int64_t timer;           /* the next ready_cmd try */
	int delay;               /* ms before the try after this one */
	int64_t ready_deadline;
	int tries;
	char ready_last[160];    /* how the last ready_cmd try ended */
	/* Stream callbacks never call done: they conclude, a timer tells. */
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
	ps->su = keep.su;
	ps->on_event = keep.on_event;
	ps->on_closed = keep.on_closed;
}



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
	struct startup *su = ps->su;
	while (!su->concluded && (r = connect_reader_next(&ps->rd, &f, &e)) == CONNECT_FRAME) {
		if (f.flags & CONNECT_FLAG_END) {
			json_t *j = json_loadb(f.data, f.len, 0, NULL), *m = json_object_get(json_object_get(j, "error"), "message");
			if (json_is_string(m))
				snprintf(ps->err, sizeof ps->err, "%s", json_string_value(m));
			json_decref(j);
			continue;
		}
		ps_message(ps, f.data, f.len);
	}
	if (!su->concluded && r == CONNECT_BAD)
		snprintf(ps->err, sizeof ps->err, "the agent's answer is not a Connect stream: %.150s", e.msg);
}

static void ps_done(http_call *c, int ok, const char *err, void *ud)
{
	struct pstream *ps = ud;
	if (ps->call != c)
		return;   /* cancelled by us */
	ps->call = NULL;
	if (ps->su->concluded)
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
static void ps_start(struct startup *su, struct pstream *ps, const char *cmd, long timeout_ms)
{
	sbox *sb = su->sb;
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
	struct startup *su = ud;
	su->fin_timer = 0;
	char msg[sizeof su->fin_msg];
	snprintf(msg, sizeof msg, "%s", su->fin_msg);
	/* Last: done may free su (startup_free cancels the streams; start_cmd's process goes on). */
	su->done(su->concluded_ok, su->concluded_ok ? NULL : msg, su->ud);
	return -1;
}

static void conclude(struct startup *su, int ok)
{
	su->concluded = 1;
	su->concluded_ok = ok;
	if (su->timer)
		loop_del_timer(su->sb->d->loop, su->timer);
	su->timer = 0;
	su->fin_timer = loop_add_timer(su->sb->d->loop, 0, fin_timer, su);
}

static void startup_fail(struct startup *su, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void startup_fail(struct startup *su, const char *fmt, ...)
{
	if (su->concluded)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(su->fin_msg, sizeof su->fin_msg, fmt, ap);
	va_end(ap);
	conclude(su, 0);
}

static void startup_ok(struct startup *su)
{
	sbox *sb = su->sb;
	if (su->concluded)
		return;
	if (sb->ready_cmd)
		sbox_log(sb, "template start-up ready: ready_cmd exited 0 (try %d)%s", su->tries,
			 sb->start_cmd ? ", start_cmd runs" : "");
	else
		sbox_log(sb, "template start-up ready: start_cmd runs (no ready_cmd to wait for)");
	conclude(su, 1);
}

static void ready_try(struct startup *su);

static int64_t ready_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct startup *su = ud;
	su->timer = 0;
	ready_try(su);
	return -1;
}

/* start_cmd died with a failure: the sandbox is of no use. */
static int start_failed(struct startup *su)
{
	struct pstream *ps = &su->start;
	if (!ps->ended || ps->exit_code == 0)
		return 0;
	char tail[320];
	ps_tail_text(ps, tail, sizeof tail);
	startup_fail(su, "the template's start_cmd (%s) ended with %s before ready%s%s; fix it in e2b.toml and "
		     "rebuild the template", su->sb->start_cmd, ps->end_status, *tail ? "; its output ends with: " : "",
		     tail);
	return 1;
}

static void ready_event(struct pstream *ps)
{
	struct startup *su = ps->su;
	if (!ps->ended || su->concluded)
		return;
	su->tries++;
	if (ps->exit_code == 0) {
		startup_ok(su);
		return;
	}
	char tail[200];
	ps_tail_text(ps, tail, sizeof tail);
	snprintf(su->ready_last, sizeof su->ready_last, "%.40s%s%.100s", ps->end_status, *tail ? ", output: " : "", tail);
}

static void ready_closed(struct pstream *ps)
{
	struct startup *su = ps->su;
	if (su->concluded)
		return;
	if (!ps->ended)
		snprintf(su->ready_last, sizeof su->ready_last, "it did not run: %.140s",
			 ps->err[0] ? ps->err : "the stream ended without an end event");
	if (start_failed(su))
		return;
	if (now_ms() >= su->ready_deadline) {
		startup_fail(su, "the template's ready_cmd (%s) did not exit 0 within %d s (last try: %s)%s; check it "
			     "in e2b.toml, or what start_cmd starts", su->sb->ready_cmd, STARTUP_READY_TIMEOUT_MS / 1000,
			     su->ready_last, su->start.ended ? "; start_cmd had exited" : "");
		return;
	}
	int delay = su->delay < 50 ? 50 : su->delay;
	su->delay = delay * 2 > 1000 ? 1000 : delay * 2;
	su->timer = loop_add_timer(su->sb->d->loop, delay, ready_timer, su);
}

static void ready_try(struct startup *su)
{
	if (su->concluded || start_failed(su))
		return;
	int64_t left = su->ready_deadline - now_ms();
	ps_start(su, &su->ready, su->sb->ready_cmd, left < 1000 ? 1000 : left > 10000 ? 10000 : (long)left);
}

static void start_event(struct pstream *ps)
{
	struct startup *su = ps->su;
	if (su->concluded)
		return;
	if (ps->ended) {
		start_failed(su);   /* exit 0 is fine: it may have started a daemon */
		return;
	}
	if (!su->sb->ready_cmd)
		startup_ok(su);   /* started: nothing to wait for */
	else if (!su->ready.call && !su->timer)   /* from a timer: libcurl refuses new calls in its callbacks */
		su->timer = loop_add_timer(su->sb->d->loop, 0, ready_timer, su);
}

static void start_closed(struct pstream *ps)
{
	struct startup *su = ps->su;
	if (su->concluded)
		return;
	if (!ps->started)
		startup_fail(su, "the template's start_cmd (%s) could not be started: %s", su->sb->start_cmd,
			     ps->err[0] ? ps->err : "the stream ended without a start event");
	else if (!start_failed(su) && !su->sb->ready_cmd)
		startup_ok(su);
}

/* A stream that never answers (an agent stuck): the start-up still ends. */
static int64_t guard_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct startup *su = ud;
	su->guard = 0;
	startup_fail(su, "the template's start-up got no answer from the sandbox's agent within %d s (start_cmd %s)",
		     STARTUP_READY_TIMEOUT_MS / 1000 + 15, su->start.started ? "started" : "not started");
	return -1;
}

startup *startup_start(sbox *sb, startup_done_cb done, void *ud)
{
	struct startup *su = xcalloc(1, sizeof *su);
	su->sb = sb;
	su->done = done;
	su->ud = ud;
	su->ready_deadline = now_ms() + STARTUP_READY_TIMEOUT_MS;
	su->guard = loop_add_timer(sb->d->loop, STARTUP_READY_TIMEOUT_MS + 15000, guard_timer, su);
	su->start.su = su->ready.su = su;
	su->start.on_event = start_event;
	su->start.on_closed = start_closed;
	su->ready.on_event = ready_event;
	su->ready.on_closed = ready_closed;
	sbox_log(sb, "agent ready; template start-up: %s%s%s", sb->start_cmd ? "start_cmd " : "",
		 sb->start_cmd && sb->ready_cmd ? "then " : "", sb->ready_cmd ? "ready_cmd until it exits 0" : "");
	if (sb->start_cmd)
		ps_start(su, &su->start, sb->start_cmd, 0);   /* no deadline: it lives on */
	else
		su->timer = loop_add_timer(sb->d->loop, 0, ready_timer, su);
	return su;
}

void startup_free(startup *su)
{
	if (!su)
		return;
	sbx_loop *l = su->sb->d->loop;
	if (su->timer)
		loop_del_timer(l, su->timer);
	if (su->fin_timer)
		loop_del_timer(l, su->fin_timer);
	if (su->guard)
		loop_del_timer(l, su->guard);
	ps_reset(&su->start);
	ps_reset(&su->ready);
	free(su);
}
