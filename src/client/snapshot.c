/* snapshot: snapshots and fork on the control plane. */
#include "snapshot.h"
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

int sbx_snapshot_parse(const json_t *j, sbx_snapshot *o, sbx_err *e)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return sbx_error(e, "a snapshot description is not a JSON object");
	o->id = str(j, "snapshotID");
	if (!*o->id)
		return sbx_error(e, "a snapshot description has no snapshotID");
	json_t *names = json_object_get(j, "names"), *v;
	size_t i;
	o->names = xcalloc(json_array_size(names) + 1, sizeof *o->names);
	json_array_foreach(names, i, v)
		if (json_is_string(v))
			o->names[o->nnames++] = json_string_value(v);
	o->sandbox_id = str(j, "sandboxID");
	o->template_id = str(j, "templateID");
	o->runtime = str(j, "runtime");
	o->created_at = str(j, "createdAt");
	o->created_ms = sbx_parse_time(o->created_at);
	json_t *m = json_object_get(j, "memory");
	o->memory = json_is_boolean(m) ? json_is_true(m) : -1;
	o->raw = j;
	return 0;
}

void sbx_snapshot_clear(sbx_snapshot *s)
{
	free(s->names);
	memset(s, 0, sizeof *s);
}

int sbx_fork_parse(const json_t *j, sbx_fork_result **out, size_t *n, sbx_err *e)
{
	*out = NULL;
	*n = 0;
	if (!json_is_array(j))
		return sbx_error(e, "the fork answer is not a JSON array");
	sbx_fork_result *r = xcalloc(json_array_size(j) + 1, sizeof *r);
	size_t i, k = 0;
	json_t *v;
	json_array_foreach(j, i, v) {
		sbx_fork_result *x = &r[k];
		json_t *sb = json_object_get(v, "sandbox"), *err = json_object_get(v, "error");
		if (json_is_object(sb) && sbx_info_parse(sb, &x->sandbox, NULL) == 0) {
			x->ok = 1;
		} else {
			x->code = (int)json_integer_value(json_object_get(err, "code"));
			x->message = str(err, "message");
			if (!*x->message)
				x->message = "the server gave neither a sandbox nor an error for this fork";
		}
		k++;
	}
	*out = r;
	*n = k;
	return 0;
}

void sbx_fork_results_free(sbx_fork_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].ok)
			sbx_info_clear(&r[i].sandbox);
	free(r);
}

/* --- calls ------------------------------------------------------------------ */

typedef struct snap_ud {
	sbx_snapshot_cb one;
	sbx_snapshots_cb many;
	sbx_done_cb done;
	sbx_fork_cb fork;
	void *ud;
} snap_ud;

static snap_ud *ud_new(void *ud)
{
	snap_ud *u = xcalloc(1, sizeof *u);
	u->ud = ud;
	return u;
}

static void on_one(json_t *j, const sbx_err *e, void *ud)
{
	snap_ud *u = ud;
	sbx_snapshot s;
	sbx_err pe;
	if (e) {
		u->one(NULL, e, u->ud);
	} else if (sbx_snapshot_parse(j, &s, &pe) < 0) {
		sbx_err e2;
		sbx_error(&e2, "cannot snapshot: %s", pe.msg);
		sbx_snapshot_clear(&s);
		u->one(NULL, &e2, u->ud);
	} else {
		u->one(&s, NULL, u->ud);
		sbx_snapshot_clear(&s);
	}
}

static void on_many(json_t *j, const sbx_err *e, void *ud)
{
	snap_ud *u = ud;
	if (e) {
		u->many(NULL, 0, e, u->ud);
		return;
	}
	size_t n = json_array_size(j), k = 0;
	sbx_snapshot *s = xcalloc(n + 1, sizeof *s);
	for (size_t i = 0; i < n; i++) {
		if (sbx_snapshot_parse(json_array_get(j, i), &s[k], NULL) == 0)
			k++;
		else
			sbx_snapshot_clear(&s[k]);
	}
	u->many(s, k, NULL, u->ud);
	for (size_t i = 0; i < k; i++)
		sbx_snapshot_clear(&s[i]);
	free(s);
}

