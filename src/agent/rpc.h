/*
 * rpc: Connect RPC with JSON on top of http/server.h (docs/protocol.md §3.1-3.2).
 *
 * Unary: POST, Content-Type application/json, the body is one JSON object;
 * the answer is 200 application/json or agent_connect_error().
 *
 * Server streams: POST, application/connect+json, the body is one envelope.
 * The response is always 200 application/connect+json; every stream ends
 * with the 0x02 end-stream frame, carrying the error when it failed (also
 * for errors found before the first message, as connect-go does).  Each
 * stream sends the method's keepalive message after Keepalive-Ping-Interval
 * seconds (default 90) without data, and ends with deadline_exceeded when
 * Connect-Timeout-Ms (0/absent: none) elapses.
 *
 * Stream ownership: the module that accepts a stream sets an owner with
 * rpc_stream_set_owner().  The owner either finishes the stream itself
 * (rpc_stream_finish) or is told once through `gone` that the stream ended
 * without it (client left, deadline); after either it must forget the stream.
 */
#ifndef SBX_AGENT_RPC_H
#define SBX_AGENT_RPC_H
#include <jansson.h>
#include <stddef.h>
#include "agent.h"

#define RPC_UNARY_LIMIT ((size_t)8 << 20)   /* SendInput carries stdin data */
#define RPC_STREAM_LIMIT ((size_t)1 << 20)
#define RPC_KEEPALIVE_DEFAULT_S 90

/* --- unary ---------------------------------------------------------------- */
/* fn must answer r; req is borrowed (released after fn returns). */
typedef void (*rpc_unary_fn)(agent *a, http_req *r, json_t *req, void *ud);
void rpc_unary(agent *a, http_req *r, rpc_unary_fn fn, void *ud);
/* 200 application/json with msg (the reference is taken). */
void rpc_reply(http_req *r, json_t *msg);

/* --- server streams ------------------------------------------------------- */
typedef struct rpc_stream rpc_stream;

enum { RPC_GONE_CLIENT, RPC_GONE_DEADLINE };
typedef void (*rpc_gone_fn)(rpc_stream *s, int why, void *owner);
/* Called once the request message is in and the 200 response has begun.
 * req is borrowed.  fn sends, finishes, or takes ownership of s. */
typedef void (*rpc_stream_fn)(agent *a, rpc_stream *s, json_t *req, void *ud);

/* keepalive_json: the method's keepalive message, e.g. {"keepalive":{}}. */
void rpc_stream_open(agent *a, http_req *r, const char *keepalive_json, rpc_stream_fn fn, void *ud);

void rpc_stream_set_owner(rpc_stream *s, rpc_gone_fn gone, void *owner);
http_req *rpc_stream_req(rpc_stream *s);
/* ms until Connect-Timeout-Ms elapses (0: passed), or -1 when it has none. */
int64_t rpc_stream_deadline_left(rpc_stream *s);
/* Sends one data frame (msg's reference is taken). */
void rpc_stream_send(rpc_stream *s, json_t *msg);
void rpc_stream_send_raw(rpc_stream *s, const char *json, size_t len);
/* Bytes queued for the client and not yet taken by its socket. */
size_t rpc_stream_pending(rpc_stream *s);
/* Ends the stream: code NULL for success, else a Connect code + message.
 * The owner must not touch s afterwards. */
void rpc_stream_finish(rpc_stream *s, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- helpers -------------------------------------------------------------- */
/* Connect code for a failed file operation's errno. */
const char *rpc_errno_code(int err);

#endif
