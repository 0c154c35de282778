/*
 * api_volumes: E2B's volumes on sbxd (volumes.h keeps them).
 *   /volumes[/{id}]                           control plane (X-API-KEY)
 *   /volumecontent/{id}/file|dir|path?path=   content (Bearer volume token)
 * The content API works in the volume's data dir through volume_fs.h only.
 * Uploads stream into a temporary file next to the target, renamed over
 * it once complete (an interrupted upload leaves nothing).
 */
#ifndef SBX_DAEMON_API_VOLUMES_H
#define SBX_DAEMON_API_VOLUMES_H
#include <jansson.h>
#include "daemon_int.h"

/* Largest file one upload may write. */
#define VOL_UPLOAD_MAX (4ULL << 30)

/* rest: the path after "/volumes" ("" or "/{id}"). */
void api_volumes(sbxd *d, http_req *r, const char *rest);
/* rest: the path after "/volumecontent". */
void api_volume_content(sbxd *d, http_req *r, const char *rest);
/* The live sandbox (not killed) that mounts volume id, or NULL; *more:
 * how many others do. */
sbox *api_volume_user(sbxd *d, const char *id, int *more);

/* A create's volumeMounts ([{name, path}], E2B's SandboxVolumeMount): each
 * volume must exist, each path be absolute, inside nothing else mounted,
 * and the runtime able to mount host directories.  *out: [{name, path,
 * volumeID}], or NULL when none.  -1 with a 400 answered. */
#define VOL_MOUNTS_MAX 16
int api_volume_mounts_parse(sbxd *d, http_req *r, json_t *v, const runtime_ops *ops, json_t **out);

#endif
