/* proc: the process.Process calls. */
#include "proc.h"
#include "rpc.h"
#include "../util/b64.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct proc_ud {
	sbx_proc_handler h;
} proc_ud;

static int on_msg(const json_t *msg, void *ud, sbx_err *e)
{
	proc_ud *p = ud;
	sbx_proc_event ev;
	unsigned char *owned;
	if (sbx_proc_event_parse(msg, &ev, &owned, e) < 0)
		return -1;
	if (ev.type != SBX_PROC_KEEPALIVE && p->h.on_event)
		p->h.on_event(&ev, p->h.ud);
	free(owned);
	return 0;
}

/* A data event as the agent writes it, {"event":{"data":{"pty":"B64"}}}
 * (or stdout, stderr), is decoded without jansson: a terminal gets one per
 * read in the sandbox.  Anything else goes the general way. */
static int on_raw(const char *json, size_t len, void *ud, sbx_err *e)
{
	(void)e;
	static const char head[] = "{\"event\":{\"data\":{\"", tail[] = "\"}}}";
	static const struct { const char *k; int t; } kinds[] = {
		{ "pty\":\"", SBX_PROC_PTY }, { "stdout\":\"", SBX_PROC_STDOUT }, { "stderr\":\"", SBX_PROC_STDERR },
	};
	proc_ud *p = ud;
	size_t hl = sizeof head - 1, tl = sizeof tail - 1;
	if (len < hl + tl || memcmp(json, head, hl) || memcmp(json + len - tl, tail, tl))
		return 0;
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		size_t kl = strlen(kinds[i].k);
		if (len < hl + kl + tl || memcmp(json + hl, kinds[i].k, kl))
			continue;
		const char *b = json + hl + kl;
		size_t bl = len - hl - kl - tl, n;
		if (memchr(b, '"', bl) || memchr(b, '\\', bl))
			return 0;
		unsigned char *data = b64_decode(b, bl, &n);
		if (!data)
			return 0;   /* the general way says what is wrong */
		sbx_proc_event ev = { .type = kinds[i].t, .data = data, .len = n };
		if (p->h.on_event)
			p->h.on_event(&ev, p->h.ud);
		free(data);
		return 1;
	}
	return 0;
}

static void on_done(const sbx_err *e, void *ud)
{
	proc_ud *p = ud;
	if (p->h.on_done)
		p->h.on_done(e, p->h.ud);
}

static void stream(sbx_client *c, const sbx_sandbox *sb, rpc_call *rc, const sbx_proc_handler *h, sbx_op **out)
{
	proc_ud *p = xcalloc(1, sizeof *p);
	p->h = *h;
	rpc_stream_hooks hooks = { .msg_cb = on_msg, .raw_cb = on_raw, .done = on_done, .ud = p, .ud_free = free };
	op_out(out, rpc_stream(c, sb, rc, &hooks));
}

int sbx_proc_start(sbx_client *c, const sbx_sandbox *sb, const sbx_proc_opts *o, const sbx_proc_handler *h,
		   sbx_op **out, sbx_err *e)
{
	sbx_err re;
	json_t *req = sbx_proc_start_request(o, &re);
	if (!req)
		return sbx_error(e, "cannot start a process: %s", re.msg);
	char what[200];
	snprintf(what, sizeof what, "run '%s' in sandbox %s", o->cmd, sb->id);
	rpc_call rc = { .what = what, .method = "process.Process/Start", .req = req, .user = o->user ? o->user : sb->user,
			.timeout_ms = o->timeout_ms };
	stream(c, sb, &rc, h, out);
	return 0;
}

static json_t *selector(sbx_proc_ref p)
{
	if (p.tag)
		return json_pack("{s:s}", "tag", p.tag);
	return json_pack("{s:i}", "pid", (json_int_t)p.pid);
}

static void ref_text(sbx_proc_ref p, char *out, size_t n)
{
	if (p.tag)
		snprintf(out, n, "tag '%s'", p.tag);
	else
		snprintf(out, n, "pid %u", p.pid);
}

int sbx_proc_connect(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, const sbx_proc_handler *h, sbx_op **out,
		     sbx_err *e)
{
	(void)e;
	char what[200], ref[128];
	ref_text(p, ref, sizeof ref);
	snprintf(what, sizeof what, "connect to process %s in sandbox %s", ref, sb->id);
	rpc_call rc = { .what = what, .method = "process.Process/Connect",
			.req = json_pack("{s:o}", "process", selector(p)) };
	stream(c, sb, &rc, h, out);
	return 0;
}

/* --- unary calls ----------------------------------------------------------- */

typedef struct unary_ud {
	sbx_done_cb cb;
	sbx_proc_list_cb list_cb;
	void *ud;
} unary_ud;

static void fin_done(sbx_op *op, const sbx_err *e)
{
	unary_ud *u = op->ctx;
	u->cb(e, u->ud);
}

