#include "ns_snap.h"
#include "ns_uid.h"
#include "../../src/util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_DEPTH 256
#define XATTR_LIST_MAX_SZ 65536

struct copy {
	uint32_t from_base, to_base;   /* equal: owners kept */
	int restore;                   /* leave out what create writes itself */
	sbx_err *e;
};

static uint32_t map_id(const struct copy *c, uint32_t id)
{
	if (c->from_base == c->to_base)
		return id;
	if (id >= c->from_base && id - c->from_base < NSUID_SIZE)
		return c->to_base + (id - c->from_base);
	return c->to_base + 65534;   /* outside the range: nobody inside */
}

/* Paths the driver writes at create: on restore a non-directory at one of
 * the first list, and anything at one of the second, is left out. */
static int must_be_dir(const char *rel)
{
	static const char *const dirs[] = { "etc", "run", "run/sbx", "usr", "usr/lib", "usr/lib/sbx", NULL };
	for (const char *const *p = dirs; *p; p++)
		if (!strcmp(rel, *p))
			return 1;
	return 0;
}

static int written_at_create(const char *rel)
{
	static const char *const files[] = { "etc/hosts", "etc/hostname", "etc/resolv.conf",
					     "usr/lib/sbx/sbx-agent", NULL };
	for (const char *const *p = files; *p; p++)
		if (!strcmp(rel, *p))
			return 1;
	return 0;
}

static void copy_xattrs(int sfd, int dfd)
{
	char *names = xmalloc(XATTR_LIST_MAX_SZ), *val = xmalloc(XATTR_LIST_MAX_SZ);
	ssize_t n = flistxattr(sfd, names, XATTR_LIST_MAX_SZ);
	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(names + i) + 1) {
		const char *name = names + i;
		if (!strcmp(name, "security.capability"))
			continue;
		ssize_t v = fgetxattr(sfd, name, val, XATTR_LIST_MAX_SZ);
		if (v >= 0)
			fsetxattr(dfd, name, val, (size_t)v, 0);   /* best effort: ACLs, selinux labels */
	}
	free(names);
	free(val);
}

/* Owner, mode (after chown, which clears set-id bits), times. */
static int finish_fd(const struct copy *c, int dfd, const struct stat *st, const char *rel)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (fchown(dfd, map_id(c, st->st_uid), map_id(c, st->st_gid)) < 0 || fchmod(dfd, st->st_mode & 07777) < 0 ||
	    futimens(dfd, ts) < 0)
		return sbx_error_errno(c->e, "cannot set the owner, mode or times of /%s in the copy", rel);
	return 0;
}

static int copy_data(int sfd, int dfd, const char *rel, sbx_err *e)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(sfd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sbx_error_errno(e, "cannot read /%s", rel);
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(dfd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return sbx_error_errno(e, "cannot write /%s in the copy (is its disk full? ask for a "
						       "larger diskSizeMB)", rel);
			off += w;
		}
	}
}

static int copy_dir(const struct copy *c, int sdir, int ddir, const char *rel, int depth);

static int copy_entry(const struct copy *c, int sdir, int ddir, const char *name, const char *rel, int depth)
{
	struct stat st;
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sbx_error_errno(c->e, "cannot read /%s", rel);
	if (c->restore && (written_at_create(rel) || (must_be_dir(rel) && !S_ISDIR(st.st_mode))))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(ddir, name, 0700) < 0)
			return sbx_error_errno(c->e, "cannot create /%s in the copy", rel);
		int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int rc = s < 0 || d < 0 ? sbx_error_errno(c->e, "cannot open /%s", rel)
					: copy_dir(c, s, d, rel, depth + 1);
		if (rc == 0) {
			copy_xattrs(s, d);   /* overlay's opaque and redirect marks */
			rc = finish_fd(c, d, &st, rel);
		}
		if (s >= 0)
			close(s);
		if (d >= 0)
			close(d);
		return rc;
	}
	if (S_ISREG(st.st_mode)) {
		int s = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0)
			return sbx_error_errno(c->e, "cannot open /%s", rel);
		int d = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		int rc = d < 0 ? sbx_error_errno(c->e, "cannot create /%s in the copy", rel) : copy_data(s, d, rel, c->e);
		if (rc == 0) {
			copy_xattrs(s, d);
			rc = finish_fd(c, d, &st, rel);
		}
		close(s);
		if (d >= 0)
			close(d);
		return rc;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sdir, name, target, sizeof target - 1);
		if (n < 0)
			return sbx_error_errno(c->e, "cannot read the symlink /%s", rel);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0 ||
		    fchownat(ddir, name, map_id(c, st.st_uid), map_id(c, st.st_gid), AT_SYMLINK_NOFOLLOW) < 0)
			return sbx_error_errno(c->e, "cannot create the symlink /%s in the copy", rel);
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	/* Overlay whiteouts (char 0:0) and fifos; other devices and sockets
	 * cannot have been made inside a sandbox and are not copied. */
	if ((S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) || S_ISFIFO(st.st_mode)) {
		if (mknodat(ddir, name, st.st_mode & (S_IFMT | 0777), st.st_rdev) < 0 ||
		    fchownat(ddir, name, map_id(c, st.st_uid), map_id(c, st.st_gid), AT_SYMLINK_NOFOLLOW) < 0)
			return sbx_error_errno(c->e, "cannot create /%s in the copy", rel);
	}
	return 0;
}

