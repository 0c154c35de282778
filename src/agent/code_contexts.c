/*
 * code_contexts: the code interpreter's state, its routing, and /contexts
 * (docs/protocol.md §5.2).  Error bodies are text/plain, as E2B's server
 * sends them; the SDK shows a 404 body to the user (NotFoundError).
 */
#include "code_internal.h"
#include "../proto/jsontext.h"
#include "../util/log.h"
#include "../util/rand.h"
#include "../util/xalloc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- decoders ---------------------------------------------------------------- */

char *code_normalize_language(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	char *l = xstrndup(s, n);
	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *alias = !*l ? "python" : !strcmp(l, "js") ? "javascript" : !strcmp(l, "ts") ? "typescript" : NULL;
	if (alias) {
		free(l);
		l = xstrdup(alias);
	}
	return l;
}

void code_ctx_req_free(code_ctx_req *r)
{
	free(r->language);
	free(r->cwd);
	r->language = r->cwd = NULL;
}

int code_json_str(json_t *o, const char *key, int required, const char **out, sbx_err *e)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return sbx_error(e, "the request needs a \"%s\" string", key);
		return 0;
	}
	if (!json_is_string(v))
		return sbx_error(e, "\"%s\" must be a string", key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return sbx_error(e, "\"%s\" must not contain NUL characters", key);
	*out = json_string_value(v);
	return 0;
}

int code_parse_context(const char *body, size_t len, code_ctx_req *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	json_t *j = NULL;
	if (len) {
		json_error_t je;
		j = json_loadb(body, len, 0, &je);
		if (!j)
			return sbx_error(e, "the request body is not valid JSON: %s", je.text);
		if (!json_is_object(j)) {
			json_decref(j);
			return sbx_error(e, "the request body must be a JSON object like {\"language\":\"python\",\"cwd\":\"/home/user\"}");
		}
	}
	const char *lang = NULL, *cwd = NULL;
	if (j && (code_json_str(j, "language", 0, &lang, e) < 0 || code_json_str(j, "cwd", 0, &cwd, e) < 0)) {
		json_decref(j);
		return -1;
	}
	out->language = code_normalize_language(lang ? lang : "");
	out->cwd = cwd && *cwd ? xstrdup(cwd) : NULL;
	json_decref(j);
	return 0;
}

/* cfg.workdir (which /init may change), else /home/user, else our own cwd. */
static char *default_cwd(agent *a)
{
	struct stat st;
	if (a->cfg.workdir && *a->cfg.workdir)
		return xstrdup(a->cfg.workdir);
	if (stat("/home/user", &st) == 0 && S_ISDIR(st.st_mode))
		return xstrdup("/home/user");
	char *cwd = getcwd(NULL, 0);
	return cwd ? cwd : xstrdup("/");
}

/* --- contexts ------------------------------------------------------------------ */

code_ctx *code_ctx_find(code_state *cs, const char *id)
{
	for (code_ctx *c = cs->ctxs; c; c = c->next)
		if (!strcmp(c->id, id))
			return c;
	return NULL;
}

int code_lang_flavour(const char *language)
{
	if (!strcmp(language, "python"))
		return CODE_PY;
	if (!strcmp(language, "r"))
		return CODE_R;
	if (!strcmp(language, "javascript") || !strcmp(language, "typescript") || !strcmp(language, "deno"))
		return CODE_JS;
	if (!strcmp(language, "bash") || !strcmp(language, "sh"))
		return CODE_BASH;
	if (!strcmp(language, "java"))
		return CODE_JAVA;
	return CODE_OTHER;
}

/* Deno cells are ES modules: no require.  E2B's JavaScript kernel has one,
 * and `npm install x` then require('x') is its documented example, so each
 * Deno process gets a require resolving from its working directory. */
static const char *prelude_for(const kspec *spec)
{
	const char *a0 = spec->argv[0], *base = strrchr(a0, '/');
	base = base ? base + 1 : a0;
	if (strcmp(spec->name, "deno") && strcmp(base, "deno"))
		return NULL;
	return "import { createRequire as __sbxCreateRequire } from \"node:module\";\n"
	       "globalThis.require = __sbxCreateRequire(Deno.cwd() + \"/\");";
}

