/* code_event: /execute NDJSON → events (pure). */
#include "code.h"
#include <stdio.h>
#include <string.h>

static const char *s(const json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

static const json_t *obj(const json_t *j, const char *k)
{
	const json_t *v = json_object_get(j, k);
	return v && !json_is_null(v) ? v : NULL;
}

int sbx_code_event_parse(const json_t *j, sbx_code_event *ev, sbx_err *e)
{
	memset(ev, 0, sizeof *ev);
	ev->raw = j;
	const char *type = s(j, "type");
	if (!type)
		return sbx_error(e, "an execution line has no \"type\"");
	if (!strcmp(type, "stdout") || !strcmp(type, "stderr")) {
		ev->type = type[3] == 'o' ? SBX_CODE_STDOUT : SBX_CODE_STDERR;
		ev->text = s(j, "text");
		if (!ev->text)
			ev->text = "";
		ev->timestamp = s(j, "timestamp");
	} else if (!strcmp(type, "result")) {
		sbx_result *r = &ev->result;
		ev->type = SBX_CODE_RESULT;
		r->is_main = json_is_true(json_object_get(j, "is_main_result"));
		r->text = s(j, "text");
		r->html = s(j, "html");
		r->markdown = s(j, "markdown");
		r->svg = s(j, "svg");
		r->png = s(j, "png");
		r->jpeg = s(j, "jpeg");
		r->pdf = s(j, "pdf");
		r->latex = s(j, "latex");
		r->javascript = s(j, "javascript");
		r->json = obj(j, "json");
		r->data = obj(j, "data");
		r->chart = obj(j, "chart");
		r->extra = obj(j, "extra");
		/* {} is what the server sends for a figure it could not read */
		if (r->chart && json_is_object(r->chart) && !json_object_size(r->chart))
			r->chart = NULL;
	} else if (!strcmp(type, "error")) {
		ev->type = SBX_CODE_ERROR;
		ev->name = s(j, "name");
		ev->value = s(j, "value");
		ev->traceback = s(j, "traceback");
		if (!ev->name)
			ev->name = "Error";
		if (!ev->value)
			ev->value = "";
		if (!ev->traceback)
			ev->traceback = "";
	} else if (!strcmp(type, "number_of_executions")) {
		json_t *c = json_object_get(j, "execution_count");
		ev->type = SBX_CODE_COUNT;
		ev->execution_count = json_is_integer(c) ? (int)json_integer_value(c) : 0;
	} else if (!strcmp(type, "end_of_execution")) {
		ev->type = SBX_CODE_END;
	} else if (!strcmp(type, "unexpected_end_of_execution")) {
		ev->type = SBX_CODE_ERROR;
		ev->name = "UnexpectedEndOfExecution";
		ev->value = "Connection to the execution was closed before the execution was finished";
		ev->traceback = "";
	} else if (!strcmp(type, "keepalive")) {
		ev->type = SBX_CODE_KEEPALIVE;
	} else {
		ev->type = SBX_CODE_OTHER;
	}
	return 0;
}

void sbx_ndjson_init(sbx_ndjson_reader *r)
{
	buf_init(&r->buf);
}

void sbx_ndjson_free(sbx_ndjson_reader *r)
{
	buf_free(&r->buf);
}

static int line(const char *p, size_t n, sbx_ndjson_cb cb, void *ud, sbx_err *e)
{
	while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	size_t k = 0;
	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	if (k == n)
		return 0;
	json_error_t je;
	json_t *j = json_loadb(p + k, n - k, 0, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		return sbx_error(e, "an execution line is not a JSON object (%s)", j ? "not an object" : je.text);
	}
	int rc = cb(j, ud, e);
	json_decref(j);
	return rc;
}

int sbx_ndjson_feed(sbx_ndjson_reader *r, const void *data, size_t len, sbx_ndjson_cb cb, void *ud, sbx_err *e)
{
	buf_append(&r->buf, data, len);
	size_t start = 0;
	int rc = 0;
	for (size_t i = 0; i < r->buf.len; i++) {
		if (r->buf.data[i] != '\n')
			continue;
		if ((rc = line(r->buf.data + start, i - start, cb, ud, e)) < 0)
			break;
		start = i + 1;
	}
	buf_consume(&r->buf, rc < 0 ? r->buf.len : start);
	return rc;
}

int sbx_ndjson_finish(sbx_ndjson_reader *r, sbx_ndjson_cb cb, void *ud, sbx_err *e)
{
	int rc = r->buf.len ? line(r->buf.data, r->buf.len, cb, ud, e) : 0;
	buf_reset(&r->buf);
	return rc;
}

json_t *sbx_exec_request(const sbx_exec_opts *o, sbx_err *e)
{
	if (!o->code) {
		sbx_error(e, "no code to run");
		return NULL;
	}
	if (o->context_id && o->language) {
		sbx_error(e, "give a context or a language, not both (a context has its language)");
		return NULL;
	}
	json_t *req = json_pack("{s:s}", "code", o->code);
	if (!req) {
		sbx_error(e, "the code is not valid UTF-8");
		return NULL;
	}
	if (o->context_id)
		json_object_set_new(req, "context_id", json_string(o->context_id));
	if (o->language)
		json_object_set_new(req, "language", json_string(o->language));
	if (o->env && *o->env) {
		json_t *env = json_object();
		for (const char *const *kv = o->env; *kv; kv++) {
			const char *eq = strchr(*kv, '=');
			if (!eq || eq == *kv) {
				sbx_error(e, "environment entry '%s' is not KEY=VALUE", *kv);
				json_decref(env);
				json_decref(req);
				return NULL;
			}
			char key[256];
			snprintf(key, sizeof key, "%.*s", (int)(eq - *kv), *kv);
			json_object_set_new(env, key, json_string(eq + 1));
		}
		json_object_set_new(req, "env_vars", env);
	}
	return req;
}
