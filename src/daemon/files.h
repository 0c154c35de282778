/* files: the few file-system chores sbxd needs (all return 0/-1 + sbx_err);
 * mkdir -p and rm -rf are util/fsutil.h. */
#ifndef SBX_DAEMON_FILES_H
#define SBX_DAEMON_FILES_H
#include <stddef.h>
#include <sys/types.h>
#include "../util/err.h"
#include "../util/fsutil.h"

/* Write data to path via a temp file + rename, so a reader (or a crash of
 * sbxd) sees the old file or the new one, never half of one.  No fsync: it
 * would cost every create milliseconds, and what these files describe
 * (running sandboxes) does not outlive a crash of the host anyway. */
int files_write_atomic(const char *path, const void *data, size_t len, mode_t mode, sbx_err *e);
/* Whole file into a NUL-terminated heap buffer (at most max bytes: the
 * last max bytes when it is longer).  -1 with errno kept when unreadable. */
int files_read(const char *path, size_t max, char **out, size_t *len, sbx_err *e);

#endif
