/*
 * sandbox: where one sandbox's data plane is (docs/protocol.md §1), and the
 * headers every data-plane request carries.  Pure.
 *
 * envd (process, filesystem, /files) is "port" 49983 and the code
 * interpreter (/execute, /contexts) 49999.  With a single sandbox URL both
 * go there, told apart by E2b-Sandbox-Port; with E2B's per-sandbox hosts
 * they are https://49983-<id>.<domain> and https://49999-<id>.<domain>.
 */
#ifndef SBX_CLIENT_SANDBOX_H
#define SBX_CLIENT_SANDBOX_H
#include "config.h"
#include "../util/strv.h"
#include "../util/err.h"

#define SBX_PORT_ENVD 49983
#define SBX_PORT_CODE 49999

typedef struct sbx_sandbox {
	char *id;
	char *token;          /* envdAccessToken → X-Access-Token; NULL: none */
	char *traffic_token;  /* trafficAccessToken → E2B-Traffic-Access-Token; NULL: none */
	char *envd_url;       /* no trailing slash */
	char *code_url;
	char *user;           /* envd user for filesystem and process calls; NULL: envd's default */
} sbx_sandbox;

/* domain: the one the control plane answered with (NULL/"": the config's). */
int sbx_sandbox_init(sbx_sandbox *sb, const sbx_config *cfg, const char *id, const char *token,
		     const char *traffic_token, const char *domain, sbx_err *e);
void sbx_sandbox_free(sbx_sandbox *sb);

/* "Name: value" heap strings, NULL-terminated (free with sbx_strv_free):
 * E2b-Sandbox-Id, E2b-Sandbox-Port, the access tokens, then extra (may be NULL). */
char **sbx_sandbox_headers(const sbx_sandbox *sb, int port, const char *const *extra);

#endif
