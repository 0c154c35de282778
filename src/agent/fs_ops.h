/*
 * fs_ops: the filesystem work behind filesystem.Filesystem: mkdir -p with
 * the new directories chowned to the user, and ListDir's walk (rm -rf is
 * util/fsutil.h).
 * Each returns 0, or -1 with errno and e set.
 */
#ifndef SBX_AGENT_FS_OPS_H
#define SBX_AGENT_FS_OPS_H
#include <jansson.h>
#include "users.h"
#include "../util/err.h"

int fs_mkdir_p(const char *path, const sbx_user *u, sbx_err *e);
/* mkdir -p of path's parent directory. */
int fs_mkdir_parents(const char *path, const sbx_user *u, sbx_err *e);

/* EntryInfo of everything under path (a symlink to a directory is
 * followed) up to depth levels, in name order, depth-first, the root
 * excluded, each reported under path.  *code: not_found when path is
 * missing, invalid_argument when it is not a directory. */
int fs_list(const char *path, unsigned depth, json_t *entries, const char **code, sbx_err *e);

#endif
