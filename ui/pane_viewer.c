/*
 * pane_viewer: a read-only text view (a sandbox file, chart data, a log).
 * Line numbers on the left, the text clipped at the right edge with a
 * horizontal scroll (Left/Right, h/l), tabs expanded to 8 columns, bytes
 * that are not UTF-8 shown as U+FFFD.  Keys are copy mode's: the list
 * actions scroll, / and ? search (case-sensitive substring, wrapping),
 * n/N repeat, q or Escape closes the view.
 */
#include "app.h"
#include "draw.h"
#include "model/utf8.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define TAB 8
#define HSTEP 8

typedef struct line {
	size_t off, len;
} line;

typedef struct viewer {
	pane p;
	char *title, *text;
	size_t len;
	line *lines;
	size_t nlines;
	size_t top;           /* first line shown */
	int hscroll;          /* columns scrolled off on the left */
	char *query;          /* the last search */
	int back;             /* it searched backwards */
	size_t mline, moff;   /* the current match (mline == nlines: none) */
	size_t mlen;
} viewer;

static void split_lines(viewer *v)
{
	size_t cap = 64, start = 0;
	v->lines = xmalloc(cap * sizeof *v->lines);
	for (size_t i = 0; i <= v->len; i++) {
		if (i < v->len && v->text[i] != '\n')
			continue;
		if (i == v->len && start == v->len && v->nlines)
			break;   /* the text ends with a newline: no empty last line */
		if (v->nlines == cap)
			v->lines = xrealloc(v->lines, (cap *= 2) * sizeof *v->lines);
		size_t n = i - start;
		if (n && v->text[start + n - 1] == '\r')
			n--;
		v->lines[v->nlines++] = (line){ start, n };
		start = i + 1;
	}
}

static void title_op(pane *p, char *out, size_t n)
{
	snprintf(out, n, "%s", ((viewer *)p)->title);
}

static keymode mode_op(pane *p)
{
	(void)p;
	return KM_COPY;
}

static int digits(size_t n)
{
	int d = 1;
	while (n >= 10)
		n /= 10, d++;
	return d;
}

/* Draws line l from column x0 on (after the line number), highlighting
 * bytes [hs, he) of the line. */
static void draw_line(viewer *v, WINDOW *w, int y, int x0, const line *l, size_t hs, size_t he)
{
	app *a = v->p.app;
	ui_attr norm = app_th(a, TH_NORMAL), hit = app_th(a, TH_SEARCH_MATCH);
	int width = v->p.cols - x0, col = 0;   /* col: the text's own column */
	const char *s = v->text + l->off;
	char run[512];
	size_t rn = 0;
	int run_x = x0, cur_hit = 0;
	for (size_t i = 0; i < l->len && col - v->hscroll < width;) {
		uint32_t cp;
		size_t k = utf8_decode(s + i, l->len - i, &cp);
		int is_hit = i >= hs && i < he;
		int cw, ntimes = 1;
		if (cp == '\t') {
			cw = 1;
			ntimes = TAB - col % TAB;
			cp = ' ';
		} else {
			cw = cp < 0x20 || cp == 0x7f ? 1 : utf8_cp_width(cp);
			if (cp < 0x20 || cp == 0x7f)
				cp = '?';
		}
		for (int t = 0; t < ntimes; t++) {
			uint32_t c = cp;
			if (col < v->hscroll && col + cw > v->hscroll)
				c = ' ';   /* a wide character cut by the left edge */
			if (col + cw > v->hscroll) {   /* at least partly right of the edge */
				if (col + cw - v->hscroll > width)
					break;
				if (is_hit != cur_hit || rn + 8 > sizeof run) {
					draw_textn(w, y, run_x, -1, run, rn, cur_hit ? hit : norm);
					run_x = x0 + (col < v->hscroll ? 0 : col - v->hscroll);
					rn = 0;
					cur_hit = is_hit;
				}
				if (rn == 0)
					run_x = x0 + (col < v->hscroll ? 0 : col - v->hscroll);
				rn += utf8_encode(c, run + rn);
			}
			col += cw;
		}
		i += k;
	}
	if (rn)
		draw_textn(w, y, run_x, -1, run, rn, cur_hit ? hit : norm);
}

