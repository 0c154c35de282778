/*
 * notebook_out: a cell's outputs as rows for the notebook pane — streams,
 * errors (tracebacks keep their ANSI colours, interpreted at draw time),
 * rich results (text/plain first; a DataFrame's data as a table, HTML
 * with its tags stripped, markdown, JSON when there is no text), pictures
 * through gfx, and a chart's data as text when the user asked for it.
 * Lines wrap at the output width; carriage returns keep what was written
 * last (progress bars), tabs become spaces.
 */
#include "notebook_priv.h"
#include "model/chartdata.h"
#include "model/colour.h"
#include "model/image.h"
#include "model/utf8.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { TABLE_MAX_ROWS = 200 };

void orows_free(orows *o)
{
	for (size_t i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	free(o->owned);
	free(o->v);
	memset(o, 0, sizeof *o);
}

static const char *own(orows *o, char *s)
{
	o->owned = xrealloc(o->owned, (o->nowned + 1) * sizeof *o->owned);
	o->owned[o->nowned++] = s;
	return s;
}

/* The layout reached its row limit: lay out nothing more. */
static int full(const orows *o)
{
	return o->limit && o->n >= o->limit;
}

static orow *push(orows *o)
{
	if (o->n == o->cap)
		o->v = xrealloc(o->v, (o->cap = o->cap ? o->cap * 2 : 16) * sizeof *o->v);
	orow *r = &o->v[o->n++];
	memset(r, 0, sizeof *r);
	r->prompt = -1;
	return r;
}

size_t nbp_ansi_escape(const char *s, size_t len, size_t i, ui_attr *st, ui_attr base, int colors)
{
	size_t j = i + 1;
	if (j >= len)
		return j;
	if (s[j] == ']') {
		/* OSC: to BEL or ST */
		for (j++; j < len; j++) {
			if (s[j] == '\a')
				return j + 1;
			if (s[j] == '\033' && j + 1 < len && s[j + 1] == '\\')
				return j + 2;
		}
		return len;
	}
	if (s[j] != '[')
		return j + 1;
	size_t p0 = ++j;
	while (j < len && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x40)
		j++;
	if (j >= len)
		return len;
	if (s[j] != 'm')
		return j + 1;
	/* SGR parameters */
	int params[32], np = 0, cur = 0, have = 0;
	for (size_t k = p0; k < j && np < 32; k++) {
		if (s[k] >= '0' && s[k] <= '9') {
			cur = cur * 10 + (s[k] - '0');
			have = 1;
		} else if (s[k] == ';' || s[k] == ':') {
			params[np++] = have ? cur : 0;
			cur = have = 0;
		}
	}
	if (np < 32)
		params[np++] = have ? cur : 0;
	for (int k = 0; k < np; k++) {
		int v = params[k];
		if (v == 0)
			*st = base;
		else if (v == 1)
			st->flags |= UI_BOLD;
		else if (v == 2)
			st->flags |= UI_DIM;
		else if (v == 3)
			st->flags |= UI_ITALIC;
		else if (v == 4)
			st->flags |= UI_UNDERLINE;
		else if (v == 7)
			st->flags |= UI_REVERSE;
		else if (v == 22)
			st->flags &= ~(UI_BOLD | UI_DIM);
		else if (v == 23)
			st->flags &= ~UI_ITALIC;
		else if (v == 24)
			st->flags &= ~UI_UNDERLINE;
		else if (v == 27)
			st->flags &= ~UI_REVERSE;
		else if (v >= 30 && v <= 37)
			st->fg = (int16_t)colour_reduce(v - 30, colors);
		else if (v >= 90 && v <= 97)
			st->fg = (int16_t)colour_reduce(v - 90 + 8, colors);
		else if (v >= 40 && v <= 47)
			st->bg = (int16_t)colour_reduce(v - 40, colors);
		else if (v >= 100 && v <= 107)
			st->bg = (int16_t)colour_reduce(v - 100 + 8, colors);
		else if (v == 39)
			st->fg = base.fg;
		else if (v == 49)
			st->bg = base.bg;
		else if ((v == 38 || v == 48) && k + 1 < np) {
			int c = -1;
			if (params[k + 1] == 5 && k + 2 < np) {
				c = colour_reduce(params[k + 2], colors);
				k += 2;
			} else if (params[k + 1] == 2 && k + 4 < np) {
				c = colour_nearest((ui_rgb){ (uint8_t)params[k + 2], (uint8_t)params[k + 3],
							     (uint8_t)params[k + 4] },
						   colors);
				k += 4;
			}
			if (v == 38)
				st->fg = (int16_t)c;
			else
				st->bg = (int16_t)c;
		}
	}
	return j + 1;
}

/* Tabs to spaces (8 columns), and only what follows the last '\r' that
 * has text after it. */
static const char *clean_line(orows *o, const char *s, size_t *len)
{
	size_t n = *len;
	while (n && s[n - 1] == '\r')
		n--;
	const char *cr = memrchr(s, '\r', n);
	if (cr) {
		n -= (size_t)(cr + 1 - s);
		s = cr + 1;
	}
	*len = n;
	if (!memchr(s, '\t', n))
		return s;
	sbx_buf b = SBX_BUF_INIT;
	int col = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\t') {
			do
				buf_putc(&b, ' ');
			while (++col % 8);
		} else {
			buf_putc(&b, s[i]);
			if (((unsigned char)s[i] & 0xc0) != 0x80)
				col++;
		}
	}
	*len = b.len;
	return own(o, buf_detach(&b));
}

