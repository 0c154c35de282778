/* openai: the chat completions wire format (OpenAI, Groq, Mistral,
 * Together, Ollama's /v1, llama.cpp, LM Studio, vLLM). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire_int.h"
#include "../util/strv.h"
#include "../util/xalloc.h"

/* ---- the request ---- */

static json_t *tool_message(const char *id, const char *text)
{
	json_t *m = json_pack("{s:s,s:s}", "role", "tool", "tool_call_id", id);
	json_object_set_new(m, "content", wire_string(text));
	return m;
}

static json_t *assistant_message(const ai_msg *m)
{
	json_t *o = json_pack("{s:s}", "role", "assistant");
	/* content may be null only beside tool calls */
	json_object_set_new(o, "content", *m->text || !m->ncalls ? wire_string(m->text) : json_null());
	if (!m->ncalls)
		return o;
	json_t *calls = json_array();
	for (size_t k = 0; k < m->ncalls; k++) {
		/* Arguments that are not a JSON object go back as {}: servers
		 * that parse the history (llama.cpp, vLLM) refuse the request
		 * otherwise, and the call's result already tells the model what
		 * was wrong with what it wrote. */
		json_t *args = wire_args_json(m->calls[k].args, 1);
		const char *raw = args ? m->calls[k].args : "{}";
		json_t *fn = json_object();
		json_object_set_new(fn, "name", wire_string(m->calls[k].name));
		json_object_set_new(fn, "arguments", wire_string(raw));
		json_decref(args);
		json_array_append_new(calls, json_pack("{s:o,s:s,s:o}", "id", wire_string(m->calls[k].id), "type",
						       "function", "function", fn));
	}
	json_object_set_new(o, "tool_calls", calls);
	return o;
}

int openai_request(const ai_provider *p, const ai_conv *c, const ai_tool_def *tools, size_t ntools, int stream,
		   ai_request *out, sbx_err *e)
{
	json_t *msgs = json_array();
	if (c->system && *c->system)
		json_array_append_new(msgs, json_pack("{s:s,s:o}", "role", "system", "content", wire_string(c->system)));
	for (size_t i = 0; i < c->n; i++) {
		const ai_msg *m = &c->msgs[i];
		if (m->role == AI_ROLE_USER) {
			json_array_append_new(msgs, json_pack("{s:s,s:o}", "role", "user", "content", wire_string(m->text)));
		} else if (m->role == AI_ROLE_ASSISTANT) {
			if (!*m->text && !m->ncalls)
				continue;   /* nothing said: some servers refuse an empty message */
			json_array_append_new(msgs, assistant_message(m));
			/* One tool message per call, in the calls' order, each
			 * call answered (the API refuses a call left without). */
			const ai_msg **res = m->ncalls ? xcalloc(m->ncalls, sizeof *res) : NULL;
			size_t end = wire_results(c, i, res);
			for (size_t k = 0; k < m->ncalls; k++)
				json_array_append_new(msgs, tool_message(m->calls[k].id,
									 res[k] ? res[k]->text : wire_unanswered_text));
			free(res);
			i = end - 1;
		}
		/* a tool result after no assistant message answers nothing: dropped */
	}
	json_t *body = json_pack("{s:o,s:o,s:b}", "model", wire_string(p->model), "messages", msgs, "stream", stream);
	if (stream)
		json_object_set_new(body, "stream_options", json_pack("{s:b}", "include_usage", 1));
	if (ntools) {
		json_t *tv = json_array();
		for (size_t i = 0; i < ntools; i++) {
			json_t *params;
			if (wire_tool_params(&tools[i], &params, e) < 0) {
				json_decref(tv);
				json_decref(body);
				return -1;
			}
			json_t *fn = json_pack("{s:s,s:s,s:o}", "name", tools[i].name, "description",
					       tools[i].description ? tools[i].description : "", "parameters", params);
			json_array_append_new(tv, json_pack("{s:s,s:o}", "type", "function", "function", fn));
		}
		json_object_set_new(body, "tools", tv);
	}
	char **h = NULL;
	size_t nh = 0;
	wire_header(&h, &nh, "Content-Type", "application/json", "", NULL);
	if (p->api_key && *p->api_key) {
		char what[160];
		snprintf(what, sizeof what, "the API key%s%s", p->key_env ? " in " : "", p->key_env ? p->key_env : "");
		char *bearer = xasprintf("Bearer %s", p->api_key);
		int rc = wire_header(&h, &nh, "Authorization", bearer, what, e);
		free(bearer);
		if (rc < 0) {
			sbx_strv_free(h);
			json_decref(body);
			return -1;
		}
	}
	wire_finish_request(p, "/chat/completions", body, h, out);
	return 0;
}

/* ---- the response ---- */

/* A call's arguments given as an object (some servers) count as its text. */
static int call_args(ai_decoder *d, wire_call *c, const json_t *args, sbx_err *e)
{
	if (json_is_string(args))
		return wire_call_args(d, c, json_string_value(args), json_string_length(args), e);
	if (json_is_object(args)) {
		char *s = json_dumps(args, JSON_COMPACT);
		int rc = wire_call_args(d, c, s, strlen(s), e);
		free(s);
		return rc;
	}
	wire_call_start(d, c);
	return 0;
}

