/* volume: volumes on the control plane and their content API. */
#include "volume.h"
#include "client_int.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	return s ? s : "";
}

int sbx_volume_parse(const json_t *j, sbx_volume *o, sbx_err *e)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return sbx_error(e, "a volume description is not a JSON object");
	o->id = str(j, "volumeID");
	if (!*o->id)
		return sbx_error(e, "a volume description has no volumeID");
	o->name = str(j, "name");
	o->token = str(j, "token");
	o->domain = str(j, "domain");
	o->raw = j;
	return 0;
}

int sbx_volume_entry_parse(const json_t *j, sbx_volume_entry *o, sbx_err *e)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return sbx_error(e, "a volume entry is not a JSON object");
	o->path = str(j, "path");
	o->name = str(j, "name");
	if (!*o->path && !*o->name)
		return sbx_error(e, "a volume entry has neither name nor path");
	o->type = str(j, "type");
	if (!*o->type)
		o->type = "unknown";
	json_t *v = json_object_get(j, "size");
	o->size = json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
	o->mode = (uint32_t)json_integer_value(json_object_get(j, "mode"));
	o->uid = (uint32_t)json_integer_value(json_object_get(j, "uid"));
	o->gid = (uint32_t)json_integer_value(json_object_get(j, "gid"));
	o->mtime = str(j, "mtime");
	o->mtime_ms = sbx_parse_time(o->mtime);
	o->target = str(j, "target");
	return 0;
}

/* --- control plane ---------------------------------------------------------- */

typedef struct vol_ud {
	sbx_volume_cb one;
	sbx_volumes_cb many;
	sbx_done_cb done;
	sbx_volume_entries_cb entries;
	void *ud;
} vol_ud;

static vol_ud *ud_new(void *ud)
{
	vol_ud *u = xcalloc(1, sizeof *u);
	u->ud = ud;
	return u;
}

static void on_one(json_t *j, const sbx_err *e, void *ud)
{
	vol_ud *u = ud;
	sbx_volume v;
	sbx_err pe;
	if (e) {
		u->one(NULL, e, u->ud);
	} else if (sbx_volume_parse(j, &v, &pe) < 0) {
		sbx_err e2;
		sbx_error(&e2, "cannot read the volume: %s", pe.msg);
		u->one(NULL, &e2, u->ud);
	} else {
		u->one(&v, NULL, u->ud);
	}
}

static void on_many(json_t *j, const sbx_err *e, void *ud)
{
	vol_ud *u = ud;
	if (!e && !json_is_array(j)) {
		sbx_err pe;
		sbx_error(&pe, "cannot list volumes: the answer is not a JSON array");
		u->many(NULL, 0, &pe, u->ud);
		return;
	}
	if (e) {
		u->many(NULL, 0, e, u->ud);
		return;
	}
	size_t n = json_array_size(j), k = 0;
	sbx_volume *v = xcalloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		if (sbx_volume_parse(json_array_get(j, i), &v[k], NULL) == 0)
			k++;
	u->many(v, k, NULL, u->ud);
	free(v);
}

static void on_done(json_t *j, const sbx_err *e, void *ud)
{
	(void)j;
	vol_ud *u = ud;
	u->done(e, u->ud);
}

int sbx_volume_create(sbx_client *c, const char *name, sbx_volume_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	if (!name || !*name)
		return sbx_error(e, "cannot create a volume: no name given");
	json_t *b = json_pack("{s:s}", "name", name);
	if (!b)
		return sbx_error(e, "cannot create a volume: the name is not valid UTF-8");
	vol_ud *u = ud_new(ud);
	u->one = cb;
	char what[160];
	snprintf(what, sizeof what, "create volume %s", name);
	return api_json_call(c, what, "POST", "/volumes", b, 0, 0, on_one, u, free, out, e);
}

