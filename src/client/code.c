/* code: /execute and /contexts on the code interpreter (port 49999). */
#include "code.h"
#include "client_int.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTX_TIMEOUT_MS 60000

static sbx_op *code_start(sbx_client *c, const sbx_sandbox *sb, const char *what, const char *method,
			  const char *path, json_t *body, int stream, long timeout_ms)
{
	const char *extra[] = { "Content-Type: application/json", NULL };
	char **h = sbx_sandbox_headers(sb, SBX_PORT_CODE, extra);
	char *url = xasprintf("%s%s", sb->code_url, path);
	char *js = body ? json_dumps(body, JSON_COMPACT) : NULL;
	op_spec sp = { .what = what, .kind = OP_PLAIN, .method = method, .url = url,
		       .headers = (const char *const *)h, .body = js, .body_len = js ? strlen(js) : 0,
		       .stream = stream, .timeout_ms = timeout_ms };
	sbx_op *op = op_start(c, &sp);
	free(js);
	free(url);
	sbx_strv_free(h);
	json_decref(body);
	return op;
}

/* --- execute --------------------------------------------------------------- */

typedef struct exec_ctx {
	sbx_code_handler h;
	sbx_ndjson_reader rd;
	int ended;
} exec_ctx;

static void exec_free(void *p)
{
	exec_ctx *x = p;
	sbx_ndjson_free(&x->rd);
	free(x);
}

static int on_line(const json_t *j, void *ud, sbx_err *e)
{
	exec_ctx *x = ud;
	sbx_code_event ev;
	if (sbx_code_event_parse(j, &ev, e) < 0)
		return -1;
	if (ev.type == SBX_CODE_END)
		x->ended = 1;
	if (ev.type != SBX_CODE_KEEPALIVE && ev.type != SBX_CODE_OTHER && x->h.on_event)
		x->h.on_event(&ev, x->h.ud);
	sbx_code_event_clear(&ev);
	return 0;
}

static void exec_data(sbx_op *op, const char *data, size_t len)
{
	exec_ctx *x = op->ctx;
	sbx_err e;
	if (sbx_ndjson_feed(&x->rd, data, len, on_line, x, &e) < 0)
		op_fail(op, "cannot %s: %s", op->what, e.msg);
}

static void exec_finish(sbx_op *op, const sbx_err *e)
{
	exec_ctx *x = op->ctx;
	sbx_err fe, we, we2;
	if (!e && sbx_ndjson_finish(&x->rd, on_line, x, &fe) < 0) {
		sbx_error(&we, "cannot %s: %s", op->what, fe.msg);
		e = &we;
	}
	if (!e && !x->ended) {
		sbx_error(&we, "cannot %s: the execution stopped before its end (the connection was lost)", op->what);
		e = &we;
	}
	if (e && op->status == 404 && !x->ended) {
		/* "Context <id> not found": say where to look */
		sbx_error(&we2, "%.900s; list the contexts with `sbx run ID --list-contexts`", e->msg);
		e = &we2;
	}
	if (x->h.on_done)
		x->h.on_done(e, x->h.ud);
}

int sbx_code_exec(sbx_client *c, const sbx_sandbox *sb, const sbx_exec_opts *o, const sbx_code_handler *h,
		  sbx_op **out, sbx_err *e)
{
	sbx_err re;
	json_t *req = sbx_exec_request(o, &re);
	if (!req)
		return sbx_error(e, "cannot run code: %s", re.msg);
	exec_ctx *x = xcalloc(1, sizeof *x);
	x->h = *h;
	sbx_ndjson_init(&x->rd);
	char what[160];
	snprintf(what, sizeof what, "run code in sandbox %s", sb->id);
	sbx_op *op = code_start(c, sb, what, "POST", "/execute", req, 1, o->timeout_ms);
	op->ctx = x;
	op->ctx_free = exec_free;
	op->on_data = exec_data;
	op->on_finish = exec_finish;
	op_out(out, op);
	return 0;
}

/* --- contexts -------------------------------------------------------------- */

typedef struct ctx_ud {
	sbx_context_cb one;
	sbx_context_list_cb list;
	sbx_done_cb done;
	sbx_languages_cb langs;
	void *ud;
} ctx_ud;

static void ctx_fill(const json_t *j, sbx_context *c)
{
	c->id = json_string_value(json_object_get(j, "id"));
	c->language = json_string_value(json_object_get(j, "language"));
	c->cwd = json_string_value(json_object_get(j, "cwd"));
	if (!c->id)
		c->id = "";
	if (!c->language)
		c->language = "";
	if (!c->cwd)
		c->cwd = "";
}

static void fin_one(sbx_op *op, const sbx_err *e)
{
	ctx_ud *u = op->ctx;
	sbx_err pe;
	json_t *j = e ? NULL : op_json(op, &pe);
	if (!e && !json_is_object(j)) {
		if (j)
			sbx_error(&pe, "cannot %s: the answer is not a JSON object", op->what);
		e = &pe;
	}
	if (e) {
		u->one(NULL, e, u->ud);
	} else {
		sbx_context c;
		ctx_fill(j, &c);
		u->one(&c, NULL, u->ud);
	}
	json_decref(j);
}

