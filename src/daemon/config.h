/*
 * config: where sbx keeps its files, shared by sbxd and the sbx CLI.
 *   config dir  $XDG_CONFIG_HOME/sbx or ~/.config/sbx      api_key (0600)
 *   state dir   $XDG_STATE_HOME/sbx  or ~/.local/state/sbx  sbxd.json (where
 *               the running sbxd listens), sandboxes/, sbxd.lock
 * Paths are heap strings the caller frees.
 */
#ifndef SBX_DAEMON_CONFIG_H
#define SBX_DAEMON_CONFIG_H
#include <sys/types.h>
#include "../util/err.h"

#define SBXD_DEFAULT_PORT 49982
#define SBXD_DEFAULT_LISTEN "tcp:127.0.0.1:49982"

char *sbx_config_dir(void);
char *sbx_state_dir(void);

/* The API key from <config dir>/api_key; with create, one is generated
 * (and stored 0600) when there is none yet. */
int sbx_api_key(int create, char **key, sbx_err *e);

/* What `sbx serve` records about itself in <state dir>/sbxd.json. */
typedef struct sbxd_endpoint {
	char *url;      /* http://127.0.0.1:PORT: what E2B_API_URL and E2B_SANDBOX_URL get */
	char *listen;   /* the --listen address */
	int port;
	pid_t pid;
} sbxd_endpoint;

int sbxd_endpoint_write(const char *state_dir, const sbxd_endpoint *ep, sbx_err *e);
/* -1 when there is no endpoint file (sbxd never ran with this state dir). */
int sbxd_endpoint_read(const char *state_dir, sbxd_endpoint *ep, sbx_err *e);
void sbxd_endpoint_free(sbxd_endpoint *ep);

#endif
