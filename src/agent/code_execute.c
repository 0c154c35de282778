/*
 * code_execute: POST /execute — run one cell in a context and stream its
 * output as NDJSON lines (docs/protocol.md §5.1), each written as it
 * happens, {"type":"keepalive"} after 5 s of silence (that is also how a
 * vanished client is noticed), and always {"type":"end_of_execution"} last.
 *
 * Per-request env_vars apply to that cell only: silent requests around it
 * push and pop them (python: sbx_e2b.env_push/env_pop; r: Sys.setenv;
 * javascript/typescript: process.env; bash: export; java: system
 * properties, as E2B — each restoring what was there before, where E2B's
 * server only deletes).  Values travel as JSON inside a string literal, never pasted
 * into code.  A client that disconnects mid-cell interrupts it.  A request
 * with "sbx_jupyter": true (libsbx's) gets in each line what E2B's fields
 * drop (code_line_add_jupyter); E2B's SDKs never send it.
 */
#include "code_internal.h"
#include "../proto/code_result.h"
#include "../proto/ndjson.h"
#include "../util/buf.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct code_run {
	code_state *cs;       /* NULL once detached at agent exit */
	http_req *r;
	kexec *x;             /* NULL once done */
	int finished;         /* end_of_execution written */
	int jupyter;          /* the client asked for the Jupyter details too */
	int64_t ka_timer;
	int64_t last_write;
	struct code_run *next, *prev;
} code_run;

/* --- decoder ------------------------------------------------------------------ */

void code_exec_req_free(code_exec_req *r)
{
	free(r->code);
	free(r->context_id);
	free(r->language);
	json_decref(r->env_vars);
	memset(r, 0, sizeof *r);
}

static int check_env_vars(json_t *env, sbx_err *e)
{
	if (!json_is_object(env))
		return sbx_error(e, "\"env_vars\" must be an object of strings, like {\"NAME\":\"value\"}");
	const char *k;
	json_t *v;
	json_object_foreach(env, k, v) {
		if (!*k || strchr(k, '='))
			return sbx_error(e, "env_vars name \"%s\" is not a valid variable name", k);
		if (!json_is_string(v))
			return sbx_error(e, "env_vars value of \"%s\" must be a string", k);
		if (strlen(json_string_value(v)) != json_string_length(v))
			return sbx_error(e, "env_vars value of \"%s\" contains a NUL character", k);
	}
	/* Keys are C strings in jansson; a key with NUL was cut short, which
	 * json_object_size cannot reveal, so nothing more to check here. */
	return 0;
}

int code_parse_execute(const char *body, size_t len, code_exec_req *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);
	if (!j)
		return sbx_error(e, "the request body is not valid JSON: %s", je.text);
	const char *code, *ctx, *lang;
	int rc = -1;
	if (!json_is_object(j)) {
		sbx_error(e, "the request body must be a JSON object like {\"code\":\"1+1\"}");
		goto out;
	}
	if (code_json_str(j, "code", 1, &code, e) < 0 || code_json_str(j, "context_id", 0, &ctx, e) < 0 ||
	    code_json_str(j, "language", 0, &lang, e) < 0)
		goto out;
	json_t *env = json_object_get(j, "env_vars");
	if (env && !json_is_null(env) && check_env_vars(env, e) < 0)
		goto out;
	if (ctx && *ctx && lang && *lang) {
		sbx_error(e, "Only one of context_id or language can be provided, not both");
		goto out;
	}
	out->code = xstrdup(code);
	out->context_id = ctx && *ctx ? xstrdup(ctx) : NULL;
	out->language = lang && *lang ? code_normalize_language(lang) : NULL;
	if (env && json_is_object(env) && json_object_size(env))
		out->env_vars = json_incref(env);
	out->jupyter = json_is_true(json_object_get(j, "sbx_jupyter"));
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* --- language-specific silent code ------------------------------------------- */

/* A JSON text as a string literal Python and R both read: ASCII only, so
 * the literal holds nothing but printable characters, \" and \\. */
static char *json_literal(const json_t *v)
{
	char *inner = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_SORT_KEYS);
	json_t *s = json_string(inner);
	char *lit = json_dumps(s, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	json_decref(s);
	free(inner);
	return lit;
}

/* R: a named character vector; names and values are JSON string literals,
 * which R reads the same way (raw UTF-8, \" \\ \n \t \uXXXX). */
