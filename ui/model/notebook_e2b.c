/* notebook E2B lines: one line of E2B's /execute NDJSON stream (as
 * libsbx's code events carry it raw) → the output it means.
 * curses-free. */
#include "notebook.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

/* E2B result fields and the MIME types they came from (the inverse of the
 * agent's code_line_result). */
static const struct {
	const char *field, *mime;
} fields[] = {
	{ "text", "text/plain" }, { "html", "text/html" }, { "markdown", "text/markdown" },
	{ "svg", "image/svg+xml" }, { "png", "image/png" }, { "jpeg", "image/jpeg" },
	{ "pdf", "application/pdf" }, { "latex", "text/latex" }, { "json", "application/json" },
	{ "javascript", "application/javascript" }, { "data", NB_MIME_E2B_DATA },
	{ "chart", NB_MIME_E2B_CHART },
};

static json_t *bundle_from_result(const json_t *line)
{
	json_t *data = json_object();
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		json_t *v = json_object_get(line, fields[i].field);
		if (v && !json_is_null(v))
			json_object_set_new(data, fields[i].mime, json_deep_copy(v));
	}
	const char *mime;
	json_t *v;
	json_object_foreach(json_object_get(line, "extra"), mime, v)
		if (!json_object_get(data, mime))
			json_object_set_new(data, mime, json_deep_copy(v));
	return data;
}

static void add_error(notebook *nb, nb_cell *c, const json_t *line)
{
	const char *tb = json_string_value(json_object_get(line, "traceback"));
	char *copy = xstrdup(tb ? tb : "");
	size_t n = 0, cap = 8;
	const char **lines = xmalloc(cap * sizeof *lines);
	/* E2B joins the kernel's traceback entries with "\n"; nbformat keeps a list. */
	for (char *p = copy; *p || n == 0;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (n == cap)
			lines = xrealloc(lines, (cap *= 2) * sizeof *lines);
		lines[n++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!*copy)
		n = 0;
	nb_cell_add_error(nb, c, json_string_value(json_object_get(line, "name")),
			  json_string_value(json_object_get(line, "value")), lines, n);
	free(lines);
	free(copy);
}

int nb_cell_add_e2b(notebook *nb, nb_cell *c, const json_t *line, sbx_err *e)
{
	const char *type = json_string_value(json_object_get(line, "type"));
	if (!type)
		return sbx_error(e, "an execution line without a \"type\"");
	if (strcmp(type, "stdout") == 0 || strcmp(type, "stderr") == 0) {
		const char *text = json_string_value(json_object_get(line, "text"));
		if (!text)
			return sbx_error(e, "a %s line without \"text\"", type);
		nb_cell_add_stream(nb, c, type, text, strlen(text));
	} else if (strcmp(type, "result") == 0) {
		int main_result = json_is_true(json_object_get(line, "is_main_result"));
		nb_cell_add_data(nb, c, main_result, bundle_from_result(line), c->execution_count);
	} else if (strcmp(type, "error") == 0) {
		add_error(nb, c, line);
	} else if (strcmp(type, "number_of_executions") == 0) {
		json_t *n = json_object_get(line, "execution_count");
		if (!json_is_integer(n))
			return sbx_error(e, "a number_of_executions line without an integer execution_count");
		nb_cell_set_count(nb, c, (int)json_integer_value(n));
		/* A result that arrived first takes the count too. */
		for (size_t i = 0; i < c->noutputs; i++)
			if (c->outputs[i].type == NB_OUT_RESULT)
				c->outputs[i].execution_count = c->execution_count;
	}
	return 0;
}