static code_ctx *ctx_create(code_state *cs, const char *language, const char *cwd, int is_default,
			    int deferred, int *status, sbx_err *e)
{
	*status = 500;
	if (!cs->host) {
		sbx_error(e, "the code interpreter is not available: %s", cs->unavailable);
		return NULL;
	}
	kspec spec;
	if (kspec_find(NULL, language, &spec, e) < 0) {
		*status = 404;
		return NULL;
	}
	kernel *k = kernel_new(cs->host, &spec, cwd, prelude_for(&spec), deferred, e);
	kspec_free(&spec);
	if (!k)
		return NULL;
	code_ctx *c = xcalloc(1, sizeof *c);
	rand_uuid(c->id);
	c->language = xstrdup(language);
	c->cwd = xstrdup(cwd);
	c->k = k;
	c->is_default = is_default;
	/* Appended: GET /contexts lists them in creation order. */
	code_ctx **pp = &cs->ctxs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = c;
	return c;
}

code_ctx *code_ctx_create(code_state *cs, const char *language, const char *cwd,
			  int is_default, int *status, sbx_err *e)
{
	return ctx_create(cs, language, cwd, is_default, 0, status, e);
}

static code_ctx *ctx_default(code_state *cs, const char *language, int deferred, int *status, sbx_err *e)
{
	for (code_ctx *c = cs->ctxs; c; c = c->next)
		if (c->is_default && !strcmp(c->language, language))
			return c;
	char *cwd = default_cwd(cs->a);
	code_ctx *c = ctx_create(cs, language, cwd, 1, deferred, status, e);
	free(cwd);
	return c;
}

code_ctx *code_ctx_default(code_state *cs, const char *language, int *status, sbx_err *e)
{
	return ctx_default(cs, language, 0, status, e);
}

static void ctx_free(code_ctx *c, const char *name, const char *value)
{
	if (c->k)
		kernel_free(c->k, name, value);
	free(c->language);
	free(c->cwd);
	free(c);
}

static void ctx_remove(code_state *cs, code_ctx *c)
{
	code_ctx **pp = &cs->ctxs;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	ctx_free(c, "ContextDeleted", "The context was deleted while this cell was waiting or running.");
}

static json_t *ctx_json(const code_ctx *c)
{
	return json_pack("{s:o,s:o,s:o}", "id", json_text(c->id), "language", json_text(c->language), "cwd",
			 json_text(c->cwd));
}

static void respond_json(http_req *r, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	http_respond_str(r, status, "application/json", s ? s : "null");
	free(s);
	json_decref(j);
}

/* Relative cwds start at the default working directory, like E2B's %cd
 * from Jupyter's root_dir. */
static char *resolve_cwd(code_state *cs, const char *cwd, sbx_err *e)
{
	char *base = default_cwd(cs->a);
	if (!cwd)
		return base;
	char *p = cwd[0] == '/' ? xstrdup(cwd) : xasprintf("%s/%s", base, cwd);
	free(base);
	struct stat st;
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		sbx_error(e, "cwd %s is not an existing directory; create it first (e.g. with files.makeDir)", p);
		free(p);
		return NULL;
	}
	return p;
}

static void on_create_body(http_req *r, const char *body, size_t len, void *ud)
{
	code_state *cs = ud;
	code_ctx_req q;
	sbx_err e;
	if (code_parse_context(body, len, &q, &e) < 0) {
		http_respond_str(r, 400, "text/plain", e.msg);
		return;
	}
	char *cwd = resolve_cwd(cs, q.cwd, &e);
	int status = 400;
	code_ctx *c = cwd ? code_ctx_create(cs, q.language, cwd, 0, &status, &e) : NULL;
	if (c)
		respond_json(r, 200, ctx_json(c));
	else
		http_respond_str(r, status, "text/plain", e.msg);
	free(cwd);
	code_ctx_req_free(&q);
}

static void not_found(http_req *r, const char *id)
{
	char *m = xasprintf("Context %s not found", id);
	http_respond_str(r, 404, "text/plain", m);
	free(m);
}

