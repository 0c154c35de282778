/*
 * notebook_draw: the notebook pane's picture — per cell a prompt gutter
 * ("[3]:", "[*]:" while queued or running, "[ ]:"), the source in a box
 * (markdown rendered plainly unless selected), then the outputs
 * (notebook_out.c), cut to a window the user scrolls with [ and ] when
 * longer than the screen.  The vertical layout is nbview's; pictures go
 * through gfx, whose sixel placements the overlay op writes afterwards.
 * Output layouts are kept per cell, extended when its outputs only grew
 * (streaming), redone only when they changed otherwise (out_reset) or the
 * geometry did, off-screen cells only as far as their height needs
 * (nbview_measure): a frame costs what is on screen and what is new, not
 * what the notebook holds.
 */
#include "notebook_priv.h"
#include "draw.h"
#include "model/nblang.h"
#include "model/utf8.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

typedef struct dctx {
	nb_pane *np;
	app *a;
	WINDOW *w;
	int W, H, vh, top;            /* window size, viewport rows, its first row */
	int colors;
	int focused;
} dctx;

static int maxi(int a, int b)
{
	return a > b ? a : b;
}

static int mini(int a, int b)
{
	return a < b ? a : b;
}

static int source_lines(const char *s)
{
	int n = 1;
	while ((s = strchr(s, '\n')))
		n++, s++;
	return n;
}

/* Document row → window row. */
static int wrow(const dctx *d, int docrow)
{
	return d->top + docrow - d->np->view.scroll;
}

static int visible(const dctx *d, int y)
{
	return y >= d->top && y < d->H;
}

/* A source line: tabs to ED_TAB_WIDTH stops, from column hscroll, bytes
 * [sa, sb) of the line selected. */
static void draw_src(const dctx *d, int y, int x, int width, const char *s, size_t len, int hscroll, long sa,
		     long sb, ui_attr at, ui_attr sel)
{
	int col = 0;
	size_t i = 0;
	while (i < len && col < hscroll + width) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		int on = (long)i >= sa && (long)i < sb;
		int cw;
		if (cp == '\t') {
			cw = ED_TAB_WIDTH - col % ED_TAB_WIDTH;
			for (int k = 0; k < cw; k++)
				if (col + k >= hscroll && col + k < hscroll + width)
					draw_text(d->w, y, x + col + k - hscroll, 1, " ", on ? sel : at);
		} else {
			cw = cp < 0x20 ? 1 : utf8_cp_width(cp);
			if (col >= hscroll && col + cw <= hscroll + width && cw > 0)
				draw_textn(d->w, y, x + col - hscroll, cw, s + i, n, on ? sel : at);
		}
		col += cw;
		i += n;
	}
	/* a selected line break shows as one selected blank */
	if (sb > (long)len && sa <= (long)len && col >= hscroll && col < hscroll + width)
		draw_text(d->w, y, x + col - hscroll, 1, " ", sel);
}

/* A horizontal box edge: left corner, line, right corner. */
static void draw_edge(const dctx *d, int y, int x, int width, const char *l, const char *r, ui_attr at,
		      const char *label)
{
	if (width < 2)
		return;
	sbx_buf b = SBX_BUF_INIT;
	buf_puts(&b, l);
	for (int i = 0; i < width - 2; i++)
		buf_puts(&b, "\xe2\x94\x80");
	buf_puts(&b, r);
	draw_text(d->w, y, x, width, buf_cstr(&b), at);
	buf_free(&b);
	if (label && width > 6)
		draw_text(d->w, y, x + 2, width - 4, label, at);
}

