/*
 * conv: a conversation with a model, provider-neutral — what the loop keeps
 * between turns, what the wire modules (openai.c, anthropic.c) translate to
 * each API's messages, and what a transcript saves.  Pure.
 *
 * Messages: user text; assistant text plus the tool calls it asked for
 * (arguments kept as the raw JSON text the model produced, which may be
 * malformed — the loop reports that back to the model); tool results, one
 * per call, referencing the call's id.  Anthropic wants the results of one
 * turn in a single user message, OpenAI one "tool" message each: the wire
 * modules do that grouping, the conversation stays flat.
 */
#ifndef SBX_AI_CONV_H
#define SBX_AI_CONV_H
#include <jansson.h>
#include <stddef.h>
#include "../util/err.h"

typedef enum { AI_ROLE_USER, AI_ROLE_ASSISTANT, AI_ROLE_TOOL } ai_role;

typedef struct ai_call {
	char *id;       /* the provider's (call_…, toolu_…); never NULL */
	char *name;     /* as the model wrote it: may name no tool we have */
	char *args;     /* raw JSON text ("" when the model sent none) */
} ai_call;

typedef struct ai_msg {
	ai_role role;
	char *text;             /* user / assistant text, tool result; "" when none */
	ai_call *calls;         /* assistant */
	size_t ncalls;
	char *call_id;          /* tool: which call this answers */
	char *call_name;        /* tool: that call's name */
	int is_error;           /* tool: the call failed (Anthropic's is_error) */
} ai_msg;

typedef struct ai_conv {
	char *system;           /* the system prompt; NULL: none */
	ai_msg *msgs;
	size_t n, cap;
} ai_conv;

void ai_conv_init(ai_conv *c, const char *system);
void ai_conv_free(ai_conv *c);
void ai_conv_set_system(ai_conv *c, const char *system);
void ai_conv_add_user(ai_conv *c, const char *text);
/* An assistant message; calls (ncalls of them) are copied. */
void ai_conv_add_assistant(ai_conv *c, const char *text, const ai_call *calls, size_t ncalls);
void ai_conv_add_tool_result(ai_conv *c, const char *call_id, const char *call_name, const char *text,
			     int is_error);
/* Drops messages from index n on. */
void ai_conv_truncate(ai_conv *c, size_t n);
/* Calls of the last assistant message that have no result yet (a run
 * stopped between asking and answering); ids appended to out (borrowed).
 * Returns how many were stored (at most max). */
size_t ai_conv_unanswered(const ai_conv *c, const char **out, size_t max);

/* Transcript form: {"system": …, "messages": [{"role", "text", "calls":
 * [{"id","name","arguments"}], "call_id", "call_name", "is_error"}]}. */
json_t *ai_conv_to_json(const ai_conv *c);
int ai_conv_from_json(const json_t *j, ai_conv *out, sbx_err *e);

#endif
