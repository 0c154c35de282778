/* ipynb load: nbformat 4 JSON → notebook; see ipynb.h.  curses-free. */
#include "ipynb.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nbformat's "multiline string": a string or a list of strings. */
static int multiline(const json_t *v, sbx_buf *out)
{
	if (json_is_string(v)) {
		buf_append(out, json_string_value(v), json_string_length(v));
		return 0;
	}
	if (!json_is_array(v))
		return -1;
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s) {
		if (!json_is_string(s))
			return -1;
		buf_append(out, json_string_value(s), json_string_length(s));
	}
	return 0;
}

static int is_json_mime(const char *mime)
{
	size_t n = strlen(mime);
	return strcmp(mime, "application/json") == 0 ||
	       (strncmp(mime, "application/", 12) == 0 && n >= 5 && strcmp(mime + n - 5, "+json") == 0);
}

/* nbformat's _rejoin_mimebundle: list-of-lines values become strings. */
static json_t *bundle_rejoin(const json_t *bundle)
{
	json_t *out = json_object();
	const char *mime;
	json_t *v;
	json_object_foreach((json_t *)bundle, mime, v) {
		sbx_buf b = SBX_BUF_INIT;
		if (!is_json_mime(mime) && json_is_array(v) && multiline(v, &b) == 0)
			json_object_set_new(out, mime, json_stringn(b.data ? b.data : "", b.len));
		else
			json_object_set_new(out, mime, json_deep_copy(v));
		buf_free(&b);
	}
	return out;
}

/* Keys of o not in known[], deep-copied. */
static json_t *extra_keys(const json_t *o, const char *const *known)
{
	json_t *x = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], k) != 0)
			i++;
		if (!known[i])
			json_object_set_new(x, k, json_deep_copy(v));
	}
	return x;
}

static json_t *object_or_empty(const json_t *v)
{
	return json_is_object(v) ? json_deep_copy(v) : json_object();
}

