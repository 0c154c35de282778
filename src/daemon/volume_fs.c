#include "volume_fs.h"
#include "../util/buf.h"
#include "../util/path.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Fails with errno err and e's message; errno survives the formatting. */
static int fail(int err, sbx_err *e, const char *fmt, const char *what)
{
	sbx_error(e, fmt, what);
	errno = err;
	return -1;
}

int vfs_clean(const char *path, char **rel, sbx_err *e)
{
	*rel = NULL;
	if (!path || strlen(path) > VFS_PATH_MAX) {
		sbx_error(e, path ? "the path is longer than %d bytes" : "a path is required (query parameter path)",
			  VFS_PATH_MAX);
		errno = EINVAL;
		return -1;
	}
	sbx_buf b;
	buf_init(&b);
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			buf_free(&b);
			char *shown = path_name_show(path);
			fail(EINVAL, e, "path %s leaves the volume: \"..\" is not allowed; give a path inside the volume", shown);
			free(shown);
			return -1;
		}
		for (const char *c = s; c < p; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				buf_free(&b);
				char *shown = path_name_show(path);
				fail(EINVAL, e, "path %s has a control character", shown);
				free(shown);
				return -1;
			}
		if (b.len)
			buf_putc(&b, '/');
		buf_append(&b, s, n);
	}
	*rel = b.len ? buf_detach(&b) : xstrdup("");
	buf_free(&b);
	return 0;
}

int vfs_open(int root, const char *rel, int flags, sbx_err *e)
{
	struct open_how how = {
		/* openat2 refuses O_PATH with anything but these (EINVAL). */
		.flags = (unsigned)(flags | O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY)),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd = (int)syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof how);
	if (fd < 0) {
		int err = errno;
		if (err == EXDEV)
			sbx_error(e, "/%s leads outside the volume (through a symlink or a mount): refused", rel);
		else if (err == ENOENT || err == ENOTDIR)
			sbx_error(e, "path /%s not found in the volume", rel);
		else
			sbx_error_errno(e, "cannot open /%s in the volume", rel);
		errno = err;
	}
	return fd;
}

int vfs_parent(int root, const char *rel, const char **leaf, sbx_err *e)
{
	const char *slash = strrchr(rel, '/');
	*leaf = slash ? slash + 1 : rel;
	char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	int fd = vfs_open(root, dir, O_PATH | O_DIRECTORY, e);
	free(dir);
	return fd;
}

static const char *type_of(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink" : "unknown";
}

static json_t *stat_json(const struct stat *st, const char *name, const char *shown, int fd, const char *lname)
{
	char at[40], mt[40], ct[40];
	rfc3339_from(&st->st_atim, at, sizeof at);
	rfc3339_from(&st->st_mtim, mt, sizeof mt);
	rfc3339_from(&st->st_ctim, ct, sizeof ct);
	json_t *j = json_pack("{s:s,s:s,s:s,s:I,s:i,s:I,s:I,s:s,s:s,s:s}", "name", name, "type", type_of(st->st_mode),
			      "path", shown, "size", (json_int_t)st->st_size, "mode", (int)(st->st_mode & 07777), "uid",
			      (json_int_t)st->st_uid, "gid", (json_int_t)st->st_gid, "atime", at, "mtime", mt, "ctime", ct);
	if (S_ISLNK(st->st_mode)) {
		char tgt[VFS_PATH_MAX + 1];
		ssize_t n = readlinkat(fd, lname, tgt, sizeof tgt - 1);
		if (n >= 0) {
			tgt[n] = '\0';
			json_object_set_new(j, "target", json_stringn(tgt, (size_t)n));
		}
	}
	return j;
}

json_t *vfs_entry(int dirfd, const char *name, const char *shown, sbx_err *e)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		sbx_error_errno(e, "cannot stat %s in the volume", shown);
		return NULL;
	}
	return stat_json(&st, name, shown, dirfd, name);
}

