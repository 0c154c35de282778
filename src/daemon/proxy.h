/*
 * proxy: the data plane.  A request carrying E2b-Sandbox-Id goes to that
 * sandbox's agent as it arrives (headers minus hop-by-hop ones, body piece
 * by piece) and the answer comes back the same way, flushed piece by piece,
 * so Connect streams and NDJSON lines flow live.  Back-pressure both ways,
 * event-driven: a slow client pauses the agent's answer
 * (http_call_pause_recv until http_stream_notify_low), a slow agent pauses
 * the client's body (http_req_pause_body until on_send_low); sbxd holds
 * about 256 KiB of an answer and 1 MiB of a body at most.  A client that
 * goes away cancels the upstream call, which the agent sees as a closed
 * connection (it interrupts a running cell).
 *
 * Unknown, killed or paused sandboxes answer 502 {"code":502,...} (the SDK
 * reads 502 as "sandbox not running"); a paused one with autoResume is
 * resumed first.
 */
#ifndef SBX_DAEMON_PROXY_H
#define SBX_DAEMON_PROXY_H
#include "daemon_int.h"
#include "../util/buf.h"

void proxy_handle(sbxd *d, http_req *r, const char *sandbox_id);

/* Percent-encodes a decoded path/query part for an upstream URL. */
void proxy_encode(sbx_buf *out, const char *s, int is_path);

#endif