void code_contexts_route(code_state *cs, http_req *r)
{
	const char *method = http_req_method(r), *path = http_req_path(r);
	if (!strcmp(path, "/contexts") || !strcmp(path, "/contexts/")) {
		if (!strcmp(method, "POST")) {
			http_req_read_body(r, CODE_CONTEXT_BODY_LIMIT, on_create_body, cs);
		} else if (!strcmp(method, "GET")) {
			json_t *list = json_array();
			for (code_ctx *c = cs->ctxs; c; c = c->next)
				json_array_append_new(list, ctx_json(c));
			respond_json(r, 200, list);
		} else {
			http_req_add_header(r, "Allow", "GET, POST");
			http_respond_str(r, 405, "text/plain", "Method not allowed: use GET or POST on /contexts");
		}
		return;
	}
	/* /contexts/{id} or /contexts/{id}/restart */
	const char *rest = path + strlen("/contexts/");
	const char *slash = strchr(rest, '/');
	char *id = slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
	const char *tail = slash ? slash : "";
	code_ctx *c = code_ctx_find(cs, id);
	if (!strcmp(tail, "/restart") && !strcmp(method, "POST")) {
		sbx_err e;
		if (!c)
			not_found(r, id);
		else if (kernel_restart(c->k, &e) < 0)
			http_respond_str(r, 500, "text/plain", e.msg);
		else
			respond_json(r, 200, json_null());
	} else if (!*tail && !strcmp(method, "DELETE")) {
		if (!c) {
			not_found(r, id);
		} else {
			ctx_remove(cs, c);
			respond_json(r, 200, json_null());
		}
	} else if (!strcmp(tail, "/restart") || !*tail) {
		http_req_add_header(r, "Allow", *tail ? "POST" : "DELETE");
		http_respond_str(r, 405, "text/plain", *tail ? "Method not allowed: use POST to restart a context"
							     : "Method not allowed: use DELETE to remove a context");
	} else {
		http_respond_str(r, 404, "text/plain", "no such endpoint under /contexts");
	}
	free(id);
}

/* --- module entry points ----------------------------------------------------------- */

int code_init(agent *a)
{
	code_state *cs = xcalloc(1, sizeof *cs);
	sbx_err e;
	a->code = cs;
	cs->a = a;
	cs->host = kernel_host_new(a, &e);
	if (!cs->host) {
		cs->unavailable = xstrdup(e.msg);
		log_warn("code: %s", e.msg);
		return -1;
	}
	if (a->cfg.no_kernel)
		return 0;
	int status;
	if (!code_ctx_default(cs, "python", &status, &e))
		log_warn("code: the default python kernel did not start: %s", e.msg);
	/* E2B lists a javascript default context from the start.  Its Deno
	 * process starts with its first cell: launching it here would compete
	 * for the CPU with python's start-up, which the first cell waits for. */
	kspec js;
	if (kspec_find(NULL, "javascript", &js, NULL) == 0) {
		kspec_free(&js);
		if (!ctx_default(cs, "javascript", 1, &status, &e))
			log_warn("code: no default javascript context: %s", e.msg);
	}
	return 0;
}

void code_free(agent *a)
{
	code_state *cs = a->code;
	if (!cs)
		return;
	code_runs_detach(cs);
	while (cs->ctxs) {
		code_ctx *c = cs->ctxs;
		cs->ctxs = c->next;
		ctx_free(c, "AgentStopping", "The sandbox agent is shutting down.");
	}
	kernel_host_free(cs->host);
	free(cs->unavailable);
	free(cs);
	a->code = NULL;
}

/* GET /languages (sbx's own): [{"language","kernel","display_name"}] of the
 * kernels installed, python first. */
static void languages_route(http_req *r)
{
	if (strcmp(http_req_method(r), "GET")) {
		http_req_add_header(r, "Allow", "GET");
		http_respond_str(r, 405, "text/plain", "Method not allowed: use GET /languages");
		return;
	}
	kspec_lang *v;
	size_t n = kspec_languages(NULL, &v);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:o,s:o,s:o}", "language", json_text(v[i].language), "kernel",
						      json_text(v[i].kernel), "display_name",
						      json_text(v[i].display_name)));
	kspec_langs_free(v, n);
	respond_json(r, 200, list);
}

void code_route(agent *a, http_req *r)
{
	code_state *cs = a->code;
	const char *path = http_req_path(r);
	if (!cs) {
		http_respond_str(r, 503, "text/plain", "the code interpreter is not initialised");
		return;
	}
	if (!strcmp(path, "/execute")) {
		if (strcmp(http_req_method(r), "POST")) {
			http_req_add_header(r, "Allow", "POST");
			http_respond_str(r, 405, "text/plain", "Method not allowed: use POST /execute");
			return;
		}
		code_execute_route(cs, r);
		return;
	}
	if (!strcmp(path, "/languages")) {
		languages_route(r);
		return;
	}
	code_contexts_route(cs, r);
}
