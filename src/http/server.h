/*
 * http server: HTTP/1.1 (libmicrohttpd) driven by our event loop.
 *
 * One handler sees every request once its headers are in.  It may answer at
 * once, ask for the body (whole, bounded, or as a stream of chunks), answer
 * later from any loop callback, or stream a response of unknown length that
 * is flushed as each piece is written (chunked encoding).  Keep-alive and
 * chunked request bodies are handled here.
 *
 * Lifetime: a request lives until its close callback has run (exactly once:
 * after the response was sent, or when the client went away).  Never touch a
 * request after that.  A request with no close callback is simply freed.
 */
#ifndef SBX_HTTP_SERVER_H
#define SBX_HTTP_SERVER_H
#include <stddef.h>
#include <stdint.h>
#include "../util/err.h"
#include "../util/loop.h"

typedef struct http_server http_server;
typedef struct http_req http_req;

typedef void (*http_handler)(http_req *req, void *ud);

http_server *http_server_new(sbx_loop *loop, http_handler handler, void *ud);
/* Connection limits, set before the first listen.  A connection that moves
 * no bytes for idle_timeout_s is closed (0: never), except while its answer
 * is not ready or its stream has nothing to send: long silent streams live
 * on.  Past 7/8 of max_conns open connections, each new one closes the one
 * idle longest (no request in progress), so an idle flood cannot lock
 * clients out.  Defaults: HTTP_IDLE_TIMEOUT_S and 2048 connections, at most
 * half the process's fd limit. */
#define HTTP_IDLE_TIMEOUT_S 120
void http_server_set_limits(http_server *s, unsigned idle_timeout_s, unsigned max_conns);
/* addr: "tcp:HOST:PORT" (PORT 0 picks one), "unix:PATH", "vsock:PORT". */
int http_server_listen(http_server *s, const char *addr, sbx_err *e);
/* Port of the most recent tcp listener (useful after "tcp:127.0.0.1:0"). */
int http_server_port(http_server *s);
/* Closes listeners and every open connection (close callbacks run, ok = 0). */
void http_server_free(http_server *s);

/* --- the request ---------------------------------------------------------- */
const char *http_req_method(http_req *r);
const char *http_req_path(http_req *r);                 /* %-decoded, no query */
const char *http_req_query(http_req *r, const char *key);  /* %- and +-decoded; NULL if absent */
const char *http_req_header(http_req *r, const char *name); /* case-insensitive; NULL if absent */
typedef void (*http_kv_cb)(const char *key, const char *value, void *ud);
void http_req_foreach_header(http_req *r, http_kv_cb cb, void *ud);
void http_req_foreach_query(http_req *r, http_kv_cb cb, void *ud);
/* The local TCP port the request came in on; 0 for unix/vsock sockets. */
int http_req_local_port(http_req *r);

/* --- the body (ask for it at most once, from the handler) ---------------- */
/* Whole body, NUL-terminated for convenience.  Over `limit` bytes the server
 * answers 413 itself and cb is not called. */
typedef void (*http_body_cb)(http_req *r, const char *body, size_t len, void *ud);
void http_req_read_body(http_req *r, size_t limit, http_body_cb cb, void *ud);
/* Body as it arrives.  chunk returns 0 to go on, -1 to discard the rest (it
 * should have answered with an error first).  end runs once the body is
 * complete (not when it was discarded or the client went away). */
typedef int (*http_chunk_cb)(http_req *r, const char *data, size_t len, void *ud);
typedef void (*http_end_cb)(http_req *r, void *ud);
void http_req_stream_body(http_req *r, http_chunk_cb chunk, http_end_cb end, void *ud);
/* Back-pressure for a streamed body: while paused no chunk is delivered and
 * the connection reads nothing more; unpausing delivers the rest. */
void http_req_pause_body(http_req *r, int paused);

/* Exactly once per request; ok = 1 when the response was sent completely. */
typedef void (*http_close_cb)(http_req *r, int ok, void *ud);
void http_req_on_close(http_req *r, http_close_cb cb, void *ud);

/* --- the response (exactly one of respond / respond_fd / stream_begin) ---- */
/* Extra response header, for the response that follows. */
void http_req_add_header(http_req *r, const char *name, const char *value);
/* body is copied; ctype may be NULL (no Content-Type).  Any unread request
 * body is discarded. */
void http_respond(http_req *r, int status, const char *ctype, const void *body, size_t len);
void http_respond_str(http_req *r, int status, const char *ctype, const char *body);
/* Sends size bytes of fd from offset 0; takes ownership of fd. */
void http_respond_fd(http_req *r, int status, const char *ctype, int fd, uint64_t size);
/* Response of unknown length; each write is sent as soon as the socket takes it. */
void http_stream_begin(http_req *r, int status, const char *ctype);
void http_stream_write(http_req *r, const void *data, size_t len);
void http_stream_end(http_req *r);
/* Instead of http_stream_end: what was written is still sent, then the
 * connection closes without the chunked body's end, so the client sees the
 * answer cut short (a proxy whose upstream died mid-answer), not complete.
 * The close callback gets ok = 0. */
void http_stream_abort(http_req *r);
/* Bytes written but not yet taken by the socket (for back-pressure). */
size_t http_stream_pending(http_req *r);
/* One-shot: cb runs as soon as the socket has taken enough that at most
 * low bytes are pending (it may write).  Replaces an earlier request; a
 * closed request never calls it. */
typedef void (*http_low_cb)(http_req *r, void *ud);
void http_stream_notify_low(http_req *r, size_t low, http_low_cb cb, void *ud);

/* --- upgrade: 101 Switching Protocols, then raw bytes ---------------------- */
/* The answer is 101 with Upgrade: proto.  Once it went out, cb gets the raw
 * connection: fd (non-blocking; never close() it) and the bytes the client
 * sent after its request's headers.  The request ends there (its close
 * callback runs with ok = 1); the connection lives until
 * http_upgraded_close.  If the server is freed first, abort runs (stop
 * using fd; the server closes it). */
typedef struct http_upgraded http_upgraded;
typedef void (*http_upgrade_cb)(http_upgraded *u, int fd, const char *extra, size_t len, void *ud);
void http_respond_upgrade(http_req *r, const char *proto, http_upgrade_cb cb, void (*abort)(void *ud),
			  void *ud);
void http_upgraded_close(http_upgraded *u);

#endif
