/*
 * config: where libsbx sends its calls (docs/protocol.md §1).
 *
 *   E2B_API_URL set       control plane there; key from E2B_API_KEY, else
 *                         the local sbxd's key (what `sbx env` exports)
 *   only E2B_API_KEY set  E2B's cloud: https://api.<E2B_DOMAIN|e2b.app>
 *   neither               the local sbxd: the URL it recorded in
 *                         <state dir>/sbxd.json (default port 49982) and the
 *                         key in <config dir>/api_key; `local` is set, so a
 *                         client may start sbxd when none answers
 *
 * Data plane: E2B_SANDBOX_URL when set (one URL for every sandbox, routed by
 * the E2b-Sandbox-Id/E2b-Sandbox-Port headers); for the local sbxd its own
 * URL (it proxies the data plane); otherwise E2B's per-sandbox hosts
 * https://<port>-<id>.<domain>.
 */
#ifndef SBX_CLIENT_CONFIG_H
#define SBX_CLIENT_CONFIG_H
#include "../util/err.h"

typedef struct sbx_config {
	char *api_url;       /* control plane, no trailing slash */
	char *api_key;       /* NULL: none yet (a local sbxd makes it on first start) */
	char *sandbox_url;   /* one data-plane URL for every sandbox; NULL: per-sandbox hosts */
	char *domain;        /* for per-sandbox hosts */
	int local;           /* the local sbxd, found through its state dir */
	char *state_dir;     /* local only: the sbxd state dir (sbxd.json, sbxd.log) */
} sbx_config;

/* The environment, as values (NULL = unset), so resolution is testable. */
typedef struct sbx_config_env {
	const char *api_url, *api_key, *sandbox_url, *domain;
	/* for the local case */
	const char *state_dir;
	const char *local_url;   /* from sbxd.json; NULL: never started */
	const char *local_key;   /* from the config dir; NULL: none yet */
} sbx_config_env;

/* Pure: fills out from env (every string copied). */
int sbx_config_build(const sbx_config_env *env, sbx_config *out, sbx_err *e);
/* From getenv() and the local sbxd's files. */
int sbx_config_load(sbx_config *out, sbx_err *e);
void sbx_config_copy(sbx_config *dst, const sbx_config *src);
void sbx_config_free(sbx_config *c);

#endif
