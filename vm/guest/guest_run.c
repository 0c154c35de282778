/* guest_run: the guest's cache dir; writing a file whole. */
#include "guest_int.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/util/xalloc.h"
#include "../template/template.h"

char *guest_cache_dir(void)
{
	char *top = template_cache_dir(), *d = xasprintf("%s/guest", top);
	free(top);
	return d;
}

int guest_write_file(const char *path, const void *data, size_t len, sbx_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return sbx_error_errno(e, "cannot create %s", path);
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			sbx_error_errno(e, "cannot write %s", path);
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0)
		return sbx_error_errno(e, "cannot write %s", path);
	return 0;
}
