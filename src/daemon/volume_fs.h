/*
 * volume_fs: file operations confined to one directory (a volume's data/),
 * for the volume content API.  Whatever sandboxes left there (symlinks to
 * anywhere, fifos, deep trees) is hostile: paths are relative to the root
 * fd, ".." is refused, symlinks are resolved only beneath the root
 * (openat2 RESOLVE_BENEATH) and never followed at a path's last element
 * except to read a file.  Calls return 0/-1 (or an fd) with e filled and
 * errno kept: vfs_status() turns it into the HTTP status to answer.
 */
#ifndef SBX_DAEMON_VOLUME_FS_H
#define SBX_DAEMON_VOLUME_FS_H
#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>
#include "../util/err.h"

#define VFS_PATH_MAX 4096
#define VFS_LIST_MAX 10000   /* entries in one listing */
#define VFS_DEPTH_MAX 64

/* The client's path ("/a/b", "a//b/", "/") as a relative one ("a/b", ""
 * for the root) in a heap string; -1 (errno EINVAL) for "..", control
 * bytes or an over-long path. */
int vfs_clean(const char *path, char **rel, sbx_err *e);
/* openat2 of rel beneath root (flags: O_* of open(2); O_NOFOLLOW: the last
 * element itself when a symlink).  An fd, or -1. */
int vfs_open(int root, const char *rel, int flags, sbx_err *e);
/* The directory holding rel's last element (an O_PATH fd), *leaf pointing
 * into rel; rel must not be the root. */
int vfs_parent(int root, const char *rel, const char **leaf, sbx_err *e);
/* VolumeEntryStat of name in dirfd (never following it); shown: its path as
 * the client sees it ("/a/b"). */
json_t *vfs_entry(int dirfd, const char *name, const char *shown, sbx_err *e);
/* VolumeEntryStat of rel (its last element not followed). */
json_t *vfs_stat(int root, const char *rel, sbx_err *e);
/* The entries under directory rel down to depth levels (1: its children). */
json_t *vfs_list(int root, const char *rel, int depth, sbx_err *e);
/* mkdir rel; parents: make missing parents and accept an existing
 * directory.  uid/gid -1: leave them (root's). */
int vfs_mkdir(int root, const char *rel, int parents, mode_t mode, long uid, long gid, sbx_err *e);
/* chown/chmod rel (its last element not followed; a symlink takes no mode). */
int vfs_chattr(int root, const char *rel, long uid, long gid, long mode, sbx_err *e);
/* Removes rel, a directory with everything in it. */
int vfs_remove(int root, const char *rel, sbx_err *e);
/* HTTP status for a failure with errno err. */
int vfs_status(int err);

#endif
