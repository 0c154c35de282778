/* anthropic: the messages wire format (POST /v1/messages). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire_int.h"
#include "../util/strv.h"
#include "../util/xalloc.h"

#define ANTHROPIC_VERSION "2023-06-01"
#define ANTHROPIC_MAX_TOKENS 4096

/* ---- the request ---- */

/* Appends block to the last message when it has role, else starts one:
 * the API wants user and assistant alternating, so consecutive user texts
 * and a turn's tool results (then the next request) share one message. */
static void add_block(json_t *msgs, const char *role, json_t *block)
{
	json_t *last = json_array_get(msgs, json_array_size(msgs) - 1);
	const char *r = wire_str(last, "role");
	if (r && !strcmp(r, role)) {
		json_array_append_new(json_object_get(last, "content"), block);
		return;
	}
	json_t *content = json_array();
	json_array_append_new(content, block);
	json_array_append_new(msgs, json_pack("{s:s,s:o}", "role", role, "content", content));
}

static json_t *text_block(const char *text)
{
	return json_pack("{s:s,s:o}", "type", "text", "text", wire_string(text));
}

static void assistant(json_t *msgs, const ai_conv *c, size_t i)
{
	const ai_msg *m = &c->msgs[i];
	if (*m->text)   /* the API refuses an empty text block */
		add_block(msgs, "assistant", text_block(m->text));
	for (size_t k = 0; k < m->ncalls; k++) {
		/* input must be an object: arguments the model wrote that are
		 * not one (malformed JSON) cannot be sent back as they were, so
		 * they go as {} — the call's result already told the model what
		 * was wrong with them. */
		json_t *input = wire_args_json(m->calls[k].args, 1);
		add_block(msgs, "assistant",
			  json_pack("{s:s,s:o,s:o,s:o}", "type", "tool_use", "id", wire_string(m->calls[k].id), "name",
				    wire_string(m->calls[k].name), "input", input ? input : json_object()));
	}
}

static void results(json_t *msgs, const ai_msg *m, const ai_msg **res)
{
	for (size_t k = 0; k < m->ncalls; k++)
		add_block(msgs, "user",
			  json_pack("{s:s,s:o,s:o,s:b}", "type", "tool_result", "tool_use_id",
				    wire_string(m->calls[k].id), "content",
				    wire_string(res[k] ? res[k]->text : wire_unanswered_text), "is_error",
				    res[k] ? res[k]->is_error : 1));
}

int anthropic_request(const ai_provider *p, const ai_conv *c, const ai_tool_def *tools, size_t ntools,
		      int stream, ai_request *out, sbx_err *e)
{
	json_t *msgs = json_array();
	for (size_t i = 0; i < c->n; i++) {
		const ai_msg *m = &c->msgs[i];
		if (m->role == AI_ROLE_USER) {
			if (*m->text)
				add_block(msgs, "user", text_block(m->text));
		} else if (m->role == AI_ROLE_ASSISTANT) {
			assistant(msgs, c, i);
			const ai_msg **res = m->ncalls ? xcalloc(m->ncalls, sizeof *res) : NULL;
			i = wire_results(c, i, res) - 1;
			results(msgs, m, res);   /* every call answered, in order, in one user message */
			free(res);
		}
		/* a tool result after no assistant message answers nothing: dropped */
	}
	json_t *body = json_pack("{s:o,s:i,s:o,s:b}", "model", wire_string(p->model), "max_tokens",
				 p->max_tokens > 0 ? p->max_tokens : ANTHROPIC_MAX_TOKENS, "messages", msgs, "stream",
				 stream);
	if (c->system && *c->system)
		json_object_set_new(body, "system", wire_string(c->system));
	if (ntools) {
		json_t *tv = json_array();
		for (size_t i = 0; i < ntools; i++) {
			json_t *params;
			if (wire_tool_params(&tools[i], &params, e) < 0) {
				json_decref(tv);
				json_decref(body);
				return -1;
			}
			json_array_append_new(tv, json_pack("{s:s,s:s,s:o}", "name", tools[i].name, "description",
							    tools[i].description ? tools[i].description : "",
							    "input_schema", params));
		}
		json_object_set_new(body, "tools", tv);
	}
	char **h = NULL;
	size_t nh = 0;
	wire_header(&h, &nh, "content-type", "application/json", "", NULL);
	wire_header(&h, &nh, "anthropic-version", ANTHROPIC_VERSION, "", NULL);
	if (p->api_key && *p->api_key) {
		char what[160];
		snprintf(what, sizeof what, "the API key%s%s", p->key_env ? " in " : "", p->key_env ? p->key_env : "");
		if (wire_header(&h, &nh, "x-api-key", p->api_key, what, e) < 0) {
			sbx_strv_free(h);
			json_decref(body);
			return -1;
		}
	}
	wire_finish_request(p, "/v1/messages", body, h, out);
	return 0;
}

/* ---- the response ---- */

static int block_start(ai_decoder *d, const json_t *j, sbx_err *e)
{
	const json_t *idx = json_object_get(j, "index");
	const json_t *cb = json_object_get(j, "content_block");
	const char *type = wire_str(cb, "type");
	if (!json_is_integer(idx) || !type)
		return sbx_error(e, "the model's stream sent a content_block_start without an index or a type");
	long long key = json_integer_value(idx);
	if (!strcmp(type, "text")) {
		const json_t *t = json_object_get(cb, "text");
		return json_is_string(t) ? wire_text(d, json_string_value(t), json_string_length(t), e) : 0;
	}
	if (strcmp(type, "tool_use"))
		return 0;   /* thinking and blocks of tools we did not offer */
	wire_call *c = wire_call_new(d, key, wire_str(cb, "id"), wire_str(cb, "name"), e);
	if (!c)
		return -1;
	wire_call_start(d, c);
	/* The input normally streams as input_json_delta from {}; a server
	 * that puts it here and sends no deltas is taken at its word. */
	const json_t *input = json_object_get(cb, "input");
	if (json_is_object(input) && json_object_size(input))
		c->input = json_dumps(input, JSON_COMPACT);
	return 0;
}

