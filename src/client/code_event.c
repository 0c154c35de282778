/* code_event: /execute NDJSON → events (pure). */
#include "code.h"
#include "../proto/code_result.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
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

/* The Jupyter MIME bundle of a result line; values shared with the line.
 * jup: the agent's "jupyter" member (code_line_add_jupyter), or NULL. */
static json_t *result_bundle(const json_t *j, const json_t *jup)
{
	json_t *b = json_object();
	for (size_t i = 0; i < code_mime_nfields; i++) {   /* E2B's fields → MIME types */
		json_t *v = json_object_get(j, code_mime_fields[i].field);
		if (v && !json_is_null(v))
			json_object_set(b, code_mime_fields[i].mime, v);
	}
	const char *mime;
	json_t *v;
	json_object_foreach(json_object_get(j, "extra"), mime, v)
		if (!json_object_get(b, mime))
			json_object_set(b, mime, v);
	/* text/plain as the kernel wrote it: E2B stripped these quotes */
	const char *q = json_string_value(json_object_get(jup, "quote"));
	json_t *text = json_object_get(j, "text");
	if (q && (!strcmp(q, "'") || !strcmp(q, "\"")) && json_is_string(text)) {
		sbx_buf p = SBX_BUF_INIT;
		buf_putc(&p, *q);
		buf_append(&p, json_string_value(text), json_string_length(text));
		buf_putc(&p, *q);
		json_t *plain = json_stringn(p.data, p.len);
		if (plain)
			json_object_set_new(b, "text/plain", plain);
		buf_free(&p);
	}
	return b;
}

/* The traceback entries: the kernel's list when the agent sent it, else
 * the joined traceback cut at its line breaks. */
static const json_t *traceback_lines(const json_t *jup, const char *tb, json_t **owned)
{
	const json_t *list = json_object_get(jup, "traceback");
	if (json_is_array(list)) {
		size_t i;
		json_t *v;
		json_array_foreach(list, i, v)
			if (!json_is_string(v))
				break;
		if (i == json_array_size(list))
			return list;
	}
	json_t *a = json_array();
	for (const char *p = tb; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_t *line = json_stringn(p, n);
		json_array_append_new(a, line ? line : json_string(""));
		p += n + (nl != NULL);
	}
	*owned = a;
	return a;
}

void sbx_code_event_clear(sbx_code_event *ev)
{
	for (size_t i = 0; i < sizeof ev->owned_ / sizeof *ev->owned_; i++) {
		json_decref(ev->owned_[i]);
		ev->owned_[i] = NULL;
	}
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
		const json_t *jup = json_object_get(j, "jupyter");
		r->bundle = ev->owned_[0] = result_bundle(j, jup);
		r->metadata = json_object_get(jup, "metadata");
		if (!json_is_object(r->metadata))
			r->metadata = NULL;
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
		ev->traceback_lines = traceback_lines(json_object_get(j, "jupyter"), ev->traceback, &ev->owned_[1]);
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
		ev->traceback_lines = ev->owned_[1] = json_array();
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
	r->scanned = 0;
	r->examined = 0;
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
	/* the bytes before r->scanned were looked at by an earlier feed */
	for (size_t i = r->scanned; i < r->buf.len;) {
		const char *nl = memchr(r->buf.data + i, '\n', r->buf.len - i);
		size_t end = nl ? (size_t)(nl - r->buf.data) : r->buf.len;
		r->examined += end - i + (nl != NULL);
		if (!nl)
			break;
		if ((rc = line(r->buf.data + start, end - start, cb, ud, e)) < 0)
			break;
		start = i = end + 1;
	}
	buf_consume(&r->buf, rc < 0 ? r->buf.len : start);
	r->scanned = r->buf.len;
	return rc;
}

int sbx_ndjson_finish(sbx_ndjson_reader *r, sbx_ndjson_cb cb, void *ud, sbx_err *e)
{
	int rc = r->buf.len ? line(r->buf.data, r->buf.len, cb, ud, e) : 0;
	buf_reset(&r->buf);
	r->scanned = 0;
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
	/* sbx's agent then adds what E2B's fields drop (quotes, display
	 * metadata, traceback entries); other servers ignore the key */
	json_object_set_new(req, "sbx_jupyter", json_true());
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

/* --- /languages ------------------------------------------------------------ */

int sbx_languages_parse(const json_t *j, sbx_language **out, size_t *n, sbx_err *e)
{
	*out = NULL;
	*n = 0;
	if (!json_is_array(j))
		return sbx_error(e, "the answer is not a JSON array (is this sandbox's agent older than /languages?)");
	size_t m = json_array_size(j);
	sbx_language *l = xcalloc(m + 1, sizeof *l);
	for (size_t i = 0; i < m; i++) {
		json_t *o = json_array_get(j, i);
		const char *lang = json_string_value(json_object_get(o, "language"));
		const char *k = json_string_value(json_object_get(o, "kernel"));
		const char *dn = json_string_value(json_object_get(o, "display_name"));
		if (!lang || !*lang) {
			sbx_languages_free(l, i);
			return sbx_error(e, "entry %zu of the languages has no \"language\" string", i);
		}
		l[i].language = xstrdup(lang);
		l[i].kernel = xstrdup(k ? k : "");
		l[i].display_name = xstrdup(dn && *dn ? dn : lang);
	}
	*out = l;
	*n = m;
	return 0;
}

void sbx_languages_free(sbx_language *l, size_t n)
{
	if (!l)
		return;
	for (size_t i = 0; i < n; i++) {
		free(l[i].language);
		free(l[i].kernel);
		free(l[i].display_name);
	}
	free(l);
}
