/* api: the control-plane calls (docs/protocol.md §2). */
#include "api.h"
#include "client_int.h"
#include "netcfg.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct api_ctx {
	sbx_info_cb info_cb;
	sbx_list_cb list_cb;
	sbx_done_cb done_cb;
	sbx_metrics_cb metrics_cb;
	sbx_text_cb text_cb;
	sbx_templates_cb templates_cb;
	sbx_health_cb health_cb;
	api_json_cb json_cb;
	void *ud;
	void (*ud_free)(void *);
	/* list_all */
	int all;
	json_t *items;
	char *base_url;        /* the list URL without nextToken */
	char **headers;
} api_ctx;

static void ctx_free(void *p)
{
	api_ctx *c = p;
	if (c->ud_free)
		c->ud_free(c->ud);
	json_decref(c->items);
	free(c->base_url);
	sbx_strv_free(c->headers);
	free(c);
}

/* Starts method path on the control plane with an optional JSON body. */
static sbx_op *api_start(sbx_client *cl, const char *what, const char *method, const char *path, json_t *body,
			 long timeout_ms, api_ctx *ctx, void (*fin)(sbx_op *, const sbx_err *), sbx_err *e)
{
	char **h = api_headers(cl, e);
	if (!h) {
		json_decref(body);
		ctx_free(ctx);
		return NULL;
	}
	char *url = xasprintf("%s%s", cl->cfg.api_url, path);
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	op_spec sp = {
		.what = what, .kind = OP_API, .method = method, .url = url, .headers = (const char *const *)h,
		.body = s, .body_len = s ? strlen(s) : 0, .timeout_ms = timeout_ms,
	};
	sbx_op *op = op_start(cl, &sp);
	op->on_finish = fin;
	op->ctx = ctx;
	op->ctx_free = ctx_free;
	free(s);
	json_decref(body);
	free(url);
	if (ctx->all)
		ctx->headers = h;
	else
		sbx_strv_free(h);
	return op;
}

static api_ctx *ctx_new(void *ud)
{
	api_ctx *c = xcalloc(1, sizeof *c);
	c->ud = ud;
	return c;
}

static char *path_id(const char *fmt, const char *id)
{
	sbx_buf b = SBX_BUF_INIT;
	url_query_enc(&b, id);
	char *p = xasprintf(fmt, buf_cstr(&b));
	buf_free(&b);
	return p;
}

/* --- answers --------------------------------------------------------------- */

static void fin_info(sbx_op *op, const sbx_err *e)
{
	api_ctx *c = op->ctx;
	sbx_err pe;
	if (e) {
		c->info_cb(NULL, e, c->ud);
		return;
	}
	json_t *j = op_json(op, &pe);
	sbx_info info;
	if (!j) {
		c->info_cb(NULL, &pe, c->ud);
	} else if (sbx_info_parse(j, &info, &pe) < 0) {
		sbx_err e2;
		sbx_error(&e2, "cannot %s: %s", op->what, pe.msg);
		c->info_cb(NULL, &e2, c->ud);
	} else {
		c->info_cb(&info, NULL, c->ud);
		sbx_info_clear(&info);
	}
	json_decref(j);
}

static void fin_health(sbx_op *op, const sbx_err *e)
{
	api_ctx *c = op->ctx;
	sbx_err pe;
	if (e) {
		c->health_cb(NULL, e, c->ud);
		return;
	}
	json_t *j = op_json(op, &pe);
	sbx_health h;
	if (!j || sbx_health_parse(j, &h, &pe) < 0) {
		c->health_cb(NULL, &pe, c->ud);
	} else {
		c->health_cb(&h, NULL, c->ud);
		sbx_health_clear(&h);
	}
	json_decref(j);
}

static void fin_done(sbx_op *op, const sbx_err *e)
{
	api_ctx *c = op->ctx;
	c->done_cb(e, c->ud);
}

