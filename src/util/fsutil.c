#include "fsutil.h"
#include "xalloc.h"
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

int fsu_mkdirs_each(const char *path, mode_t mode, void (*made)(const char *dir, void *arg), void *arg,
		    sbx_err *e)
{
	char *p = xstrdup(path);
	size_t len = strlen(p);
	int rc = 0;
	/* Each prefix ending before a '/', then the whole path; "//" and a
	 * trailing '/' add no component. */
	for (size_t i = 1; i <= len && rc == 0; i++) {
		if ((p[i] != '/' && p[i] != '\0') || p[i - 1] == '/')
			continue;
		char saved = p[i];
		p[i] = '\0';
		struct stat st;
		if (mkdir(p, mode) == 0) {
			if (made)
				made(p, arg);
		} else if (errno != EEXIST) {
			rc = sbx_error_errno(e, "cannot create directory '%s'", p);
		} else if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			rc = sbx_error(e, "cannot create directory '%s': '%s' exists and is not a directory; move it away",
				       path, p);
		}
		p[i] = saved;
	}
	free(p);
	return rc;
}

int fsu_mkdirs(const char *path, mode_t mode, sbx_err *e)
{
	return fsu_mkdirs_each(path, mode, NULL, NULL, e);
}

/* Removes name in dirfd, a directory depth-first; the walk goes on past
 * a failure, keeping the first errno in *err (Go's os.RemoveAll). */
static void rm_at(int dirfd, const char *name, dev_t dev, int one_fs, int *err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT && !*err)
			*err = errno;
		return;
	}
	int flag = 0;
	if (S_ISDIR(st.st_mode)) {
		if (one_fs && st.st_dev != dev) {
			if (!*err)
				*err = EBUSY;   /* a mount point: leave what it shows alone */
			return;
		}
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (!*err)
				*err = errno;
			if (fd >= 0)
				close(fd);
		} else {
			struct dirent *de;
			while ((de = readdir(d)) != NULL)
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
					rm_at(fd, de->d_name, dev, one_fs, err);
			closedir(d);
		}
		flag = AT_REMOVEDIR;
	}
	if (unlinkat(dirfd, name, flag) < 0 && errno != ENOENT && !*err)
		*err = errno;
}

int fsu_rm_rf(const char *path, int one_fs, sbx_err *e)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return sbx_error_errno(e, "cannot remove '%s'", path);
	}
	int err = 0;
	rm_at(AT_FDCWD, path, st.st_dev, one_fs, &err);
	if (!err)
		return 0;
	errno = err;
	if (one_fs)
		return sbx_error_errno(e, "cannot remove '%s' completely (is something still mounted under it?)", path);
	return sbx_error_errno(e, "cannot remove '%s' completely", path);
}

char *fsu_which(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/')
			continue;   /* a relative entry would depend on the caller's cwd */
		char *p = xasprintf("%s/%s", d, name);
		if (access(p, X_OK) == 0) {
			free(copy);
			return p;
		}
		free(p);
	}
	free(copy);
	return NULL;
}

int fsu_copy_file(const char *from, const char *to, int sync, sbx_err *e)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return sbx_error_errno(e, "cannot read %s", from);
	struct stat st;
	int out = -1, rc = -1;
	if (fstat(in, &st) < 0 || (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		sbx_error_errno(e, "cannot copy %s to %s", from, to);
		goto done;
	}
	/* Sparse-aware: copy only the data extents (memory-ranges is mostly
	 * holes where the guest never touched its RAM). */
	off_t pos = 0;
	while (pos < st.st_size) {
		off_t data = lseek(in, pos, SEEK_DATA), hole = st.st_size;
		if (data < 0 && errno == ENXIO)
			break;   /* only a hole from here on */
		if (data < 0)
			data = pos;   /* no SEEK_DATA on this file system: copy it all */
		else if ((hole = lseek(in, data, SEEK_HOLE)) < 0)
			hole = st.st_size;
		off_t at = data;
		/* sendfile writes at out's own offset: put it where this extent goes. */
		if (lseek(out, data, SEEK_SET) < 0) {
			sbx_error_errno(e, "cannot copy %s to %s", from, to);
			goto done;
		}
		while (at < hole) {
			ssize_t n = sendfile(out, in, &at, (size_t)(hole - at));
			if (n <= 0) {
				sbx_error_errno(e, "cannot copy %s to %s", from, to);
				goto done;
			}
		}
		pos = hole;
	}
	if (ftruncate(out, st.st_size) < 0 || (sync && fsync(out) < 0)) {
		sbx_error_errno(e, "cannot copy %s to %s", from, to);
		goto done;
	}
	rc = 0;
done:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}
