/*
 * tunnel: GET /sbx/tunnel/P with E2b-Sandbox-Id, X-Access-Token,
 * Connection: Upgrade and Upgrade: sbx-tcp → 101, then raw bytes both ways
 * to 127.0.0.1:P inside the sandbox (`sbx port ID P --local LPORT`).  sbxd
 * makes the same upgrade to the agent's /sbx/tunnel/P (passing the
 * client's token, which the agent checks) and pumps bytes between the two
 * (src/util/pump.h).  Before the 101, the agent's answer is passed on
 * (502 {"message":"The sandbox is running but port is not open…"} when
 * nothing listens, 401 for a bad token); a sandbox that is not running
 * answers as the data plane does (proxy_admit).  An upgrade (WebSocket) to
 * a sandbox's port (getHost) rides the same tunnel (tunnel_upgrade).
 */
#ifndef SBX_DAEMON_TUNNEL_H
#define SBX_DAEMON_TUNNEL_H
#include "daemon_int.h"

/* 1 when r is a tunnel request (answered or under way), 0 otherwise. */
int tunnel_handle(sbxd *d, http_req *r);

/* An upgrade request (Connection: Upgrade, e.g. a WebSocket) to a
 * sandbox's port: the same tunnel to the agent, over which the client's
 * request goes as it came (minus the tokens); the server's 101 and its
 * headers go back to the client, then bytes both ways.  A non-101 answer
 * is passed on.  sb has passed proxy_admit. */
int tunnel_is_upgrade(http_req *r);
void tunnel_upgrade(sbxd *d, http_req *r, sbox *sb, int port);

#endif