static void on_done(json_t *j, const sbx_err *e, void *ud)
{
	(void)j;
	snap_ud *u = ud;
	u->done(e, u->ud);
}

static void on_fork(json_t *j, const sbx_err *e, void *ud)
{
	snap_ud *u = ud;
	sbx_fork_result *r;
	size_t n;
	sbx_err pe;
	if (e) {
		u->fork(NULL, 0, e, u->ud);
	} else if (sbx_fork_parse(j, &r, &n, &pe) < 0) {
		sbx_err e2;
		sbx_error(&e2, "cannot fork: %s", pe.msg);
		u->fork(NULL, 0, &e2, u->ud);
	} else {
		u->fork(r, n, NULL, u->ud);
		sbx_fork_results_free(r, n);
	}
}

int sbx_snapshot_create(sbx_client *c, const char *id, const char *name, sbx_snapshot_cb cb, void *ud,
			sbx_op **out, sbx_err *e)
{
	json_t *b = json_object();
	if (name && *name && json_object_set_new(b, "name", json_string(name)) < 0) {
		json_decref(b);
		return sbx_error(e, "cannot snapshot %s: the name is not valid UTF-8", id);
	}
	snap_ud *u = ud_new(ud);
	u->one = cb;
	char *path = api_path_id("/sandboxes/%s/snapshots", id), what[160];
	snprintf(what, sizeof what, "snapshot sandbox %s", id);
	int rc = api_json_call(c, what, "POST", path, b, 0, CREATE_TIMEOUT_MS, on_one, u, free, out, e);
	free(path);
	return rc;
}

int sbx_snapshot_list(sbx_client *c, const char *sandbox_id, sbx_snapshots_cb cb, void *ud, sbx_op **out,
		      sbx_err *e)
{
	sbx_buf p = SBX_BUF_INIT;
	buf_puts(&p, "/snapshots");
	if (sandbox_id && *sandbox_id) {
		buf_puts(&p, "?sandboxID=");
		url_query_enc(&p, sandbox_id);
	}
	snap_ud *u = ud_new(ud);
	u->many = cb;
	int rc = api_json_call(c, "list snapshots", "GET", buf_cstr(&p), NULL, 1, 0, on_many, u, free, out, e);
	buf_free(&p);
	return rc;
}

int sbx_snapshot_delete(sbx_client *c, const char *snapshot, sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	if (!snapshot || !*snapshot)
		return sbx_error(e, "cannot delete a snapshot: no snapshot id or name given");
	snap_ud *u = ud_new(ud);
	u->done = cb;
	char *path = api_path_id("/templates/%s", snapshot), what[160];
	snprintf(what, sizeof what, "delete snapshot %s", snapshot);
	int rc = api_json_call(c, what, "DELETE", path, NULL, 0, 0, on_done, u, free, out, e);
	free(path);
	return rc;
}

int sbx_fork(sbx_client *c, const char *id, int count, int timeout_s, sbx_fork_cb cb, void *ud, sbx_op **out,
	     sbx_err *e)
{
	json_t *b = json_object();
	if (count > 0)
		json_object_set_new(b, "count", json_integer(count));
	if (timeout_s > 0)
		json_object_set_new(b, "timeout", json_integer(timeout_s));
	snap_ud *u = ud_new(ud);
	u->fork = cb;
	char *path = api_path_id("/sandboxes/%s/fork", id), what[160];
	snprintf(what, sizeof what, "fork sandbox %s", id);
	int rc = api_json_call(c, what, "POST", path, b, 0, CREATE_TIMEOUT_MS, on_fork, u, free, out, e);
	free(path);
	return rc;
}