static int unary(sbx_client *c, const sbx_sandbox *sb, const char *what, const char *method, json_t *req,
		 sbx_done_cb cb, void *ud, sbx_op **out)
{
	unary_ud *u = xcalloc(1, sizeof *u);
	u->cb = cb;
	u->ud = ud;
	rpc_call rc = { .what = what, .method = method, .req = req };
	sbx_op *op = rpc_unary(c, sb, &rc);
	op->ctx = u;
	op->ctx_free = free;
	op->on_finish = fin_done;
	op_out(out, op);
	return 0;
}

int sbx_proc_send_input(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, int pty, const void *data,
			size_t len, sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	(void)e;
	char *b = b64_encode(data, len), what[200], ref[128];
	ref_text(p, ref, sizeof ref);
	snprintf(what, sizeof what, "send input to process %s", ref);
	json_t *req = json_pack("{s:o,s:{s:s}}", "process", selector(p), "input", pty ? "pty" : "stdin", b);
	free(b);
	return unary(c, sb, what, "process.Process/SendInput", req, cb, ud, out);
}

int sbx_proc_signal(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, int sig, sbx_done_cb cb, void *ud,
		    sbx_op **out, sbx_err *e)
{
	if (sig != 9 && sig != 15)
		return sbx_error(e, "cannot send signal %d: envd only sends SIGKILL (9) and SIGTERM (15)", sig);
	char what[200], ref[128];
	ref_text(p, ref, sizeof ref);
	snprintf(what, sizeof what, "signal process %s", ref);
	json_t *req = json_pack("{s:o,s:s}", "process", selector(p), "signal",
				sig == 9 ? "SIGNAL_SIGKILL" : "SIGNAL_SIGTERM");
	return unary(c, sb, what, "process.Process/SendSignal", req, cb, ud, out);
}

int sbx_proc_resize(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, unsigned cols, unsigned rows,
		    sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	if (!cols || !rows)
		return sbx_error(e, "cannot resize a terminal to %ux%u", cols, rows);
	char what[200], ref[128];
	ref_text(p, ref, sizeof ref);
	snprintf(what, sizeof what, "resize the terminal of process %s", ref);
	json_t *req = json_pack("{s:o,s:{s:{s:i,s:i}}}", "process", selector(p), "pty", "size", "cols", (int)cols,
				"rows", (int)rows);
	return unary(c, sb, what, "process.Process/Update", req, cb, ud, out);
}

int sbx_proc_close_stdin(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, sbx_done_cb cb, void *ud,
			 sbx_op **out, sbx_err *e)
{
	(void)e;
	char what[200], ref[128];
	ref_text(p, ref, sizeof ref);
	snprintf(what, sizeof what, "close the stdin of process %s", ref);
	return unary(c, sb, what, "process.Process/CloseStdin", json_pack("{s:o}", "process", selector(p)), cb, ud,
		     out);
}

static void fin_list(sbx_op *op, const sbx_err *e)
{
	unary_ud *u = op->ctx;
	sbx_err pe;
	if (e) {
		u->list_cb(NULL, 0, e, u->ud);
		return;
	}
	json_t *j = rpc_answer(op, &pe);
	if (!j) {
		u->list_cb(NULL, 0, &pe, u->ud);
		return;
	}
	json_t *arr = json_object_get(j, "processes");
	size_t n = json_array_size(arr);
	sbx_proc_info *p = xcalloc(n + 1, sizeof *p);
	const char ***argvs = xcalloc(n + 1, sizeof *argvs);
	for (size_t i = 0; i < n; i++) {
		json_t *pi = json_array_get(arr, i), *cfg = json_object_get(pi, "config");
		json_t *args = json_object_get(cfg, "args");
		json_t *pid = json_object_get(pi, "pid");
		p[i].pid = json_is_integer(pid) ? (uint32_t)json_integer_value(pid)
			   : json_is_string(pid) ? (uint32_t)strtoul(json_string_value(pid), NULL, 10) : 0;
		p[i].tag = json_string_value(json_object_get(pi, "tag"));
		p[i].cmd = json_string_value(json_object_get(cfg, "cmd"));
		if (!p[i].cmd)
			p[i].cmd = "";
		p[i].cwd = json_string_value(json_object_get(cfg, "cwd"));
		argvs[i] = xcalloc(json_array_size(args) + 1, sizeof *argvs[i]);
		for (size_t k = 0; k < json_array_size(args); k++) {
			const char *s = json_string_value(json_array_get(args, k));
			if (s)
				argvs[i][p[i].nargs++] = s;
		}
		p[i].args = argvs[i];
	}
	u->list_cb(p, n, NULL, u->ud);
	for (size_t i = 0; i < n; i++)
		free(argvs[i]);
	free(argvs);
	free(p);
	json_decref(j);
}

int sbx_proc_list(sbx_client *c, const sbx_sandbox *sb, sbx_proc_list_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	(void)e;
	unary_ud *u = xcalloc(1, sizeof *u);
	u->list_cb = cb;
	u->ud = ud;
	char what[160];
	snprintf(what, sizeof what, "list the processes of sandbox %s", sb->id);
	rpc_call rc = { .what = what, .method = "process.Process/List", .req = json_object() };
	sbx_op *op = rpc_unary(c, sb, &rc);
	op->ctx = u;
	op->ctx_free = free;
	op->on_finish = fin_list;
	op_out(out, op);
	return 0;
}
