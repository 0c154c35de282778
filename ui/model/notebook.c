/* notebook: cells, outputs and their mutations; see notebook.h.  E2B lines
 * are in notebook_e2b.c, files in ipynb_*.c.  curses-free. */
#include "notebook.h"
#include "../../src/util/rand.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

char *nb_new_id(void)
{
	char id[9];
	rand_hex(id, 8);
	return xstrdup(id);
}

notebook *nb_new(void)
{
	notebook *nb = xcalloc(1, sizeof *nb);
	nb->metadata = json_object();
	nb->nbformat_minor = 5;
	nb_set_kernel(nb, "python3", "Python 3", "python");
	nb->version = 0;
	return nb;
}

static void output_clear(nb_output *o)
{
	free(o->name);
	buf_free(&o->text);
	free(o->ename);
	free(o->evalue);
	json_decref(o->traceback);
	json_decref(o->data);
	json_decref(o->metadata);
	json_decref(o->extra);
}

void nb_cell_free(nb_cell *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->noutputs; i++)
		output_clear(&c->outputs[i]);
	free(c->outputs);
	free(c->id);
	free(c->source);
	json_decref(c->metadata);
	json_decref(c->extra);
	free(c);
}

void nb_free(notebook *nb)
{
	if (!nb)
		return;
	for (size_t i = 0; i < nb->ncells; i++)
		nb_cell_free(nb->cells[i]);
	free(nb->cells);
	json_decref(nb->metadata);
	free(nb);
}

void nb_insert_cell(notebook *nb, size_t index, nb_cell *c)
{
	if (index > nb->ncells)
		index = nb->ncells;
	if (nb->ncells == nb->cap) {
		nb->cap = nb->cap ? nb->cap * 2 : 16;
		nb->cells = xrealloc(nb->cells, nb->cap * sizeof *nb->cells);
	}
	memmove(&nb->cells[index + 1], &nb->cells[index], (nb->ncells - index) * sizeof *nb->cells);
	nb->cells[index] = c;
	nb->ncells++;
	nb->version++;
}

/* The outputs of c changed: a new stamp (unique within the notebook);
 * append: only an output or stream text was added at the end. */
static void outputs_changed(notebook *nb, nb_cell *c, int append)
{
	c->out_version = ++nb->stamps;
	if (!append)
		c->out_reset = c->out_version;
	nb->version++;
}

nb_cell *nb_cell_new(nb_cell_type type)
{
	nb_cell *c = xcalloc(1, sizeof *c);
	c->id = nb_new_id();
	c->type = type;
	c->source = xstrdup("");
	c->execution_count = -1;
	c->metadata = json_object();
	c->extra = json_object();
	return c;
}

nb_cell *nb_insert(notebook *nb, size_t index, nb_cell_type type)
{
	nb_cell *c = nb_cell_new(type);
	nb_insert_cell(nb, index, c);
	return c;
}

nb_cell *nb_detach(notebook *nb, size_t index)
{
	if (index >= nb->ncells)
		return NULL;
	nb_cell *c = nb->cells[index];
	memmove(&nb->cells[index], &nb->cells[index + 1], (nb->ncells - index - 1) * sizeof *nb->cells);
	nb->ncells--;
	nb->version++;
	return c;
}

int nb_delete(notebook *nb, size_t index, sbx_err *e)
{
	nb_cell *c = nb_detach(nb, index);
	if (!c)
		return sbx_error(e, "no cell %zu to delete (the notebook has %zu)", index, nb->ncells);
	nb_cell_free(c);
	return 0;
}

int nb_move(notebook *nb, size_t from, size_t to, sbx_err *e)
{
	if (from >= nb->ncells || to >= nb->ncells)
		return sbx_error(e, "cannot move cell %zu to %zu: the notebook has %zu cells", from, to, nb->ncells);
	nb_insert_cell(nb, to, nb_detach(nb, from));
	return 0;
}

static void output_copy(nb_output *dst, const nb_output *src)
{
	memset(dst, 0, sizeof *dst);
	dst->type = src->type;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	buf_append(&dst->text, src->text.data ? src->text.data : "", src->text.len);
	dst->ename = src->ename ? xstrdup(src->ename) : NULL;
	dst->evalue = src->evalue ? xstrdup(src->evalue) : NULL;
	dst->traceback = json_deep_copy(src->traceback);
	dst->data = json_deep_copy(src->data);
	dst->metadata = json_deep_copy(src->metadata);
	dst->execution_count = src->execution_count;
	dst->extra = json_deep_copy(src->extra);
}

nb_cell *nb_cell_clone(const nb_cell *c)
{
	nb_cell *n = xcalloc(1, sizeof *n);
	n->id = nb_new_id();
	n->type = c->type;
	n->source = xstrdup(c->source);
	n->execution_count = c->execution_count;
	n->metadata = json_deep_copy(c->metadata);
	n->extra = json_deep_copy(c->extra);
	n->outputs = xcalloc(c->noutputs ? c->noutputs : 1, sizeof *n->outputs);
	n->noutputs = n->outputs_cap = c->noutputs;
	for (size_t i = 0; i < c->noutputs; i++)
		output_copy(&n->outputs[i], &c->outputs[i]);
	return n;
}