static void deliver_list(sbx_op *op, json_t *arr, const char *next)
{
	api_ctx *c = op->ctx;
	size_t n = json_array_size(arr), k = 0;
	sbx_info *items = xcalloc(n + 1, sizeof *items);
	sbx_err pe;
	for (size_t i = 0; i < n; i++) {
		if (sbx_info_parse(json_array_get(arr, i), &items[k], &pe) == 0)
			k++;
	}
	c->list_cb(items, k, next, NULL, c->ud);
	for (size_t i = 0; i < k; i++)
		sbx_info_clear(&items[i]);
	free(items);
}

static void next_page(sbx_op *op);

static void fin_list(sbx_op *op, const sbx_err *e)
{
	api_ctx *c = op->ctx;
	sbx_err pe;
	if (e) {
		c->list_cb(NULL, 0, NULL, e, c->ud);
		return;
	}
	json_t *j = op_json(op, &pe);
	if (!j || !json_is_array(j)) {
		if (j)
			sbx_error(&pe, "cannot %s: the answer is not a JSON array", op->what);
		c->list_cb(NULL, 0, NULL, &pe, c->ud);
		json_decref(j);
		return;
	}
	if (!c->all) {
		deliver_list(op, j, op->next_token);
		json_decref(j);
		return;
	}
	json_array_extend(c->items, j);
	json_decref(j);
	if (!op->next_token) {
		deliver_list(op, c->items, NULL);
		return;
	}
	next_page(op);
}

/* The next page, on the same op (so a cancel still reaches it). */
static void next_page(sbx_op *op)
{
	api_ctx *c = op->ctx;
	sbx_buf u = SBX_BUF_INIT;
	buf_puts(&u, c->base_url);
	buf_puts(&u, strchr(c->base_url, '?') ? "&nextToken=" : "?nextToken=");
	url_query_enc(&u, op->next_token);
	op_spec sp = { .what = op->what, .kind = OP_API, .method = "GET", .url = buf_cstr(&u),
		       .headers = (const char *const *)c->headers, .timeout_ms = API_TIMEOUT_MS };
	op_restart(op, &sp);
	buf_free(&u);
}

static void fin_metrics(sbx_op *op, const sbx_err *e)
{
	api_ctx *c = op->ctx;
	sbx_err pe;
	if (e) {
		c->metrics_cb(NULL, 0, e, c->ud);
		return;
	}
	json_t *j = op_json(op, &pe);
	if (!j) {
		c->metrics_cb(NULL, 0, &pe, c->ud);
		return;
	}
	size_t n = json_array_size(j);
	sbx_metric *m = xcalloc(n + 1, sizeof *m);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(j, i), *v;
		m[i].ts_unix = json_integer_value(json_object_get(o, "timestampUnix"));
		m[i].cpu_count = (int)json_integer_value(json_object_get(o, "cpuCount"));
		v = json_object_get(o, "cpuUsedPct");
		m[i].cpu_used_pct = json_is_number(v) ? json_number_value(v) : 0;
		m[i].mem_used = json_integer_value(json_object_get(o, "memUsed"));
		m[i].mem_total = json_integer_value(json_object_get(o, "memTotal"));
		m[i].disk_used = json_integer_value(json_object_get(o, "diskUsed"));
		m[i].disk_total = json_integer_value(json_object_get(o, "diskTotal"));
	}
	c->metrics_cb(m, n, NULL, c->ud);
	free(m);
	json_decref(j);
}

