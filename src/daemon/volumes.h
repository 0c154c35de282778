/*
 * volumes: E2B's volumes as sbxd keeps them, a named directory that
 * outlives sandboxes and can be mounted into several:
 *   <state>/volumes/<id>/meta.json   {volumeID, name, token, createdAt}
 *   <state>/volumes/<id>/data/       the content (volume_fs.h works in it)
 * Read from disk on every call (no cache): the directory is the truth.
 * Names are E2B's ([A-Za-z0-9_-], at most VOL_NAME_MAX) and unique; the
 * token authenticates the content API (Bearer).
 */
#ifndef SBX_DAEMON_VOLUMES_H
#define SBX_DAEMON_VOLUMES_H
#include <stddef.h>
#include <stdint.h>
#include "../util/err.h"

#define VOL_NAME_MAX 64
#define VOL_ID_LEN 36        /* a uuid, as E2B's */

typedef struct sbx_volume {
	char id[VOL_ID_LEN + 1];
	char *name;
	char *token;
	int64_t created_ms;   /* unix ms */
} sbx_volume;

void volume_free(sbx_volume *v);
int volume_name_valid(const char *name);
/* <state>/volumes/<id>/data, a heap string. */
char *volume_data_dir(const char *state_dir, const char *id);

/* A new empty volume; the caller has checked that no volume has the name. */
int volumes_create(const char *state_dir, const char *name, sbx_volume *out, sbx_err *e);
/* By id, else by name: 0 found (*out filled), 1 no such volume, -1 error. */
int volumes_find(const char *state_dir, const char *id_or_name, sbx_volume *out, sbx_err *e);
/* Every volume, oldest first; free with volumes_list_free. */
int volumes_list(const char *state_dir, sbx_volume **out, size_t *n, sbx_err *e);
void volumes_list_free(sbx_volume *v, size_t n);
/* Removes the volume and its content (meta.json first, so a half-removed
 * volume is never listed). */
int volumes_remove(const char *state_dir, const char *id, sbx_err *e);

#endif
