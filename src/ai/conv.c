/* conv: the provider-neutral conversation and its transcript JSON. */
#include "conv.h"
#include <stdlib.h>
#include <string.h>
#include "../util/xalloc.h"

static char *dup0(const char *s)
{
	return xstrdup(s ? s : "");
}

void ai_conv_init(ai_conv *c, const char *system)
{
	memset(c, 0, sizeof *c);
	c->system = system ? xstrdup(system) : NULL;
}

static void msg_free(ai_msg *m)
{
	free(m->text);
	for (size_t i = 0; i < m->ncalls; i++) {
		free(m->calls[i].id);
		free(m->calls[i].name);
		free(m->calls[i].args);
	}
	free(m->calls);
	free(m->call_id);
	free(m->call_name);
	memset(m, 0, sizeof *m);
}

void ai_conv_free(ai_conv *c)
{
	ai_conv_truncate(c, 0);
	free(c->msgs);
	free(c->system);
	memset(c, 0, sizeof *c);
}

void ai_conv_set_system(ai_conv *c, const char *system)
{
	free(c->system);
	c->system = system ? xstrdup(system) : NULL;
}

static ai_msg *push(ai_conv *c, ai_role role)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->msgs = xrealloc(c->msgs, c->cap * sizeof *c->msgs);
	}
	ai_msg *m = &c->msgs[c->n++];
	memset(m, 0, sizeof *m);
	m->role = role;
	return m;
}

void ai_conv_add_user(ai_conv *c, const char *text)
{
	push(c, AI_ROLE_USER)->text = dup0(text);
}

void ai_conv_add_assistant(ai_conv *c, const char *text, const ai_call *calls, size_t ncalls)
{
	ai_msg *m = push(c, AI_ROLE_ASSISTANT);
	m->text = dup0(text);
	if (ncalls) {
		m->calls = xcalloc(ncalls, sizeof *m->calls);
		for (size_t i = 0; i < ncalls; i++) {
			m->calls[i].id = dup0(calls[i].id);
			m->calls[i].name = dup0(calls[i].name);
			m->calls[i].args = dup0(calls[i].args);
		}
		m->ncalls = ncalls;
	}
}

void ai_conv_add_tool_result(ai_conv *c, const char *call_id, const char *call_name, const char *text,
			     int is_error)
{
	ai_msg *m = push(c, AI_ROLE_TOOL);
	m->call_id = dup0(call_id);
	m->call_name = dup0(call_name);
	m->text = dup0(text);
	m->is_error = !!is_error;
}

void ai_conv_truncate(ai_conv *c, size_t n)
{
	while (c->n > n)
		msg_free(&c->msgs[--c->n]);
}

/* Returns how many ids were stored in out (at most max). */
size_t ai_conv_unanswered(const ai_conv *c, const char **out, size_t max)
{
	size_t last = c->n;
	while (last > 0 && c->msgs[last - 1].role != AI_ROLE_ASSISTANT)
		last--;
	if (last == 0)
		return 0;
	const ai_msg *a = &c->msgs[last - 1];
	size_t k = 0;
	for (size_t i = 0; i < a->ncalls && k < max; i++) {
		int answered = 0;
		for (size_t j = last; j < c->n && !answered; j++)
			answered = c->msgs[j].role == AI_ROLE_TOOL && !strcmp(c->msgs[j].call_id, a->calls[i].id);
		if (!answered)
			out[k++] = a->calls[i].id;
	}
	return k;
}

static const char *role_name(ai_role r)
{
	return r == AI_ROLE_USER ? "user" : r == AI_ROLE_ASSISTANT ? "assistant" : "tool";
}