json_t *vfs_stat(int root, const char *rel, sbx_err *e)
{
	int fd = vfs_open(root, rel, O_PATH | O_NOFOLLOW, e);
	if (fd < 0)
		return NULL;
	struct stat st;
	json_t *j = NULL;
	char *shown = xasprintf("/%s", rel);
	const char *slash = strrchr(rel, '/');
	if (fstat(fd, &st) < 0)
		sbx_error_errno(e, "cannot stat %s in the volume", shown);
	else
		j = stat_json(&st, slash ? slash + 1 : rel, shown, fd, "");
	int err = errno;
	free(shown);
	close(fd);
	errno = err;
	return j;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in the directory fd (closed by this call). */
static char **names_of(int fd, size_t *n)
{
	*n = 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return NULL;
	}
	char **v = NULL;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, by_name);
	return v;
}

static int list_into(json_t *out, int dirfd, const char *shown, int depth, sbx_err *e)
{
	size_t n;
	int dfd = dup(dirfd);
	if (dfd < 0)
		return sbx_error_errno(e, "cannot list %s", shown);
	char **names = names_of(dfd, &n);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (json_array_size(out) >= VFS_LIST_MAX) {
			sbx_error(e, "%s holds more than %d entries at this depth: list a subdirectory or ask for a smaller depth",
				  shown, VFS_LIST_MAX);
			errno = E2BIG;
			rc = -1;
			break;
		}
		char *child = xasprintf("%s%s%s", shown, strcmp(shown, "/") ? "/" : "", names[i]);
		json_t *j = vfs_entry(dirfd, names[i], child, NULL);
		if (j) {   /* gone meanwhile: left out */
			int isdir = !strcmp(json_string_value(json_object_get(j, "type")), "directory");
			json_array_append_new(out, j);
			if (isdir && depth > 1) {
				int fd = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd >= 0) {
					rc = list_into(out, fd, child, depth - 1, e);
					close(fd);
				}
			}
		}
		free(child);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

json_t *vfs_list(int root, const char *rel, int depth, sbx_err *e)
{
	int fd = vfs_open(root, rel, O_RDONLY | O_DIRECTORY, e);
	if (fd < 0) {
		if (errno == ENOTDIR)
			sbx_error(e, "/%s is not a directory", rel);
		return NULL;
	}
	char *shown = xasprintf("/%s", rel);
	json_t *out = json_array();
	if (list_into(out, fd, shown, depth > VFS_DEPTH_MAX ? VFS_DEPTH_MAX : depth, e) < 0) {
		int err = errno;
		json_decref(out);
		out = NULL;
		errno = err;
	}
	free(shown);
	close(fd);
	return out;
}

