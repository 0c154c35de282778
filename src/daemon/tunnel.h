/*
 * tunnel: GET /sbx/tunnel/P with E2b-Sandbox-Id, X-Access-Token,
 * Connection: Upgrade and Upgrade: sbx-tcp → 101, then raw bytes both ways
 * to 127.0.0.1:P inside the sandbox (`sbx port ID P --local LPORT`).  sbxd
 * makes the same upgrade to the agent's /sbx/tunnel/P (passing the
 * client's token, which the agent checks) and pumps bytes between the two
 * (src/util/pump.h).  Before the 101, the agent's answer is passed on
 * (502 {"message":"The sandbox is running but port is not open…"} when
 * nothing listens, 401 for a bad token); a sandbox that is not running
 * answers as the data plane does (proxy_admit).
 */
#ifndef SBX_DAEMON_TUNNEL_H
#define SBX_DAEMON_TUNNEL_H
#include "daemon_int.h"

/* 1 when r is a tunnel request (answered or under way), 0 otherwise. */
int tunnel_handle(sbxd *d, http_req *r);

#endif