static void draw_ansi(const dctx *d, int y, int x, int width, const orow *r, ui_attr base)
{
	if (!r->ansi) {
		draw_textn(d->w, y, x, width, r->line + r->off, r->len, base);
		return;
	}
	ui_attr st = base;
	size_t i = 0;
	/* the colours in force where this row starts (escapes found with
	 * memchr: a row deep in a long wrapped line is not walked byte by byte) */
	while (i < r->off) {
		const char *esc = memchr(r->line + i, '\033', r->off - i);
		if (!esc)
			break;
		i = nbp_ansi_escape(r->line, r->line_len, (size_t)(esc - r->line), &st, base, d->colors);
	}
	i = r->off;
	size_t end = r->off + r->len;
	int col = 0;
	while (i < end && col < width) {
		if (r->line[i] == '\033') {
			i = nbp_ansi_escape(r->line, r->line_len, i, &st, base, d->colors);
			continue;
		}
		const char *esc = memchr(r->line + i, '\033', end - i);
		size_t n = esc ? (size_t)(esc - (r->line + i)) : end - i;
		col += draw_textn(d->w, y, x + col, width - col, r->line + i, n, st);
		i += n;
	}
}

static void draw_prompt(const dctx *d, int y, const char *text, ui_attr at)
{
	char g[32];
	snprintf(g, sizeof g, "%*s ", NBP_GUTTER - 1, text);
	draw_text(d->w, y, 0, NBP_GUTTER, g, at);
}

static void markdown_line(const dctx *d, int y, int x, int width, const char *s, size_t len)
{
	size_t h = 0;
	while (h < len && h < 6 && s[h] == '#')
		h++;
	if (h && h < len && s[h] == ' ') {
		ui_attr at = app_th(d->a, TH_MARKDOWN_HEADING);
		at.flags |= UI_BOLD;
		draw_textn(d->w, y, x, width, s + h + 1, len - h - 1, at);
		return;
	}
	ui_attr at = app_th(d->a, TH_MARKDOWN);
	size_t ind = 0;
	while (ind < len && s[ind] == ' ')
		ind++;
	if (ind + 1 < len && (s[ind] == '-' || s[ind] == '*') && s[ind + 1] == ' ') {
		/* list bullets */
		int c = draw_textn(d->w, y, x, width, s, ind, at);
		c += draw_text(d->w, y, x + c, width - c, "\xe2\x80\xa2", at);
		draw_textn(d->w, y, x + c, width - c, s + ind + 1, len - ind - 1, at);
		return;
	}
	draw_textn(d->w, y, x, width, s, len, at);
}

static void draw_image(dctx *d, const orow *r, int y, int x, int count)
{
	/* rows [r->r, r->r + count) of the picture are in the output window
	 * starting at window row y; clip them to the viewport */
	int y0 = maxi(y, d->top), y1 = mini(y + count, d->H);
	int cols = mini(r->cols, d->W - x);
	if (y1 <= y0 || cols < 1)
		return;
	WINDOW *sub = derwin(d->w, y1 - y0, cols, y0, x);
	if (!sub)
		return;
	size_t before = d->np->places.n;
	/* in sub, the picture's top is at (y - r->r) - y0 */
	gfx_draw(d->a, sub, y - r->r - y0, 0, r->cols, r->rows, r->b64, r->b64_len, r->hash, &d->np->places);
	/* a picture cut by the output window is not placed as sixel */
	if (r->r != 0 || count != r->rows)
		d->np->places.n = before;
	for (size_t i = before; i < d->np->places.n; i++) {
		d->np->places.v[i].y += y0;
		d->np->places.v[i].x += x;
	}
	delwin(sub);
}

static void draw_outputs(dctx *d, size_t ci, int first_row)
{
	nb_pane *np = d->np;
	nbp_cellview *cv = &np->cv[np->lay_cv[ci]];
	const orows *o = &cv->rows;
	int n = (int)o->n, cap = np->out_cap, shown = n, os = 0, cut = 0;
	if (n > cap) {
		cut = 1;
		shown = cap - 1;
		os = mini(maxi(cv->out_scroll, 0), n - shown);
		cv->out_scroll = os;
	}
	int x = NBP_GUTTER + 1, width = maxi(d->W - x, 1);
	for (int k = 0; k < shown;) {
		const orow *r = &o->v[os + k];
		int y = wrow(d, first_row + k);
		if (r->kind == OROW_IMAGE) {
			int count = 1;
			while (k + count < shown && o->v[os + k + count].kind == OROW_IMAGE &&
			       o->v[os + k + count].b64 == r->b64 && o->v[os + k + count].r == r->r + count)
				count++;
			if (y + count > d->top && y < d->H)
				draw_image(d, r, y, x, count);
			k += count;
			continue;
		}
		if (visible(d, y)) {
			if (r->prompt >= 0) {
				char p[16];
				snprintf(p, sizeof p, "[%d]:", r->prompt);
				draw_prompt(d, y, p, app_th(d->a, TH_CELL_PROMPT));
			}
			draw_ansi(d, y, x, width, r, app_th(d->a, r->el));
		}
		k++;
	}
	if (cut) {
		int y = wrow(d, first_row + shown);
		if (visible(d, y)) {
			char msg[128];
			snprintf(msg, sizeof msg, "\xe2\x94\x80\xe2\x94\x80 output rows %d-%d of %d ([ and ] scroll) ",
				 os + 1, os + shown, n);
			draw_text(d->w, y, x, width, msg, app_th(d->a, TH_OUT_PLACEHOLDER));
		}
	}
}