static void draw_op(pane *p, WINDOW *w, int focused)
{
	(void)focused;
	viewer *v = (viewer *)p;
	int nd = digits(v->nlines), x0 = p->cols >= nd + 8 ? nd + 1 : 0;
	ui_attr meta = app_th(p->app, TH_FILES_META), match = app_th(p->app, TH_SEARCH_MATCH);
	for (int r = 0; r < p->rows; r++) {
		size_t li = v->top + (size_t)r;
		if (li >= v->nlines)
			break;
		if (x0) {
			char num[48];
			snprintf(num, sizeof num, "%*zu", nd & 31, li + 1);
			draw_text(w, r, 0, nd, num, li == v->mline ? match : meta);
		}
		size_t hs = 0, he = 0;
		if (li == v->mline)
			hs = v->moff, he = v->moff + v->mlen;
		draw_line(v, w, r, x0, &v->lines[li], hs, he);
	}
	if (!v->nlines || (v->nlines == 1 && !v->lines[0].len))
		draw_text(w, 0, x0, -1, "(empty)", meta);
}

static size_t max_top(viewer *v)
{
	size_t rows = v->p.rows > 0 ? (size_t)v->p.rows : 1;
	return v->nlines > rows ? v->nlines - rows : 0;
}

static void scroll_to(viewer *v, long top)
{
	if (top < 0)
		top = 0;
	v->top = (size_t)top > max_top(v) ? max_top(v) : (size_t)top;
	app_dirty(v->p.app);
}

/* Finds the query from (line, off) on, forward or back, wrapping once. */
static int find(viewer *v, size_t li, size_t off, int back)
{
	size_t q = strlen(v->query);
	if (!q || !v->nlines)
		return 0;
	for (size_t step = 0; step <= v->nlines; step++) {
		size_t l = back ? (li + v->nlines * 2 - step) % v->nlines : (li + step) % v->nlines;
		const char *s = v->text + v->lines[l].off;
		size_t n = v->lines[l].len, best = (size_t)-1;
		for (size_t i = 0; i + q <= n; i++) {
			if (memcmp(s + i, v->query, q))
				continue;
			if (step == 0 && (back ? i >= off : i < off))
				continue;
			if (step == v->nlines && (back ? i < off : i >= off))
				continue;   /* came round: only what lies before the start */
			best = i;
			if (!back)
				break;
		}
		if (best != (size_t)-1) {
			v->mline = l;
			v->moff = best;
			v->mlen = q;
			size_t rows = v->p.rows > 0 ? (size_t)v->p.rows : 1;
			if (l < v->top || l >= v->top + rows)
				scroll_to(v, (long)l - (long)rows / 2);
			int nd = digits(v->nlines), width = v->p.cols - nd - 1;
			int col = utf8_width(s, best);
			if (col < v->hscroll || col + (int)q > v->hscroll + width)
				v->hscroll = col > width / 2 ? col - width / 2 : 0;
			app_dirty(v->p.app);
			return 1;
		}
	}
	return 0;
}

static void search_next(viewer *v, int back)
{
	if (!v->query || !*v->query) {
		app_info(v->p.app, "no search yet: press / to search");
		return;
	}
	size_t li = v->mline < v->nlines ? v->mline : v->top, off = v->mline < v->nlines ? v->moff : 0;
	if (v->mline < v->nlines && !back)
		off++;
	else if (v->mline >= v->nlines && back)
		off = (size_t)-1 / 2;
	if (!find(v, li, off, back))
		app_info(v->p.app, "\"%s\" not found", v->query);
}

static void on_search(app *a, const char *text, void *ud)
{
	(void)a;
	viewer *v = ud;
	if (!text || !*text)
		return;
	free(v->query);
	v->query = xstrdup(text);
	v->mline = v->nlines;
	search_next(v, v->back);
}

