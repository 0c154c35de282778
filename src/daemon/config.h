/*
 * config: sbxd's side of the files it shares with its clients
 * (src/proto/local.h, which clients read): sbxd makes the API key and
 * records where it listens.
 */
#ifndef SBX_DAEMON_CONFIG_H
#define SBX_DAEMON_CONFIG_H
#include "../proto/local.h"

/* The key sbxd serves with, from the file at path.  None yet: one is made
 * in E2B's form (0600; two first starts at once share whichever won).  A key
 * in sbxd's old form sbx_<hex> is rewritten in place as e2b_<same hex>.
 * Any other key is kept as the user wrote it.  *note (heap, else NULL) is
 * what to tell the user about a migrated or an SDK-refused key. */
int sbxd_api_key(const char *path, char **key, char **note, sbx_err *e);

/* The X-API-KEY check, in constant time.  Besides want itself, a key
 * e2b_<hex> also accepts sbx_<same hex>: what clients exported before the
 * key was migrated keeps working. */
int sbxd_key_matches(const char *want, const char *got);

int sbxd_endpoint_write(const char *state_dir, const sbxd_endpoint *ep, sbx_err *e);

#endif
