/*
 * proxy: the data plane.  A request for a sandbox goes to its agent as it
 * arrives and the answer comes back the same way (src/http/relay.h:
 * streaming with back-pressure both ways; a client that goes away cancels
 * the upstream call, which the agent sees as a closed connection).
 *
 * proxy_handle: the agent's own API (envd, code interpreter).
 * proxy_port: a port of the sandbox (getHost): the agent's
 * /sbx/port/P/<path> relay with the sandbox's token added here (never the
 * client's: X-Access-Token and E2B-Traffic-Access-Token are not passed on,
 * so code in the sandbox never sees them).  A sandbox created with
 * allowPublicTraffic: false needs E2B-Traffic-Access-Token (403 without).
 *
 * Unknown, killed or paused sandboxes answer 502 {"code":502,...} (the SDK
 * reads 502 as "sandbox not running"); a paused one with autoResume is
 * resumed first.
 */
#ifndef SBX_DAEMON_PROXY_H
#define SBX_DAEMON_PROXY_H
#include "daemon_int.h"

void proxy_handle(sbxd *d, http_req *r, const char *sandbox_id);
void proxy_port(sbxd *d, http_req *r, const char *sandbox_id, int port);

/* The checks before a sandbox is reached (unknown, dead, private,
 * pausing, paused: resumed when it has autoResume): the sandbox, or NULL
 * when r was answered.  port as for proxy_port (0: the agent's API). */
sbox *proxy_admit(sbxd *d, http_req *r, const char *sandbox_id, int port);
/* 502 "not running" (why NULL: E2B's "The sandbox was not found"). */
void proxy_not_running(http_req *r, const char *sandbox_id, const char *why);

#endif