/* One logical line, wrapped at width (escapes take no columns). */
static void add_line(orows *o, const char *s, size_t len, int width, theme_elem el, int ansi, int prompt)
{
	if (full(o))
		return;
	s = clean_line(o, s, &len);
	size_t start = 0, i = 0;
	int col = 0, first = 1;
	while (i < len) {
		if (ansi && s[i] == '\033') {
			ui_attr dummy = UI_ATTR_DEFAULT;
			i = nbp_ansi_escape(s, len, i, &dummy, dummy, 256);
			continue;
		}
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		int w = cp < 0x20 ? 1 : utf8_cp_width(cp);
		if (col + w > width && col > 0) {
			if (full(o))
				return;
			orow *r = push(o);
			*r = (orow){ OROW_TEXT, el, ansi, s, len, start, i - start, first ? prompt : -1, NULL, 0, 0, 0, 0, 0 };
			first = 0;
			start = i;
			col = 0;
		}
		col += w;
		i += n;
	}
	if (full(o))
		return;
	orow *r = push(o);
	*r = (orow){ OROW_TEXT, el, ansi, s, len, start, len - start, first ? prompt : -1, NULL, 0, 0, 0, 0, 0 };
}

/* Text split at '\n' (a final newline adds no empty row). */
static void add_text(orows *o, const char *s, size_t len, int width, theme_elem el, int ansi, int prompt)
{
	while (len && !full(o)) {
		const char *nl = memchr(s, '\n', len);
		size_t n = nl ? (size_t)(nl - s) : len;
		add_line(o, s, n, width, el, ansi, prompt);
		prompt = -1;
		if (!nl)
			break;
		len -= n + 1;
		s = nl + 1;
	}
}

static void add_owned_text(orows *o, char *s, int width, theme_elem el, int prompt)
{
	own(o, s);
	add_text(o, s, strlen(s), width, el, 0, prompt);
}

/* HTML as text: tags dropped, block ends as line breaks, the common
 * entities decoded, runs of blank lines squeezed. */
static char *strip_html(const char *s)
{
	static const char *const breaks[] = { "br", "/p", "/div", "/tr", "/h1", "/h2", "/h3", "/h4", "/li",
					      "/table", "/pre", "p", "tr" };
	static const struct {
		const char *ent, *txt;
	} ents[] = { { "&lt;", "<" }, { "&gt;", ">" }, { "&amp;", "&" }, { "&quot;", "\"" },
		     { "&#39;", "'" }, { "&nbsp;", " " } };
	sbx_buf b = SBX_BUF_INIT;
	int in_style = 0;
	for (const char *p = s; *p;) {
		if (*p == '<') {
			const char *end = strchr(p, '>');
			if (!end)
				break;
			const char *name = p + 1;
			size_t nl = strcspn(name, " \t\n/>");
			if (*name == '/')
				nl = 1 + strcspn(name + 1, " \t\n>");
			if ((nl == 5 && strncasecmp(name, "style", 5) == 0) ||
			    (nl == 6 && strncasecmp(name, "script", 6) == 0))
				in_style = 1;
			else if ((nl == 6 && strncasecmp(name, "/style", 6) == 0) ||
				 (nl == 7 && strncasecmp(name, "/script", 7) == 0))
				in_style = 0;
			for (size_t i = 0; i < sizeof breaks / sizeof *breaks; i++)
				if (strlen(breaks[i]) == nl && strncasecmp(name, breaks[i], nl) == 0) {
					buf_putc(&b, '\n');
					break;
				}
			if (nl == 3 && (strncasecmp(name, "/td", 3) == 0 || strncasecmp(name, "/th", 3) == 0))
				buf_puts(&b, "  ");
			p = end + 1;
			continue;
		}
		if (in_style) {
			p++;
			continue;
		}
		if (*p == '&') {
			size_t i;
			for (i = 0; i < sizeof ents / sizeof *ents; i++)
				if (strncmp(p, ents[i].ent, strlen(ents[i].ent)) == 0)
					break;
			if (i < sizeof ents / sizeof *ents) {
				buf_puts(&b, ents[i].txt);
				p += strlen(ents[i].ent);
				continue;
			}
		}
		buf_putc(&b, *p++);
	}
	/* squeeze blank lines and trim line ends */
	sbx_buf c = SBX_BUF_INIT;
	const char *t = buf_cstr(&b);
	int blank = 1;
	while (*t) {
		const char *nl = strchr(t, '\n');
		size_t n = nl ? (size_t)(nl - t) : strlen(t);
		size_t m = n;
		while (m && (t[m - 1] == ' ' || t[m - 1] == '\t' || t[m - 1] == '\r'))
			m--;
		size_t lead = 0;
		while (lead < m && (t[lead] == ' ' || t[lead] == '\t'))
			lead++;
		if (lead == m) {
			if (!blank)
				buf_putc(&c, '\n');
			blank = 1;
		} else {
			buf_append(&c, t, m);
			buf_putc(&c, '\n');
			blank = 0;
		}
		t = nl ? nl + 1 : t + n;
	}
	buf_free(&b);
	char *r = buf_detach(&c);
	return r ? r : xstrdup("");
}