/* Whether the same index with another id is a new call: Ollama reuses
 * index 0 for each of a batch of complete calls, while some servers send
 * a fresh id with every piece of one call.  A call whose arguments
 * already parse is complete; big ones are never re-parsed (cost). */
static int args_complete(const wire_call *c)
{
	if (!c->args.len || c->args.len > 65536)
		return 0;
	json_t *j = json_loadb(c->args.data, c->args.len, 0, NULL);
	json_decref(j);
	return j != NULL;
}

static int tool_delta(ai_decoder *d, const json_t *tc, sbx_err *e)
{
	if (!json_is_object(tc))
		return 0;
	const json_t *idx = json_object_get(tc, "index");
	const char *id = wire_str(tc, "id");
	const json_t *fn = json_object_get(tc, "function");
	wire_call *c;
	long long key;
	if (json_is_integer(idx)) {
		key = json_integer_value(idx);
		c = wire_call_find(d, key);
		if (c && id && *id && (!c->given || strcmp(id, c->given)) && args_complete(c))
			c = NULL;
	} else {
		/* No index (some servers): an id starts a call, else it goes on
		 * with the last one.  Their keys stay clear of real indices. */
		key = LLONG_MIN + (long long)d->ncalls;
		c = d->ncalls && !(id && *id) ? &d->calls[d->ncalls - 1] : NULL;
	}
	if (!c && !(c = wire_call_new(d, key, id, NULL, e)))
		return -1;
	wire_call_name(c, wire_str(fn, "name"));
	if (c->name)
		wire_call_start(d, c);
	const json_t *args = json_object_get(fn, "arguments");
	return args ? call_args(d, c, args, e) : 0;
}

static int chunk(ai_decoder *d, const json_t *j, sbx_err *e)
{
	const json_t *err = json_object_get(j, "error");
	if (err && !json_is_null(err))
		return wire_api_error(err, e);
	const json_t *choice = json_array_get(json_object_get(j, "choices"), 0);
	if (!json_is_object(choice))
		return 0;   /* the usage chunk (empty choices), or nothing we know */
	const json_t *delta = json_object_get(choice, "delta");
	const json_t *content = json_object_get(delta, "content");
	if (json_is_string(content) && wire_text(d, json_string_value(content), json_string_length(content), e) < 0)
		return -1;
	const json_t *tcs = json_object_get(delta, "tool_calls");
	for (size_t i = 0; i < json_array_size(tcs); i++)
		if (tool_delta(d, json_array_get(tcs, i), e) < 0)
			return -1;
	wire_stop(d, wire_str(choice, "finish_reason"));
	return 0;
}

int openai_event(ai_decoder *d, const char *data, size_t len, sbx_err *e)
{
	if (len == 6 && !memcmp(data, "[DONE]", 6)) {
		d->done = 1;
		return 0;
	}
	json_t *j = json_loadb(data, len, 0, NULL);
	if (!json_is_object(j)) {
		char q[101];
		json_decref(j);
		wire_one_line(q, sizeof q, data, len);
		return sbx_error(e, "the model's stream sent an event that is not a JSON object: %s", q);
	}
	int rc = chunk(d, j, e);
	json_decref(j);
	return rc;
}

int openai_body(ai_decoder *d, const json_t *body, sbx_err *e)
{
	const json_t *err = json_object_get(body, "error");
	if (err && !json_is_null(err))
		return wire_api_error(err, e);
	const json_t *choice = json_array_get(json_object_get(body, "choices"), 0);
	const json_t *msg = json_object_get(choice, "message");
	if (!json_is_object(msg))
		return sbx_error(e, "the model's response has no choices[0].message: not a chat completion");
	const json_t *content = json_object_get(msg, "content");
	if (json_is_string(content) && wire_text(d, json_string_value(content), json_string_length(content), e) < 0)
		return -1;
	const json_t *tcs = json_object_get(msg, "tool_calls");
	for (size_t i = 0; i < json_array_size(tcs); i++) {
		const json_t *tc = json_array_get(tcs, i);
		if (!json_is_object(tc))
			continue;
		const json_t *fn = json_object_get(tc, "function");
		wire_call *c = wire_call_new(d, (long long)i, wire_str(tc, "id"), wire_str(fn, "name"), e);
		if (!c || call_args(d, c, json_object_get(fn, "arguments"), e) < 0)
			return -1;
	}
	wire_stop(d, wire_str(choice, "finish_reason"));
	return 0;
}

int openai_complete(ai_decoder *d, sbx_err *e)
{
	if (d->stop)
		return 0;
	if (!d->streaming)
		return sbx_error(e, "the model's response has no finish_reason: not a complete chat completion");
	if (d->done)
		return sbx_error(e, "the model's stream ended without a finish_reason");
	return sbx_error(e, "the model's stream was cut off before the turn finished");
}