static int copy_dir(const struct copy *c, int sdir, int ddir, const char *rel, int depth)
{
	if (depth > MAX_DEPTH)
		return sbx_error(c->e, "/%s is nested more than %d directories deep; sbx does not snapshot that", rel,
				 MAX_DEPTH);
	int fd = dup(sdir);
	DIR *dh = fd < 0 ? NULL : fdopendir(fd);
	if (!dh) {
		if (fd >= 0)
			close(fd);
		return sbx_error_errno(c->e, "cannot list /%s", rel);
	}
	rewinddir(dh);
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		rc = copy_entry(c, sdir, ddir, de->d_name, sub, depth);
		free(sub);
	}
	closedir(dh);
	return rc;
}

static int copy_tree(const char *from, const char *to, struct copy *c)
{
	int s = open(from, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int d = open(to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc;
	if (s < 0 || d < 0) {
		rc = sbx_error_errno(c->e, "cannot open %s", s < 0 ? from : to);
	} else {
		struct stat st;
		rc = copy_dir(c, s, d, "", 0);
		if (rc == 0 && fstat(s, &st) == 0) {
			copy_xattrs(s, d);
			rc = finish_fd(c, d, &st, "");
		}
	}
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	return rc;
}

int nssnap_save(const char *state_dir, uint32_t uid_base, const char *dir, sbx_err *e)
{
	char *from = xasprintf("%s/disk/upper", state_dir), *to = xasprintf("%s/upper", dir);
	char *meta = xasprintf("%s/ns.json", dir);
	struct copy c = { .from_base = uid_base, .to_base = uid_base, .e = e };
	int rc = 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		rc = sbx_error_errno(e, "cannot create %s", dir);
	if (rc == 0 && mkdir(to, 0700) < 0)
		rc = sbx_error_errno(e, "cannot create %s", to);
	if (rc == 0)
		rc = copy_tree(from, to, &c);
	if (rc == 0) {
		json_t *m = json_pack("{s:s,s:I}", "driver", "ns", "uid_base", (json_int_t)uid_base);
		if (json_dump_file(m, meta, JSON_COMPACT) < 0)
			rc = sbx_error_errno(e, "cannot write %s", meta);
		json_decref(m);
	}
	free(from);
	free(to);
	free(meta);
	return rc;
}

int nssnap_restore(const char *dir, const char *state_dir, uint32_t uid_base, sbx_err *e)
{
	char *from = xasprintf("%s/upper", dir), *to = xasprintf("%s/disk/upper", state_dir);
	char *meta = xasprintf("%s/ns.json", dir);
	json_error_t je;
	json_t *m = json_load_file(meta, 0, &je);
	json_t *base = json_object_get(m, "uid_base"), *drv = json_object_get(m, "driver");
	int rc;
	if (!m || !json_is_integer(base) || !json_is_string(drv) || strcmp(json_string_value(drv), "ns")) {
		rc = sbx_error(e, "%s is not an ns snapshot (%s); it cannot start an ns sandbox", dir,
			       m ? "no driver \"ns\" and uid_base in ns.json" : je.text);
	} else {
		struct copy c = { .from_base = (uint32_t)json_integer_value(base), .to_base = uid_base,
				  .restore = 1, .e = e };
		rc = copy_tree(from, to, &c);
	}
	json_decref(m);
	free(from);
	free(to);
	free(meta);
	return rc;
}