static char *r_named_vector(const json_t *env)
{
	sbx_buf b = SBX_BUF_INIT;
	const char *k;
	json_t *v;
	buf_puts(&b, "c(");
	json_object_foreach((json_t *)env, k, v) {
		json_t *ks = json_string(k);
		char *kl = json_dumps(ks, JSON_ENCODE_ANY);
		char *vl = json_dumps(v, JSON_ENCODE_ANY);
		buf_printf(&b, "%s%s = %s", b.len > 2 ? ", " : "", kl, vl);
		free(kl);
		free(vl);
		json_decref(ks);
	}
	buf_puts(&b, ")");
	return buf_detach(&b);
}

/* bash: a word in single quotes (' becomes '\''). */
static void sh_quote(sbx_buf *b, const char *v)
{
	buf_puts(b, "'");
	for (const char *p = v; *p; p++)
		if (*p == '\'')
			buf_puts(b, "'\\''");
		else
			buf_append(b, p, 1);
	buf_puts(b, "'");
}

/* A name bash can export: [A-Za-z_][A-Za-z0-9_]*. */
static int sh_name(const char *k)
{
	if (!isalpha((unsigned char)*k) && *k != '_')
		return 0;
	for (const char *p = k; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return 1;
}

/* A JSON string literal, which Java reads the same way: ASCII only, and
 * jansson writes " \ and line ends as \" \\ \n \r, never as the \u
 * escapes Java would turn into characters before parsing. */
static char *java_str(const char *s)
{
	json_t *j = json_string(s);
	char *lit = json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	json_decref(j);
	return lit;
}

static void java_set(sbx_buf *b, const json_t *env, int save)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)env, k, v) {
		char *kl = java_str(k), *vl = java_str(json_string_value(v));
		if (save)
			buf_printf(b, "__sbxEnvSaved.put(%s, System.getProperty(%s));\n", kl, kl);
		buf_printf(b, "System.setProperty(%s, %s);\n", kl, vl);
		free(kl);
		free(vl);
	}
}

/* Silent code setting env (an object of strings) for good, in the language
 * of flavour f; heap string.  bash skips names it cannot export. */
static char *env_set_code(int f, const json_t *env)
{
	const char *k;
	json_t *v;
	sbx_buf b = SBX_BUF_INIT;
	char *lit, *vec;
	switch (f) {
	case CODE_PY:
		lit = json_literal(env);
		buf_printf(&b, "__import__('os').environ.update(__import__('json').loads(%s))", lit);
		free(lit);
		break;
	case CODE_R:
		vec = r_named_vector(env);
		buf_printf(&b, "do.call(Sys.setenv, as.list(%s))", vec);
		free(vec);
		break;
	case CODE_JS:
		lit = json_literal(env);
		buf_printf(&b, "Object.assign(process.env, JSON.parse(%s));", lit);
		free(lit);
		break;
	case CODE_BASH:
		json_object_foreach((json_t *)env, k, v) {
			if (!sh_name(k))
				continue;
			buf_printf(&b, "export %s=", k);
			sh_quote(&b, json_string_value(v));
			buf_puts(&b, "; ");
		}
		buf_puts(&b, "true");
		break;
	case CODE_JAVA:
		java_set(&b, env, 0);
		break;
	}
	return buf_detach(&b);
}

/* Per-cell env_vars: pre sets them, remembering what was there; post puts
 * that back.  Heap strings in pre/post. */
