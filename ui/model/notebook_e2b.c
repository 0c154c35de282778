/* notebook E2B events: one typed event of libsbx's /execute stream → the
 * output it means.  Uses only the event's fields (libsbx parsed the line
 * once).  curses-free. */
#include "notebook.h"
#include "../../src/client/code.h"
#include <string.h>

/* E2B's MIME types whose JSON values nbformat only accepts under a
 * +json name. */
static const char *model_mime(const char *mime)
{
	if (!strcmp(mime, "e2b/chart"))
		return NB_MIME_E2B_CHART;
	if (!strcmp(mime, "e2b/data"))
		return NB_MIME_E2B_DATA;
	return mime;
}

nb_output *nb_cell_add_bundle(notebook *nb, nb_cell *c, int is_result, const json_t *bundle,
			      const json_t *metadata, int execution_count)
{
	json_t *data = json_object();
	const char *mime;
	json_t *v;
	json_object_foreach((json_t *)bundle, mime, v)
		json_object_set(data, model_mime(mime), v);
	nb_output *o = nb_cell_add_data(nb, c, is_result, data, execution_count);
	if (json_is_object(metadata)) {
		json_decref(o->metadata);
		o->metadata = json_deep_copy(metadata);
	}
	return o;
}

static void add_error(notebook *nb, nb_cell *c, const sbx_code_event *ev)
{
	nb_output *o = nb_cell_add_error(nb, c, ev->name, ev->value, NULL, 0);
	size_t i;
	json_t *line;
	json_array_foreach((json_t *)ev->traceback_lines, i, line)
		if (json_is_string(line))
			json_array_append(o->traceback, line);
}

int nb_cell_add_event(notebook *nb, nb_cell *c, const sbx_code_event *ev, sbx_err *e)
{
	switch (ev->type) {
	case SBX_CODE_STDOUT:
	case SBX_CODE_STDERR:
		nb_cell_add_stream(nb, c, ev->type == SBX_CODE_STDOUT ? "stdout" : "stderr", ev->text,
				   strlen(ev->text));
		break;
	case SBX_CODE_RESULT:
		if (!json_is_object(ev->result.bundle))
			return sbx_error(e, "a result without its formats");
		nb_cell_add_bundle(nb, c, ev->result.is_main, ev->result.bundle, ev->result.metadata,
				   c->execution_count);
		break;
	case SBX_CODE_ERROR:
		add_error(nb, c, ev);
		break;
	case SBX_CODE_COUNT:
		nb_cell_set_count(nb, c, ev->execution_count);
		/* A result that arrived first takes the count too. */
		for (size_t i = 0; i < c->noutputs; i++)
			if (c->outputs[i].type == NB_OUT_RESULT)
				c->outputs[i].execution_count = c->execution_count;
		break;
	default:
		break;
	}
	return 0;
}
