/* fs: the filesystem.Filesystem calls. */
#include "fs.h"
#include "rpc.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fs_ud {
	sbx_entry_cb one;
	sbx_entries_cb many;
	sbx_done_cb done;
	sbx_watch_handler w;
	int started;
	void *ud;
} fs_ud;

static fs_ud *ud_new(void *ud)
{
	fs_ud *u = xcalloc(1, sizeof *u);
	u->ud = ud;
	return u;
}

static void fin_entry(sbx_op *op, const sbx_err *e)
{
	fs_ud *u = op->ctx;
	sbx_err pe;
	json_t *j = e ? NULL : rpc_answer(op, &pe);
	sbx_entry en;
	if (!e && !j)
		e = &pe;
	else if (!e && sbx_entry_parse(json_object_get(j, "entry"), &en, &pe) < 0)
		e = &pe;
	if (e)
		u->one(NULL, e, u->ud);
	else
		u->one(&en, NULL, u->ud);
	json_decref(j);
}

static void fin_list(sbx_op *op, const sbx_err *e)
{
	fs_ud *u = op->ctx;
	sbx_err pe;
	json_t *j = e ? NULL : rpc_answer(op, &pe);
	if (!e && !j)
		e = &pe;
	if (e) {
		u->many(NULL, 0, e, u->ud);
		return;
	}
	json_t *arr = json_object_get(j, "entries");
	size_t n = json_array_size(arr), k = 0;
	sbx_entry *en = xcalloc(n + 1, sizeof *en);
	for (size_t i = 0; i < n; i++)
		if (sbx_entry_parse(json_array_get(arr, i), &en[k], &pe) == 0 && en[k].type != SBX_FILE_UNKNOWN)
			k++;
	u->many(en, k, NULL, u->ud);
	free(en);
	json_decref(j);
}

static void fin_done(sbx_op *op, const sbx_err *e)
{
	fs_ud *u = op->ctx;
	u->done(e, u->ud);
}

static int unary(sbx_client *c, const sbx_sandbox *sb, const char *what, const char *method, json_t *req,
		 fs_ud *u, void (*fin)(sbx_op *, const sbx_err *), sbx_op **out)
{
	rpc_call rc = { .what = what, .method = method, .req = req, .user = sb->user };
	sbx_op *op = rpc_unary(c, sb, &rc);
	op->ctx = u;
	op->ctx_free = free;
	op->on_finish = fin;
	op_out(out, op);
	return 0;
}

static int check_path(const char *path, const char *verb, sbx_err *e)
{
	if (!path || !*path)
		return sbx_error(e, "cannot %s: no path given", verb);
	return 0;
}

int sbx_fs_list(sbx_client *c, const sbx_sandbox *sb, const char *path, unsigned depth, sbx_entries_cb cb,
		void *ud, sbx_op **out, sbx_err *e)
{
	if (check_path(path, "list a directory", e) < 0)
		return -1;
	char what[1200];
	snprintf(what, sizeof what, "list %s", path);
	fs_ud *u = ud_new(ud);
	u->many = cb;
	return unary(c, sb, what, "filesystem.Filesystem/ListDir",
		     json_pack("{s:s,s:i}", "path", path, "depth", depth ? (int)depth : 1), u, fin_list, out);
}

static int path_call(sbx_client *c, const sbx_sandbox *sb, const char *verb, const char *method, const char *path,
		     fs_ud *u, void (*fin)(sbx_op *, const sbx_err *), sbx_op **out, sbx_err *e)
{
	if (check_path(path, verb, e) < 0) {
		free(u);
		return -1;
	}
	char what[1200];
	snprintf(what, sizeof what, "%s %s", verb, path);
	return unary(c, sb, what, method, json_pack("{s:s}", "path", path), u, fin, out);
}

int sbx_fs_stat(sbx_client *c, const sbx_sandbox *sb, const char *path, sbx_entry_cb cb, void *ud, sbx_op **out,
		sbx_err *e)
{
	fs_ud *u = ud_new(ud);
	u->one = cb;
	return path_call(c, sb, "stat", "filesystem.Filesystem/Stat", path, u, fin_entry, out, e);
}

int sbx_fs_mkdir(sbx_client *c, const sbx_sandbox *sb, const char *path, sbx_entry_cb cb, void *ud, sbx_op **out,
		 sbx_err *e)
{
	fs_ud *u = ud_new(ud);
	u->one = cb;
	return path_call(c, sb, "make directory", "filesystem.Filesystem/MakeDir", path, u, fin_entry, out, e);
}

int sbx_fs_remove(sbx_client *c, const sbx_sandbox *sb, const char *path, sbx_done_cb cb, void *ud, sbx_op **out,
		  sbx_err *e)
{
	fs_ud *u = ud_new(ud);
	u->done = cb;
	return path_call(c, sb, "remove", "filesystem.Filesystem/Remove", path, u, fin_done, out, e);
}

int sbx_fs_move(sbx_client *c, const sbx_sandbox *sb, const char *from, const char *to, sbx_entry_cb cb, void *ud,
		sbx_op **out, sbx_err *e)
{
	if (check_path(from, "move", e) < 0 || check_path(to, "move", e) < 0)
		return -1;
	char what[2200];
	snprintf(what, sizeof what, "move %s to %s", from, to);
	fs_ud *u = ud_new(ud);
	u->one = cb;
	return unary(c, sb, what, "filesystem.Filesystem/Move",
		     json_pack("{s:s,s:s}", "source", from, "destination", to), u, fin_entry, out);
}

/* --- watch ----------------------------------------------------------------- */

static int watch_msg(const json_t *msg, void *ud, sbx_err *e)
{
	fs_ud *u = ud;
	json_t *fe = json_object_get(msg, "filesystem");
	if (json_object_get(msg, "start")) {
		u->started = 1;
		return 0;
	}
	if (!json_is_object(fe))
		return 0;   /* keepalive */
	const char *name = json_string_value(json_object_get(fe, "name"));
	int type = sbx_fs_event_type_parse(json_object_get(fe, "type"));
	json_t *ej = json_object_get(fe, "entry");
	sbx_entry en;
	int have = json_is_object(ej) && sbx_entry_parse(ej, &en, e) == 0;
	if (u->w.on_event)
		u->w.on_event(name ? name : "", type, have ? &en : NULL, u->w.ud);
	return 0;
}

static void watch_done(const sbx_err *e, void *ud)
{
	fs_ud *u = ud;
	if (u->w.on_done)
		u->w.on_done(e, u->w.ud);
}

int sbx_fs_watch(sbx_client *c, const sbx_sandbox *sb, const char *path, int recursive, int with_entries,
		 long timeout_ms, const sbx_watch_handler *h, sbx_op **out, sbx_err *e)
{
	if (check_path(path, "watch a directory", e) < 0)
		return -1;
	char what[1200];
	snprintf(what, sizeof what, "watch %s", path);
	json_t *req = json_pack("{s:s}", "path", path);
	if (recursive)
		json_object_set_new(req, "recursive", json_true());
	if (with_entries)
		json_object_set_new(req, "includeEntry", json_true());
	fs_ud *u = ud_new(NULL);
	u->w = *h;
	rpc_call rc = { .what = what, .method = "filesystem.Filesystem/WatchDir", .req = req, .user = sb->user,
			.timeout_ms = timeout_ms };
	rpc_stream_hooks hooks = { .msg_cb = watch_msg, .done = watch_done, .ud = u, .ud_free = free };
	op_out(out, rpc_stream(c, sb, &rc, &hooks));
	return 0;
}
