/*
 * pane_console: a sandbox's console — what GET /sandboxes/ID/logs gives:
 * sbxd's events for it, the agent's log and, for a VM, its serial console
 * (boot messages, oopses, the agent's own output) and the VMM's log.
 * Polled every second (one request at a time, every 5 s after a failure);
 * conbuf appends only what is new, sanitised, the last CONSOLE_LINES kept.
 * The view follows the end until the user moves its cursor line up (End,
 * G or moving down to the last line follows again).  Keys are copy
 * mode's, as in the terminal: the list actions move the cursor line,
 * Left/Right scroll sideways, / ? n N search (case-sensitive), v or Space
 * starts a selection of lines, y or Enter copies it (else the matched
 * line, the cursor line, or when following the lines shown) with OSC 52,
 * s saves every kept line to a host file, q or Escape ends the selection
 * or closes.
 * Works without an attached session (opened from the sandboxes list), and
 * for any runtime: sbxd decides which logs a sandbox has.
 */
#include "app.h"
#include "draw.h"
#include "model/conbuf.h"
#include "model/utf8.h"
#include "../src/util/b64.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONSOLE_LINES 10000
#define POLL_MS 1000
#define POLL_ERROR_MS 5000
#define HSTEP 8

typedef struct console {
	pane p;
	char id[64];
	conbuf *cb;
	sbx_op *op;
	int64_t timer;
	char *error;            /* the last poll's failure, NULL when fine */
	int answered;           /* a poll answered at least once */
	int follow;             /* keep the end in view (the cursor on the last line) */
	uint64_t top;           /* first line shown, counted from the first line ever */
	uint64_t cur;           /* the cursor line (absolute) */
	int marking;            /* a selection from `mark` to the cursor */
	uint64_t mark;
	int hscroll;
	char *query;
	int back;
	int have_match;
	uint64_t mline;         /* the match: its line (absolute), byte offset and length */
	size_t moff, mlen;
} console;

static size_t rows_of(console *c) { return c->p.rows > 0 ? (size_t)c->p.rows : 1; }
static uint64_t first_abs(console *c) { return conbuf_dropped(c->cb); }
static uint64_t end_abs(console *c) { return conbuf_dropped(c->cb) + conbuf_count(c->cb); }

static uint64_t max_top(console *c)
{
	uint64_t n = conbuf_count(c->cb), r = rows_of(c);
	return first_abs(c) + (n > r ? n - r : 0);
}

static uint64_t last_abs(console *c) { return end_abs(c) ? end_abs(c) - 1 : 0; }

/* Keeps the cursor on a kept line and in view (on the last one when
 * following), and the view within the lines. */
static void clamp(console *c)
{
	if (c->follow || c->cur > last_abs(c))
		c->cur = last_abs(c);
	if (c->cur < first_abs(c))
		c->cur = first_abs(c);
	if (c->marking && c->mark < first_abs(c))
		c->mark = first_abs(c);   /* its start was dropped from the front */
	if (c->follow || c->top > max_top(c))
		c->top = max_top(c);
	if (c->cur < c->top)
		c->top = c->cur;
	if (c->cur >= c->top + rows_of(c))
		c->top = c->cur - rows_of(c) + 1;
	if (c->top < first_abs(c))
		c->top = first_abs(c);
}

static void move_to(console *c, int64_t line)
{
	int64_t lo = (int64_t)first_abs(c), hi = (int64_t)last_abs(c);
	c->cur = (uint64_t)(line < lo ? lo : line > hi ? hi : line);
	c->follow = c->cur == (uint64_t)hi && !c->marking;
	clamp(c);
	app_dirty(c->p.app);
}

/* A page: the view and the cursor together. */
static void page_by(console *c, int64_t d)
{
	int64_t lo = (int64_t)first_abs(c), hi = (int64_t)max_top(c), top = (int64_t)c->top + d;
	c->top = (uint64_t)(top < lo ? lo : top > hi ? hi : top);
	move_to(c, (int64_t)c->cur + d);
}

