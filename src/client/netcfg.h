/*
 * netcfg: a sandbox's outbound rules — the JSON of E2B's network config
 * (pure) and PUT /sandboxes/{id}/network (updateNetwork), which replaces
 * the sandbox's rules with these (an empty config clears them).
 */
#ifndef SBX_CLIENT_NETCFG_H
#define SBX_CLIENT_NETCFG_H
#include <jansson.h>
#include "api.h"

/* {"allowOut":[...],"denyOut":[...]} with the lists that are non-empty (new reference). */
json_t *sbx_netcfg_json(const sbx_netcfg *n);
/* The body of PUT /sandboxes/{id}/network: the lists, plus
 * allow_internet_access when said. */
json_t *sbx_netcfg_update_json(const sbx_netcfg *n);

int sbx_network_update(sbx_client *c, const char *id, const sbx_netcfg *n, sbx_done_cb cb, void *ud, sbx_op **op,
		       sbx_err *e);

#endif
