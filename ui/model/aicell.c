/* aicell: a notebook cell's outputs as a tool result (see aicell.h). */
#include "aicell.h"
#include "../../src/ai/tools.h"
#include "../../src/util/buf.h"
#include <string.h>

static void add_output(ai_toolres *r, const nb_output *o)
{
	switch (o->type) {
	case NB_OUT_STREAM:
		if (o->name && strcmp(o->name, "stderr") == 0)
			ai_toolres_stderr(r, o->text.data ? o->text.data : "", o->text.len);
		else
			ai_toolres_stdout(r, o->text.data ? o->text.data : "", o->text.len);
		break;
	case NB_OUT_ERROR: {
		sbx_buf tb = SBX_BUF_INIT;
		size_t i;
		json_t *line;
		json_array_foreach(o->traceback, i, line) {
			if (json_is_string(line))
				buf_printf(&tb, "%s%s", i ? "\n" : "", json_string_value(line));
		}
		ai_toolres_error(r, o->ename ? o->ename : "Error", o->evalue ? o->evalue : "", buf_cstr(&tb));
		buf_free(&tb);
		break;
	}
	case NB_OUT_RESULT:
	case NB_OUT_DISPLAY: {
		const json_t *chart = nb_output_json(o, NB_MIME_E2B_CHART);
		const char *title = NULL, *type = NULL;
		if (json_is_object(chart)) {
			title = json_string_value(json_object_get(chart, "title"));
			type = json_string_value(json_object_get(chart, "type"));
			if (!type)
				type = "chart";
		}
		int image = nb_output_text(o, "image/png") || nb_output_text(o, "image/jpeg") ||
			    nb_output_text(o, "image/svg+xml");
		ai_toolres_result(r, nb_output_text(o, "text/plain"), image, title, type);
		break;
	}
	}
}

char *aicell_result(const nb_cell *c, int ran, const char *why, int *is_error)
{
	ai_toolres r;
	ai_toolres_init(&r);
	for (size_t i = 0; c && i < c->noutputs; i++)
		add_output(&r, &c->outputs[i]);
	if (!ran)
		ai_toolres_error(&r, "Interrupted", why ? why : "the cell did not finish", "");
	char *text = ai_toolres_text(&r, is_error);
	ai_toolres_free(&r);
	return text;
}
