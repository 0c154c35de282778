/*
 * hostroute: which sandbox port a request is for, E2B's two ways:
 *   Host: P-ID.DOMAIN[:port]      (what Sandbox.getHost(P) names; a browser
 *                                  on this machine resolves *.localhost)
 *   E2b-Sandbox-Id: ID + E2b-Sandbox-Port: P
 * P 49983 (envd) and 49999 (code interpreter) are the agent's own API;
 * any other P is a port of the sandbox (proxy_port).
 *
 * The domain sbxd hands out with each sandbox (create/connect answers'
 * "domain") is localhost:PORT, PORT the one sbxd listens on, so
 * getHost(8000) is 8000-ID.localhost:PORT.
 */
#ifndef SBX_DAEMON_HOSTROUTE_H
#define SBX_DAEMON_HOSTROUTE_H
#include <jansson.h>
#include <stddef.h>
#include "daemon_int.h"

#define HOSTROUTE_ENVD_PORT 49983
#define HOSTROUTE_CODE_PORT 49999

/* Parses a Host value "P-ID.REST[:port]": 1 with id (lowercased, at most
 * idn - 1 bytes) and *port set, 0 when it is not of that form. */
int hostroute_parse_host(const char *host, char *id, size_t idn, int *port);
/* Parses E2b-Sandbox-Port: 1 with *port (1-65535), 0 when absent or bad. */
int hostroute_parse_port(const char *v, int *port);

/* Routes r when its Host or E2b-Sandbox-Port names a sandbox port: 1 when
 * it answered (or handed r to the proxy), 0 to go on with the other routes. */
int hostroute_handle(sbxd *d, http_req *r);

/* Sets "domain" in a sandbox's create/connect/get JSON. */
void hostroute_set_domain(sbxd *d, json_t *sandbox);

#endif
