#include "api_volumes.h"
#include "api.h"
#include "volume_fs.h"
#include "volumes.h"
#include "../util/rand.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is(const char *a, const char *b) { return !strcmp(a, b); }

static void not_found(http_req *r, const char *id)
{
	api_error(r, 404, "volume \"%s\" not found (list them with GET /volumes or `sbx volume ls`)", id);
}

sbox *api_volume_user(sbxd *d, const char *id, int *more)
{
	sbox *first = NULL;
	*more = 0;
	for (sbox *sb = d->boxes; sb; sb = sb->next) {
		json_t *m;
		size_t i;
		json_array_foreach(sb->rec.volume_mounts, i, m) {
			const char *vid = json_string_value(json_object_get(m, "volumeID"));
			if (!vid || !is(vid, id))
				continue;
			if (first)
				(*more)++;
			else
				first = sb;
			break;
		}
	}
	return first;
}

/* --- /volumes ---------------------------------------------------------------- */

static json_t *with_token(const sbx_volume *v)
{
	return json_pack("{s:s,s:s,s:s}", "volumeID", v->id, "name", v->name, "token", v->token);
}

static void create_body(http_req *r, const char *body, size_t len, void *ud)
{
	sbxd *d = ud;
	json_t *j = api_parse_body(r, body, len);
	if (!j)
		return;
	const char *name = json_string_value(json_object_get(j, "name"));
	sbx_err e;
	sbx_volume v;
	int found;
	if (!name)
		api_error(r, 400, "\"name\" is required: the volume's name ([a-zA-Z0-9_-], at most %d characters)",
			  VOL_NAME_MAX);
	else if (!volume_name_valid(name))
		api_error(r, 400, "volume name \"%.80s\" is not valid: use letters, digits, '_' and '-' (at most %d)",
			  name, VOL_NAME_MAX);
	else if ((found = volumes_find(d->state_dir, name, &v, &e)) < 0)
		api_error(r, 500, "%s", e.msg);
	else if (found == 0) {
		api_error(r, 409, "a volume named \"%s\" already exists (%s); pick another name or use that one", name,
			  v.id);
		volume_free(&v);
	} else if (volumes_create(d->state_dir, name, &v, &e) < 0)
		api_error(r, errno == ENOSPC || errno == EDQUOT ? 507 : 500, "cannot create volume \"%s\": %s", name,
			  e.msg);
	else {
		api_json(r, 201, with_token(&v));
		volume_free(&v);
	}
	json_decref(j);
}

static void list_volumes(sbxd *d, http_req *r)
{
	sbx_volume *v;
	size_t n;
	sbx_err e;
	if (volumes_list(d->state_dir, &v, &n, &e) < 0) {
		api_error(r, 500, "%s", e.msg);
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "volumeID", v[i].id, "name", v[i].name));
	volumes_list_free(v, n);
	api_json(r, 200, a);
}

static void one_volume(sbxd *d, http_req *r, const char *id)
{
	const char *m = http_req_method(r);
	sbx_volume v;
	sbx_err e;
	if (!is(m, "GET") && !is(m, "DELETE")) {
		http_req_add_header(r, "Allow", "GET, DELETE");
		api_error(r, 405, "%s is not allowed on %s; use GET or DELETE", m, http_req_path(r));
		return;
	}
	int found = volumes_find(d->state_dir, id, &v, &e);
	if (found < 0) {
		api_error(r, 500, "%s", e.msg);
		return;
	}
	if (found) {
		not_found(r, id);
		return;
	}
	if (is(m, "GET")) {
		api_json(r, 200, with_token(&v));
	} else {
		int more;
		sbox *user = api_volume_user(d, v.id, &more);
		if (user && more)
			api_error(r, 409, "volume \"%s\" is mounted by sandbox %s and %d more; kill them first", v.name,
				  user->rec.id, more);
		else if (user)
			api_error(r, 409, "volume \"%s\" is mounted by sandbox %s; kill it first", v.name, user->rec.id);
		else if (volumes_remove(d->state_dir, v.id, &e) < 0)
			api_error(r, 500, "cannot remove volume \"%s\": %s", v.name, e.msg);
		else
			http_respond(r, 204, NULL, NULL, 0);
	}
	volume_free(&v);
}

