#include "dirat.h"
#include "path.h"
#include "xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int refuse(sbx_err *e, const char *name, const char *rel)
{
	char *shown = path_name_show(name);
	sbx_error(e, "refused the name %s (in %s): a name must not be empty, \".\" or \"..\", nor hold '/' "
		  "or control characters", shown, rel);
	free(shown);
	return -1;
}

/* The directory name under dir: O_NOFOLLOW, so a symlink there fails. */
static int open_dir(int dir, const char *name, const char *rel, sbx_err *e)
{
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ELOOP || errno == ENOTDIR)
		return sbx_error(e, "refused to enter %s (in %s): it is a symlink or not a directory", name, rel);
	return sbx_error_errno(e, "cannot open the directory %s (in %s)", name, rel);
}

int dirat_parent(int root, const char *rel, int mkdirs, const char **leaf, sbx_err *e)
{
	char *bad = path_rel_unsafe(rel);   /* all checked before anything is touched */
	if (bad) {
		refuse(e, bad, rel);
		free(bad);
		return -1;
	}
	int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return sbx_error_errno(e, "cannot open the target directory");
	const char *p = rel;
	for (const char *slash; (slash = strchr(p, '/')); p = slash + 1) {
		char *name = xstrndup(p, (size_t)(slash - p));
		int next;
		if ((next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 &&
			 errno == ENOENT && mkdirs && mkdirat(fd, name, 0755) < 0 && errno != EEXIST)
			sbx_error_errno(e, "cannot make the directory %s (in %s)", name, rel);
		else if (next < 0)
			next = open_dir(fd, name, rel, e);
		free(name);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
	}
	*leaf = p;
	return fd;
}

int dirat_mkdir(int root, const char *rel, sbx_err *e)
{
	const char *leaf;
	int dir = dirat_parent(root, rel, 1, &leaf, e);
	if (dir < 0)
		return -1;
	int rc = 0;
	if (mkdirat(dir, leaf, 0755) < 0 && errno != EEXIST) {
		rc = sbx_error_errno(e, "cannot make the directory %s", rel);
	} else {
		int fd = open_dir(dir, leaf, rel, e);   /* what exists must be a real directory */
		if (fd < 0)
			rc = -1;
		else
			close(fd);
	}
	close(dir);
	return rc;
}

int dirat_create(int root, const char *rel, sbx_err *e)
{
	const char *leaf;
	int dir = dirat_parent(root, rel, 0, &leaf, e);
	if (dir < 0)
		return -1;
	int fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ELOOP)
		sbx_error(e, "refused to write %s: it is a symlink", rel);
	else if (fd < 0)
		sbx_error_errno(e, "cannot write %s", rel);
	close(dir);
	return fd;
}