/* --- polling ---------------------------------------------------------------- */

static void on_logs(const char *text, size_t len, const sbx_err *e, void *ud)
{
	console *c = ud;
	c->op = NULL;
	if (e) {
		if (!c->error || strcmp(c->error, e->msg)) {
			free(c->error);
			c->error = xstrdup(e->msg);
			app_dirty(c->p.app);
		}
		return;
	}
	int was = c->error != NULL;
	free(c->error);
	c->error = NULL;
	int first = !c->answered;
	c->answered = 1;
	if (conbuf_feed(c->cb, text, len) || first || was) {
		clamp(c);
		app_dirty(c->p.app);
	}
}

static void poll_logs(console *c)
{
	if (c->op)
		return;
	sbx_err e;
	if (sbx_api_logs(app_client(c->p.app), c->id, on_logs, c, &c->op, &e) < 0) {
		c->op = NULL;
		on_logs(NULL, 0, &e, c);
	}
}

static int64_t on_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	console *c = ud;
	poll_logs(c);
	return c->error ? POLL_ERROR_MS : POLL_MS;
}

/* --- drawing ---------------------------------------------------------------- */

/* Byte offset in s where column `cols` starts (lines hold no controls). */
static size_t skip_cols(const char *s, size_t len, int cols)
{
	size_t i = 0;
	int col = 0;
	while (i < len && col < cols) {
		uint32_t cp;
		size_t k = utf8_decode(s + i, len - i, &cp);
		col += utf8_cp_width(cp) > 0 ? utf8_cp_width(cp) : 0;
		i += k;
	}
	return i;
}

static void draw_line(console *c, WINDOW *w, int y, const char *s, ui_attr norm, size_t hs, size_t he)
{
	ui_attr hit = app_th(c->p.app, TH_SEARCH_MATCH);
	draw_fill(w, y, 0, c->p.cols, 1, norm);
	size_t len = strlen(s), from = skip_cols(s, len, c->hscroll);
	int x = 0;
	if (hs >= he || he <= from) {
		draw_textn(w, y, 0, -1, s + from, len - from, norm);
		return;
	}
	if (hs < from)
		hs = from;
	x += draw_textn(w, y, x, -1, s + from, hs - from, norm);
	x += draw_textn(w, y, x, -1, s + hs, he - hs, hit);
	draw_textn(w, y, x, -1, s + he, len - he, norm);
}

static void draw_op(pane *p, WINDOW *w, int focused)
{
	console *c = (console *)p;
	app *a = p->app;
	ui_attr norm = app_th(a, TH_NORMAL), meta = app_th(a, TH_FILES_META), err = app_th(a, TH_MSG_ERROR),
		sel = app_th(a, focused ? TH_SELECTION : TH_FILES_META);
	ui_attr head = meta;
	head.flags |= UI_BOLD;
	int rows = p->rows;
	if (c->error)
		rows--;   /* the last row says why the console may be stale */
	if (!conbuf_count(c->cb)) {
		draw_text(w, 0, 1, -1, c->answered ? "no console output yet" : "reading the console…", meta);
		if (c->answered)
			draw_text(w, 1, 1, -1,
				  "sbxd's events, the agent's log and a VM's serial console show here as they are written.",
				  meta);
	} else {
		clamp(c);
		for (int r = 0; r < rows; r++) {
			uint64_t li = c->top + (uint64_t)r;
			if (li >= end_abs(c))
				break;
			con_kind k;
			const char *s = conbuf_line(c->cb, (size_t)(li - first_abs(c)), &k);
			size_t hs = 0, he = 0;
			if (c->have_match && li == c->mline)
				hs = c->moff, he = c->moff + c->mlen;
			uint64_t lo = c->marking && c->mark < c->cur ? c->mark : c->cur,
				 hi = c->marking && c->mark > c->cur ? c->mark : c->cur;
			int on = !c->follow && li >= lo && li <= hi;   /* the cursor line or the selection */
			draw_line(c, w, r, s, on ? sel : k == CON_TEXT ? norm : k == CON_HEADER ? head : err, hs, he);
		}
	}
	if (c->error)
		draw_text(w, p->rows - 1, 0, -1, c->error, err);
}

