#include "code_result.h"
#include "../util/buf.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

char *code_strip_quotes(const char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0])
		return xstrndup(s + 1, n - 2);
	return xstrdup(s);
}

char *code_traceback_join(const json_t *tb)
{
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; i < json_array_size(tb); i++) {
		const char *s = json_string_value(json_array_get(tb, i));
		if (!s)
			continue;
		if (b.len)
			buf_putc(&b, '\n');
		buf_puts(&b, s);
	}
	return b.len ? buf_detach(&b) : xstrdup("");
}

json_t *code_line_simple(const char *type)
{
	return json_pack("{s:s}", "type", type);
}

json_t *code_line_error(const char *name, const char *value, const char *traceback)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("error"));
	/* json_string rejects invalid UTF-8; an empty string beats a hole. */
	json_t *n = json_string(name ? name : ""), *v = json_string(value ? value : ""),
	       *t = json_string(traceback ? traceback : "");
	json_object_set_new(o, "name", n ? n : json_string(""));
	json_object_set_new(o, "value", v ? v : json_string(""));
	json_object_set_new(o, "traceback", t ? t : json_string(""));
	return o;
}

json_t *code_line_stream(const char *name, const char *text, const char *timestamp)
{
	char now[40];
	if (!timestamp) {
		rfc3339_now(now, sizeof now);
		timestamp = now;
	}
	json_t *t = json_string(text ? text : "");
	json_t *o = json_pack("{s:s,s:o,s:s}", "type", strcmp(name, "stderr") ? "stdout" : "stderr",
			      "text", t ? t : json_string(""), "timestamp", timestamp);
	return o;
}

const code_mime_field code_mime_fields[] = {
	{ "text/plain", "text" },
	{ "text/html", "html" },
	{ "text/markdown", "markdown" },
	{ "image/svg+xml", "svg" },
	{ "image/png", "png" },
	{ "image/jpeg", "jpeg" },
	{ "application/pdf", "pdf" },
	{ "text/latex", "latex" },
	{ "application/json", "json" },
	{ "application/javascript", "javascript" },
	{ "e2b/data", "data" },
	{ "e2b/chart", "chart" },
};
const size_t code_mime_nfields = sizeof code_mime_fields / sizeof *code_mime_fields;

static const char *field_for(const char *mime)
{
	for (size_t i = 0; i < code_mime_nfields; i++)
		if (!strcmp(mime, code_mime_fields[i].mime))
			return code_mime_fields[i].field;
	return NULL;
}

json_t *code_line_result(const json_t *data, int is_main_result)
{
	json_t *o = json_object(), *extra = json_object();
	json_object_set_new(o, "type", json_string("result"));
	const char *mime;
	json_t *v;
	json_object_foreach((json_t *)data, mime, v) {
		if (!strcmp(mime, "text/plain") && json_is_string(v)) {
			char *t = code_strip_quotes(json_string_value(v));
			json_object_set_new(o, "text", json_string(t));
			free(t);
			continue;
		}
		const char *f = field_for(mime);
		json_object_set(f ? o : extra, f ? f : mime, v);
	}
	json_object_set_new(o, "is_main_result", json_boolean(is_main_result));
	json_object_set_new(o, "extra", extra);
	return o;
}

json_t *code_line_from_msg(const char *msg_type, const json_t *content, const char *date)
{
	if (!strcmp(msg_type, "stream")) {
		const char *name = json_string_value(json_object_get(content, "name"));
		const char *text = json_string_value(json_object_get(content, "text"));
		return code_line_stream(name ? name : "stdout", text, date);
	}
	if (!strcmp(msg_type, "execute_input")) {
		json_t *n = json_object_get(content, "execution_count");
		if (!json_is_integer(n))
			return NULL;
		return json_pack("{s:s,s:O}", "type", "number_of_executions", "execution_count", n);
	}
	if (!strcmp(msg_type, "execute_result") || !strcmp(msg_type, "display_data")) {
		json_t *data = json_object_get(content, "data");
		if (!json_is_object(data))
			return NULL;
		return code_line_result(data, !strcmp(msg_type, "execute_result"));
	}
	if (!strcmp(msg_type, "error")) {
		char *tb = code_traceback_join(json_object_get(content, "traceback"));
		json_t *o = code_line_error(json_string_value(json_object_get(content, "ename")),
					    json_string_value(json_object_get(content, "evalue")), tb);
		free(tb);
		return o;
	}
	return NULL;
}

void code_line_add_jupyter(json_t *line, const char *msg_type, const json_t *content)
{
	if (!line)
		return;
	json_t *jup = json_object();
	if (!strcmp(msg_type, "execute_result") || !strcmp(msg_type, "display_data")) {
		json_t *md = json_object_get(content, "metadata");
		if (json_is_object(md) && json_object_size(md))
			json_object_set(jup, "metadata", md);
		/* code_line_result stripped one pair of quotes: say which */
		json_t *plain = json_object_get(json_object_get(content, "data"), "text/plain");
		json_t *text = json_object_get(line, "text");
		if (json_is_string(plain) && json_is_string(text) &&
		    json_string_length(plain) == json_string_length(text) + 2) {
			char q[2] = { json_string_value(plain)[0], '\0' };
			json_object_set_new(jup, "quote", json_string(q));
		}
	} else if (!strcmp(msg_type, "error")) {
		json_t *tb = json_object_get(content, "traceback");
		if (json_is_array(tb))
			json_object_set(jup, "traceback", tb);
	}
	if (json_object_size(jup))
		json_object_set_new(line, "jupyter", jup);
	else
		json_decref(jup);
}