static void fin_text(sbx_op *op, const sbx_err *e)
{
	api_ctx *c = op->ctx;
	if (e) {
		c->text_cb(NULL, 0, e, c->ud);
		return;
	}
	/* E2B's cloud answers {"logs":[{"timestamp","line"}]}; sbxd plain text. */
	json_t *j = NULL;
	if (op->content_type && strstr(op->content_type, "json"))
		j = json_loadb(op->body.data ? op->body.data : "", op->body.len, 0, NULL);
	json_t *logs = json_object_get(j, "logs");
	if (json_is_array(logs)) {
		sbx_buf b = SBX_BUF_INIT;
		size_t i;
		json_t *v;
		json_array_foreach(logs, i, v) {
			const char *ts = json_string_value(json_object_get(v, "timestamp"));
			const char *line = json_string_value(json_object_get(v, "line"));
			buf_printf(&b, "%s%s%s\n", ts ? ts : "", ts ? " " : "", line ? line : "");
		}
		c->text_cb(buf_cstr(&b), b.len, NULL, c->ud);
		buf_free(&b);
	} else {
		c->text_cb(buf_cstr(&op->body), op->body.len, NULL, c->ud);
	}
	json_decref(j);
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The Template objects of the answer; elements that are not objects or
 * lack a templateID are skipped (nothing could be created from them). */
static void fin_templates(sbx_op *op, const sbx_err *e)
{
	api_ctx *c = op->ctx;
	sbx_err pe;
	if (e) {
		c->templates_cb(NULL, 0, e, c->ud);
		return;
	}
	json_t *j = op_json(op, &pe);
	if (!j || !json_is_array(j)) {
		if (j)
			sbx_error(&pe, "cannot %s: the answer is not a JSON array", op->what);
		c->templates_cb(NULL, 0, &pe, c->ud);
		json_decref(j);
		return;
	}
	size_t n = json_array_size(j), k = 0;
	sbx_template *t = xcalloc(n + 1, sizeof *t);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(j, i), *al = json_object_get(o, "aliases"), *v;
		if (!json_is_object(o) || !*jstr(o, "templateID"))
			continue;
		sbx_template *x = &t[k++];
		x->id = jstr(o, "templateID");
		x->build_id = jstr(o, "buildID");
		x->build_status = jstr(o, "buildStatus");
		x->is_public = json_is_true(json_object_get(o, "public"));
		x->cpus = (int)json_integer_value(json_object_get(o, "cpuCount"));
		x->memory_mb = (int)json_integer_value(json_object_get(o, "memoryMB"));
		x->aliases = xcalloc(json_array_size(al) + 1, sizeof *x->aliases);
		size_t a;
		json_array_foreach(al, a, v)
			if (json_is_string(v))
				x->aliases[x->naliases++] = json_string_value(v);
	}
	c->templates_cb(t, k, NULL, c->ud);
	for (size_t i = 0; i < k; i++)
		free(t[i].aliases);
	free(t);
	json_decref(j);
}

/* api_json: the JSON answer (NULL for an empty one), or every page's
 * array joined when all. */
static void fin_json(sbx_op *op, const sbx_err *e)
{
	api_ctx *c = op->ctx;
	sbx_err pe;
	if (e) {
		c->json_cb(NULL, e, c->ud);
		return;
	}
	if (!op->body.len && !c->all) {
		c->json_cb(NULL, NULL, c->ud);
		return;
	}
	json_t *j = op_json(op, &pe);
	if (!j) {
		c->json_cb(NULL, &pe, c->ud);
		return;
	}
	if (!c->all) {
		c->json_cb(j, NULL, c->ud);
		json_decref(j);
		return;
	}
	if (!json_is_array(j)) {
		json_decref(j);
		sbx_error(&pe, "cannot %s: the answer is not a JSON array", op->what);
		c->json_cb(NULL, &pe, c->ud);
		return;
	}
	json_array_extend(c->items, j);
	json_decref(j);
	if (op->next_token)
		next_page(op);
	else
		c->json_cb(c->items, NULL, c->ud);
}

int api_json_call(sbx_client *cl, const char *what, const char *method, const char *path, json_t *body, int all,
	     long timeout_ms, api_json_cb cb, void *ud, void (*ud_free)(void *), sbx_op **out, sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->json_cb = cb;
	c->ud_free = ud_free;
	c->all = all;
	if (all) {
		c->items = json_array();
		c->base_url = xasprintf("%s%s", cl->cfg.api_url, path);
	}
	sbx_op *op = api_start(cl, what, method, path, body, timeout_ms > 0 ? timeout_ms : API_TIMEOUT_MS, c,
			       fin_json, e);
	if (!op)
		return -1;
	op_out(out, op);
	return 0;
}

char *api_path_id(const char *fmt, const char *id)
{
	return path_id(fmt, id);
}

/* --- calls ----------------------------------------------------------------- */

static json_t *kv_json(const sbx_kv *kv, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, kv[i].key, json_string(kv[i].value));
	return o;
}

