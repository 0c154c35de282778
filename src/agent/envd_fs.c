/*
 * envd_fs: the filesystem.Filesystem Connect service (docs/protocol.md
 * §3.5).  Paths are resolved with user_path() as the requesting user (Basic
 * auth); work is done as the agent and new directories are chowned to the
 * user, as envd does.  Directory walks live in fs_ops.c, inotify in
 * fs_watch.c.
 */
#include "agent.h"
#include "fs_ops.h"
#include "fs_watch.h"
#include "rpc.h"
#include "users.h"
#include "../proto/envd_json.h"
#include "../util/fsutil.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WATCH_KEEPALIVE "{\"keepalive\":{}}"
#define WATCHER_MAX_EVENTS 10000

/* A WatchDir stream. */
struct stream_watch {
	struct envd_fs *fs;
	rpc_stream *s;
	fs_watch *w;
	int include_entry;
	struct stream_watch *prev, *next;
};

/* A CreateWatcher watcher, polled with GetWatcherEvents. */
struct watcher {
	struct envd_fs *fs;
	char id[24];
	fs_watch *w;
	int include_entry;
	json_t *events;
	char *err_code, *err_msg;
	struct watcher *next;
};

struct envd_fs {
	agent *a;
	struct stream_watch *streams;
	struct watcher *watchers;
	unsigned next_id;
};

void envd_fs_init(agent *a)
{
	a->fs = xcalloc(1, sizeof *a->fs);
	a->fs->a = a;
}

static void stream_watch_free(struct stream_watch *sw)
{
	if (sw->prev)
		sw->prev->next = sw->next;
	else
		sw->fs->streams = sw->next;
	if (sw->next)
		sw->next->prev = sw->prev;
	fs_watch_free(sw->w);
	free(sw);
}

