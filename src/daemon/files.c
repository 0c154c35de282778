#include "files.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int files_write_atomic(const char *path, const void *data, size_t len, mode_t mode, sbx_err *e)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		sbx_error_errno(e, "cannot write %s", tmp);
		free(tmp);
		return -1;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sbx_error_errno(e, "cannot write %s (is the disk full?)", tmp);
			goto fail;
		}
		p += n;
		left -= (size_t)n;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		sbx_error_errno(e, "cannot rename %s to %s", tmp, path);
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int files_read(const char *path, size_t max, char **out, size_t *len, sbx_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sbx_error_errno(e, "cannot read %s", path);
	struct stat st;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size > max)
		lseek(fd, st.st_size - (off_t)max, SEEK_SET);
	size_t cap = 4096, n = 0;
	char *b = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			b = xrealloc(b, cap + 1);
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			free(b);
			close(fd);
			errno = saved;
			return sbx_error_errno(e, "cannot read %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*out = b;
	if (len)
		*len = n;
	return 0;
}

