/*
 * wire: one model turn over a provider's HTTP API — the request for a
 * conversation, and the response decoded (streamed SSE or one JSON body)
 * into provider-neutral events and the assembled assistant message.  Pure:
 * the loop (run.c) does the HTTP.  openai.c and anthropic.c implement it;
 * wire.c dispatches on the provider's kind.
 *
 * Streaming events, in order: TEXT deltas and, per tool call, CALL_START
 * (index, id, name) then CALL_ARGS deltas (the arguments' JSON text as it
 * grows), then STOP once with the stop reason normalised ("end" the model
 * answered, "tool_use" it wants tools run, "max_tokens", or the
 * provider's own word).  OpenAI's tool-call deltas arrive keyed by index
 * with id and name only in the first; Anthropic's as content blocks
 * (tool_use + input_json_delta).  An `error` event mid-stream (Anthropic's
 * overloaded_error, OpenAI's {"error":…} data) is a decode error whose
 * message is the provider's.
 */
#ifndef SBX_AI_WIRE_H
#define SBX_AI_WIRE_H
#include <jansson.h>
#include <stddef.h>
#include "conv.h"
#include "provider.h"
#include "../util/err.h"

/* A tool offered to the model; params is a JSON Schema object (borrowed). */
typedef struct ai_tool_def {
	const char *name, *description;
	const char *params_json;
} ai_tool_def;

typedef struct ai_request {
	char *url;
	char **headers;     /* "Name: value", NULL-terminated (sbx_strv_free) */
	char *body;         /* JSON */
} ai_request;

int ai_request_build(const ai_provider *p, const ai_conv *c, const ai_tool_def *tools, size_t ntools,
		     int stream, ai_request *out, sbx_err *e);
void ai_request_free(ai_request *r);

enum { AI_EV_TEXT, AI_EV_CALL_START, AI_EV_CALL_ARGS, AI_EV_STOP };

typedef struct ai_event {
	int type;
	const char *text;        /* TEXT, CALL_ARGS delta; STOP: the reason */
	size_t len;
	int index;               /* CALL_*: which call of this turn (0-based) */
	const char *id, *name;   /* CALL_START */
} ai_event;

typedef void (*ai_event_cb)(const ai_event *ev, void *ud);

typedef struct ai_decoder ai_decoder;
/* streaming: the body is SSE; else one JSON object (events are emitted
 * from it all at once, in the same order). */
ai_decoder *ai_decoder_new(ai_kind kind, int streaming, ai_event_cb cb, void *ud);
int ai_decoder_feed(ai_decoder *d, const char *data, size_t len, sbx_err *e);
/* End of body: -1 when the turn is incomplete (no stop reason, a call's
 * arguments cut short, a non-streamed body that is not the API's JSON). */
int ai_decoder_finish(ai_decoder *d, sbx_err *e);
/* After finish: the turn's text and calls (borrowed until free).  The
 * text is there at any time, also after an error (the turn as far as it
 * came); calls only after a finish, never after a failed feed.  Call ids
 * are unique within the turn: a missing, duplicate or odd one (not
 * [A-Za-z0-9_.:-], > 128 bytes) is replaced by call_sbx_N / toolu_sbx_N.
 * A request answers every call of each assistant message, in order (a
 * call without a result gets an error result saying the run stopped);
 * results that answer no call there are left out. */
const char *ai_decoder_text(const ai_decoder *d);
const ai_call *ai_decoder_calls(const ai_decoder *d, size_t *n);
const char *ai_decoder_stop_reason(const ai_decoder *d);
void ai_decoder_free(ai_decoder *d);

/* An error response (status >= 400) as one line for the user: the
 * provider's own message when the body has one ({"error":{"message":…}},
 * {"type":"error","error":{"message":…}}), else the HTTP status text;
 * never more than n - 1 bytes of the (hostile) body. */
void ai_error_text(ai_kind kind, int status, const char *body, size_t len, char *out, size_t n);

#endif
