/*
 * http client: libcurl multi driven by our event loop.
 *
 * Calls stream both ways: the request body may be fed piece by piece
 * (http_call_write / http_call_end_body) and the response arrives as
 * on_headers once, on_data per piece, then on_done exactly once.  After
 * on_done returns the call is freed.  A unix socket may stand in for TCP
 * (the URL's host is then only used for the Host header).
 */
#ifndef SBX_HTTP_CLIENT_H
#define SBX_HTTP_CLIENT_H
#include <stddef.h>
#include "../util/loop.h"
#include "server.h"

typedef struct http_client http_client;
typedef struct http_call http_call;

typedef struct http_call_opts {
	const char *method;            /* default GET (POST when a body is given) */
	const char *url;
	const char *unix_socket;       /* NULL: TCP */
	const char *const *headers;    /* "Name: value", NULL-terminated; may be NULL */
	const void *body;              /* a whole body (copied), or ... */
	size_t body_len;
	int stream_body;               /* ... 1: fed by http_call_write, sent chunked */
	long long stream_size;         /* stream_body with a known length (> 0): sent with
	                                  Content-Length, not chunked (servers that read no chunks) */
	/* Back-pressure for stream_body: once http_call_pending went above
	 * send_low, on_send_low runs when sending brings it back to send_low or
	 * below (it may write more; it must not cancel the call). */
	size_t send_low;
	void (*on_send_low)(http_call *c, void *ud);
	long timeout_ms;               /* whole call; 0: none */
	long connect_timeout_ms;       /* 0: libcurl's default */
	void (*on_headers)(http_call *c, int status, void *ud);
	void (*on_data)(http_call *c, const char *data, size_t len, void *ud);
	/* ok = 1 when the exchange completed (whatever the status); else err says why. */
	void (*on_done)(http_call *c, int ok, const char *err, void *ud);
	void *ud;
} http_call_opts;

http_client *http_client_new(sbx_loop *loop);
/* Cancels every call still running (their on_done runs with ok = 0). */
void http_client_free(http_client *cl);

http_call *http_call_start(http_client *cl, const http_call_opts *o);
/* Response headers (valid from on_headers until on_done returns). */
const char *http_call_header(http_call *c, const char *name);
void http_call_foreach_header(http_call *c, http_kv_cb cb, void *ud);
int http_call_status(http_call *c);
/* Request body pieces, for stream_body calls. */
void http_call_write(http_call *c, const void *data, size_t len);
void http_call_end_body(http_call *c);
/* Bytes queued by http_call_write but not yet sent. */
size_t http_call_pending(http_call *c);
/* Stop (1) or restart (0) delivery of response data, for back-pressure. */
void http_call_pause_recv(http_call *c, int paused);
/* Abort; on_done runs with ok = 0 and err "cancelled" before this returns. */
void http_call_cancel(http_call *c);

#endif