static void env_push_pop_code(int f, const json_t *env, char **pre, char **post)
{
	const char *k;
	json_t *v;
	sbx_buf b = SBX_BUF_INIT;
	char *lit, *vec;
	switch (f) {
	case CODE_PY:
		lit = json_literal(env);
		*pre = xasprintf("__import__('sbx_e2b').env_push(__import__('json').loads(%s))", lit);
		*post = xstrdup("__import__('sbx_e2b').env_pop()");
		free(lit);
		break;
	case CODE_R:
		vec = r_named_vector(env);
		*pre = xasprintf("local({ v <- %s; assign('.sbx_env_saved', Sys.getenv(names(v), unset = NA, names = TRUE), "
				 "envir = globalenv()); do.call(Sys.setenv, as.list(v)) })", vec);
		*post = xstrdup("local({ s <- get('.sbx_env_saved', envir = globalenv()); "
				"for (k in names(s)) if (is.na(s[[k]])) Sys.unsetenv(k) "
				"else do.call(Sys.setenv, setNames(list(s[[k]]), k)); "
				"rm('.sbx_env_saved', envir = globalenv()) })");
		free(vec);
		break;
	case CODE_JS:
		lit = json_literal(env);
		*pre = xasprintf("(() => { const v = JSON.parse(%s), s = {}; for (const k of Object.keys(v)) { "
				 "s[k] = process.env[k] === undefined ? null : process.env[k]; process.env[k] = v[k]; } "
				 "globalThis.__sbxEnvSaved = s; })();", lit);
		*post = xstrdup("(() => { const s = globalThis.__sbxEnvSaved || {}; for (const k of Object.keys(s)) { "
				"if (s[k] === null) delete process.env[k]; else process.env[k] = s[k]; } "
				"delete globalThis.__sbxEnvSaved; })();");
		free(lit);
		break;
	case CODE_BASH:
		/* printf %q gives back a word eval reads as the old value */
		buf_puts(&b, "__sbx_env_restore=; ");
		json_object_foreach((json_t *)env, k, v) {
			buf_printf(&b, "if [ -n \"${%s+x}\" ]; then __sbx_env_restore+=\"export %s=$(printf %%q \"$%s\"); \"; "
				       "else __sbx_env_restore+=\"unset %s; \"; fi; export %s=", k, k, k, k, k);
			sh_quote(&b, json_string_value(v));
			buf_puts(&b, "; ");
		}
		buf_puts(&b, "true");
		*pre = buf_detach(&b);
		*post = xstrdup("eval \"$__sbx_env_restore\"; unset __sbx_env_restore; true");
		break;
	case CODE_JAVA:
		buf_puts(&b, "java.util.Map<String, String> __sbxEnvSaved = new java.util.HashMap<>();\n");
		java_set(&b, env, 1);
		*pre = buf_detach(&b);
		*post = xstrdup("for (var __sbxE : __sbxEnvSaved.entrySet()) { if (__sbxE.getValue() == null) "
				"System.clearProperty(__sbxE.getKey()); else System.setProperty(__sbxE.getKey(), "
				"__sbxE.getValue()); }\n");
		break;
	}
}

/* Fills the silent steps of q; returns -1 (e set) for env_vars in a
 * language we cannot set them in.  Strings in *owned are freed by the caller. */
static int build_env_steps(code_state *cs, code_ctx *c, json_t *env_vars, kexec_req *q,
			   char *owned[3], sbx_err *e)
{
	int f = code_lang_flavour(c->language);
	if (env_vars && f == CODE_OTHER)
		return sbx_error(e, "env_vars are supported for python, javascript, typescript, r, bash and java contexts; "
			"this context runs %s. Set them in the code instead.", c->language);
	if (env_vars && f == CODE_BASH) {
		const char *k;
		json_t *v;
		json_object_foreach(env_vars, k, v)
			if (!sh_name(k))
				return sbx_error(e, "env_vars name \"%s\" cannot be set in bash: use letters, digits and _ "
					"and do not start with a digit", k);
	}
	/* The global environment (/init) may have changed since the kernel
	 * started: bring the kernel up to date first. */
	char *sig = kernel_env_signature(&cs->a->env);
	if (strcmp(sig, kernel_env_sig(c->k)) && cs->a->env.n && f != CODE_OTHER) {
		json_t *g = json_loads(sig, 0, NULL);
		owned[0] = env_set_code(f, g);
		json_decref(g);
		q->setup = owned[0];
		q->setup_what = "Setting the sandbox's global environment variables";
	}
	kernel_set_env_sig(c->k, sig);
	free(sig);
	if (!env_vars)
		return 0;
	env_push_pop_code(f, env_vars, &owned[1], &owned[2]);
	q->pre = owned[1];
	q->post = owned[2];
	q->pre_what = "Setting env_vars";
	q->post_what = "Restoring the environment after env_vars";
	return 0;
}

/* --- the stream ------------------------------------------------------------------ */

/* Each line in one write (see ndjson.h). */
static void run_write(code_run *run, json_t *line)
{
	size_t len;
	char *s = line && !run->finished ? ndjson_line(line, &len) : NULL;
	if (s) {
		http_stream_write(run->r, s, len);
		run->last_write = now_ms();
		free(s);
	}
	json_decref(line);
}

