/*
 * ports: the sandbox's own TCP ports, for sbxd's getHost route and `sbx port`.
 *   GET /sbx/ports            listening TCP sockets (/proc/net/tcp, tcp6):
 *                             [{"port","address","proto","pid","cmd"}], pid
 *                             and cmd null where /proc does not say; the
 *                             agent's own listeners are left out
 *   ANY /sbx/port/P/<path>    the request relayed to 127.0.0.1:P (streamed
 *                             both ways, src/http/relay.h); the caller's
 *                             X-Access-Token and E2B-Traffic-Access-Token are
 *                             not passed on.  Nothing listening: 502
 *                             {"code":502,"message":"The sandbox is running but port is not open…","port":P}
 *   GET /sbx/tunnel/P         (Upgrade: sbx-tcp) raw bytes both ways to 127.0.0.1:P
 */
#ifndef SBX_AGENT_PORTS_H
#define SBX_AGENT_PORTS_H
#include <jansson.h>
#include "agent.h"

void ports_init(agent *a);
void ports_free(agent *a);
void ports_route(agent *a, http_req *r);

/* The listening sockets of /proc/net/tcp-format text (one file's
 * contents), appended to out as {"port","address","proto"} objects, with
 * "inode" kept for the caller.  v6: the tcp6 layout.  Malformed lines are
 * skipped. */
void ports_parse_proc(const char *text, int v6, json_t *out);

#endif