static void draw_nbcell(dctx *d, size_t ci)
{
	nb_pane *np = d->np;
	nb_cell *c = np->nb->cells[ci];
	int sel = ci == np->sel, editing = sel && np->editing;
	int top = np->view.top[ci], src = np->view.src[ci];
	int bx = NBP_GUTTER, bw = d->W - NBP_GUTTER;
	int boxed = c->type == NB_CODE || sel;
	theme_elem bel = editing ? TH_CELL_EDITING : sel && d->focused ? TH_CELL_SELECTED : TH_CELL_BORDER;
	if (sel && !d->focused && !editing)
		bel = TH_CELL_SELECTED;
	ui_attr battr = app_th(d->a, bel);
	ui_attr normal = app_th(d->a, TH_NORMAL);
	const char *label = c->type == NB_MARKDOWN ? " markdown " : c->type == NB_RAW ? " raw " : NULL;

	int y = wrow(d, top);
	if (visible(d, y) && boxed) {
		draw_edge(d, y, bx, bw, "\xe2\x94\x8c", "\xe2\x94\x90", battr, label);
		/* the cell's language at the right of its top edge, as VS Code
		 * shows it; python cells of a python notebook stay unmarked */
		char lb[NB_LANG_MAX], tag[NB_LANG_MAX + 2];
		if (nb_lang_shown(np->nb, c)) {
			int n = snprintf(tag, sizeof tag, " %s ", nb_lang_cell(np->nb, c, lb));
			if (n > 0 && bw >= n + 6)
				draw_text(d->w, y, bx + bw - 2 - n, n, tag, battr);
		}
	}
	if (sel && visible(d, y))
		draw_text(d->w, y, 0, 1, "\xe2\x96\xba", battr);  /* U+25BA: in WGL4 fonts such as xterm's fixed */
	/* the prompt, on the first source line */
	y = wrow(d, top + 1);
	if (visible(d, y) && c->type == NB_CODE) {
		char p[16];
		if (nbp_is_running(np, c) || nbp_is_queued(np, c))
			snprintf(p, sizeof p, "[*]:");
		else if (c->execution_count >= 0)
			snprintf(p, sizeof p, "[%d]:", c->execution_count);
		else
			snprintf(p, sizeof p, "[ ]:");
		draw_prompt(d, y, p, app_th(d->a, TH_CELL_PROMPT));
	}
	int ix = bx + 1, iw = maxi(bw - 2, 1);
	size_t st = 0, en = 0;
	const char *text = NULL;
	if (editing) {
		size_t tl;
		text = ed_text(np->ed, &tl);
		if (!ed_selection(np->ed, &st, &en))
			st = en = 0;
	}
	const char *p = c->source;
	for (int l = 0; l < src; l++) {
		const char *line;
		size_t len;
		if (editing) {
			line = ed_line(np->ed, (size_t)l, &len);
			if (!line)
				line = "", len = 0;
		} else {
			const char *nl = strchr(p, '\n');
			len = nl ? (size_t)(nl - p) : strlen(p);
			line = p;
			p = nl ? nl + 1 : p + len;
		}
		y = wrow(d, top + 1 + l);
		if (!visible(d, y))
			continue;
		if (boxed && bw >= 2) {
			draw_text(d->w, y, bx, 1, "\xe2\x94\x82", battr);
			draw_text(d->w, y, bx + bw - 1, 1, "\xe2\x94\x82", battr);
		}
		if (editing) {
			long off = (long)(line - text);
			draw_src(d, y, ix, iw, line, len, np->hscroll, (long)st - off, (long)en - off, normal,
				 app_th(d->a, TH_SELECTION));
		} else if (c->type == NB_MARKDOWN) {
			if (src == 1 && len == 0)
				draw_text(d->w, y, ix, iw, "(empty markdown cell)", app_th(d->a, TH_OUT_PLACEHOLDER));
			else
				markdown_line(d, y, ix, iw, line, len);
		} else {
			draw_src(d, y, ix, iw, line, len, 0, -1, -1, normal, normal);
		}
	}
	y = wrow(d, top + 1 + src);
	if (visible(d, y) && boxed)
		draw_edge(d, y, bx, bw, "\xe2\x94\x94", "\xe2\x94\x98", battr, NULL);
	draw_outputs(d, ci, top + 2 + src);
}

