/* cmd_files: `sbx files` — one-file transfers with a progress line, and
 * whole directory trees (walked on either side; cmd_files_tree.c). */
#ifndef SBX_CLI_FILES_H
#define SBX_CLI_FILES_H
#include "cmd_common.h"

typedef struct xfer_progress {
	int tty;                 /* draw the line (stderr is a terminal) */
	const char *verb;        /* "upload", "download" */
	const char *name;        /* the file in flight */
	int64_t base;            /* bytes of earlier files of this tree */
	int64_t total;           /* bytes of the whole tree (-1: unknown) */
	size_t files_done, files_total;
	int64_t last_draw;
} xfer_progress;

void progress_cb(int64_t done, int64_t total, void *ud);
void progress_end(xfer_progress *p);

/* One file each way (remote paths as envd takes them). */
int files_put_one(cli *c, const sbx_sandbox *sb, const char *local, const char *remote, xfer_progress *p);
int files_get_one(cli *c, const sbx_sandbox *sb, const char *remote, const char *local, xfer_progress *p);
/* The same into name local under the directory fd dir (AT_FDCWD: local is
 * a path); a symlink at local is replaced, never written through. */
int files_get_at(cli *c, const sbx_sandbox *sb, const char *remote, int dir, const char *local,
		 xfer_progress *p);
/* A file (with a progress line on a terminal) or, is_dir, a whole tree. */
int files_put_any(cli *c, const sbx_sandbox *sb, const char *local, const char *remote, int is_dir);
/* The last component of path (heap). */
char *files_base_of(const char *path);
/* Whole trees: remote/local is made and filled. */
int files_put_tree(cli *c, const sbx_sandbox *sb, const char *local, const char *remote);
int files_get_tree(cli *c, const sbx_sandbox *sb, const char *remote, const char *local);
/* Stat a remote path: 1 found (type/size set), 0 missing, -1 error (printed). */
int files_stat(cli *c, const sbx_sandbox *sb, const char *path, int *type, int64_t *size);

#endif