static void watcher_free(struct watcher *w)
{
	for (struct watcher **pp = &w->fs->watchers; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	fs_watch_free(w->w);
	json_decref(w->events);
	free(w->err_code);
	free(w->err_msg);
	free(w);
}

void envd_fs_free(agent *a)
{
	struct envd_fs *fs = a->fs;
	if (!fs)
		return;
	while (fs->streams) {
		rpc_stream_finish(fs->streams->s, "unavailable", "the sandbox agent is shutting down");
		stream_watch_free(fs->streams);
	}
	while (fs->watchers)
		watcher_free(fs->watchers);
	free(fs);
	a->fs = NULL;
}

/* Resolves the requesting user; -1 having answered unauthenticated. */
static int req_user(agent *a, http_req *r, sbx_user *u)
{
	sbx_err e;
	if (user_resolve(a, http_req_header(r, "Authorization"), NULL, u, &e) == 0)
		return 0;
	agent_connect_error(r, "unauthenticated", "%s", e.msg);
	return -1;
}

static void reply_entry(http_req *r, const char *path)
{
	envd_entry en;
	sbx_err e;
	if (envd_entry_stat(path, path, &en, &e) < 0) {
		agent_connect_error(r, rpc_errno_code(errno), "%s", e.msg);
		return;
	}
	rpc_reply(r, json_pack("{s:o}", "entry", envd_entry_json(&en)));
	envd_entry_free(&en);
}

/* Decodes a request with a path, resolves the user and the path.  Returns
 * the absolute path (heap) or NULL having answered. */
static char *path_of(agent *a, http_req *r, json_t *j, sbx_user *u)
{
	envd_path_req req;
	sbx_err e;
	if (envd_decode_path(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return NULL;
	}
	char *p = req_user(a, r, u) == 0 ? user_path(a, u, req.path) : NULL;
	envd_path_req_free(&req);
	return p;
}

/* --- unary methods -------------------------------------------------------- */

static void on_stat(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	sbx_user u;
	char *p = path_of(a, r, j, &u);
	struct stat st;
	if (!p)
		return;
	if (lstat(p, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
		agent_connect_error(r, "not_found", "file '%s' does not exist", p);
	else
		reply_entry(r, p);
	free(p);
}

static void on_make_dir(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	sbx_user u;
	sbx_err e;
	struct stat st;
	char *p = path_of(a, r, j, &u);
	if (!p)
		return;
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		agent_connect_error(r, "already_exists", "directory '%s' already exists", p);
	else if (stat(p, &st) == 0)
		agent_connect_error(r, "invalid_argument", "path '%s' already exists and is not a directory", p);
	else if (fs_mkdir_p(p, &u, &e) < 0)
		agent_connect_error(r, rpc_errno_code(errno), "%s", e.msg);
	else
		reply_entry(r, p);
	free(p);
}

static void on_move(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	envd_move_req req;
	sbx_user u;
	sbx_err e;
	struct stat st;
	if (envd_decode_move(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return;
	}
	if (req_user(a, r, &u) < 0) {
		envd_move_req_free(&req);
		return;
	}
	char *src = user_path(a, &u, req.source), *dst = user_path(a, &u, req.destination);
	if (lstat(src, &st) < 0)
		agent_connect_error(r, errno == ENOENT || errno == ENOTDIR ? "not_found" : rpc_errno_code(errno),
				    "source '%s' does not exist", src);
	else if (fs_mkdir_parents(dst, &u, &e) < 0)
		agent_connect_error(r, rpc_errno_code(errno), "%s", e.msg);
	else if (rename(src, dst) < 0)
		agent_connect_error(r, rpc_errno_code(errno), "cannot move '%s' to '%s': %s%s", src, dst,
				    strerror(errno), errno == EXDEV ? " (they are on different filesystems)" : "");
	else
		reply_entry(r, dst);
	free(src);
	free(dst);
	envd_move_req_free(&req);
}

static void on_remove(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	sbx_user u;
	sbx_err e;
	char *p = path_of(a, r, j, &u);
	if (!p)
		return;
	if (fsu_rm_rf(p, 0, &e) < 0)
		agent_connect_error(r, rpc_errno_code(errno), "%s", e.msg);
	else
		rpc_reply(r, json_object());
	free(p);
}

static void on_list_dir(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	envd_listdir_req req;
	sbx_user u;
	sbx_err e;
	const char *code;
	if (envd_decode_listdir(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return;
	}
	if (req_user(a, r, &u) < 0) {
		envd_listdir_req_free(&req);
		return;
	}
	char *p = user_path(a, &u, req.path);
	json_t *entries = json_array();
	if (fs_list(p, req.depth ? req.depth : 1, entries, &code, &e) < 0) {
		agent_connect_error(r, code, "%s", e.msg);
		json_decref(entries);
	} else {
		rpc_reply(r, json_pack("{s:o}", "entries", entries));
	}
	free(p);
	envd_listdir_req_free(&req);
}

/* --- watching ------------------------------------------------------------- */

/* FilesystemEvent for rel under the watched dir; entry for CREATE/WRITE/CHMOD. */
static json_t *fs_event(fs_watch *w, const char *rel, int type, int include_entry)
{
	envd_entry en;
	int have = 0;
	if (include_entry && (type == ENVD_EVENT_CREATE || type == ENVD_EVENT_WRITE || type == ENVD_EVENT_CHMOD)) {
		char *full = xasprintf("%s/%s", fs_watch_path(w), rel);
		have = envd_entry_stat(full, full, &en, NULL) == 0;
		free(full);
	}
	json_t *ev = envd_fs_event_json(rel, type, have ? &en : NULL);
	if (have)
		envd_entry_free(&en);
	return ev;
}

static void sw_event(fs_watch *w, const char *rel, int type, void *ud)
{
	struct stream_watch *sw = ud;
	rpc_stream_send(sw->s, envd_watch_event(fs_event(w, rel, type, sw->include_entry)));
}

static void sw_error(fs_watch *w, const char *code, const char *msg, void *ud)
{
	(void)w;
	struct stream_watch *sw = ud;
	rpc_stream_finish(sw->s, code, "%s", msg);
	stream_watch_free(sw);
}

static void sw_gone(rpc_stream *s, int why, void *owner)
{
	(void)s, (void)why;
	stream_watch_free(owner);
}

/* Resolves the user and path of a watch request and starts watching;
 * NULL with *code and e. */
static fs_watch *open_watch(agent *a, const char *auth, const envd_watch_req *req, fs_watch_event_fn ev,
			    fs_watch_error_fn err, void *ud, const char **code, sbx_err *e)
{
	sbx_user u;
	if (user_resolve(a, auth, NULL, &u, e) < 0) {
		*code = "unauthenticated";
		return NULL;
	}
	char *p = user_path(a, &u, req->path);
	fs_watch *w = fs_watch_new(a->loop, p, req->recursive, req->allow_network_mounts, ev, err, ud, code, e);
	free(p);
	return w;
}

static void on_watch_dir(agent *a, rpc_stream *s, json_t *j, void *ud)
{
	(void)ud;
	envd_watch_req req;
	sbx_err e;
	const char *code;
	if (envd_decode_watch(j, &req, &e) < 0) {
		rpc_stream_finish(s, "invalid_argument", "%s", e.msg);
		return;
	}
	struct stream_watch *sw = xcalloc(1, sizeof *sw);
	sw->fs = a->fs;
	sw->s = s;
	sw->include_entry = req.include_entry;
	sw->w = open_watch(a, http_req_header(rpc_stream_req(s), "Authorization"), &req, sw_event, sw_error, sw,
			   &code, &e);
	envd_watch_req_free(&req);
	if (!sw->w) {
		free(sw);
		rpc_stream_finish(s, code, "%s", e.msg);
		return;
	}
	sw->next = a->fs->streams;
	if (sw->next)
		sw->next->prev = sw;
	a->fs->streams = sw;
	rpc_stream_set_owner(s, sw_gone, sw);
	rpc_stream_send(s, envd_watch_start());
}

static void pw_event(fs_watch *w, const char *rel, int type, void *ud)
{
	struct watcher *pw = ud;
	if (json_array_size(pw->events) >= WATCHER_MAX_EVENTS)
		return;   /* nobody polls: keep the oldest, drop the rest */
	json_array_append_new(pw->events, fs_event(w, rel, type, pw->include_entry));
}

static void pw_error(fs_watch *w, const char *code, const char *msg, void *ud)
{
	struct watcher *pw = ud;
	fs_watch_free(w);
	pw->w = NULL;
	pw->err_code = xstrdup(code);
	pw->err_msg = xstrdup(msg);
}

static void on_create_watcher(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	envd_watch_req req;
	sbx_err e;
	const char *code;
	if (envd_decode_watch(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return;
	}
	struct watcher *pw = xcalloc(1, sizeof *pw);
	pw->fs = a->fs;
	pw->include_entry = req.include_entry;
	pw->events = json_array();
	pw->w = open_watch(a, http_req_header(r, "Authorization"), &req, pw_event, pw_error, pw, &code, &e);
	envd_watch_req_free(&req);
	if (!pw->w) {
		json_decref(pw->events);
		free(pw);
		agent_connect_error(r, code, "%s", e.msg);
		return;
	}
	snprintf(pw->id, sizeof pw->id, "w%u", ++a->fs->next_id);
	pw->next = a->fs->watchers;
	a->fs->watchers = pw;
	rpc_reply(r, json_pack("{s:s}", "watcherId", pw->id));
}

/* The watcher of a request, or NULL having answered. */
static struct watcher *find_watcher(agent *a, http_req *r, json_t *j)
{
	envd_watcher_req req;
	sbx_err e;
	if (envd_decode_watcher(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return NULL;
	}
	struct watcher *pw = a->fs->watchers;
	while (pw && strcmp(pw->id, req.watcher_id))
		pw = pw->next;
	if (!pw)
		agent_connect_error(r, "not_found", "watcher with id '%s' not found", req.watcher_id);
	envd_watcher_req_free(&req);
	return pw;
}

static void on_get_watcher_events(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	struct watcher *pw = find_watcher(a, r, j);
	if (!pw)
		return;
	if (pw->err_code) {
		agent_connect_error(r, pw->err_code, "%s", pw->err_msg);
		return;
	}
	json_t *events = pw->events;
	pw->events = json_array();
	rpc_reply(r, json_pack("{s:o}", "events", events));
}

static void on_remove_watcher(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	struct watcher *pw = find_watcher(a, r, j);
	if (!pw)
		return;
	watcher_free(pw);
	rpc_reply(r, json_object());
}

void envd_fs_route(agent *a, http_req *r, const char *method)
{
	static const struct {
		const char *name;
		rpc_unary_fn fn;
	} unary[] = {
		{ "Stat", on_stat },
		{ "MakeDir", on_make_dir },
		{ "Move", on_move },
		{ "ListDir", on_list_dir },
		{ "Remove", on_remove },
		{ "CreateWatcher", on_create_watcher },
		{ "GetWatcherEvents", on_get_watcher_events },
		{ "RemoveWatcher", on_remove_watcher },
	};
	const char *slash = strrchr(method, '/');
	if (slash)
		method = slash + 1;
	if (!strcmp(method, "WatchDir")) {
		rpc_stream_open(a, r, WATCH_KEEPALIVE, on_watch_dir, NULL);
		return;
	}
	for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++) {
		if (!strcmp(method, unary[i].name)) {
			rpc_unary(a, r, unary[i].fn, NULL);
			return;
		}
	}
	agent_connect_error(r, "unimplemented", "filesystem.Filesystem/%s does not exist", method);
}