/* --- output layouts, kept per cell (nbview_measure) ---------------------- */

typedef struct layctx {
	nb_pane *np;
	nbp_laykey geo;               /* the key's frame-wide part */
} layctx;

static int lay_src_lines(size_t i, void *ud)
{
	nb_pane *np = ((layctx *)ud)->np;
	if (np->editing && i == np->sel)
		return (int)ed_line_count(np->ed);
	return source_lines(np->nb->cells[i]->source);
}

static int lay_out(size_t i, int limit, int *complete, void *ud)
{
	layctx *lc = ud;
	nb_pane *np = lc->np;
	nbp_cellview *cv = &np->cv[np->lay_cv[i]];
	orows_free(&cv->rows);
	cv->rows.limit = (size_t)(limit > 0 ? limit : 0);
	*complete = nbp_output_rows(np, np->nb->cells[i], lc->geo.width, lc->geo.img_max, cv->show_data, &cv->rows);
	return (int)cv->rows.n;
}

static int laykey_equal(const nbp_laykey *a, const nbp_laykey *b)
{
	return a->cell == b->cell && a->out_version == b->out_version && a->width == b->width &&
	       a->img_max == b->img_max && a->show_data == b->show_data && a->gfx_mode == b->gfx_mode &&
	       a->cell_w == b->cell_w && a->cell_h == b->cell_h;
}

/* This frame's nbview_lay per cell, from the kept layouts: held while
 * nothing the layout depends on changed.  Layouts of cells no longer in
 * the notebook are dropped. */
static void lay_begin(nb_pane *np, layctx *lc)
{
	size_t n = np->nb->ncells;
	if (np->lay_n < n) {
		np->lay = xrealloc(np->lay, n * sizeof *np->lay);
		np->lay_cv = xrealloc(np->lay_cv, n * sizeof *np->lay_cv);
		np->lay_n = n;
	}
	for (size_t i = 0; i < n; i++) {
		nb_cell *c = np->nb->cells[i];
		/* last frame's index is right unless cells moved */
		size_t j = np->lay_cv[i];
		if (i >= np->lay_known || j >= np->ncv || strcmp(np->cv[j].id, c->id) != 0) {
			nbp_cellview *cv = nbp_view_of(np, c);   /* may move np->cv */
			j = (size_t)(cv - np->cv);
		}
		np->lay_cv[i] = j;
	}
	np->lay_known = n;
	char *used = xcalloc(np->ncv ? np->ncv : 1, 1);
	for (size_t i = 0; i < n; i++) {
		nb_cell *c = np->nb->cells[i];
		nbp_cellview *cv = &np->cv[np->lay_cv[i]];
		nbp_laykey k = lc->geo;
		k.cell = c;
		k.out_version = c->out_version;
		k.show_data = cv->show_data;
		if (!laykey_equal(&k, &cv->key)) {
			nbp_laykey grown = cv->key;
			grown.out_version = k.out_version;
			if (cv->lay.held && laykey_equal(&k, &grown) && c->out_reset <= cv->key.out_version) {
				/* the outputs only grew: a cut layout still tells the
				 * height; a complete one gets the new rows */
				if (cv->lay.complete) {
					cv->lay.complete = nbp_output_rows_more(np, c, k.width, k.img_max, k.show_data,
										&cv->rows);
					cv->lay.rows = (int)cv->rows.n;
				}
			} else {
				cv->lay.held = 0;
			}
			cv->key = k;
		}
		np->lay[i] = cv->lay;
		used[np->lay_cv[i]] = 1;
	}
	for (size_t j = 0; j < np->ncv; j++)
		if (!used[j] && np->cv[j].rows.n) {
			orows_free(&np->cv[j].rows);
			np->cv[j].lay.held = 0;
		}
	free(used);
}

