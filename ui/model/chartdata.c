/* chartdata: E2B chart JSON and DataFrame data → text (see chartdata.h).
 * curses-free. */
#include "chartdata.h"
#include "utf8.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define CELL_MAX 30

void chartdata_value(const json_t *v, sbx_buf *out)
{
	if (!v || json_is_null(v))
		return;
	if (json_is_string(v)) {
		buf_append(out, json_string_value(v), json_string_length(v));
	} else if (json_is_integer(v)) {
		buf_printf(out, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		/* integral floats print without the ".0" noise, like pandas' ints */
		buf_printf(out, "%.10g", d);
	} else if (json_is_true(v)) {
		buf_puts(out, "True");
	} else if (json_is_false(v)) {
		buf_puts(out, "False");
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s)
			buf_puts(out, s);
		free(s);
	}
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

static void indent(sbx_buf *out, int depth)
{
	for (int i = 0; i < depth; i++)
		buf_puts(out, "  ");
}

static const char *type_name(const char *t)
{
	static const struct {
		const char *type, *name;
	} names[] = {
		{ "line", "Line chart" }, { "scatter", "Scatter plot" }, { "bar", "Bar chart" },
		{ "pie", "Pie chart" }, { "box_and_whisker", "Box plot" }, { "superchart", "Figure" },
		{ "unknown", "Chart of an unknown kind" },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(names[i].type, t) == 0)
			return names[i].name;
	return NULL;
}

static void axis(const json_t *c, char ax, int depth, sbx_buf *out)
{
	char k[16];
	snprintf(k, sizeof k, "%c_label", ax);
	const char *label = str(c, k);
	snprintf(k, sizeof k, "%c_unit", ax);
	const char *unit = str(c, k);
	snprintf(k, sizeof k, "%c_scale", ax);
	const char *scale = str(c, k);
	if (!label && !unit && !scale)
		return;
	indent(out, depth);
	buf_printf(out, "%c axis: %s", ax, label ? label : "(no label)");
	if (unit)
		buf_printf(out, ", unit %s", unit);
	if (scale)
		buf_printf(out, ", %s scale", scale);
	buf_putc(out, '\n');
}

static void points(const json_t *c, int depth, sbx_buf *out)
{
	size_t i;
	const json_t *el;
	json_array_foreach(json_object_get(c, "elements"), i, el) {
		const json_t *pts = json_object_get(el, "points");
		const char *label = str(el, "label");
		indent(out, depth);
		buf_printf(out, "%s (%zu point%s)\n", label ? label : "(unlabelled)", json_array_size(pts),
			   json_array_size(pts) == 1 ? "" : "s");
		size_t j;
		const json_t *p;
		json_array_foreach(pts, j, p) {
			indent(out, depth + 1);
			chartdata_value(json_array_get(p, 0), out);
			buf_puts(out, ", ");
			chartdata_value(json_array_get(p, 1), out);
			buf_putc(out, '\n');
		}
	}
}

static void bars(const json_t *c, int depth, sbx_buf *out)
{
	size_t i;
	const json_t *el;
	json_array_foreach(json_object_get(c, "elements"), i, el) {
		indent(out, depth);
		const char *label = str(el, "label"), *group = str(el, "group");
		buf_printf(out, "%s", label ? label : "(unlabelled)");
		if (group)
			buf_printf(out, " [%s]", group);
		buf_puts(out, ": ");
		chartdata_value(json_object_get(el, "value"), out);
		buf_putc(out, '\n');
	}
}

static void pie(const json_t *c, int depth, sbx_buf *out)
{
	size_t i;
	const json_t *el;
	json_array_foreach(json_object_get(c, "elements"), i, el) {
		indent(out, depth);
		const char *label = str(el, "label");
		double angle = json_number_value(json_object_get(el, "angle"));
		buf_printf(out, "%s: %.10g° (%.1f%%)", label ? label : "(unlabelled)", angle, angle / 3.6);
		const json_t *r = json_object_get(el, "radius");
		if (json_is_number(r) && json_number_value(r) != 1.0)
			buf_printf(out, ", radius %.10g", json_number_value(r));
		buf_putc(out, '\n');
	}
}

static void boxes(const json_t *c, int depth, sbx_buf *out)
{
	static const struct {
		const char *key, *name;
	} stats[] = {
		{ "min", "min" }, { "first_quartile", "Q1" }, { "median", "median" },
		{ "third_quartile", "Q3" }, { "max", "max" },
	};
	size_t i;
	const json_t *el;
	json_array_foreach(json_object_get(c, "elements"), i, el) {
		indent(out, depth);
		const char *label = str(el, "label");
		buf_printf(out, "%s:", label ? label : "(unlabelled)");
		for (size_t s = 0; s < sizeof stats / sizeof *stats; s++) {
			buf_printf(out, " %s ", stats[s].name);
			chartdata_value(json_object_get(el, stats[s].key), out);
		}
		const json_t *outl = json_object_get(el, "outliers");
		if (json_array_size(outl)) {
			buf_puts(out, ", outliers");
			size_t j;
			const json_t *v;
			json_array_foreach(outl, j, v) {
				buf_puts(out, j ? ", " : " ");
				chartdata_value(v, out);
			}
		}
		buf_putc(out, '\n');
	}
}

static int chart(const json_t *c, int depth, sbx_buf *out, sbx_err *e)
{
	const char *type = str(c, "type");
	if (!json_is_object(c) || !type) {
		if (json_is_object(c) && json_object_size(c) == 0)
			return sbx_error(e, "the chart has no data (the figure was empty or its data "
					    "could not be extracted); save the image instead");
		return sbx_error(e, "not an E2B chart: it has no \"type\"");
	}
	const char *name = type_name(type);
	const char *title = str(c, "title");
	indent(out, depth);
	buf_printf(out, "%s", name ? name : type);
	if (!name)
		buf_puts(out, " chart");
	if (title)
		buf_printf(out, ": %s", title);
	buf_putc(out, '\n');
	axis(c, 'x', depth + 1, out);
	axis(c, 'y', depth + 1, out);
	if (strcmp(type, "line") == 0 || strcmp(type, "scatter") == 0) {
		points(c, depth + 1, out);
	} else if (strcmp(type, "bar") == 0) {
		bars(c, depth + 1, out);
	} else if (strcmp(type, "pie") == 0) {
		pie(c, depth + 1, out);
	} else if (strcmp(type, "box_and_whisker") == 0) {
		boxes(c, depth + 1, out);
	} else if (strcmp(type, "superchart") == 0) {
		size_t i;
		const json_t *el;
		json_array_foreach(json_object_get(c, "elements"), i, el)
			if (chart(el, depth + 1, out, e) < 0)
				return -1;
	} else if (json_array_size(json_object_get(c, "elements")) == 0) {
		indent(out, depth + 1);
		buf_puts(out, "(no data)\n");
	} else {
		/* a type we do not know: its elements as JSON, one per line */
		size_t i;
		const json_t *el;
		json_array_foreach(json_object_get(c, "elements"), i, el) {
			indent(out, depth + 1);
			chartdata_value(el, out);
			buf_putc(out, '\n');
		}
	}
	return 0;
}

int chartdata_text(const json_t *c, sbx_buf *out, sbx_err *e)
{
	size_t mark = out->len;
	if (chart(c, 0, out, e) < 0) {
		out->len = mark;
		if (out->data)
			out->data[mark] = '\0';
		return -1;
	}
	return 0;
}

/* s cut to at most max columns, "…" marking the cut. */
static char *cell_text(const json_t *v, int *width)
{
	sbx_buf b = SBX_BUF_INIT;
	chartdata_value(v, &b);
	char *s = buf_detach(&b);
	if (!s)
		s = xstrdup("");
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	size_t len = strlen(s);
	int w = utf8_width(s, len);
	if (w > CELL_MAX) {
		size_t i = 0;
		int cw = 0;
		while (i < len) {
			uint32_t cp;
			size_t n = utf8_decode(s + i, len - i, &cp);
			int c = utf8_cp_width(cp);
			if (cw + c > CELL_MAX - 1)
				break;
			cw += c;
			i += n;
		}
		s = xrealloc(s, i + 4);
		memcpy(s + i, "\xe2\x80\xa6", 4);
		w = cw + 1;
	}
	*width = w;
	return s;
}

static void pad(sbx_buf *out, int n)
{
	for (int i = 0; i < n; i++)
		buf_putc(out, ' ');
}

int chartdata_table(const json_t *data, size_t max_rows, sbx_buf *out, sbx_err *e)
{
	if (!json_is_object(data))
		return sbx_error(e, "not a table: DataFrame data is an object of columns");
	size_t ncol = json_object_size(data), nrow = 0;
	const char *key;
	const json_t *col;
	json_object_foreach((json_t *)data, key, col) {
		if (!json_is_array(col))
			return sbx_error(e, "not a table: column \"%s\" is not a list", key);
		if (json_array_size(col) > nrow)
			nrow = json_array_size(col);
	}
	size_t shown = max_rows && nrow > max_rows ? max_rows : nrow;
	/* grid of texts: row 0 is the header, column 0 the index */
	size_t W = ncol + 1, H = shown + 1;
	char **txt = xcalloc(W * H, sizeof *txt);
	int *tw = xcalloc(W * H, sizeof *tw);
	int *colw = xcalloc(W, sizeof *colw);
	txt[0] = xstrdup("");
	for (size_t r = 0; r < shown; r++) {
		char ix[32];
		snprintf(ix, sizeof ix, "%zu", r);
		txt[(r + 1) * W] = xstrdup(ix);
		tw[(r + 1) * W] = (int)strlen(ix);
	}
	size_t c = 1;
	json_object_foreach((json_t *)data, key, col) {
		json_t *k = json_string(key);
		txt[c] = cell_text(k, &tw[c]);
		json_decref(k);
		for (size_t r = 0; r < shown; r++)
			txt[(r + 1) * W + c] = cell_text(json_array_get(col, r), &tw[(r + 1) * W + c]);
		c++;
	}
	for (size_t i = 0; i < W * H; i++)
		if (tw[i] > colw[i % W])
			colw[i % W] = tw[i];
	for (size_t r = 0; r < H; r++) {
		for (size_t k = 0; k < W; k++) {
			size_t i = r * W + k;
			if (k)
				buf_puts(out, "  ");
			/* right-aligned like pandas; the last column's padding is on the left too */
			pad(out, colw[k] - tw[i]);
			buf_puts(out, txt[i]);
		}
		buf_putc(out, '\n');
	}
	if (shown < nrow)
		buf_printf(out, "... %zu more row%s (%zu rows x %zu columns)\n", nrow - shown,
			   nrow - shown == 1 ? "" : "s", nrow, ncol);
	for (size_t i = 0; i < W * H; i++)
		free(txt[i]);
	free(txt);
	free(tw);
	free(colw);
	return 0;
}