int sbx_volume_list(sbx_client *c, sbx_volumes_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	vol_ud *u = ud_new(ud);
	u->many = cb;
	return api_json_call(c, "list volumes", "GET", "/volumes", NULL, 0, 0, on_many, u, free, out, e);
}

static int by_id(sbx_client *c, const char *verb, const char *method, const char *id, vol_ud *u,
		 api_json_cb fin, sbx_op **out, sbx_err *e)
{
	if (!id || !*id) {
		free(u);
		return sbx_error(e, "cannot %s a volume: no volume id or name given", verb);
	}
	char *path = api_path_id("/volumes/%s", id), what[160];
	snprintf(what, sizeof what, "%s volume %s", verb, id);
	int rc = api_json_call(c, what, method, path, NULL, 0, 0, fin, u, free, out, e);
	free(path);
	return rc;
}

int sbx_volume_get(sbx_client *c, const char *id, sbx_volume_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	vol_ud *u = ud_new(ud);
	u->one = cb;
	return by_id(c, "get", "GET", id, u, on_one, out, e);
}

int sbx_volume_delete(sbx_client *c, const char *id, sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	vol_ud *u = ud_new(ud);
	u->done = cb;
	return by_id(c, "delete", "DELETE", id, u, on_done, out, e);
}

/* --- content API ------------------------------------------------------------ */

/* URL of /volumecontent/{id}/KIND?path=P (heap). */
static char *content_url(sbx_client *c, const sbx_volume *v, const char *kind, const char *path)
{
	sbx_buf b = SBX_BUF_INIT;
	/* E2B: a volume naming a domain is served by api.<domain>; the local
	 * sbxd serves its volumes itself */
	if (*v->domain && !c->cfg.local)
		buf_printf(&b, "https://api.%s", v->domain);
	else
		buf_puts(&b, c->cfg.api_url);
	buf_puts(&b, "/volumecontent/");
	url_query_enc(&b, v->id);
	buf_printf(&b, "/%s?path=", kind);
	url_query_enc(&b, path);
	return buf_detach(&b);
}

static char **content_headers(const sbx_volume *v, const char *ctype)
{
	char **h = xcalloc(3, sizeof *h);
	size_t n = 0;
	if (*v->token)
		h[n++] = xasprintf("Authorization: Bearer %s", v->token);
	if (ctype)
		h[n++] = xasprintf("Content-Type: %s", ctype);
	return h;
}

static int content_check(const sbx_volume *v, const char *path, const char *verb, sbx_err *e)
{
	if (!v || !v->id || !*v->id)
		return sbx_error(e, "cannot %s: no volume given", verb);
	if (!*v->token)
		return sbx_error(e, "cannot %s in volume %s: no content token (get the volume first)", verb, v->id);
	if (!path || !*path)
		return sbx_error(e, "cannot %s in volume %s: no path given", verb, v->id);
	return 0;
}

static void fin_content(sbx_op *op, const sbx_err *e)
{
	vol_ud *u = op->ctx;
	if (u->done) {
		u->done(e, u->ud);
		return;
	}
	sbx_err pe;
	json_t *j = e ? NULL : op_json(op, &pe);
	if (!e && !j)
		e = &pe;
	if (!e && !json_is_array(j)) {
		sbx_error(&pe, "cannot %s: the answer is not a JSON array", op->what);
		e = &pe;
	}
	if (e) {
		u->entries(NULL, 0, e, u->ud);
		json_decref(j);
		return;
	}
	size_t n = json_array_size(j), k = 0;
	sbx_volume_entry *en = xcalloc(n + 1, sizeof *en);
	for (size_t i = 0; i < n; i++)
		if (sbx_volume_entry_parse(json_array_get(j, i), &en[k], NULL) == 0)
			k++;
	u->entries(en, k, NULL, u->ud);
	free(en);
	json_decref(j);
}

