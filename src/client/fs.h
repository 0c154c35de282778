/*
 * fs: a sandbox's filesystem through envd — filesystem.Filesystem RPCs
 * (list, stat, mkdir, move, remove, watch; docs/protocol.md §3.5) and
 * the /files transfers (§4), streamed from and to file descriptors.
 * Asynchronous; see client.h.  Calls act as sb->user when it is set.
 */
#ifndef SBX_CLIENT_FS_H
#define SBX_CLIENT_FS_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "client.h"

enum { SBX_FILE_UNKNOWN = 0, SBX_FILE_FILE = 1, SBX_FILE_DIR = 2, SBX_FILE_SYMLINK = 3 };
enum { SBX_FS_CREATE = 1, SBX_FS_WRITE = 2, SBX_FS_REMOVE = 3, SBX_FS_RENAME = 4, SBX_FS_CHMOD = 5 };

/* EntryInfo.  Strings are "" when absent (symlink_target NULL). */
typedef struct sbx_entry {
	const char *name, *path;
	int type;                      /* SBX_FILE_*: the target's for a symlink */
	int64_t size;
	uint32_t mode;                 /* permission bits */
	const char *permissions;       /* "-rw-r--r--" */
	const char *owner, *group;
	const char *modified;          /* RFC 3339 */
	int64_t mtime_ms;
	const char *symlink_target;
} sbx_entry;

typedef void (*sbx_entry_cb)(const sbx_entry *en, const sbx_err *e, void *ud);
typedef void (*sbx_entries_cb)(const sbx_entry *en, size_t n, const sbx_err *e, void *ud);
/* Bytes moved so far, of total (-1: unknown). */
typedef void (*sbx_progress_cb)(int64_t done, int64_t total, void *ud);

typedef struct sbx_watch_handler {
	/* name is relative to the watched dir; en NULL unless asked for */
	void (*on_event)(const char *name, int type, const sbx_entry *en, void *ud);
	void (*on_done)(const sbx_err *e, void *ud);
	void *ud;
} sbx_watch_handler;

/* depth 1: the directory's own entries; more walks deeper. */
int sbx_fs_list(sbx_client *c, const sbx_sandbox *sb, const char *path, unsigned depth, sbx_entries_cb cb,
		void *ud, sbx_op **op, sbx_err *e);
int sbx_fs_stat(sbx_client *c, const sbx_sandbox *sb, const char *path, sbx_entry_cb cb, void *ud, sbx_op **op,
		sbx_err *e);
/* mkdir -p.  An existing directory is an error whose text ends "(already_exists)". */
int sbx_fs_mkdir(sbx_client *c, const sbx_sandbox *sb, const char *path, sbx_entry_cb cb, void *ud, sbx_op **op,
		 sbx_err *e);
int sbx_fs_move(sbx_client *c, const sbx_sandbox *sb, const char *from, const char *to, sbx_entry_cb cb, void *ud,
		sbx_op **op, sbx_err *e);
/* rm -rf: a missing path is not an error. */
int sbx_fs_remove(sbx_client *c, const sbx_sandbox *sb, const char *path, sbx_done_cb cb, void *ud, sbx_op **op,
		  sbx_err *e);
/* timeout_ms: how long to watch (0: until cancelled). */
int sbx_fs_watch(sbx_client *c, const sbx_sandbox *sb, const char *path, int recursive, int with_entries,
		 long timeout_ms, const sbx_watch_handler *h, sbx_op **op, sbx_err *e);

/* GET /files: the file's bytes are written to fd as they come (fd must
 * accept blocking writes: a regular file or a pipe). */
int sbx_files_read(sbx_client *c, const sbx_sandbox *sb, const char *path, int fd, sbx_progress_cb progress,
		   sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* POST /files (application/octet-stream): fd read to its end, as the
 * upload goes (parent directories are made).  size: for progress (-1: unknown). */
int sbx_files_write(sbx_client *c, const sbx_sandbox *sb, const char *path, int fd, int64_t size,
		    sbx_progress_cb progress, sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);

/* --- pure parts (fs_entry.c) ----------------------------------------------- */
int sbx_entry_parse(const json_t *j, sbx_entry *out, sbx_err *e);
int sbx_file_type_parse(const json_t *v);      /* name or number → SBX_FILE_* */
int sbx_fs_event_type_parse(const json_t *v);  /* name or number → SBX_FS_* (0 unknown) */

#endif
