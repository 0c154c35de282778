/*
 * snapshot: E2B's snapshots and fork (control plane).  A snapshot is a
 * sandbox's saved state that new sandboxes start from (create with
 * from_snapshot); fork snapshots a sandbox and starts N sandboxes from it
 * at once.  Calling convention: client.h.
 */
#ifndef SBX_CLIENT_SNAPSHOT_H
#define SBX_CLIENT_SNAPSHOT_H
#include "api.h"

/* SnapshotInfo, plus what sbxd tells besides (strings "" when absent). */
typedef struct sbx_snapshot {
	const char *id;                  /* snapshotID, e.g. "name:default" */
	const char **names;              /* e.g. "local/name:default" */
	size_t nnames;
	const char *sandbox_id, *template_id, *runtime, *created_at;   /* sbxd */
	int64_t created_ms;              /* 0: not said */
	int memory;                      /* sbxd: 1 memory kept, 0 files only, -1 not said */
	const json_t *raw;
} sbx_snapshot;

/* One fork's outcome: a sandbox, or why it did not start. */
typedef struct sbx_fork_result {
	int ok;
	sbx_info sandbox;                /* ok */
	int code;                        /* !ok: the error's code (0: not said) */
	const char *message;             /* !ok */
} sbx_fork_result;

typedef void (*sbx_snapshot_cb)(const sbx_snapshot *s, const sbx_err *e, void *ud);
typedef void (*sbx_snapshots_cb)(const sbx_snapshot *s, size_t n, const sbx_err *e, void *ud);
typedef void (*sbx_fork_cb)(const sbx_fork_result *r, size_t n, const sbx_err *e, void *ud);

/* POST /sandboxes/{id}/snapshots; name NULL: the server names it. */
int sbx_snapshot_create(sbx_client *c, const char *id, const char *name, sbx_snapshot_cb cb, void *ud,
			sbx_op **op, sbx_err *e);
/* GET /snapshots, every page; sandbox_id NULL: all of them. */
int sbx_snapshot_list(sbx_client *c, const char *sandbox_id, sbx_snapshots_cb cb, void *ud, sbx_op **op,
		      sbx_err *e);
/* DELETE /templates/{snapshot} (an id or a name). */
int sbx_snapshot_delete(sbx_client *c, const char *snapshot, sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* POST /sandboxes/{id}/fork; count 0: one, timeout_s 0: the server's. */
int sbx_fork(sbx_client *c, const char *id, int count, int timeout_s, sbx_fork_cb cb, void *ud, sbx_op **op,
	     sbx_err *e);

/* --- pure ------------------------------------------------------------------- */
/* Strings point into j; free with sbx_snapshot_clear. */
int sbx_snapshot_parse(const json_t *j, sbx_snapshot *out, sbx_err *e);
void sbx_snapshot_clear(sbx_snapshot *s);
/* The fork answer (an array of {sandbox}|{error}); free with sbx_fork_results_free. */
int sbx_fork_parse(const json_t *j, sbx_fork_result **out, size_t *n, sbx_err *e);
void sbx_fork_results_free(sbx_fork_result *r, size_t n);

#endif