/* --- search and copy -------------------------------------------------------- */

/* From (line, off) on, forward or back, wrapping once round the kept lines. */
static int find(console *c, uint64_t li, size_t off, int back)
{
	size_t q = strlen(c->query), n = conbuf_count(c->cb);
	if (!q || !n)
		return 0;
	size_t start = li < first_abs(c) ? 0 : li >= end_abs(c) ? n - 1 : (size_t)(li - first_abs(c));
	for (size_t step = 0; step <= n; step++) {
		size_t l = back ? (start + n * 2 - step) % n : (start + step) % n;
		const char *s = conbuf_line(c->cb, l, NULL);
		size_t len = strlen(s), best = (size_t)-1;
		for (const char *h = s; (h = memmem(h, len - (size_t)(h - s), c->query, q)); h++) {
			size_t i = (size_t)(h - s);
			if (step == 0 && (back ? i >= off : i < off))
				continue;
			if (step == n && (back ? i < off : i >= off))
				continue;   /* came round: only what lies before the start */
			best = i;
			if (!back)
				break;
		}
		if (best == (size_t)-1)
			continue;
		c->have_match = 1;
		c->mline = first_abs(c) + l;
		c->moff = best;
		c->mlen = q;
		if (c->mline < c->top || c->mline >= c->top + rows_of(c)) {
			int64_t top = (int64_t)c->mline - (int64_t)rows_of(c) / 2;
			c->top = top < (int64_t)first_abs(c) ? first_abs(c) : (uint64_t)top;
		}
		move_to(c, (int64_t)c->mline);
		int col = utf8_width(s, best), width = c->p.cols;
		if (col < c->hscroll || col + (int)q > c->hscroll + width)
			c->hscroll = col > width / 2 ? col - width / 2 : 0;
		app_dirty(c->p.app);
		return 1;
	}
	return 0;
}

static void search_next(console *c, int back)
{
	if (!c->query || !*c->query) {
		app_info(c->p.app, "no search yet: press / to search");
		return;
	}
	int have = c->have_match && c->mline >= first_abs(c);
	uint64_t li = have ? c->mline : back ? c->top + rows_of(c) - 1 : c->top;
	size_t off = have ? c->moff : 0;
	if (have && !back)
		off++;
	else if (!have && back)
		off = (size_t)-1 / 2;
	if (!find(c, li, off, back))
		app_info(c->p.app, "\"%s\" is not in the console", c->query);
}

static void on_search(app *a, const char *text, void *ud)
{
	(void)a;
	console *c = ud;
	if (!text || !*text)
		return;
	free(c->query);
	c->query = xstrdup(text);
	c->have_match = 0;
	search_next(c, c->back);
}

static void put_lines(console *c, sbx_buf *b, uint64_t from, uint64_t to)
{
	for (uint64_t li = from; li <= to && li < end_abs(c); li++)
		buf_printf(b, "%s\n", conbuf_line(c->cb, (size_t)(li - first_abs(c)), NULL));
}

/* The selection, else the matched line, else the cursor line (when
 * following: the lines shown). */