static int block_delta(ai_decoder *d, const json_t *j, sbx_err *e)
{
	const json_t *idx = json_object_get(j, "index");
	const json_t *delta = json_object_get(j, "delta");
	const char *type = wire_str(delta, "type");
	if (!json_is_integer(idx) || !type)
		return sbx_error(e, "the model's stream sent a content_block_delta without an index or a type");
	if (!strcmp(type, "text_delta")) {
		const json_t *t = json_object_get(delta, "text");
		return json_is_string(t) ? wire_text(d, json_string_value(t), json_string_length(t), e) : 0;
	}
	if (strcmp(type, "input_json_delta"))
		return 0;   /* thinking, signatures, citations */
	wire_call *c = wire_call_find(d, json_integer_value(idx));
	const json_t *pj = json_object_get(delta, "partial_json");
	if (!c || c->closed)
		return sbx_error(e, "the model's stream sent tool input for content block %lld, which is no open tool_use",
				 (long long)json_integer_value(idx));
	return json_is_string(pj) ? wire_call_args(d, c, json_string_value(pj), json_string_length(pj), e) : 0;
}

static int block_stop(ai_decoder *d, const json_t *j, sbx_err *e)
{
	const json_t *idx = json_object_get(j, "index");
	wire_call *c = json_is_integer(idx) ? wire_call_find(d, json_integer_value(idx)) : NULL;
	if (!c || c->closed)
		return 0;
	c->closed = 1;
	if (!c->args.len && c->input)
		return wire_call_args(d, c, c->input, strlen(c->input), e);
	return 0;
}

static int event(ai_decoder *d, const char *type, const json_t *j, sbx_err *e)
{
	if (!strcmp(type, "content_block_start"))
		return block_start(d, j, e);
	if (!strcmp(type, "content_block_delta"))
		return block_delta(d, j, e);
	if (!strcmp(type, "content_block_stop"))
		return block_stop(d, j, e);
	if (!strcmp(type, "message_delta")) {
		wire_stop(d, wire_str(json_object_get(j, "delta"), "stop_reason"));
		return 0;
	}
	if (!strcmp(type, "message_stop")) {
		d->done = 1;
		return 0;
	}
	if (!strcmp(type, "error"))
		return wire_api_error(json_object_get(j, "error"), e);
	return 0;   /* message_start, ping, and events added later */
}

int anthropic_event(ai_decoder *d, const char *name, const char *data, size_t len, sbx_err *e)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	if (!json_is_object(j)) {
		char q[101];
		json_decref(j);
		wire_one_line(q, sizeof q, data, len);
		return sbx_error(e, "the model's stream sent an event that is not a JSON object: %s", q);
	}
	/* the data's type names the event (the SSE name is the same) */
	const char *type = wire_str(j, "type");
	int rc = event(d, type ? type : name ? name : "", j, e);
	json_decref(j);
	return rc;
}

int anthropic_body(ai_decoder *d, const json_t *body, sbx_err *e)
{
	const char *type = wire_str(body, "type");
	if (type && !strcmp(type, "error"))
		return wire_api_error(json_object_get(body, "error"), e);
	const json_t *content = json_object_get(body, "content");
	if (!json_is_array(content))
		return sbx_error(e, "the model's response has no content array: not a message");
	for (size_t i = 0; i < json_array_size(content); i++) {
		const json_t *b = json_array_get(content, i);
		const char *bt = wire_str(b, "type");
		if (!bt)
			continue;
		if (!strcmp(bt, "text")) {
			const json_t *t = json_object_get(b, "text");
			if (json_is_string(t) && wire_text(d, json_string_value(t), json_string_length(t), e) < 0)
				return -1;
		} else if (!strcmp(bt, "tool_use")) {
			wire_call *c = wire_call_new(d, (long long)i, wire_str(b, "id"), wire_str(b, "name"), e);
			if (!c)
				return -1;
			c->closed = 1;
			wire_call_start(d, c);
			const json_t *input = json_object_get(b, "input");
			if (json_is_object(input)) {
				char *s = json_dumps(input, JSON_COMPACT);
				int rc = wire_call_args(d, c, s, strlen(s), e);
				free(s);
				if (rc < 0)
					return -1;
			}
		}
	}
	wire_stop(d, wire_str(body, "stop_reason"));
	return 0;
}

int anthropic_complete(ai_decoder *d, sbx_err *e)
{
	for (size_t i = 0; i < d->ncalls; i++)
		if (!d->calls[i].closed)
			return sbx_error(e, "the model's stream was cut off inside the arguments of tool call %zu (%s)", i + 1,
					 d->calls[i].name ? d->calls[i].name : "no name");
	if (d->stop)
		return 0;
	if (!d->streaming)
		return sbx_error(e, "the model's response has no stop_reason: not a complete message");
	if (d->done)
		return sbx_error(e, "the model's stream ended (message_stop) without a stop_reason");
	return sbx_error(e, "the model's stream was cut off before the turn finished");
}