static void fin_list(sbx_op *op, const sbx_err *e)
{
	ctx_ud *u = op->ctx;
	sbx_err pe;
	json_t *j = e ? NULL : op_json(op, &pe);
	if (!e && !json_is_array(j)) {
		if (j)
			sbx_error(&pe, "cannot %s: the answer is not a JSON array", op->what);
		e = &pe;
	}
	if (e) {
		u->list(NULL, 0, e, u->ud);
	} else {
		size_t n = json_array_size(j);
		sbx_context *c = xcalloc(n + 1, sizeof *c);
		for (size_t i = 0; i < n; i++)
			ctx_fill(json_array_get(j, i), &c[i]);
		u->list(c, n, NULL, u->ud);
		free(c);
	}
	json_decref(j);
}

static void fin_done(sbx_op *op, const sbx_err *e)
{
	ctx_ud *u = op->ctx;
	u->done(e, u->ud);
}

static void attach(sbx_op *op, ctx_ud *u, void (*fin)(sbx_op *, const sbx_err *), sbx_op **out)
{
	op->ctx = u;
	op->ctx_free = free;
	op->on_finish = fin;
	op_out(out, op);
}

int sbx_context_create(sbx_client *c, const sbx_sandbox *sb, const char *language, const char *cwd,
		       sbx_context_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	(void)e;
	json_t *b = json_object();
	if (language)
		json_object_set_new(b, "language", json_string(language));
	if (cwd)
		json_object_set_new(b, "cwd", json_string(cwd));
	ctx_ud *u = xcalloc(1, sizeof *u);
	u->one = cb;
	u->ud = ud;
	attach(code_start(c, sb, "create a code context", "POST", "/contexts", b, 0, CTX_TIMEOUT_MS), u, fin_one, out);
	return 0;
}

int sbx_context_list(sbx_client *c, const sbx_sandbox *sb, sbx_context_list_cb cb, void *ud, sbx_op **out,
		     sbx_err *e)
{
	(void)e;
	ctx_ud *u = xcalloc(1, sizeof *u);
	u->list = cb;
	u->ud = ud;
	attach(code_start(c, sb, "list the code contexts", "GET", "/contexts", NULL, 0, CTX_TIMEOUT_MS), u, fin_list,
	       out);
	return 0;
}

static int by_id(sbx_client *c, const sbx_sandbox *sb, const char *verb, const char *method, const char *fmt,
		 const char *id, sbx_done_cb cb, void *ud, sbx_op **out)
{
	sbx_buf enc = SBX_BUF_INIT;
	url_query_enc(&enc, id);
	char *path = xasprintf(fmt, buf_cstr(&enc)), what[200];
	snprintf(what, sizeof what, "%s code context %s", verb, id);
	ctx_ud *u = xcalloc(1, sizeof *u);
	u->done = cb;
	u->ud = ud;
	attach(code_start(c, sb, what, method, path, NULL, 0, CTX_TIMEOUT_MS), u, fin_done, out);
	free(path);
	buf_free(&enc);
	return 0;
}

int sbx_context_restart(sbx_client *c, const sbx_sandbox *sb, const char *id, sbx_done_cb cb, void *ud,
			sbx_op **out, sbx_err *e)
{
	(void)e;
	return by_id(c, sb, "restart", "POST", "/contexts/%s/restart", id, cb, ud, out);
}

int sbx_context_delete(sbx_client *c, const sbx_sandbox *sb, const char *id, sbx_done_cb cb, void *ud,
		       sbx_op **out, sbx_err *e)
{
	(void)e;
	return by_id(c, sb, "delete", "DELETE", "/contexts/%s", id, cb, ud, out);
}

/* --- languages ------------------------------------------------------------- */

static void fin_langs(sbx_op *op, const sbx_err *e)
{
	ctx_ud *u = op->ctx;
	sbx_err pe, why;
	json_t *j = e ? NULL : op_json(op, &pe);
	sbx_language *l = NULL;
	size_t n = 0;
	if (!e && !j)
		e = &pe;
	else if (!e && sbx_languages_parse(j, &l, &n, &why) < 0) {
		sbx_error(&pe, "cannot %s: %s", op->what, why.msg);
		e = &pe;
	}
	u->langs(e ? NULL : l, e ? 0 : n, e, u->ud);
	sbx_languages_free(l, n);
	json_decref(j);
}

int sbx_code_languages(sbx_client *c, const sbx_sandbox *sb, sbx_languages_cb cb, void *ud, sbx_op **out,
		       sbx_err *e)
{
	(void)e;
	ctx_ud *u = xcalloc(1, sizeof *u);
	u->langs = cb;
	u->ud = ud;
	attach(code_start(c, sb, "list the sandbox's code languages", "GET", "/languages", NULL, 0, CTX_TIMEOUT_MS),
	       u, fin_langs, out);
	return 0;
}