static void yank(console *c)
{
	sbx_buf b = SBX_BUF_INIT;
	if (!conbuf_count(c->cb)) {
		/* nothing */
	} else if (c->marking) {
		put_lines(c, &b, c->mark < c->cur ? c->mark : c->cur, c->mark > c->cur ? c->mark : c->cur);
		c->marking = 0;
		app_dirty(c->p.app);
	} else if (c->have_match && c->mline >= first_abs(c) && c->mline < end_abs(c)) {
		put_lines(c, &b, c->mline, c->mline);
	} else if (!c->follow) {
		put_lines(c, &b, c->cur, c->cur);
	} else {
		put_lines(c, &b, c->top, c->top + rows_of(c) - 1);
	}
	if (!b.len) {
		app_info(c->p.app, "nothing to copy: the console is empty");
		buf_free(&b);
		return;
	}
	char *enc = b64_encode(b.data, b.len);
	sbx_buf osc = SBX_BUF_INIT;
	buf_printf(&osc, "\033]52;c;%s\a", enc);
	app_tty_write(c->p.app, osc.data, osc.len);
	app_info(c->p.app, "copied %zu bytes to the clipboard (OSC 52, if your terminal allows it); s saves the console",
		 b.len);
	free(enc);
	buf_free(&osc);
	buf_free(&b);
}

static void on_save(app *a, const char *text, void *ud)
{
	console *c = ud;
	if (!text || !*text)
		return;
	char *path = text[0] == '~' && text[1] == '/' && getenv("HOME") ? xasprintf("%s%s", getenv("HOME"), text + 1)
									: xstrdup(text);
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; i < conbuf_count(c->cb); i++)
		buf_printf(&b, "%s\n", conbuf_line(c->cb, i, NULL));
	FILE *f = fopen(path, "w");
	if (!f) {
		app_error(a, "cannot save the console to %s: %s — choose a writable path", path, strerror(errno));
	} else {
		size_t wr = b.len ? fwrite(b.data, 1, b.len, f) : 0;
		if (fclose(f) != 0 || wr != b.len)
			app_error(a, "cannot write the console to %s: %s", path, strerror(errno));
		else
			app_info(a, "saved the console (%zu lines) to %s", conbuf_count(c->cb), path);
	}
	buf_free(&b);
	free(path);
}

static int action_op(pane *p, ui_action act)
{
	console *c = (console *)p;
	int64_t page = p->rows > 1 ? p->rows - 1 : 1, cur = (int64_t)c->cur;
	char def[128];
	switch (act) {
	case A_LIST_UP: move_to(c, cur - 1); return 1;
	case A_LIST_DOWN: move_to(c, cur + 1); return 1;
	case A_LIST_TOP: move_to(c, 0); return 1;
	case A_LIST_BOTTOM:   /* follows again */
		c->marking = 0;
		move_to(c, (int64_t)last_abs(c));
		return 1;
	case A_LIST_PAGE_UP: page_by(c, -page); return 1;
	case A_LIST_PAGE_DOWN: page_by(c, page); return 1;
	case A_COPY_SELECT:
		if (c->marking) {
			c->marking = 0;
		} else if (conbuf_count(c->cb)) {
			c->marking = 1;
			c->mark = c->cur;
			c->follow = 0;   /* the selection must not slide away */
		}
		app_dirty(p->app);
		return 1;
	case A_COPY_SEARCH:
	case A_COPY_SEARCH_BACK:
		c->back = act == A_COPY_SEARCH_BACK;
		app_prompt(p->app, p, c->back ? "Search the console backward" : "Search the console",
			   c->query ? c->query : "", on_search, c);
		return 1;
	case A_COPY_NEXT: search_next(c, c->back); return 1;
	case A_COPY_PREV: search_next(c, !c->back); return 1;
	case A_COPY_YANK: yank(c); return 1;
	case A_COPY_SAVE:
		snprintf(def, sizeof def, "console-%.8s.log", c->id);
		app_prompt(p->app, p, "Save the console to a host file", def, on_save, c);
		return 1;
	case A_TERM_RESUME:   /* q / Escape: the selection goes, else done reading */
		if (c->marking) {
			c->marking = 0;
			app_dirty(p->app);
		} else {
			app_close_pane(p->app, p);
		}
		return 1;
	default: return 0;
	}
}

