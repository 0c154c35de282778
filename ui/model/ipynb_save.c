/* ipynb save: notebook → nbformat 4.5 JSON as nbformat writes it; see
 * ipynb.h.  curses-free. */
#include "ipynb.h"
#include "pyjson.h"
#include "utf8.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Length of the line break at s (0 if none), as Python's str.splitlines
 * sees them: \n \r \r\n \v \f \x1c \x1d \x1e U+0085 U+2028 U+2029. */
static size_t line_break(const char *s, size_t len)
{
	unsigned char c = (unsigned char)s[0];
	if (c == '\r')
		return len > 1 && s[1] == '\n' ? 2 : 1;
	if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e)
		return 1;
	if (c == 0xc2 && len > 1 && (unsigned char)s[1] == 0x85)
		return 2;
	if (c == 0xe2 && len > 2 && (unsigned char)s[1] == 0x80 &&
	    ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9))
		return 3;
	return 0;
}

/* str.splitlines(True) as a JSON list. */
static json_t *split_lines(const char *s, size_t len)
{
	json_t *a = json_array();
	size_t start = 0, i = 0;
	while (i < len) {
		size_t br = line_break(s + i, len - i);
		if (br) {
			i += br;
			json_array_append_new(a, json_stringn(s + start, i - start));
			start = i;
		} else {
			uint32_t cp;
			i += utf8_decode(s + i, len - i, &cp);
		}
	}
	if (start < len)
		json_array_append_new(a, json_stringn(s + start, len - start));
	return a;
}

/* nbformat's _split_mimebundle. */
static json_t *bundle_split(const json_t *bundle)
{
	json_t *out = json_object();
	const char *mime;
	json_t *v;
	json_object_foreach((json_t *)bundle, mime, v) {
		int split = json_is_string(v) && (strncmp(mime, "text/", 5) == 0 ||
						  strcmp(mime, "application/javascript") == 0 ||
						  strcmp(mime, "image/svg+xml") == 0);
		json_object_set_new(out, mime, split ? split_lines(json_string_value(v), json_string_length(v))
						     : json_deep_copy(v));
	}
	return out;
}

static json_t *count_json(int n)
{
	return n < 0 ? json_null() : json_integer(n);
}

static json_t *output_json(const nb_output *o)
{
	json_t *j = json_deep_copy(o->extra ? o->extra : json_object());
	if (!j)
		j = json_object();
	switch (o->type) {
	case NB_OUT_STREAM:
		json_object_set_new(j, "output_type", json_string("stream"));
		json_object_set_new(j, "name", json_string(o->name));
		json_object_set_new(j, "text", split_lines(o->text.data ? o->text.data : "", o->text.len));
		break;
	case NB_OUT_ERROR:
		json_object_set_new(j, "output_type", json_string("error"));
		json_object_set_new(j, "ename", json_string(o->ename ? o->ename : ""));
		json_object_set_new(j, "evalue", json_string(o->evalue ? o->evalue : ""));
		json_object_set_new(j, "traceback", o->traceback ? json_deep_copy(o->traceback) : json_array());
		break;
	case NB_OUT_RESULT:
	case NB_OUT_DISPLAY:
		json_object_set_new(j, "output_type", json_string(o->type == NB_OUT_RESULT ? "execute_result" : "display_data"));
		json_object_set_new(j, "data", o->data ? bundle_split(o->data) : json_object());
		json_object_set_new(j, "metadata", o->metadata ? json_deep_copy(o->metadata) : json_object());
		if (o->type == NB_OUT_RESULT)
			json_object_set_new(j, "execution_count", count_json(o->execution_count));
		break;
	}
	return j;
}

static json_t *cell_json(const nb_cell *c)
{
	static const char *const types[] = { "code", "markdown", "raw" };
	json_t *j = json_deep_copy(c->extra ? c->extra : json_object());
	if (!j)
		j = json_object();
	json_t *att = json_object_get(j, "attachments");
	if (json_is_object(att)) {
		json_t *split = json_object();
		const char *name;
		json_t *bundle;
		json_object_foreach(att, name, bundle)
			json_object_set_new(split, name, json_is_object(bundle) ? bundle_split(bundle) : json_deep_copy(bundle));
		json_object_set_new(j, "attachments", split);
	}
	json_object_set_new(j, "cell_type", json_string(types[c->type]));
	json_object_set_new(j, "id", json_string(c->id));
	json_t *md = c->metadata ? json_deep_copy(c->metadata) : json_object();
	json_object_del(md, "trusted");
	json_object_set_new(j, "metadata", md);
	json_object_set_new(j, "source", split_lines(c->source, strlen(c->source)));
	if (c->type == NB_CODE) {
		json_object_set_new(j, "execution_count", count_json(c->execution_count));
		json_t *outs = json_array();
		for (size_t i = 0; i < c->noutputs; i++)
			json_array_append_new(outs, output_json(&c->outputs[i]));
		json_object_set_new(j, "outputs", outs);
	}
	return j;
}

char *ipynb_dump(const notebook *nb, size_t *len)
{
	json_t *root = json_object();
	json_t *cells = json_array();
	for (size_t i = 0; i < nb->ncells; i++)
		json_array_append_new(cells, cell_json(nb->cells[i]));
	json_object_set_new(root, "cells", cells);
	json_t *md = json_deep_copy(nb->metadata ? nb->metadata : json_object());
	json_object_del(md, "signature");
	json_object_set_new(root, "metadata", md);
	json_object_set_new(root, "nbformat", json_integer(4));
	json_object_set_new(root, "nbformat_minor", json_integer(nb->nbformat_minor > 5 ? nb->nbformat_minor : 5));
	sbx_buf b = SBX_BUF_INIT;
	pyjson_dump(root, &b);
	buf_putc(&b, '\n');
	json_decref(root);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

int ipynb_write_atomic(const char *path, const char *data, size_t len, sbx_err *e)
{
	char *tmp = xasprintf("%s.tmp-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		sbx_error_errno(e, "cannot write %s (creating a temporary file beside it)", path);
		free(tmp);
		return -1;
	}
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0644;
	int rc = 0;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = sbx_error_errno(e, "cannot write %s", path);
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
		rc = sbx_error_errno(e, "cannot write %s", path);
	if (close(fd) < 0 && rc == 0)
		rc = sbx_error_errno(e, "cannot write %s", path);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = sbx_error_errno(e, "cannot replace %s", path);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int ipynb_save(const notebook *nb, const char *path, sbx_err *e)
{
	size_t len;
	char *text = ipynb_dump(nb, &len);
	int rc = ipynb_write_atomic(path, text, len, e);
	free(text);
	return rc;
}