static int action_op(pane *p, ui_action act)
{
	viewer *v = (viewer *)p;
	long page = p->rows > 1 ? p->rows - 1 : 1;
	switch (act) {
	case A_LIST_UP: scroll_to(v, (long)v->top - 1); return 1;
	case A_LIST_DOWN: scroll_to(v, (long)v->top + 1); return 1;
	case A_LIST_TOP: scroll_to(v, 0); return 1;
	case A_LIST_BOTTOM: scroll_to(v, (long)max_top(v)); return 1;
	case A_LIST_PAGE_UP: scroll_to(v, (long)v->top - page); return 1;
	case A_LIST_PAGE_DOWN: scroll_to(v, (long)v->top + page); return 1;
	case A_COPY_SEARCH:
	case A_COPY_SEARCH_BACK:
		v->back = act == A_COPY_SEARCH_BACK;
		app_prompt(p->app, p, v->back ? "Search backward" : "Search", v->query ? v->query : "", on_search, v);
		return 1;
	case A_COPY_NEXT: search_next(v, v->back); return 1;
	case A_COPY_PREV: search_next(v, !v->back); return 1;
	case A_TERM_RESUME:   /* q / Escape: done reading */
		app_close_pane(p->app, p);
		return 1;
	default: return 0;
	}
}

static void hscroll_by(viewer *v, int d)
{
	v->hscroll = v->hscroll + d < 0 ? 0 : v->hscroll + d;
	app_dirty(v->p.app);
}

static int key_op(pane *p, ui_key k)
{
	viewer *v = (viewer *)p;
	if (k.mods & (KEY_CTRL | KEY_ALT))
		return 0;
	if (k.code == UK_LEFT || k.code == 'h') {
		hscroll_by(v, -HSTEP);
		return 1;
	}
	if (k.code == UK_RIGHT || k.code == 'l') {
		hscroll_by(v, HSTEP);
		return 1;
	}
	if (k.code == UK_HOME) {
		v->hscroll = 0;
		app_dirty(p->app);
		return 1;
	}
	return 0;
}

static int mouse_op(pane *p, const ui_mouse *m)
{
	viewer *v = (viewer *)p;
	if (m->button == MOUSE_WHEEL_UP || m->button == MOUSE_WHEEL_DOWN) {
		int d = m->button == MOUSE_WHEEL_UP ? -3 : 3;
		if (m->mods & KEY_SHIFT)
			hscroll_by(v, d * 2);
		else
			scroll_to(v, (long)v->top + d);
		return 1;
	}
	return m->button == MOUSE_LEFT;
}

static void resize_op(pane *p, int cols, int rows)
{
	(void)cols;
	(void)rows;
	viewer *v = (viewer *)p;
	if (v->top > max_top(v))
		v->top = max_top(v);
}

static void status_op(pane *p, sbx_buf *out)
{
	viewer *v = (viewer *)p;
	size_t last = v->top + (size_t)(p->rows > 0 ? p->rows : 1);
	buf_printf(out, "lines %zu-%zu/%zu", v->nlines ? v->top + 1 : 0, last < v->nlines ? last : v->nlines,
		   v->nlines);
	if (v->hscroll)
		buf_printf(out, "  col %d", v->hscroll + 1);
}

static void free_op(pane *p)
{
	viewer *v = (viewer *)p;
	free(v->title);
	free(v->text);
	free(v->lines);
	free(v->query);
	free(v);
}

static const pane_ops viewer_ops = {
	.kind = PANE_VIEWER, .title = title_op, .mode = mode_op, .draw = draw_op, .action = action_op,
	.key = key_op, .mouse = mouse_op, .resize = resize_op, .status = status_op, .free = free_op,
};

pane *pane_viewer_new(app *a, session *s, const char *title, const char *text, size_t len)
{
	viewer *v = xcalloc(1, sizeof *v);
	v->p.ops = &viewer_ops;
	v->p.app = a;
	v->p.session = s;
	v->title = xstrdup(title ? title : "view");
	v->text = xmalloc(len + 1);
	if (len)
		memcpy(v->text, text, len);
	v->text[len] = '\0';
	v->len = len;
	split_lines(v);
	v->mline = v->nlines;
	return &v->p;
}