int sbx_api_create(sbx_client *cl, const sbx_create_opts *o, sbx_info_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	const char *tpl = o->from_snapshot && *o->from_snapshot ? o->from_snapshot
			  : o->template_id && *o->template_id ? o->template_id : "base";
	json_t *b = json_pack("{s:s}", "templateID", tpl);
	if (!b)
		return sbx_error(e, "cannot create a sandbox: the template name is not valid UTF-8");
	if (o->timeout_s > 0)
		json_object_set_new(b, "timeout", json_integer(o->timeout_s));
	if (o->nmetadata)
		json_object_set_new(b, "metadata", kv_json(o->metadata, o->nmetadata));
	if (o->nenv)
		json_object_set_new(b, "envVars", kv_json(o->env, o->nenv));
	if (o->no_internet)
		json_object_set_new(b, "allow_internet_access", json_false());
	if (o->cpus > 0)
		json_object_set_new(b, "cpuCount", json_integer(o->cpus));
	if (o->memory_mb > 0)
		json_object_set_new(b, "memoryMB", json_integer(o->memory_mb));
	if (o->runtime && *o->runtime)
		json_object_set_new(b, "runtime", json_string(o->runtime));
	if (o->auto_pause)
		json_object_set_new(b, "autoPause", json_true());
	if (o->network) {
		json_t *n = sbx_netcfg_json(o->network);
		if (json_object_size(n))
			json_object_set_new(b, "network", n);
		else
			json_decref(n);
		if (o->network->allow_internet >= 0)
			json_object_set_new(b, "allow_internet_access", json_boolean(o->network->allow_internet));
	}
	if (o->nmounts) {
		json_t *m = json_array();
		for (size_t i = 0; i < o->nmounts; i++)
			json_array_append_new(m, json_pack("{s:s,s:s}", "name", o->mounts[i].name, "path",
							   o->mounts[i].path));
		json_object_set_new(b, "volumeMounts", m);
	}
	api_ctx *c = ctx_new(ud);
	c->info_cb = cb;
	sbx_op *op = api_start(cl, "create a sandbox", "POST", "/v2/sandboxes", b, CREATE_TIMEOUT_MS, c, fin_info, e);
	if (!op)
		return -1;
	op_out(out, op);
	return 0;
}

static char *list_path(const sbx_list_opts *o)
{
	sbx_buf b = SBX_BUF_INIT;
	char sep = '?';
	buf_puts(&b, "/v2/sandboxes");
	if (o && o->state && *o->state) {
		buf_printf(&b, "%cstate=", sep), sep = '&';
		url_query_enc(&b, o->state);
	}
	if (o && o->nmetadata) {
		char *m = sbx_metadata_query(o->metadata, o->nmetadata);
		buf_printf(&b, "%cmetadata=%s", sep, m), sep = '&';
		free(m);
	}
	if (o && o->limit > 0)
		buf_printf(&b, "%climit=%d", sep, o->limit), sep = '&';
	if (o && o->next_token && *o->next_token) {
		buf_printf(&b, "%cnextToken=", sep);
		url_query_enc(&b, o->next_token);
	}
	return buf_detach(&b);
}

static int list(sbx_client *cl, const sbx_list_opts *o, int all, sbx_list_cb cb, void *ud, sbx_op **out,
		sbx_err *e)
{
	char *path = list_path(o);
	api_ctx *c = ctx_new(ud);
	c->list_cb = cb;
	c->all = all;
	if (all) {
		c->items = json_array();
		c->base_url = xasprintf("%s%s", cl->cfg.api_url, path);
	}
	sbx_op *op = api_start(cl, "list sandboxes", "GET", path, NULL, API_TIMEOUT_MS, c, fin_list, e);
	free(path);
	if (!op)
		return -1;
	op_out(out, op);
	return 0;
}

int sbx_api_list(sbx_client *cl, const sbx_list_opts *o, sbx_list_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	return list(cl, o, 0, cb, ud, out, e);
}

int sbx_api_list_all(sbx_client *cl, const sbx_list_opts *o, sbx_list_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	sbx_list_opts first = o ? *o : (sbx_list_opts){ 0 };
	first.next_token = NULL;
	return list(cl, &first, 1, cb, ud, out, e);
}

