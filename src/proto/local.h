/*
 * local: the files through which sbxd and its clients (libsbx, the CLI, the
 * workbench) meet on one machine, so neither side needs the other's code.
 *   config dir  $XDG_CONFIG_HOME/sbx or ~/.config/sbx      api_key (0600)
 *   state dir   $XDG_STATE_HOME/sbx  or ~/.local/state/sbx  sbxd.json (where
 *               the running sbxd listens), sandboxes/, sbxd.lock
 * sbxd makes the key and writes sbxd.json (src/daemon/config.h); clients
 * only read them.  Paths and keys are heap strings the caller frees.
 */
#ifndef SBX_PROTO_LOCAL_H
#define SBX_PROTO_LOCAL_H
#include <sys/types.h>
#include "../util/err.h"

#define SBXD_DEFAULT_PORT 49982
#define SBXD_DEFAULT_LISTEN "tcp:127.0.0.1:49982"

char *sbx_config_dir(void);
char *sbx_state_dir(void);
/* <config dir>/api_key */
char *sbx_api_key_path(void);

/* E2B's key format, "e2b_" and 40 lowercase hex digits: E2B SDKs 2.27 to
 * 2.45 refuse any other key before they send a request. */
#define SBX_KEY_PREFIX "e2b_"
#define SBX_KEY_LEGACY_PREFIX "sbx_"   /* what sbxd minted before */
#define SBX_KEY_HEX 40
/* 1 when k is PREFIX followed by exactly SBX_KEY_HEX lowercase hex digits. */
int sbx_key_has_form(const char *k, const char *prefix);

/* The key in the file at path (a trailing newline dropped).  -1 with errno
 * ENOENT when there is no file; a file that holds no usable key (shorter
 * than 16 characters, or not printable ASCII) is an error saying what to do. */
int sbx_api_key_read_file(const char *path, char **key, sbx_err *e);
/* The same for sbx_api_key_path(), with a hint to start sbxd when missing. */
int sbx_api_key_read(char **key, sbx_err *e);

/* What `sbx serve` records about itself in <state dir>/sbxd.json. */
typedef struct sbxd_endpoint {
	char *url;      /* http://127.0.0.1:PORT: what E2B_API_URL and E2B_SANDBOX_URL get */
	char *listen;   /* the --listen address */
	int port;
	pid_t pid;
} sbxd_endpoint;

/* -1 when there is no endpoint file (sbxd never ran with this state dir). */
int sbxd_endpoint_read(const char *state_dir, sbxd_endpoint *ep, sbx_err *e);
void sbxd_endpoint_free(sbxd_endpoint *ep);

#endif