json_t *ai_conv_to_json(const ai_conv *c)
{
	json_t *msgs = json_array();
	for (size_t i = 0; i < c->n; i++) {
		const ai_msg *m = &c->msgs[i];
		json_t *o = json_pack("{s:s,s:s}", "role", role_name(m->role), "text", m->text);
		if (m->role == AI_ROLE_ASSISTANT && m->ncalls) {
			json_t *calls = json_array();
			for (size_t k = 0; k < m->ncalls; k++)
				json_array_append_new(calls, json_pack("{s:s,s:s,s:s}", "id", m->calls[k].id, "name",
								       m->calls[k].name, "arguments", m->calls[k].args));
			json_object_set_new(o, "calls", calls);
		}
		if (m->role == AI_ROLE_TOOL) {
			json_object_set_new(o, "call_id", json_string(m->call_id));
			json_object_set_new(o, "call_name", json_string(m->call_name));
			json_object_set_new(o, "is_error", json_boolean(m->is_error));
		}
		json_array_append_new(msgs, o);
	}
	json_t *j = json_object();
	json_object_set_new(j, "system", c->system ? json_string(c->system) : json_null());
	json_object_set_new(j, "messages", msgs);
	return j;
}

/* A string member, or "" when absent; -1 when present but not a string. */
static int opt_str(const json_t *o, const char *key, const char **out)
{
	const json_t *v = json_object_get(o, key);
	*out = "";
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static int call_from_json(const json_t *cj, ai_call *call, size_t mi, size_t ci, sbx_err *e)
{
	const char *id, *name, *args;
	if (!json_is_object(cj) || opt_str(cj, "id", &id) || opt_str(cj, "name", &name) ||
	    opt_str(cj, "arguments", &args))
		return sbx_error(e, "transcript: message %zu, call %zu: want an object of id, name, arguments strings",
				 mi, ci);
	if (!*id)
		return sbx_error(e, "transcript: message %zu, call %zu has no id", mi, ci);
	call->id = (char *)id;
	call->name = (char *)name;
	call->args = (char *)args;
	return 0;
}

static int msg_from_json(const json_t *mj, ai_conv *c, size_t mi, sbx_err *e)
{
	const char *role, *text;
	if (!json_is_object(mj))
		return sbx_error(e, "transcript: message %zu is not an object", mi);
	if (opt_str(mj, "role", &role) || opt_str(mj, "text", &text))
		return sbx_error(e, "transcript: message %zu: role and text must be strings", mi);
	if (!strcmp(role, "user")) {
		ai_conv_add_user(c, text);
	} else if (!strcmp(role, "assistant")) {
		const json_t *calls = json_object_get(mj, "calls");
		if (calls && !json_is_null(calls) && !json_is_array(calls))
			return sbx_error(e, "transcript: message %zu: calls must be an array", mi);
		size_t n = json_array_size(calls);
		ai_call *v = n ? xcalloc(n, sizeof *v) : NULL;
		for (size_t k = 0; k < n; k++)
			if (call_from_json(json_array_get(calls, k), &v[k], mi, k, e) < 0) {
				free(v);
				return -1;
			}
		ai_conv_add_assistant(c, text, v, n);   /* copies the borrowed strings */
		free(v);
	} else if (!strcmp(role, "tool")) {
		const char *id, *name;
		const json_t *err = json_object_get(mj, "is_error");
		if (opt_str(mj, "call_id", &id) || opt_str(mj, "call_name", &name) ||
		    (err && !json_is_boolean(err) && !json_is_null(err)))
			return sbx_error(e, "transcript: message %zu: call_id, call_name must be strings, is_error a boolean",
					 mi);
		if (!*id)
			return sbx_error(e, "transcript: message %zu is a tool result without a call_id", mi);
		ai_conv_add_tool_result(c, id, name, text, json_is_true(err));
	} else {
		return sbx_error(e, "transcript: message %zu has role \"%s\" (want user, assistant or tool)", mi, role);
	}
	return 0;
}

int ai_conv_from_json(const json_t *j, ai_conv *out, sbx_err *e)
{
	const char *system;
	const json_t *msgs = json_object_get(j, "messages");
	if (!json_is_object(j) || !json_is_array(msgs))
		return sbx_error(e, "transcript: want an object with a \"messages\" array");
	if (opt_str(j, "system", &system))
		return sbx_error(e, "transcript: system must be a string");
	ai_conv c;
	ai_conv_init(&c, json_is_string(json_object_get(j, "system")) ? system : NULL);
	for (size_t i = 0; i < json_array_size(msgs); i++)
		if (msg_from_json(json_array_get(msgs, i), &c, i, e) < 0) {
			ai_conv_free(&c);
			return -1;
		}
	*out = c;
	return 0;
}
