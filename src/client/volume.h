/*
 * volume: E2B's volumes — named persistent directories that outlive
 * sandboxes and mount into several (create option mounts).  The control
 * plane manages them (/volumes, API key); their files go through the
 * volume content API (/volumecontent/{id}/..., the volume's own token),
 * on the control plane's host, or api.<domain> when the volume names one.
 * Calling convention: client.h.
 */
#ifndef SBX_CLIENT_VOLUME_H
#define SBX_CLIENT_VOLUME_H
#include "api.h"
#include "fs.h"

/* Volume / VolumeAndToken; strings "" when absent (token: only from create
 * and get). */
typedef struct sbx_volume {
	const char *id, *name, *token, *domain;
	const json_t *raw;
} sbx_volume;

/* VolumeEntryStat; strings "" when absent. */
typedef struct sbx_volume_entry {
	const char *name, *path, *type;  /* type: "file" | "directory" | "symlink" | "unknown" */
	int64_t size;
	uint32_t mode, uid, gid;
	const char *mtime;               /* RFC 3339 */
	int64_t mtime_ms;
	const char *target;              /* symlink's */
} sbx_volume_entry;

typedef void (*sbx_volume_cb)(const sbx_volume *v, const sbx_err *e, void *ud);
typedef void (*sbx_volumes_cb)(const sbx_volume *v, size_t n, const sbx_err *e, void *ud);
typedef void (*sbx_volume_entries_cb)(const sbx_volume_entry *en, size_t n, const sbx_err *e, void *ud);

int sbx_volume_create(sbx_client *c, const char *name, sbx_volume_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_volume_list(sbx_client *c, sbx_volumes_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* By id (sbxd takes a name too); the answer carries the content token. */
int sbx_volume_get(sbx_client *c, const char *id, sbx_volume_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_volume_delete(sbx_client *c, const char *id, sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);

/* Content calls: v from create or get (its id, token and domain). */
/* depth 0: the server's (1: the directory's own entries). */
int sbx_volume_ls(sbx_client *c, const sbx_volume *v, const char *path, int depth, sbx_volume_entries_cb cb,
		  void *ud, sbx_op **op, sbx_err *e);
/* The file's bytes to fd as they come (fd takes blocking writes). */
int sbx_volume_read(sbx_client *c, const sbx_volume *v, const char *path, int fd, sbx_progress_cb progress,
		    sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* fd's bytes to path (created or overwritten); size for progress (-1: unknown). */
int sbx_volume_write(sbx_client *c, const sbx_volume *v, const char *path, int fd, int64_t size,
		     sbx_progress_cb progress, sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_volume_mkdir(sbx_client *c, const sbx_volume *v, const char *path, sbx_done_cb cb, void *ud, sbx_op **op,
		     sbx_err *e);
int sbx_volume_remove(sbx_client *c, const sbx_volume *v, const char *path, sbx_done_cb cb, void *ud, sbx_op **op,
		      sbx_err *e);

/* --- pure ------------------------------------------------------------------- */
int sbx_volume_parse(const json_t *j, sbx_volume *out, sbx_err *e);
int sbx_volume_entry_parse(const json_t *j, sbx_volume_entry *out, sbx_err *e);

#endif
