/*
 * client_int: the request machinery every libsbx module uses (not part of
 * the public API).  An op wraps one http_call: it buffers the body (or
 * hands 2xx bodies piece by piece to on_data when `stream`), turns transport
 * failures and non-2xx answers into messages according to its kind, and
 * calls on_finish once.  Ops are freed after on_finish returns.
 */
#ifndef SBX_CLIENT_INT_H
#define SBX_CLIENT_INT_H
#include "client.h"
#include "fs.h"
#include "../http/client.h"
#include "../util/buf.h"
#include <jansson.h>

enum op_kind {
	OP_API,      /* control plane: {"code":int,"message"} errors */
	OP_RPC,      /* Connect: {"code":"snake_case","message"} errors */
	OP_PLAIN,    /* envd REST / code interpreter: JSON or text errors */
};

struct sbx_client {
	sbx_loop *loop;
	http_client *http;
	sbx_config cfg;
	sbx_op *ops;
};

typedef struct op_spec {
	const char *what;          /* "create a sandbox": errors read "cannot <what>: ..." */
	int kind;
	const char *method;
	const char *url;
	const char *const *headers;
	const void *body;
	size_t body_len;
	int stream_body;           /* request body fed with http_call_write */
	int stream;                /* deliver 2xx bodies to on_data as they come */
	long timeout_ms;
	long connect_timeout_ms;
} op_spec;

struct sbx_op {
	sbx_client *cl;
	sbx_op *prev, *next;
	http_call *call;
	char what[160];
	int kind, stream, status;
	sbx_buf body;               /* the whole body (non-stream or error answers) */
	int cancelled;              /* no more callbacks */
	int failed;                 /* sbx_op_fail was called */
	sbx_err err;
	int64_t dispatch_timer;     /* delivers buffered stream data outside libcurl */
	sbx_buf pending;            /* stream data not delivered yet */
	int busy, dead, dispatching;
	char *url;
	/* response headers kept past the exchange */
	char *next_token;           /* X-Next-Token */
	char *content_type;
	int64_t content_length;     /* -1: not said */
	/* set by the module that starts the op */
	void (*on_headers)(sbx_op *op, int status);
	void (*on_data)(sbx_op *op, const char *data, size_t len);
	/* e NULL: the exchange completed with a 2xx (body in op->body unless stream) */
	void (*on_finish)(sbx_op *op, const sbx_err *e);
	void (*ctx_free)(void *ctx);
	void *ctx;
};

/* Starts the op (hooks and ctx set afterwards, before the loop runs again). */
sbx_op *op_start(sbx_client *cl, const op_spec *s);
/* From on_finish: the same op goes on with another exchange (pagination). */
void op_restart(sbx_op *op, const op_spec *s);
/* Ends the op with this error (from a hook): on_finish(e) runs, then the
 * exchange is dropped. */
void op_fail(sbx_op *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the op out through *out (when out is non-NULL). */
static inline void op_out(sbx_op **out, sbx_op *op) { if (out) *out = op; }

/* "cannot <what>: " + the error body's message, for a finished non-2xx answer. */
void op_http_error(const sbx_op *op, sbx_err *e);

/* URL building: percent-encoding of a query value. */
void url_query_enc(sbx_buf *b, const char *s);

/* A JSON body parsed from op->body; NULL with e when it is not JSON. */
json_t *op_json(const sbx_op *op, sbx_err *e);

/* Control-plane headers (X-API-KEY, Content-Type); NULL with e when there is
 * no key.  Free with sbx_strv_free. */
char **api_headers(sbx_client *cl, sbx_err *e);

/* transfer.c: a streamed GET into fd / a request whose body is read from fd
 * (as the loop lets it), with the given URL and headers (copied). */
int transfer_download(sbx_client *c, const char *what, const char *url, const char *const *headers, int fd,
		      sbx_progress_cb progress, sbx_done_cb cb, void *ud, sbx_op **out);
int transfer_upload(sbx_client *c, const char *what, const char *method, const char *url,
		    const char *const *headers, int fd, int64_t size, sbx_progress_cb progress, sbx_done_cb cb,
		    void *ud, sbx_op **out);

/* A control-plane call answered as JSON: cb gets the answer (NULL for an
 * empty 2xx body; valid during cb), or with all, every page's array
 * joined (X-Next-Token followed); timeout_ms 0: API_TIMEOUT_MS.  body is stolen; ud_free (may be NULL)
 * frees ud with the op, whether or not cb ran.  -1 with e: nothing sent,
 * ud already freed. */
typedef void (*api_json_cb)(json_t *j, const sbx_err *e, void *ud);
int api_json_call(sbx_client *cl, const char *what, const char *method, const char *path, json_t *body, int all,
		  long timeout_ms, api_json_cb cb, void *ud, void (*ud_free)(void *), sbx_op **out, sbx_err *e);
/* Control-plane bounds: a call, and one that waits for sandboxes to start
 * (the first VM create of a template also boots it: minutes under TCG). */
#define API_TIMEOUT_MS 120000
#define CREATE_TIMEOUT_MS (20 * 60 * 1000L)
/* fmt with its %s replaced by id, percent-encoded (heap). */
char *api_path_id(const char *fmt, const char *id);

#endif
