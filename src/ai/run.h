/*
 * run: the tool loop — send the conversation, stream the model's turn,
 * run the tools it calls, feed the results back, repeat until it answers,
 * the step limit, an error, or the user stops it.  Asynchronous on the
 * loop (libcurl multi through src/http/client.h); the CLI and the AI pane
 * drive the same code.
 *
 * The caller owns the conversation; the run appends to it as things
 * happen (the user's request, each assistant turn once complete, each tool
 * result), so whatever ends the run, the conversation holds everything
 * shown and stays valid to continue: a stop or an error between a call
 * and its result adds a result saying so ("stopped by the user").  A turn
 * cut off mid-stream is kept as far as it came (text shown is never lost)
 * when it has text, dropped when it has none.
 *
 * Failures: no key / unreachable provider / 401 / 403 / 404 (bad model) /
 * 400 end the run with the provider's message and what to do; 429 and 5xx
 * and connection resets are retried up to max_retries, waiting the
 * Retry-After (seconds or HTTP date, capped) or an exponential backoff,
 * with on_status telling the user.  A call to an unknown tool or with
 * arguments that are not a JSON object of the right fields is answered to
 * the model as an error result (it usually corrects itself).
 */
#ifndef SBX_AI_RUN_H
#define SBX_AI_RUN_H
#include <jansson.h>
#include "conv.h"
#include "provider.h"
#include "wire.h"
#include "../http/client.h"
#include "../util/loop.h"

typedef struct ai_run ai_run;

typedef enum { AI_END_ANSWER, AI_END_STOPPED, AI_END_STEP_LIMIT, AI_END_ERROR } ai_end;

/* Runs the tools.  start begins one call (its arguments already parsed and
 * checked against the tool's schema) and reports it with ai_run_tool_done
 * exactly once — later from the loop, or before start returns.  A -1
 * return (with e) is reported to the model as the call's error.  cancel
 * stops the running call (the user stopped the run); ai_run_tool_done
 * must not be called for it afterwards. */
typedef struct ai_tool_exec {
	int (*start)(void *ud, ai_run *r, const ai_call *call, const json_t *args, sbx_err *e);
	void (*cancel)(void *ud, ai_run *r);
	void *ud;
} ai_tool_exec;

/* What the user sees, as it happens.  Every callback may be NULL. */
typedef struct ai_observer {
	void (*on_text)(void *ud, const char *delta, size_t len);     /* the model's words, streamed */
	void (*on_turn_end)(void *ud);                                 /* a model turn finished */
	void (*on_call)(void *ud, const ai_call *call);                /* about to run it */
	void (*on_result)(void *ud, const ai_call *call, const char *text, int is_error);
	void (*on_status)(void *ud, const char *msg);                  /* "retrying in 3 s: 429 …"; NULL clears */
	/* Exactly once, last; msg: the error, or why it stopped (may be NULL). */
	void (*on_done)(void *ud, ai_end end, const char *msg);
	void *ud;
} ai_observer;

typedef struct ai_run_opts {
	const ai_provider *provider;   /* copied */
	ai_conv *conv;                 /* the caller's; must outlive the run */
	const char *request;           /* the user's text, appended first */
	int max_steps;                 /* model turns for this request; 0: 10 */
	int max_retries;               /* per turn; 0: 4; -1: none */
	long retry_cap_ms;             /* longest wait; 0: 60 s */
	int no_stream;                 /* 1: ask for one JSON body instead of SSE */
	ai_tool_exec exec;
	ai_observer obs;
} ai_run_opts;

/* -1 with e when it cannot start (provider unusable: e says what to set). */
ai_run *ai_run_start(sbx_loop *loop, http_client *http, const ai_run_opts *o, sbx_err *e);
void ai_run_tool_done(ai_run *r, const char *text, int is_error);
/* Stop now: cancels the model call or the tool; on_done(AI_END_STOPPED)
 * runs before this returns.  A no-op after on_done. */
void ai_run_stop(ai_run *r);
/* Any time; a run not yet done is stopped first. */
void ai_run_free(ai_run *r);
int ai_run_done(const ai_run *r);

#endif