long nb_find(const notebook *nb, const char *id)
{
	for (size_t i = 0; i < nb->ncells; i++)
		if (strcmp(nb->cells[i]->id, id) == 0)
			return (long)i;
	return -1;
}

void nb_cell_set_source(notebook *nb, nb_cell *c, const char *s, size_t len)
{
	free(c->source);
	c->source = xmalloc(len + 1);
	memcpy(c->source, s, len);
	c->source[len] = '\0';
	nb->version++;
}

void nb_cell_clear_outputs(notebook *nb, nb_cell *c)
{
	for (size_t i = 0; i < c->noutputs; i++)
		output_clear(&c->outputs[i]);
	c->noutputs = 0;
	outputs_changed(nb, c, 0);
}

void nb_cell_set_type(notebook *nb, nb_cell *c, nb_cell_type type)
{
	if (type != NB_CODE) {
		nb_cell_clear_outputs(nb, c);
		c->execution_count = -1;
	}
	c->type = type;
	nb->version++;
}

void nb_cell_set_count(notebook *nb, nb_cell *c, int execution_count)
{
	c->execution_count = execution_count;
	outputs_changed(nb, c, 0);
}

nb_output *nb_cell_add_output(notebook *nb, nb_cell *c, nb_output_type type)
{
	if (c->noutputs == c->outputs_cap) {
		c->outputs_cap = c->outputs_cap ? c->outputs_cap * 2 : 4;
		c->outputs = xrealloc(c->outputs, c->outputs_cap * sizeof *c->outputs);
	}
	nb_output *o = &c->outputs[c->noutputs++];
	memset(o, 0, sizeof *o);
	o->type = type;
	o->execution_count = -1;
	o->extra = json_object();
	outputs_changed(nb, c, 1);
	return o;
}

nb_output *nb_cell_add_stream(notebook *nb, nb_cell *c, const char *name, const char *text, size_t len)
{
	nb_output *last = c->noutputs ? &c->outputs[c->noutputs - 1] : NULL;
	if (!last || last->type != NB_OUT_STREAM || strcmp(last->name, name) != 0) {
		last = nb_cell_add_output(nb, c, NB_OUT_STREAM);
		last->name = xstrdup(name);
	}
	buf_append(&last->text, text, len);
	outputs_changed(nb, c, 1);
	return last;
}

nb_output *nb_cell_add_error(notebook *nb, nb_cell *c, const char *ename, const char *evalue,
			     const char *const *traceback, size_t n)
{
	nb_output *o = nb_cell_add_output(nb, c, NB_OUT_ERROR);
	o->ename = xstrdup(ename ? ename : "");
	o->evalue = xstrdup(evalue ? evalue : "");
	o->traceback = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(o->traceback, json_string(traceback[i]));
	return o;
}

nb_output *nb_cell_add_data(notebook *nb, nb_cell *c, int is_result, json_t *data, int execution_count)
{
	nb_output *o = nb_cell_add_output(nb, c, is_result ? NB_OUT_RESULT : NB_OUT_DISPLAY);
	o->data = data ? data : json_object();
	o->metadata = json_object();
	o->execution_count = is_result ? execution_count : -1;
	return o;
}

const char *nb_output_text(const nb_output *o, const char *mime)
{
	return o->data ? json_string_value(json_object_get(o->data, mime)) : NULL;
}

const json_t *nb_output_json(const nb_output *o, const char *mime)
{
	return o->data ? json_object_get(o->data, mime) : NULL;
}

const char *nb_kernel_name(const notebook *nb)
{
	const char *s = json_string_value(json_object_get(json_object_get(nb->metadata, "kernelspec"), "name"));
	return s ? s : "python3";
}

const char *nb_language(const notebook *nb)
{
	const json_t *md = nb->metadata;
	const char *s = json_string_value(json_object_get(json_object_get(md, "kernelspec"), "language"));
	if (!s)
		s = json_string_value(json_object_get(json_object_get(md, "language_info"), "name"));
	return s ? s : "python";
}

void nb_set_kernel(notebook *nb, const char *name, const char *display_name, const char *language)
{
	if (!display_name)
		display_name = name;
	json_t *ks = json_pack("{s:s, s:s, s:s}", "display_name", display_name, "language", language,
			       "name", name);
	json_object_set_new(nb->metadata, "kernelspec", ks);
	/* language_info comes from the kernel; keep it unless the language changed. */
	json_t *li = json_object_get(nb->metadata, "language_info");
	const char *cur = json_string_value(json_object_get(li, "name"));
	if (!json_is_object(li) || !cur || strcmp(cur, language) != 0)
		json_object_set_new(nb->metadata, "language_info", json_pack("{s:s}", "name", language));
	nb->version++;
}
