/*
 * rpc: Connect calls to a sandbox's envd (docs/protocol.md §3) — unary
 * (application/json) and server-streaming (application/connect+json, one
 * request envelope).  Internal to libsbx.
 */
#ifndef SBX_CLIENT_RPC_H
#define SBX_CLIENT_RPC_H
#include "client_int.h"
#include "cstream.h"

typedef struct rpc_call {
	const char *what;          /* for errors */
	const char *method;        /* "process.Process/Start" */
	json_t *req;               /* stolen */
	const char *user;          /* Basic auth user; NULL: envd's default */
	long timeout_ms;           /* streams: Connect-Timeout-Ms (0: none); unary: the whole call */
} rpc_call;

/* Unary: on_finish sees the answer's JSON via rpc_answer(). */
sbx_op *rpc_unary(sbx_client *cl, const sbx_sandbox *sb, const rpc_call *rc);
json_t *rpc_answer(const sbx_op *op, sbx_err *e);

/* Server stream: messages go to msg_cb, then done runs once (e NULL when the
 * stream ended cleanly).  The op's ctx is the stream state; ud is the
 * module's, freed with ud_free when the op goes. */
typedef struct rpc_stream_hooks {
	cstream_msg_cb msg_cb;
	cstream_raw_cb raw_cb;   /* may be NULL */
	void (*done)(const sbx_err *e, void *ud);
	void *ud;
	void (*ud_free)(void *ud);
} rpc_stream_hooks;

sbx_op *rpc_stream(sbx_client *cl, const sbx_sandbox *sb, const rpc_call *rc, const rpc_stream_hooks *h);

#endif