const char *nbp_output_png(const nb_output *o, size_t *len)
{
	if (o->type != NB_OUT_RESULT && o->type != NB_OUT_DISPLAY)
		return NULL;
	const char *s = nb_output_text(o, "image/png");
	if (s)
		*len = strlen(s);
	return s;
}

static void add_image(orows *o, nb_pane *np, const char *b64, size_t len, int width, int max_rows)
{
	int cols, rows;
	gfx_measure(np->base.app, b64, len, width, max_rows, &cols, &rows);
	uint64_t hash = img_hash(b64, len);
	for (int r = 0; r < rows && !full(o); r++) {
		orow *row = push(o);
		row->hash = hash;
		row->kind = OROW_IMAGE;
		row->el = TH_OUT_RESULT;
		row->b64 = b64;
		row->b64_len = len;
		row->cols = cols;
		row->rows = rows;
		row->r = r;
	}
}

static void add_rich(orows *o, nb_pane *np, const nb_output *out, int show_data, int width, int max_img)
{
	int prompt = out->type == NB_OUT_RESULT ? out->execution_count : -1;
	const json_t *chart = nb_output_json(out, NB_MIME_E2B_CHART);
	const json_t *data = nb_output_json(out, NB_MIME_E2B_DATA);
	if (show_data && (chart || data)) {
		sbx_buf b = SBX_BUF_INIT;
		sbx_err e;
		int rc = chart ? chartdata_text(chart, &b, &e) : chartdata_table(data, 0, &b, &e);
		if (rc < 0)
			buf_puts(&b, e.msg);
		char *s = buf_detach(&b);
		add_owned_text(o, s ? s : xstrdup(""), width, rc < 0 ? TH_OUT_STDERR : TH_OUT_RESULT, prompt);
		return;
	}
	size_t len;
	const char *png = nbp_output_png(out, &len);
	if (png) {
		add_image(o, np, png, len, width, max_img);
		return;
	}
	const char *text = nb_output_text(out, "text/plain");
	if (text) {
		add_text(o, text, strlen(text), width, TH_OUT_RESULT, 1, prompt);
		return;
	}
	if (data) {
		sbx_buf b = SBX_BUF_INIT;
		if (chartdata_table(data, TABLE_MAX_ROWS, &b, NULL) == 0) {
			add_owned_text(o, buf_detach(&b), width, TH_OUT_RESULT, prompt);
			return;
		}
		buf_free(&b);
	}
	const char *html = nb_output_text(out, "text/html");
	if (html) {
		add_owned_text(o, strip_html(html), width, TH_OUT_RESULT, prompt);
		return;
	}
	const char *md = nb_output_text(out, "text/markdown");
	if (!md)
		md = nb_output_text(out, "text/latex");
	if (md) {
		add_text(o, md, strlen(md), width, TH_MARKDOWN, 0, prompt);
		return;
	}
	const json_t *js = nb_output_json(out, "application/json");
	if (js) {
		char *s = json_dumps(js, JSON_INDENT(2) | JSON_ENCODE_ANY);
		add_owned_text(o, s ? s : xstrdup("(JSON)"), width, TH_OUT_RESULT, prompt);
		return;
	}
	/* something we cannot show: say what it is */
	sbx_buf b = SBX_BUF_INIT;
	buf_puts(&b, "[output:");
	const char *mime;
	const json_t *v;
	json_object_foreach((json_t *)out->data, mime, v) {
		(void)v;
		buf_printf(&b, " %s", mime);
	}
	buf_puts(&b, "]");
	add_owned_text(o, buf_detach(&b), width, TH_OUT_PLACEHOLDER, prompt);
}

