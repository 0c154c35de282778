/*
 * client: libsbx's handle — one per event loop — and the calls in flight.
 *
 * Every libsbx call is asynchronous: it starts an HTTP exchange on the
 * loop's libcurl multi and returns at once (0), or fails before anything
 * is sent (-1 with e; its callback then never runs).  Its callback runs
 * later from the loop, exactly once, with e == NULL on success or an error
 * that says what failed and what to do.  Results passed to callbacks are
 * valid during the callback only.
 *
 * A call may hand back its sbx_op; sbx_op_cancel() stops it, and none of its
 * callbacks runs afterwards (safe from inside any libsbx callback, including
 * the op's own).  sbx_client_free() cancels every call still in flight.
 */
#ifndef SBX_CLIENT_CLIENT_H
#define SBX_CLIENT_CLIENT_H
#include "config.h"
#include "sandbox.h"
#include "../util/err.h"
#include "../util/loop.h"

typedef struct sbx_client sbx_client;
typedef struct sbx_op sbx_op;

/* The outcome of a call without a result. */
typedef void (*sbx_done_cb)(const sbx_err *e, void *ud);

/* cfg is copied. */
sbx_client *sbx_client_new(sbx_loop *loop, const sbx_config *cfg);
void sbx_client_free(sbx_client *c);
const sbx_config *sbx_client_config(sbx_client *c);
/* Replace the configuration (e.g. after starting sbxd); calls in flight keep theirs. */
void sbx_client_set_config(sbx_client *c, const sbx_config *cfg);

void sbx_op_cancel(sbx_op *op);
/* 1 while any call is in flight (a program about to exit can let its
 * last fire-and-forget calls finish). */
int sbx_client_busy(const sbx_client *c);

#endif