static void run_end(code_run *run)
{
	if (run->finished)
		return;
	run_write(run, code_line_simple("end_of_execution"));
	run->finished = 1;
	http_stream_end(run->r);
	if (run->ka_timer && run->cs)
		loop_del_timer(run->cs->a->loop, run->ka_timer);
	run->ka_timer = 0;
}

static void on_output(const jmsg *m, void *ud)
{
	code_run *run = ud;
	json_t *line = code_line_from_msg(m->msg_type, m->content, m->date);
	if (run->jupyter)
		code_line_add_jupyter(line, m->msg_type, m->content);
	run_write(run, line);
}

static void on_error(const char *name, const char *value, const char *tb, void *ud)
{
	run_write(ud, code_line_error(name, value, tb));
}

static void on_done(void *ud)
{
	code_run *run = ud;
	run->x = NULL;
	run_end(run);
}

static const kexec_ops run_ops = { on_output, on_error, on_done };

static int64_t on_keepalive(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	code_run *run = ud;
	int64_t idle = now_ms() - run->last_write;
	if (idle < CODE_KEEPALIVE_MS)
		return CODE_KEEPALIVE_MS - idle;
	run_write(run, code_line_simple("keepalive"));
	return CODE_KEEPALIVE_MS;
}

static void run_unlink(code_run *run)
{
	if (!run->cs)
		return;
	if (run->prev)
		run->prev->next = run->next;
	else
		run->cs->runs = run->next;
	if (run->next)
		run->next->prev = run->prev;
	if (run->ka_timer)
		loop_del_timer(run->cs->a->loop, run->ka_timer);
	run->ka_timer = 0;
	run->cs = NULL;
}

static void on_close(http_req *r, int ok, void *ud)
{
	(void)r;
	(void)ok;
	code_run *run = ud;
	if (run->x)
		kexec_cancel(run->x);   /* the client left mid-cell: interrupt it */
	run_unlink(run);
	free(run);
}

void code_runs_detach(code_state *cs)
{
	while (cs->runs) {
		code_run *run = cs->runs;
		if (run->x)
			kexec_cancel(run->x);
		run->x = NULL;
		run_unlink(run);
	}
}

static void respond_text(http_req *r, int status, const char *msg)
{
	http_respond_str(r, status, "text/plain", msg);
}

static void on_body(http_req *r, const char *body, size_t len, void *ud)
{
	code_state *cs = ud;
	code_exec_req q;
	sbx_err e;
	if (code_parse_execute(body, len, &q, &e) < 0) {
		respond_text(r, 400, e.msg);
		return;
	}
	int status = 500;
	code_ctx *c;
	if (q.context_id) {
		c = code_ctx_find(cs, q.context_id);
		if (!c) {
			char *m = xasprintf("Context %s not found", q.context_id);
			respond_text(r, 404, m);
			free(m);
			code_exec_req_free(&q);
			return;
		}
	} else {
		c = code_ctx_default(cs, q.language ? q.language : "python", &status, &e);
	}
	kexec_req kq = { .code = q.code };
	char *owned[3] = { 0 };
	if (!c || build_env_steps(cs, c, q.env_vars, &kq, owned, &e) < 0) {
		respond_text(r, c ? 400 : status, e.msg);
		goto out;
	}
	code_run *run = xcalloc(1, sizeof *run);
	run->cs = cs;
	run->r = r;
	run->jupyter = q.jupyter;
	run->last_write = now_ms();
	run->next = cs->runs;
	if (cs->runs)
		cs->runs->prev = run;
	cs->runs = run;
	http_req_on_close(r, on_close, run);
	http_stream_begin(r, 200, "application/x-ndjson");
	run->ka_timer = loop_add_timer(cs->a->loop, CODE_KEEPALIVE_MS, on_keepalive, run);
	if (kernel_execute(c->k, &kq, &run_ops, run, &run->x, &e) < 0) {
		run_write(run, code_line_error("KernelStartFailed", e.msg, ""));
		run_end(run);
	}
out:
	for (int i = 0; i < 3; i++)
		free(owned[i]);
	code_exec_req_free(&q);
}

void code_execute_route(code_state *cs, http_req *r)
{
	http_req_read_body(r, CODE_EXECUTE_BODY_LIMIT, on_body, cs);
}