void api_volumes(sbxd *d, http_req *r, const char *rest)
{
	const char *m = http_req_method(r);
	if (!*rest || is(rest, "/")) {
		if (is(m, "GET"))
			list_volumes(d, r);
		else if (is(m, "POST"))
			http_req_read_body(r, API_BODY_LIMIT, create_body, d);
		else {
			http_req_add_header(r, "Allow", "GET, POST");
			api_error(r, 405, "%s is not allowed on /volumes; use GET or POST", m);
		}
		return;
	}
	const char *id = rest + 1;
	if (strchr(id, '/') || strlen(id) > 128) {
		api_error(r, 404, "no such endpoint: %s %s", m, http_req_path(r));
		return;
	}
	one_volume(d, r, id);
}

/* --- /volumecontent ------------------------------------------------------------ */

/* A query number in [0, max]; -1 when absent.  -1 (400 sent) when malformed. */
static int q_num(http_req *r, const char *key, long max, long *out)
{
	const char *s = http_req_query(r, key);
	*out = -1;
	if (!s)
		return 0;
	char *end;
	errno = 0;
	long v = *s >= '0' && *s <= '9' ? strtol(s, &end, 10) : -1;
	if (v < 0 || errno || *end || v > max) {
		api_error(r, 400, "query parameter %s=\"%.40s\" must be a whole number from 0 to %ld", key, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* force=true|false; -1 (400 sent) otherwise. */
static int q_bool(http_req *r, const char *key, int *out)
{
	const char *s = http_req_query(r, key);
	*out = 0;
	if (!s || is(s, "false"))
		return 0;
	if (is(s, "true")) {
		*out = 1;
		return 0;
	}
	api_error(r, 400, "query parameter %s must be true or false", key);
	return -1;
}

static void fs_error(http_req *r, const sbx_err *e)
{
	int st = vfs_status(errno);
	if (st == 507)
		api_error(r, 507, "the disk holding sbxd's volumes is full: %s; free space and retry", e->msg);
	else
		api_error(r, st, "%s", e->msg);
}

typedef struct upload {
	http_req *r;
	int dirfd, fd;
	char tmp[48];
	char *rel, *leaf;
	int force;
	long uid, gid, mode;
	unsigned long long got;
} upload;

static void upload_close(http_req *r, int ok, void *ud)
{
	(void)r;
	(void)ok;
	upload *u = ud;
	if (u->fd >= 0)
		close(u->fd);
	if (u->tmp[0])
		unlinkat(u->dirfd, u->tmp, 0);
	close(u->dirfd);
	free(u->rel);
	free(u);
}

static void upload_fail(upload *u, int err, const char *what)
{
	close(u->fd);
	u->fd = -1;
	unlinkat(u->dirfd, u->tmp, 0);
	u->tmp[0] = '\0';
	if (err == ENOSPC || err == EDQUOT)
		api_error(u->r, 507, "the disk holding sbxd's volumes is full (writing /%s); free space and retry",
			  u->rel);
	else
		api_error(u->r, 500, "cannot %s /%s in the volume: %s", what, u->rel, strerror(err));
}

static int upload_chunk(http_req *r, const char *data, size_t len, void *ud)
{
	(void)r;
	upload *u = ud;
	if (u->fd < 0)
		return -1;
	if (u->got + len > VOL_UPLOAD_MAX) {
		upload_fail(u, EFBIG, "write");
		return -1;
	}
	while (len) {
		ssize_t n = write(u->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			upload_fail(u, n < 0 ? errno : ENOSPC, "write");
			return -1;
		}
		data += n;
		len -= (size_t)n;
		u->got += (size_t)n;
	}
	return 0;
}

static void upload_end(http_req *r, void *ud)
{
	upload *u = ud;
	if (u->fd < 0)
		return;
	if (fchmod(u->fd, u->mode >= 0 ? (mode_t)u->mode : 0644) < 0 ||
	    ((u->uid >= 0 || u->gid >= 0) &&
	     fchown(u->fd, u->uid >= 0 ? (uid_t)u->uid : (uid_t)-1, u->gid >= 0 ? (gid_t)u->gid : (gid_t)-1) < 0)) {
		upload_fail(u, errno, "set the owner and mode of");
		return;
	}
	if (close(u->fd) < 0) {   /* a delayed write error (NFS, full disk) */
		u->fd = -1;
		upload_fail(u, errno, "write");
		return;
	}
	u->fd = -1;
	if (renameat2(u->dirfd, u->tmp, u->dirfd, u->leaf, u->force ? 0 : RENAME_NOREPLACE) < 0) {
		int err = errno;
		unlinkat(u->dirfd, u->tmp, 0);
		u->tmp[0] = '\0';
		if (err == EEXIST)
			api_error(r, 409, "/%s already exists; pass force to overwrite it", u->rel);
		else if (err == EISDIR || err == ENOTEMPTY)
			api_error(r, 409, "/%s is a directory", u->rel);
		else
			api_error(r, 500, "cannot put /%s in place: %s", u->rel, strerror(err));
		return;
	}
	u->tmp[0] = '\0';
	sbx_err e;
	char *shown = xasprintf("/%s", u->rel);
	json_t *j = vfs_entry(u->dirfd, u->leaf, shown, &e);
	free(shown);
	if (j)
		api_json(r, 201, j);
	else
		fs_error(r, &e);
}

static void put_file(http_req *r, int root, char *rel)
{
	upload *u = xcalloc(1, sizeof *u);
	u->r = r;
	u->fd = -1;
	u->rel = rel;
	sbx_err e;
	const char *cl = http_req_header(r, "Content-Length");
	if (!*rel) {
		api_error(r, 400, "the path must name a file, not the volume's root");
		goto fail;
	}
	if (cl && strtoull(cl, NULL, 10) > VOL_UPLOAD_MAX) {
		api_error(r, 413, "the upload is %s bytes; one file may be at most %llu bytes", cl,
			  (unsigned long long)VOL_UPLOAD_MAX);
		goto fail;
	}
	if (q_bool(r, "force", &u->force) < 0 || q_num(r, "uid", 0xffffffffL - 1, &u->uid) < 0 ||
	    q_num(r, "gid", 0xffffffffL - 1, &u->gid) < 0 || q_num(r, "mode", 07777, &u->mode) < 0)
		goto fail;
	u->dirfd = vfs_parent(root, rel, (const char **)&u->leaf, &e);
	if (u->dirfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			api_error(r, 404, "the directory of /%s does not exist in the volume; make it first (makeDir with force)",
				  rel);
		else
			fs_error(r, &e);
		goto fail;
	}
	struct stat st;
	if (fstatat(u->dirfd, u->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode)) {
			api_error(r, 409, "/%s is a directory", rel);
			goto fail_dir;
		}
		if (!u->force) {
			api_error(r, 409, "/%s already exists; pass force to overwrite it", rel);
			goto fail_dir;
		}
	}
	char hex[17];
	rand_hex(hex, 16);
	snprintf(u->tmp, sizeof u->tmp, ".sbx-upload-%s", hex);
	u->fd = openat(u->dirfd, u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (u->fd < 0) {
		int err = errno;
		u->tmp[0] = '\0';
		if (err == ENOSPC || err == EDQUOT)
			api_error(r, 507, "the disk holding sbxd's volumes is full; free space and retry");
		else
			api_error(r, 500, "cannot write /%s in the volume: %s", rel, strerror(err));
		goto fail_dir;
	}
	http_req_on_close(r, upload_close, u);
	http_req_stream_body(r, upload_chunk, upload_end, u);
	return;
fail_dir:
	close(u->dirfd);
fail:
	free(u->rel);
	free(u);
}

static void patch_body(http_req *r, const char *body, size_t len, void *ud)
{
	int *root = ud;
	json_t *j = api_parse_body(r, body, len);
	char *rel = NULL;
	sbx_err e;
	long v[3] = { -1, -1, -1 };
	const char *keys[3] = { "uid", "gid", "mode" };
	const long max[3] = { 0xffffffffL - 1, 0xffffffffL - 1, 07777 };
	if (!j)
		goto out;
	for (int i = 0; i < 3; i++) {
		json_t *x = json_object_get(j, keys[i]);
		if (!x || json_is_null(x))
			continue;
		if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > max[i]) {
			api_error(r, 400, "\"%s\" must be a whole number from 0 to %ld", keys[i], max[i]);
			goto out;
		}
		v[i] = (long)json_integer_value(x);
	}
	if (vfs_clean(http_req_query(r, "path"), &rel, &e) < 0)
		api_error(r, 400, "%s", e.msg);
	else if (vfs_chattr(root[0], rel, v[0], v[1], v[2], &e) < 0)
		fs_error(r, &e);
	else {
		json_t *st = vfs_stat(root[0], rel, &e);
		if (st)
			api_json(r, 200, st);
		else
			fs_error(r, &e);
	}
out:
	json_decref(j);
	free(rel);
}

static void root_close(http_req *r, int ok, void *ud)
{
	(void)r;
	(void)ok;
	int *root = ud;
	close(root[0]);
	free(root);
}

/* The volume's token, from "Authorization: Bearer TOKEN"; 1 when it matches. */
static int token_ok(http_req *r, const sbx_volume *v)
{
	const char *h = http_req_header(r, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7)) {
		api_error(r, 401, "missing volume token: send \"Authorization: Bearer <token>\" (Volume.connect and GET "
			  "/volumes/{id} give it)");
		return 0;
	}
	const char *t = h + 7;
	size_t n = strlen(v->token);
	if (strlen(t) != n || CRYPTO_memcmp(t, v->token, n)) {
		api_error(r, 401, "this token is not volume \"%s\"'s; get it with Volume.connect or GET /volumes/{id}",
			  v->name);
		return 0;
	}
	return 1;
}

/* m is one of allow's ", "-separated methods. */
static int method_in(const char *allow, const char *m)
{
	size_t n = strlen(m);
	for (const char *p = allow; p; p = strchr(p, ',') ? strchr(p, ',') + 2 : NULL)
		if (!strncmp(p, m, n) && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

void api_volume_content(sbxd *d, http_req *r, const char *rest)
{
	const char *m = http_req_method(r);
	char id[VOL_ID_LEN + 8], what[8];
	const char *s = *rest == '/' ? rest + 1 : rest, *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof id || strlen(slash + 1) >= sizeof what || strchr(slash + 1, '/')) {
		api_error(r, 404, "no such endpoint: %s %s (use /volumecontent/{volumeID}/file|dir|path)", m,
			  http_req_path(r));
		return;
	}
	snprintf(id, sizeof id, "%.*s", (int)(slash - s), s);
	snprintf(what, sizeof what, "%s", slash + 1);
	const char *allow = is(what, "file") ? "GET, PUT" : is(what, "dir") ? "GET, POST" :
			    is(what, "path") ? "GET, PATCH, DELETE" : NULL;
	if (!allow) {
		api_error(r, 404, "no such endpoint: %s %s (use /volumecontent/{volumeID}/file|dir|path)", m,
			  http_req_path(r));
		return;
	}
	if (!method_in(allow, m)) {
		http_req_add_header(r, "Allow", allow);
		api_error(r, 405, "%s is not allowed on /volumecontent/{volumeID}/%s; use %s", m, what, allow);
		return;
	}
	sbx_volume v;
	sbx_err e;
	int found = volumes_find(d->state_dir, id, &v, &e);
	if (found < 0) {
		api_error(r, 500, "%s", e.msg);
		return;
	}
	if (found || !is(v.id, id)) {   /* content goes by id only */
		not_found(r, id);
		if (!found)
			volume_free(&v);
		return;
	}
	if (!token_ok(r, &v)) {
		volume_free(&v);
		return;
	}
	char *dir = volume_data_dir(d->state_dir, v.id);
	int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		api_error(r, 500, "volume \"%s\"'s directory %s cannot be opened: %s", v.name, dir, strerror(errno));
	free(dir);
	volume_free(&v);
	if (root < 0)
		return;
	char *rel;
	if (vfs_clean(http_req_query(r, "path"), &rel, &e) < 0) {
		api_error(r, 400, "%s", e.msg);
		close(root);
		return;
	}
	json_t *j = NULL;
	if (is(what, "file") && is(m, "PUT")) {
		put_file(r, root, rel);   /* takes rel */
		close(root);
		return;
	}
	if (is(what, "path") && is(m, "PATCH")) {
		int *ud = xmalloc(sizeof *ud);
		*ud = root;
		http_req_on_close(r, root_close, ud);
		http_req_read_body(r, API_BODY_LIMIT, patch_body, ud);
		free(rel);
		return;
	}
	if (is(what, "file")) {
		int fd = vfs_open(root, rel, O_RDONLY | O_NONBLOCK, &e);   /* O_NONBLOCK: a fifo must not hang us */
		struct stat st;
		if (fd < 0)
			fs_error(r, &e);
		else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			api_error(r, 400, "/%s is %s", rel,
				  S_ISDIR(st.st_mode) ? "a directory, not a file (list it)" :
							"not a regular file (a fifo, socket or device): it cannot be read");
			close(fd);
		} else {
			fcntl(fd, F_SETFL, 0);
			http_respond_fd(r, 200, "application/octet-stream", fd, (uint64_t)st.st_size);
		}
	} else if (is(what, "dir") && is(m, "GET")) {
		long depth;
		if (q_num(r, "depth", VFS_DEPTH_MAX, &depth) == 0) {
			if (depth == 0)
				api_error(r, 400, "depth must be from 1 to %d", VFS_DEPTH_MAX);
			else if ((j = vfs_list(root, rel, depth < 0 ? 1 : (int)depth, &e)))
				api_json(r, 200, j);
			else
				fs_error(r, &e);
		}
	} else if (is(what, "dir")) {
		int force;
		long uid, gid, mode;
		if (q_bool(r, "force", &force) == 0 && q_num(r, "uid", 0xffffffffL - 1, &uid) == 0 &&
		    q_num(r, "gid", 0xffffffffL - 1, &gid) == 0 && q_num(r, "mode", 07777, &mode) == 0) {
			if (vfs_mkdir(root, rel, force, mode >= 0 ? (mode_t)mode : 0755, uid, gid, &e) < 0)
				fs_error(r, &e);
			else if ((j = vfs_stat(root, rel, &e)))
				api_json(r, 201, j);
			else
				fs_error(r, &e);
		}
	} else if (is(m, "GET")) {
		if ((j = vfs_stat(root, rel, &e)))
			api_json(r, 200, j);
		else
			fs_error(r, &e);
	} else {   /* DELETE path */
		if (vfs_remove(root, rel, &e) < 0)
			fs_error(r, &e);
		else
			http_respond(r, 204, NULL, NULL, 0);
	}
	free(rel);
	close(root);
}

/* --- volumeMounts on create ---------------------------------------------------- */

/* Where a volume may not go: the sandbox's kernel views and the agent's socket. */
static int path_reserved(const char *p)
{
	static const char *const no[] = { "/proc", "/sys", "/dev", "/run/sbx", NULL };
	for (int i = 0; no[i]; i++) {
		size_t n = strlen(no[i]);
		if (!strncmp(p, no[i], n) && (!p[n] || p[n] == '/'))
			return 1;
	}
	return 0;
}

int api_volume_mounts_parse(sbxd *d, http_req *r, json_t *v, const runtime_ops *ops, json_t **out)
{
	*out = NULL;
	if (!v || json_is_null(v) || (json_is_array(v) && !json_array_size(v)))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > VOL_MOUNTS_MAX) {
		api_error(r, 400, "\"volumeMounts\" must be a list of at most %d {\"name\", \"path\"} objects",
			  VOL_MOUNTS_MAX);
		return -1;
	}
	/* Only ns binds a host directory into a sandbox: a qemu/ch sandbox is a
	 * clone of a booted VM snapshot whose devices are fixed at boot, so it
	 * cannot gain a shared directory (docs/sbxd.md, Volumes). */
	if (strcmp(ops->name, "ns")) {
		api_error(r, 400, "volumeMounts need the ns runtime: %s sandboxes are clones of a booted VM snapshot "
			  "and cannot gain a shared directory; create the sandbox with runtime ns "
			  "(metadata sbx.runtime=ns or `sbx create --runtime ns`)", ops->name);
		return -1;
	}
	json_t *res = json_array(), *m;
	size_t i;
	json_array_foreach(v, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		const char *path = json_string_value(json_object_get(m, "path"));
		char *rel = NULL;
		sbx_volume vol;
		sbx_err e;
		int found = -2;
		if (!json_is_object(m) || !name || !path)
			api_error(r, 400, "volumeMounts[%zu] must be {\"name\": VOLUME, \"path\": \"/absolute/path\"}", i);
		else if (path[0] != '/' || vfs_clean(path, &rel, &e) < 0 || !*rel)
			api_error(r, 400, "volumeMounts[%zu]: path \"%.200s\" must be an absolute path other than / with "
				  "no \"..\"", i, path);
		else if (path_reserved(path))
			api_error(r, 400, "volumeMounts[%zu]: a volume cannot be mounted at %.200s (reserved)", i, path);
		else if ((found = volumes_find(d->state_dir, name, &vol, &e)) < 0)
			api_error(r, 500, "%s", e.msg);
		else if (found)
			api_error(r, 400, "volumeMounts[%zu]: volume \"%.100s\" not found; create it first (Volume.create)",
				  i, name);
		if (found == 0) {
			char *clean = xasprintf("/%s", rel);
			json_t *o;
			size_t k;
			int dup = 0;
			json_array_foreach(res, k, o)
				dup |= !strcmp(json_string_value(json_object_get(o, "path")), clean);
			if (dup)
				api_error(r, 400, "volumeMounts[%zu]: two volumes at %s", i, clean);
			else
				json_array_append_new(res, json_pack("{s:s,s:s,s:s}", "name", vol.name, "path", clean,
								     "volumeID", vol.id));
			free(clean);
			volume_free(&vol);
			found = dup;
		}
		free(rel);
		if (found) {
			json_decref(res);
			return -1;
		}
	}
	*out = res;
	return 0;
}
