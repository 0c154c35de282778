/*
 * relay: one HTTP request passed on to an upstream server as it arrives
 * (headers minus hop-by-hop ones, body piece by piece) and the answer
 * passed back the same way, flushed piece by piece, so streams flow live.
 * Back-pressure both ways, event-driven: a slow client pauses the
 * upstream's answer, a slow upstream pauses the client's body; a relay
 * holds about 256 KiB of an answer and 1 MiB of a body at most.  A client
 * that goes away cancels the upstream call.
 *
 * Used by sbxd's data plane (client → agent) and by the agent's port relay
 * (sbxd → a server inside the sandbox).
 *
 * Lifetime: http_relay_new takes over the request's body and close
 * callback, from the request handler.  The owner then calls exactly one of
 * http_relay_start (the upstream is known) or http_relay_fail (there is
 * none), at once or later.  When no upstream answered (start failed to
 * connect, or fail was called), on_fail runs once the client's body is in
 * and must answer the request.  on_gone runs when the client is gone (the
 * relay is freed right after).
 */
#ifndef SBX_HTTP_RELAY_H
#define SBX_HTTP_RELAY_H
#include "client.h"
#include "server.h"
#include "../util/buf.h"

typedef struct http_relay http_relay;

typedef struct http_relay_cbs {
	/* No answer from upstream; err says why.  Must answer r. */
	void (*on_fail)(http_req *r, const char *err, void *ud);
	/* The client went away (before or after the answer); ud is the owner's to free. */
	void (*on_gone)(void *ud);
	void *ud;
} http_relay_cbs;

typedef struct http_relay_up {
	const char *url;                 /* the whole upstream URL (encode parts with http_relay_encode) */
	const char *unix_socket;         /* NULL: TCP */
	const char *const *headers;      /* more "Name: value" lines; may be NULL */
	const char *const *drop;         /* client headers not to pass on (names); may be NULL */
	int keep_host;                   /* pass the client's Host header on */
	long connect_timeout_ms;
} http_relay_up;

http_relay *http_relay_new(http_req *r, http_client *cl, const http_relay_cbs *cbs);
void http_relay_start(http_relay *rl, const http_relay_up *up);
void http_relay_fail(http_relay *rl, const char *err);
/* The client's request (valid until on_gone). */
http_req *http_relay_req(http_relay *rl);

/* Percent-encodes a decoded path (is_path) or query part for an upstream URL. */
void http_relay_encode(sbx_buf *out, const char *s, int is_path);
/* The request's path (encoded) and query appended to out. */
void http_relay_append_target(sbx_buf *out, http_req *r, const char *path);
/* A hop-by-hop header name (never relayed). */
int http_relay_is_hop(const char *name);

#endif