/* One sandbox: method fmt (with %s for the id) → fin. */
static int one(sbx_client *cl, const char *what, const char *method, const char *fmt, const char *id, json_t *body,
	       api_ctx *c, void (*fin)(sbx_op *, const sbx_err *), sbx_op **out, sbx_err *e)
{
	char *path = path_id(fmt, id), w[128];
	snprintf(w, sizeof w, "%s %s", what, id);
	sbx_op *op = api_start(cl, w, method, path, body, API_TIMEOUT_MS, c, fin, e);
	free(path);
	if (!op)
		return -1;
	op_out(out, op);
	return 0;
}

int sbx_api_get(sbx_client *cl, const char *id, sbx_info_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->info_cb = cb;
	return one(cl, "get sandbox", "GET", "/sandboxes/%s", id, NULL, c, fin_info, out, e);
}

int sbx_api_kill(sbx_client *cl, const char *id, sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->done_cb = cb;
	return one(cl, "kill sandbox", "DELETE", "/sandboxes/%s", id, NULL, c, fin_done, out, e);
}

int sbx_api_set_timeout(sbx_client *cl, const char *id, int timeout_s, sbx_done_cb cb, void *ud, sbx_op **out,
			sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->done_cb = cb;
	return one(cl, "set the timeout of sandbox", "POST", "/sandboxes/%s/timeout", id,
		   json_pack("{s:i}", "timeout", timeout_s), c, fin_done, out, e);
}

int sbx_api_pause(sbx_client *cl, const char *id, sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->done_cb = cb;
	return one(cl, "pause sandbox", "POST", "/sandboxes/%s/pause", id, json_object(), c, fin_done, out, e);
}

int sbx_api_connect(sbx_client *cl, const char *id, int timeout_s, sbx_info_cb cb, void *ud, sbx_op **out,
		    sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->info_cb = cb;
	json_t *b = json_object();
	if (timeout_s > 0)
		json_object_set_new(b, "timeout", json_integer(timeout_s));
	return one(cl, "connect to sandbox", "POST", "/v2/sandboxes/%s/connect", id, b, c, fin_info, out, e);
}

int sbx_api_metrics(sbx_client *cl, const char *id, sbx_metrics_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->metrics_cb = cb;
	return one(cl, "get the metrics of sandbox", "GET", "/sandboxes/%s/metrics", id, NULL, c, fin_metrics, out, e);
}

int sbx_api_logs(sbx_client *cl, const char *id, sbx_text_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->text_cb = cb;
	return one(cl, "get the logs of sandbox", "GET", "/sandboxes/%s/logs", id, NULL, c, fin_text, out, e);
}

int sbx_api_templates(sbx_client *cl, sbx_templates_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	api_ctx *c = ctx_new(ud);
	c->templates_cb = cb;
	sbx_op *op = api_start(cl, "list templates", "GET", "/templates", NULL, API_TIMEOUT_MS, c, fin_templates, e);
	if (!op)
		return -1;
	op_out(out, op);
	return 0;
}

static int health(sbx_client *cl, long timeout_ms, api_ctx *c, void (*fin)(sbx_op *, const sbx_err *),
		  sbx_op **out)
{
	char *url = xasprintf("%s/health", cl->cfg.api_url);
	op_spec sp = { .what = "check sbxd", .kind = OP_API, .method = "GET", .url = url, .timeout_ms = timeout_ms,
		       .connect_timeout_ms = timeout_ms };
	sbx_op *op = op_start(cl, &sp);
	op->on_finish = fin;
	op->ctx = c;
	op->ctx_free = ctx_free;
	free(url);
	op_out(out, op);
	return 0;
}

int sbx_api_health(sbx_client *cl, long timeout_ms, sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	(void)e;
	api_ctx *c = ctx_new(ud);
	c->done_cb = cb;
	return health(cl, timeout_ms, c, fin_done, out);
}

int sbx_api_health_info(sbx_client *cl, long timeout_ms, sbx_health_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	(void)e;
	api_ctx *c = ctx_new(ud);
	c->health_cb = cb;
	return health(cl, timeout_ms, c, fin_health, out);
}