static void hscroll_by(console *c, int d)
{
	c->hscroll = c->hscroll + d < 0 ? 0 : c->hscroll + d;
	app_dirty(c->p.app);
}

static int key_op(pane *p, ui_key k)
{
	console *c = (console *)p;
	if (k.mods & (KEY_CTRL | KEY_ALT))
		return 0;
	if (k.code == UK_LEFT || k.code == 'h') {
		hscroll_by(c, -HSTEP);
		return 1;
	}
	if (k.code == UK_RIGHT || k.code == 'l') {
		hscroll_by(c, HSTEP);
		return 1;
	}
	return 0;
}

static int mouse_op(pane *p, const ui_mouse *m)
{
	console *c = (console *)p;
	if (m->button == MOUSE_WHEEL_UP || m->button == MOUSE_WHEEL_DOWN) {
		int d = m->button == MOUSE_WHEEL_UP ? -3 : 3;
		if (m->mods & KEY_SHIFT)
			hscroll_by(c, d * 2);
		else
			move_to(c, (int64_t)c->cur + d);
		return 1;
	}
	if (m->button == MOUSE_LEFT && m->pressed && !m->motion && m->y >= 0 && conbuf_count(c->cb)) {
		move_to(c, (int64_t)(c->top + (uint64_t)m->y));   /* the clicked line is the cursor's */
		return 1;
	}
	return m->button == MOUSE_LEFT;
}

/* --- the rest --------------------------------------------------------------- */

static void title_op(pane *p, char *out, size_t n)
{
	snprintf(out, n, "console %.8s", ((console *)p)->id);
}

static keymode mode_op(pane *p)
{
	(void)p;
	return KM_COPY;
}

static void resize_op(pane *p, int cols, int rows)
{
	(void)cols;
	(void)rows;
	clamp((console *)p);
}

static void status_op(pane *p, sbx_buf *out)
{
	console *c = (console *)p;
	size_t n = conbuf_count(c->cb);
	if (c->marking) {
		uint64_t k = c->mark > c->cur ? c->mark - c->cur + 1 : c->cur - c->mark + 1;
		buf_printf(out, "console: %llu line%s selected, y copies", (unsigned long long)k, k == 1 ? "" : "s");
	} else if (c->follow || !n) {
		buf_printf(out, "console: %zu line%s, following", n, n == 1 ? "" : "s");
	} else {
		char k[32];
		app_key_hint(p->app, KM_COPY, A_LIST_BOTTOM, k, sizeof k);
		buf_printf(out, "console: line %llu of %zu, %s follows", (unsigned long long)(c->cur - first_abs(c) + 1),
			   n, k);
	}
	if (c->error)
		buf_puts(out, " (cannot read it now)");
}

static void free_op(pane *p)
{
	console *c = (console *)p;
	if (c->timer)
		loop_del_timer(app_loop(p->app), c->timer);
	if (c->op)
		sbx_op_cancel(c->op);
	conbuf_free(c->cb);
	free(c->error);
	free(c->query);
	free(c);
}

static const pane_ops console_ops = {
	.kind = PANE_CONSOLE, .title = title_op, .mode = mode_op, .draw = draw_op, .action = action_op,
	.key = key_op, .mouse = mouse_op, .resize = resize_op, .status = status_op, .free = free_op,
};

pane *pane_console_new(app *a, session *s, const char *sandbox_id)
{
	console *c = xcalloc(1, sizeof *c);
	c->p.ops = &console_ops;
	c->p.app = a;
	c->p.session = s;
	snprintf(c->id, sizeof c->id, "%s", sandbox_id);
	c->cb = conbuf_new(CONSOLE_LINES);
	c->follow = 1;
	poll_logs(c);
	c->timer = loop_add_timer(app_loop(a), POLL_MS, on_timer, c);
	return &c->p;
}
