/*
 * fsutil: mkdir -p and rm -rf, the two file-system walks every part needs
 * (sbxd's state dir, the templates' cache, the agent's filesystem service,
 * the ns runtime's per-sandbox dirs, the workbench's autosaves).
 * Each returns 0, or -1 with e set and errno left as the failing call set it.
 */
#ifndef SBX_FSUTIL_H
#define SBX_FSUTIL_H
#include <sys/types.h>
#include "err.h"

/* Creates path and every missing parent with mode; an existing directory
 * is fine, an existing non-directory is an error (errno ENOTDIR). */
int fsu_mkdirs(const char *path, mode_t mode, sbx_err *e);
/* The same, calling made(dir, arg) for each directory this call created
 * (the agent chowns them to the user). */
int fsu_mkdirs_each(const char *path, mode_t mode, void (*made)(const char *dir, void *arg), void *arg,
		    sbx_err *e);
/* Removes path and, for a directory, everything below it; never follows a
 * symlink.  A missing path is fine.  Goes on past what it cannot remove and
 * then fails with the first error.  one_fs: leave mount points below path
 * alone rather than empty another file system (the removal then fails). */
int fsu_rm_rf(const char *path, int one_fs, sbx_err *e);
/* The executable name in $PATH's absolute directories (a default PATH when
 * it is unset), as a heap string; NULL when none is. */
char *fsu_which(const char *name);
/* A new file to (0600, must not exist) with from's bytes, its holes kept
 * (only data extents are copied: a VM's memory file is mostly holes);
 * sync: flushed to disk before returning. */
int fsu_copy_file(const char *from, const char *to, int sync, sbx_err *e);

#endif