/* Stream text from byte `from` on, line by line, noting where the last
 * unfinished line starts (so more text resumes there). */
static void add_stream(orows *o, const nb_output *out, size_t from, int width)
{
	const char *s = buf_cstr((sbx_buf *)&out->text);
	theme_elem el = out->name && strcmp(out->name, "stderr") == 0 ? TH_OUT_STDERR : TH_OUT_STDOUT;
	size_t len = out->text.len, p = from;
	o->res_off = p, o->res_row = o->n, o->res_owned = o->nowned;
	while (p < len && !full(o)) {
		const char *nl = memchr(s + p, '\n', len - p);
		size_t n = nl ? (size_t)(nl - (s + p)) : len - p;
		add_line(o, s + p, n, width, el, 1, -1);
		if (!nl)
			break;
		p += n + 1;
		o->res_off = p, o->res_row = o->n, o->res_owned = o->nowned;
	}
	o->res_stream = 1;
	o->res_base = s;
}

static int lay_out_from(nb_pane *np, const nb_cell *c, size_t first, int width, int max_img_rows, int show_data,
			orows *o)
{
	for (size_t i = first; i < c->noutputs && !full(o); i++) {
		const nb_output *out = &c->outputs[i];
		o->res_any = 1;
		o->res_out = i;
		o->res_first = o->n;
		o->res_stream = 0;
		switch (out->type) {
		case NB_OUT_STREAM:
			add_stream(o, out, 0, width);
			break;
		case NB_OUT_ERROR: {
			size_t n = json_array_size(out->traceback);
			if (n == 0) {
				sbx_buf b = SBX_BUF_INIT;
				buf_printf(&b, "%s: %s", out->ename ? out->ename : "Error",
					   out->evalue ? out->evalue : "");
				add_owned_text(o, buf_detach(&b), width, TH_OUT_ERROR, -1);
			}
			for (size_t k = 0; k < n && !full(o); k++) {
				const char *t = json_string_value(json_array_get(out->traceback, k));
				if (t)
					add_text(o, t, strlen(t), width, TH_OUT_ERROR, 1, -1);
			}
			break;
		}
		case NB_OUT_RESULT:
		case NB_OUT_DISPLAY:
			add_rich(o, np, out, show_data, width, max_img_rows);
			break;
		}
	}
	return !full(o);
}

int nbp_output_rows(nb_pane *np, const nb_cell *c, int width, int max_img_rows, int show_data, orows *o)
{
	return lay_out_from(np, c, 0, width < 1 ? 1 : width, max_img_rows, show_data, o);
}

int nbp_output_rows_more(nb_pane *np, const nb_cell *c, int width, int max_img_rows, int show_data, orows *o)
{
	if (width < 1)
		width = 1;
	if (!o->res_any)
		return lay_out_from(np, c, 0, width, max_img_rows, show_data, o);
	if (!o->res_stream || o->res_out >= c->noutputs)
		return lay_out_from(np, c, o->res_out + 1, width, max_img_rows, show_data, o);
	const nb_output *out = &c->outputs[o->res_out];
	const char *base = buf_cstr((sbx_buf *)&out->text);
	/* the text moved when it grew: its earlier rows follow it (rows of
	 * texts made for the layout, e.g. tabs expanded, lie elsewhere) */
	if (base != o->res_base) {
		uintptr_t ob = (uintptr_t)o->res_base;
		for (size_t r = o->res_first; r < o->res_row; r++) {
			uintptr_t p = (uintptr_t)o->v[r].line;
			if (o->v[r].kind == OROW_TEXT && p >= ob && p <= ob + o->res_off)
				o->v[r].line = base + (p - ob);
		}
	}
	/* the unfinished line is laid out again */
	o->n = o->res_row;
	while (o->nowned > o->res_owned)
		free(o->owned[--o->nowned]);
	add_stream(o, out, o->res_off, width);
	return lay_out_from(np, c, o->res_out + 1, width, max_img_rows, show_data, o);
}