static void lay_end(nb_pane *np)
{
	for (size_t i = 0; i < np->nb->ncells; i++)
		np->cv[np->lay_cv[i]].lay = np->lay[i];
}

void nbp_draw(nb_pane *np, WINDOW *w, int focused)
{
	dctx d = { np, np->base.app, w, getmaxx(w), getmaxy(w), 0, 0, 0, focused };
	const app_gfx *g = app_graphics(d.a);
	d.colors = g->colors;
	np->banner_rows = np->banner && d.H > 2 ? 1 : 0;
	d.top = np->banner_rows;
	d.vh = maxi(d.H - d.top, 1);
	np->out_cap = maxi(6, d.vh - 3);
	nbp_cell(np);   /* never empty */
	size_t n = np->nb->ncells;
	layctx lc = { np, { 0 } };
	lc.geo.width = maxi(d.W - NBP_GUTTER - 1, 1);
	lc.geo.img_max = maxi(3, mini(d.vh - 4, 40));
	lc.geo.gfx_mode = (int)gfx_mode_for(d.a);
	lc.geo.cell_w = g->cell_w;
	lc.geo.cell_h = g->cell_h;
	lay_begin(np, &lc);
	nbview_src src = { lay_src_lines, lay_out, &lc };
	nbview_measure(&np->view, np->lay, n, np->out_cap, &src);
	if (np->editing) {
		size_t line;
		int col;
		ed_cursor_pos(np->ed, &line, &col);
		int iw = maxi(d.W - NBP_GUTTER - 2, 1);
		if (col < np->hscroll)
			np->hscroll = col;
		else if (col >= np->hscroll + iw)
			np->hscroll = col - iw + 1;
		if (np->follow == 2)
			nbview_show_source_line(&np->view, np->sel, (int)line, d.vh);
	}
	if (np->follow == 1)
		nbview_show_cell(&np->view, np->sel, d.vh);
	np->follow = 0;
	nbview_set_scroll(&np->view, np->view.scroll, d.vh);
	/* the cells on screen need their whole output (to scroll in it) */
	nbview_complete(&np->view, np->lay, d.vh, &src);
	lay_end(np);

	gfx_places_clear(&np->places);
	if (np->banner_rows)
		draw_text_pad(w, 0, 0, d.W, np->banner, app_th(d.a, TH_MSG_ERROR));
	for (size_t i = 0; i < n; i++) {
		int t = np->view.top[i], h = np->view.height[i];
		if (t >= np->view.scroll + d.vh)
			break;
		if (t + h > np->view.scroll)
			draw_nbcell(&d, i);
	}
	/* pictures moved or went away: make curses rewrite every cell, so no
	 * sixel pixels linger where text now is */
	if (!gfx_places_equal(&np->places, &np->shown)) {
		if (np->shown.n)
			redrawwin(w);
		gfx_places_copy(&np->shown, &np->places);
	}
}

int nbp_cursor(nb_pane *np, int *y, int *x)
{
	if (!np->editing || np->sel >= np->view.n)
		return 0;
	size_t line;
	int col;
	ed_cursor_pos(np->ed, &line, &col);
	int yy = np->banner_rows + np->view.top[np->sel] + 1 + (int)line - np->view.scroll;
	int xx = NBP_GUTTER + 1 + col - np->hscroll;
	if (yy < np->banner_rows || yy >= np->base.rows || xx < 0 || xx >= np->base.cols)
		return 0;
	*y = yy;
	*x = xx;
	return 1;
}