/* Owner and mode of what fd (an O_PATH fd, not a symlink) names. */
static int set_attrs(int fd, long uid, long gid, long mode, const char *shown, sbx_err *e)
{
	if ((uid >= 0 || gid >= 0) &&
	    fchownat(fd, "", uid >= 0 ? (uid_t)uid : (uid_t)-1, gid >= 0 ? (gid_t)gid : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return sbx_error_errno(e, "cannot change the owner of %s", shown);
	if (mode >= 0) {
		/* No fchmod on an O_PATH fd: through /proc, which names this very
		 * inode (no path walk a sandbox could redirect). */
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		if (chmod(proc, (mode_t)mode) < 0)
			return sbx_error_errno(e, "cannot change the mode of %s", shown);
	}
	return 0;
}

int vfs_chattr(int root, const char *rel, long uid, long gid, long mode, sbx_err *e)
{
	int fd = vfs_open(root, rel, O_PATH | O_NOFOLLOW, e);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = 0;
	char *shown = xasprintf("/%s", rel);
	if (fstat(fd, &st) < 0)
		rc = sbx_error_errno(e, "cannot stat %s", shown);
	else if (S_ISLNK(st.st_mode) && mode >= 0)
		rc = fail(EINVAL, e, "%s is a symlink, which has no mode of its own", shown);
	else if (S_ISLNK(st.st_mode))
		rc = fchownat(fd, "", uid >= 0 ? (uid_t)uid : (uid_t)-1, gid >= 0 ? (gid_t)gid : (gid_t)-1,
			      AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0
			     ? sbx_error_errno(e, "cannot change the owner of %s", shown)
			     : 0;
	else
		rc = set_attrs(fd, uid, gid, mode, shown, e);
	int err = errno;
	free(shown);
	close(fd);
	errno = err;
	return rc;
}

/* mkdir name in dirfd; *made = 1 when this call made it. */
static int mkdir_one(int dirfd, const char *name, mode_t mode, long uid, long gid, int exist_ok, const char *shown,
		     sbx_err *e)
{
	if (mkdirat(dirfd, name, 0700) == 0) {
		int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int rc = fd < 0 ? sbx_error_errno(e, "cannot open the new directory %s", shown)
				: set_attrs(fd, uid, gid, mode, shown, e);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (errno != EEXIST)
		return sbx_error_errno(e, "cannot make directory %s", shown);
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
		return fail(EEXIST, e, "%s exists and is not a directory", shown);
	if (!exist_ok)
		return fail(EEXIST, e, "directory %s already exists (pass force to accept it)", shown);
	return 0;
}

int vfs_mkdir(int root, const char *rel, int parents, mode_t mode, long uid, long gid, sbx_err *e)
{
	if (!*rel)
		return parents ? 0 : fail(EEXIST, e, "%s", "the volume's root already exists");
	if (!parents) {
		const char *leaf;
		int pfd = vfs_parent(root, rel, &leaf, e);
		if (pfd < 0)
			return -1;
		char *shown = xasprintf("/%s", rel);
		int rc = mkdir_one(pfd, leaf, mode, uid, gid, 0, shown, e);
		int err = errno;
		free(shown);
		close(pfd);
		errno = err;
		return rc;
	}
	/* One element at a time from the root, never through a symlink. */
	int cur = dup(root);
	if (cur < 0)
		return sbx_error_errno(e, "cannot open the volume");
	char *work = xstrdup(rel);
	int rc = 0;
	for (char *s = work, *next; s && rc == 0; s = next) {
		char *slash = strchr(s, '/');
		next = slash ? slash + 1 : NULL;
		if (slash)
			*slash = '\0';
		char *shown = xasprintf("/%.*s", (int)(s - work + strlen(s)), rel);
		rc = mkdir_one(cur, s, next ? 0755 : mode, uid, gid, 1, shown, e);
		if (rc == 0) {
			int fd = openat(cur, s, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				rc = errno == ELOOP || errno == ENOTDIR
					     ? fail(EEXIST, e, "%s is a symlink, not a directory", shown)
					     : sbx_error_errno(e, "cannot open %s", shown);
			else {
				close(cur);
				cur = fd;
			}
		}
		free(shown);
	}
	int err = errno;
	close(cur);
	free(work);
	errno = err;
	return rc;
}

/* rm -r name in dirfd, through fds only (a sandbox may swap names for
 * symlinks meanwhile: unlinkat never follows one). */
static int rm_at(int dirfd, const char *name, int depth)
{
	if (unlinkat(dirfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR)
		return -1;
	if (depth > 4096) {
		errno = ELOOP;
		return -1;
	}
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int first = 0;
	for (int pass = 0; pass < 2; pass++) {   /* a second pass for what readdir skipped */
		size_t n;
		int dfd = dup(fd);
		char **names = dfd < 0 ? NULL : names_of(dfd, &n);
		if (dfd < 0)
			n = 0;
		for (size_t i = 0; i < n; i++) {
			if (rm_at(fd, names[i], depth + 1) < 0 && !first)
				first = errno;
			free(names[i]);
		}
		free(names);
		if (!n)
			break;
	}
	close(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		return 0;
	if (first)
		errno = first;
	return -1;
}

int vfs_remove(int root, const char *rel, sbx_err *e)
{
	if (!*rel)
		return fail(EINVAL, e, "%s", "the volume's root cannot be removed; remove what is in it, or destroy the volume");
	const char *leaf;
	int pfd = vfs_parent(root, rel, &leaf, e);
	if (pfd < 0)
		return -1;
	int rc = 0;
	if (rm_at(pfd, leaf, 0) < 0) {
		int err = errno;
		if (err == ENOENT)
			sbx_error(e, "path /%s not found in the volume", rel);
		else
			sbx_error_errno(e, "cannot remove /%s from the volume", rel);
		errno = err;
		rc = -1;
	}
	int err = errno;
	close(pfd);
	errno = err;
	return rc;
}

int vfs_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EEXIST:
	case ENOTEMPTY:
	case EISDIR:
	case EBUSY:
		return 409;
	case ENOSPC:
	case EDQUOT:
		return 507;
	case EINVAL:
	case EXDEV:
	case ELOOP:
	case ENAMETOOLONG:
	case E2BIG:
		return 400;
	case EACCES:
	case EPERM:
		return 403;
	default:
		return 500;
	}
}