static void content_call(sbx_client *c, const sbx_volume *v, const char *what, const char *method,
			 const char *kind, const char *path, const char *extra_query, vol_ud *u, sbx_op **out)
{
	char *url = content_url(c, v, kind, path);
	if (extra_query) {
		char *u2 = xasprintf("%s%s", url, extra_query);
		free(url);
		url = u2;
	}
	char **h = content_headers(v, NULL);
	op_spec sp = { .what = what, .kind = OP_API, .method = method, .url = url,
		       .headers = (const char *const *)h, .timeout_ms = API_TIMEOUT_MS };
	sbx_op *op = op_start(c, &sp);
	op->ctx = u;
	op->ctx_free = free;
	op->on_finish = fin_content;
	free(url);
	sbx_strv_free(h);
	op_out(out, op);
}

int sbx_volume_ls(sbx_client *c, const sbx_volume *v, const char *path, int depth, sbx_volume_entries_cb cb,
		  void *ud, sbx_op **out, sbx_err *e)
{
	if (content_check(v, path, "list", e) < 0)
		return -1;
	char what[1200], q[32] = "";
	snprintf(what, sizeof what, "list %s in volume %s", path, v->name && *v->name ? v->name : v->id);
	if (depth > 0)
		snprintf(q, sizeof q, "&depth=%d", depth);
	vol_ud *u = ud_new(ud);
	u->entries = cb;
	content_call(c, v, what, "GET", "dir", path, depth > 0 ? q : NULL, u, out);
	return 0;
}

int sbx_volume_mkdir(sbx_client *c, const sbx_volume *v, const char *path, sbx_done_cb cb, void *ud, sbx_op **out,
		     sbx_err *e)
{
	if (content_check(v, path, "make a directory", e) < 0)
		return -1;
	char what[1200];
	snprintf(what, sizeof what, "make directory %s in volume %s", path, *v->name ? v->name : v->id);
	vol_ud *u = ud_new(ud);
	u->done = cb;
	content_call(c, v, what, "POST", "dir", path, "&force=true", u, out);
	return 0;
}

int sbx_volume_remove(sbx_client *c, const sbx_volume *v, const char *path, sbx_done_cb cb, void *ud,
		      sbx_op **out, sbx_err *e)
{
	if (content_check(v, path, "remove", e) < 0)
		return -1;
	char what[1200];
	snprintf(what, sizeof what, "remove %s from volume %s", path, *v->name ? v->name : v->id);
	vol_ud *u = ud_new(ud);
	u->done = cb;
	content_call(c, v, what, "DELETE", "path", path, NULL, u, out);
	return 0;
}

int sbx_volume_read(sbx_client *c, const sbx_volume *v, const char *path, int fd, sbx_progress_cb progress,
		    sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	if (content_check(v, path, "download", e) < 0)
		return -1;
	char what[1200];
	snprintf(what, sizeof what, "download %s from volume %s", path, *v->name ? v->name : v->id);
	char *url = content_url(c, v, "file", path);
	char **h = content_headers(v, NULL);
	transfer_download(c, what, url, (const char *const *)h, fd, progress, cb, ud, out);
	free(url);
	sbx_strv_free(h);
	return 0;
}

int sbx_volume_write(sbx_client *c, const sbx_volume *v, const char *path, int fd, int64_t size,
		     sbx_progress_cb progress, sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	if (content_check(v, path, "upload", e) < 0)
		return -1;
	char what[1200];
	snprintf(what, sizeof what, "upload %s to volume %s", path, *v->name ? v->name : v->id);
	/* force: an existing file is overwritten (E2B makes parents itself) */
	char *url = content_url(c, v, "file", path), *u2 = xasprintf("%s&force=true", url);
	char **h = content_headers(v, "application/octet-stream");
	transfer_upload(c, what, "PUT", u2, (const char *const *)h, fd, size, progress, cb, ud, out);
	free(url);
	free(u2);
	sbx_strv_free(h);
	return 0;
}