static int count_of(const json_t *v)
{
	return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

static int parse_output(notebook *nb, nb_cell *c, const json_t *jo, size_t ci, size_t oi, sbx_err *e)
{
	static const char *const known[] = { "output_type", "name", "text", "ename", "evalue", "traceback",
					     "data", "metadata", "execution_count", NULL };
	const char *type = json_string_value(json_object_get(jo, "output_type"));
	if (!json_is_object(jo) || !type)
		return sbx_error(e, "cell %zu, output %zu: not an output (no output_type)", ci, oi);
	nb_output *o;
	if (strcmp(type, "stream") == 0) {
		const char *name = json_string_value(json_object_get(jo, "name"));
		sbx_buf text = SBX_BUF_INIT;
		if (!name || multiline(json_object_get(jo, "text"), &text) < 0) {
			buf_free(&text);
			return sbx_error(e, "cell %zu, output %zu: a stream needs a name and text", ci, oi);
		}
		/* Not nb_cell_add_stream: two stored chunks stay two outputs. */
		o = nb_cell_add_output(nb, c, NB_OUT_STREAM);
		o->name = xstrdup(name);
		buf_append(&o->text, text.data ? text.data : "", text.len);
		buf_free(&text);
	} else if (strcmp(type, "error") == 0) {
		json_t *tb = json_object_get(jo, "traceback");
		if (!json_is_array(tb))
			return sbx_error(e, "cell %zu, output %zu: an error needs a traceback list", ci, oi);
		o = nb_cell_add_error(nb, c, json_string_value(json_object_get(jo, "ename")),
				      json_string_value(json_object_get(jo, "evalue")), NULL, 0);
		json_decref(o->traceback);
		o->traceback = json_deep_copy(tb);
	} else if (strcmp(type, "execute_result") == 0 || strcmp(type, "display_data") == 0) {
		json_t *data = json_object_get(jo, "data");
		if (!json_is_object(data))
			return sbx_error(e, "cell %zu, output %zu: %s needs a data object", ci, oi, type);
		int result = type[0] == 'e';
		o = nb_cell_add_data(nb, c, result, bundle_rejoin(data), count_of(json_object_get(jo, "execution_count")));
		json_decref(o->metadata);
		o->metadata = object_or_empty(json_object_get(jo, "metadata"));
	} else {
		return sbx_error(e, "cell %zu, output %zu: unknown output_type '%s'", ci, oi, type);
	}
	json_decref(o->extra);
	o->extra = extra_keys(jo, known);
	return 0;
}

static nb_cell *parse_cell(notebook *nb, const json_t *jc, size_t ci, sbx_err *e)
{
	static const char *const known[] = { "cell_type", "id", "source", "metadata", "execution_count",
					     "outputs", NULL };
	const char *type = json_string_value(json_object_get(jc, "cell_type"));
	nb_cell_type t;
	if (!json_is_object(jc) || !type) {
		sbx_error(e, "cell %zu: not a cell (no cell_type)", ci);
		return NULL;
	}
	if (strcmp(type, "code") == 0)
		t = NB_CODE;
	else if (strcmp(type, "markdown") == 0)
		t = NB_MARKDOWN;
	else if (strcmp(type, "raw") == 0)
		t = NB_RAW;
	else {
		sbx_error(e, "cell %zu: unknown cell_type '%s'", ci, type);
		return NULL;
	}
	sbx_buf src = SBX_BUF_INIT;
	if (multiline(json_object_get(jc, "source"), &src) < 0) {
		buf_free(&src);
		sbx_error(e, "cell %zu: source is neither a string nor a list of strings", ci);
		return NULL;
	}
	/* Built detached and inserted by the caller once complete. */
	nb_cell *c = nb_cell_new(t);
	free(c->source);
	c->source = buf_detach(&src);
	const char *id = json_string_value(json_object_get(jc, "id"));
	if (id) {
		free(c->id);
		c->id = xstrdup(id);
	}
	json_decref(c->metadata);
	c->metadata = object_or_empty(json_object_get(jc, "metadata"));
	json_object_del(c->metadata, "trusted");
	json_decref(c->extra);
	c->extra = extra_keys(jc, known);
	json_t *att = json_object_get(c->extra, "attachments");
	if (json_is_object(att)) {
		json_t *joined = json_object();
		const char *name;
		json_t *bundle;
		json_object_foreach(att, name, bundle)
			json_object_set_new(joined, name, json_is_object(bundle) ? bundle_rejoin(bundle) : json_deep_copy(bundle));
		json_object_set_new(c->extra, "attachments", joined);
	}
	if (t == NB_CODE) {
		c->execution_count = count_of(json_object_get(jc, "execution_count"));
		json_t *outs = json_object_get(jc, "outputs");
		if (outs && !json_is_array(outs)) {
			sbx_error(e, "cell %zu: outputs is not a list", ci);
			nb_cell_free(c);
			return NULL;
		}
		size_t oi;
		json_t *jo;
		json_array_foreach(outs, oi, jo) {
			if (parse_output(nb, c, jo, ci, oi, e) < 0) {
				nb_cell_free(c);
				return NULL;
			}
		}
	}
	return c;
}

notebook *ipynb_parse(const char *text, size_t len, sbx_err *e)
{
	json_error_t je;
	/* Kernels can print NUL bytes; Jupyter stores them as \u0000. */
	json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &je);
	if (!root) {
		sbx_error(e, "not a notebook: invalid JSON at line %d: %s", je.line, je.text);
		return NULL;
	}
	notebook *nb = NULL;
	json_t *fmt = json_object_get(root, "nbformat");
	if (!json_is_object(root) || !json_is_integer(fmt)) {
		sbx_error(e, "not a notebook: no nbformat version");
		goto out;
	}
	if (json_integer_value(fmt) != 4) {
		sbx_error(e, "nbformat %d notebooks are not supported; convert with "
			  "`jupyter nbconvert --to notebook --nbformat 4`", (int)json_integer_value(fmt));
		goto out;
	}
	json_t *cells = json_object_get(root, "cells");
	if (!json_is_array(cells)) {
		sbx_error(e, "not a notebook: no list of cells");
		goto out;
	}
	nb = nb_new();
	json_decref(nb->metadata);
	nb->metadata = object_or_empty(json_object_get(root, "metadata"));
	json_object_del(nb->metadata, "orig_nbformat");
	json_object_del(nb->metadata, "orig_nbformat_minor");
	json_object_del(nb->metadata, "signature");
	json_t *minor = json_object_get(root, "nbformat_minor");
	nb->nbformat_minor = json_is_integer(minor) ? (int)json_integer_value(minor) : 0;
	size_t ci;
	json_t *jc;
	json_array_foreach(cells, ci, jc) {
		nb_cell *c = parse_cell(nb, jc, ci, e);
		if (!c) {
			nb_free(nb);
			nb = NULL;
			goto out;
		}
		nb_insert_cell(nb, nb->ncells, c);
	}
	nb->version = 0;
out:
	json_decref(root);
	return nb;
}

notebook *ipynb_load(const char *path, sbx_err *e)
{
	sbx_buf b = SBX_BUF_INIT;
	notebook *nb = NULL;
	if (buf_read_file(&b, path, e) == 0) {
		sbx_err pe;
		nb = ipynb_parse(b.data ? b.data : "", b.len, &pe);
		if (!nb)
			sbx_error(e, "%s: %s", path, pe.msg);
	}
	buf_free(&b);
	return nb;
}
