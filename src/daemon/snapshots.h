/*
 * snapshots: user snapshots (E2B's createSnapshot, fork) on disk, under
 * <state>/snapshots/<key>/:
 *   meta.json   what snap_meta holds (written last: a dir without it is an
 *               unfinished snapshot, removed by snaps_cleanup)
 *   rt/         the driver's snapshot() output; a create from the snapshot
 *               gets it as rt_spec.snapshot_dir
 * Ids are E2B's: "NAME:default" for a named snapshot, else "<key>:default";
 * names ["local/NAME:default"].  A lookup takes the id, NAME, NAME:TAG or
 * local/NAME[:TAG].  A new snapshot with a taken name replaces the old one
 * (sandboxes made from it never share its files: drivers copy).
 * Temporary snapshots (fork's) are never listed or looked up by name.
 */
#ifndef SBX_DAEMON_SNAPSHOTS_H
#define SBX_DAEMON_SNAPSHOTS_H
#include <jansson.h>
#include <stdint.h>
#include "daemon_int.h"

#define SNAP_NAME_MAX 64

typedef struct snap_meta {
	char *key;            /* the dir's name, [a-z0-9]{20} */
	char *id;             /* snapshotID */
	char *name;           /* NULL: unnamed */
	char *sandbox_id, *template_id, *template_dir, *runtime;
	char *token;          /* the source's envd token (a restored agent holds it) */
	int memory;           /* memory kept (VM drivers) */
	int temporary;
	int cpus, memory_mb, disk_mb;
	int64_t created_ms;
	char *dir;            /* <state>/snapshots/<key> */
} snap_meta;

void snap_meta_free(snap_meta *m);
/* "" when name is a usable snapshot name, else why not. */
const char *snap_name_problem(const char *name);
/* A new snapshot's meta and its empty dir (rt/ left for the driver). */
int snaps_begin(sbxd *d, const sbxd_record *src, const char *name, int temporary, int memory, snap_meta *out,
		sbx_err *e);
/* Writes meta.json, making the snapshot usable; a named one replaces the
 * name's previous snapshot. */
int snaps_commit(sbxd *d, const snap_meta *m, sbx_err *e);
/* Removes its dir. */
int snaps_remove(const snap_meta *m, sbx_err *e);
/* 0 and *out when ref names a (committed, not temporary) snapshot, else -1. */
int snaps_find(sbxd *d, const char *ref, snap_meta *out);
/* Every committed, not temporary snapshot, newest first (then by key). */
int snaps_list(sbxd *d, snap_meta **out, size_t *n, sbx_err *e);
void snaps_list_free(snap_meta *v, size_t n);
/* 1 when ref names m (id, NAME, NAME:TAG, local/NAME[:TAG]). */
int snap_matches(const snap_meta *m, const char *ref);
/* SnapshotInfo: {"snapshotID","names"}. */
json_t *snap_json(const snap_meta *m);
/* At sbxd start: unfinished and temporary snapshots are removed. */
void snaps_cleanup(sbxd *d);
/* For a create from m (api_snapshots.c): the template (its build the
 * snapshot was taken from; templateID = the snapshot's id; no start
 * command when memory was kept) and the runtime.  -1 when either is gone. */
int snap_start_args(sbxd *d, const snap_meta *m, sbxd_template *tpl, const runtime_ops **ops, sbx_err *e);
/* The driver's dir of a snapshot (rt_spec.snapshot_dir); heap string. */
char *snap_rt_dir(const snap_meta *m);

#endif
