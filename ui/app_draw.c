/*
 * app_draw: one frame — the tab bar, each visible pane's title row and
 * inside (its own window, drawn by the pane), the splitters, the status
 * bar, the shown dialog — then one doupdate() and the panes' out-of-band
 * graphics.  Windows are recreated when a pane's rect changes.
 */
#include "app_priv.h"
#include "draw.h"
#include "model/runtimes.h"
#include "../src/util/timeutil.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static void set_bg(WINDOW *w, ui_attr a)
{
	attr_t at;
	int pair;
	draw_attr(a, &at, &pair);
	cchar_t bg;
	wchar_t sp[2] = { L' ', 0 };
	setcchar(&bg, sp, at, 0, &pair);
	wbkgrndset(w, &bg);
}

static const char *mode_label(keymode m)
{
	switch (m) {
	case KM_NOTEBOOK: return "NOTEBOOK";
	case KM_EDIT: return "EDIT";
	case KM_TERMINAL: return "TERMINAL";
	case KM_COPY: return "COPY";
	case KM_FILES: return "FILES";
	case KM_SANDBOXES: return "SANDBOXES";
	case KM_AI: return "AI";
	case KM_PORTS: return "PORTS";
	default: return "WORKBENCH";
	}
}

static void draw_tabbar(app *a)
{
	WINDOW *w = a->frame;
	ui_attr tab = app_th(a, TH_TAB), act = app_th(a, TH_TAB_ACTIVE);
	draw_fill(w, 0, 0, a->cols, 1, tab);
	int x = 0;
	a->ntabs = 0;
	for (size_t i = 0; i <= a->nsessions && a->ntabs < sizeof a->tabs / sizeof *a->tabs; i++) {
		char label[96];
		if (i == 0) {
			snprintf(label, sizeof label, " sandboxes ");
		} else {
			session *s = a->sessions[i - 1];
			const char *mark = s->state == SESSION_PAUSED ? " (paused)" : s->state == SESSION_GONE ? " (gone)" : "";
			snprintf(label, sizeof label, " %zu:%.8s %s%s ", i, s->id, s->template_id, mark);
		}
		int x0 = x;
		x += draw_text(w, 0, x, a->cols - x, label, i == a->tab ? act : tab);
		a->tabs[a->ntabs++] = (tab_hit){ x0, x, i };
		if (x < a->cols)
			x += draw_text(w, 0, x, 1, "\xe2\x94\x82", tab);
	}
}

static void pane_title(app *a, pane *p, int focused, int y, int x, int width, int zoomed)
{
	char t[160], title[200];
	t[0] = '\0';
	p->ops->title(p, t, sizeof t);
	keymode m = p->ops->mode(p);
	const char *pass = m == KM_TERMINAL && focused ? "  [keys \xe2\x86\x92 program]" : "";
	snprintf(title, sizeof title, " %s%s%s ", t, zoomed ? "  [zoomed]" : "", pass);
	ui_attr at = app_th(a, focused ? TH_TITLE_FOCUS : TH_TITLE);
	draw_fill(a->frame, y, x, width, 1, app_th(a, focused ? TH_BORDER_FOCUS : TH_BORDER));
	draw_text(a->frame, y, x, width, title, at);
}

static void draw_splitters(app *a, session *s)
{
	size_t n;
	const layout_splitter *sp = layout_splitters(s->layout, &n);
	ui_attr b = app_th(a, TH_BORDER);
	for (size_t i = 0; i < n; i++) {
		const layout_rect *r = &sp[i].r;
		uint32_t ch = sp[i].kind == LAYOUT_LEFTRIGHT ? 0x2502 : 0x2500;
		uint32_t c[2] = { ch, 0 };
		for (int yy = 0; yy < r->h; yy++)
			for (int xx = 0; xx < r->w; xx++)
				draw_cell(a->frame, r->y + yy + 1, r->x + xx, c, b);
	}
}

/* Left to right: mode, sandbox, progress, message or pane status; key
 * hints on the right when room is left. */
static void draw_status(app *a, pane *focus)
{
	WINDOW *w = a->frame;
	int y = a->rows - 1, x = 0;
	ui_attr st = app_th(a, TH_STATUS);
	draw_fill(w, y, 0, a->cols, 1, st);
	keymode m = focus ? focus->ops->mode(focus) : KM_GLOBAL;
	char buf[512];
	if (m == KM_TERMINAL) {
		char k[32];
		app_key_hint(a, KM_TERMINAL, A_TERM_LEAVE, k, sizeof k);
		snprintf(buf, sizeof buf, " TERMINAL \xc2\xb7 keys go to the program \xc2\xb7 %s: workbench ", k);
		x += draw_text(w, y, x, -1, buf, app_th(a, TH_STATUS_PASSTHROUGH));
	} else {
		snprintf(buf, sizeof buf, " %s ", mode_label(m));
		x += draw_text(w, y, x, -1, buf, app_th(a, TH_STATUS_MODE));
	}
	if (a->nseq) {
		char k[32];
		snprintf(buf, sizeof buf, " %s\xe2\x80\xa6", key_format(a->seq[0], k, sizeof k));
		x += draw_text(w, y, x, -1, buf, app_th(a, TH_STATUS_KEY));
	}
	session *s = app_cur(a);
	if (a->tab > 0) {
		const char *state = s->state == SESSION_RUNNING ? "running" : s->state == SESSION_PAUSED ? "paused" : "GONE";
		char left[64] = "";
		if (s->state == SESSION_RUNNING && s->end_ms) {
			int64_t secs = (s->end_ms - (int64_t)time(NULL) * 1000) / 1000;
			char d[24];
			fmt_duration(secs > 0 ? secs : 0, d, sizeof d);
			snprintf(left, sizeof left, " \xc2\xb7 %.24s left", d);
		}
		char tag[64];
		rt_tag(s->runtime, s->accel, tag, sizeof tag);
		snprintf(buf, sizeof buf, " %.8s \xc2\xb7 %.40s \xc2\xb7 %s%s ", s->id, *tag ? tag : "sbxd", state, left);
		x += draw_text(w, y, x, -1, buf, s->state == SESSION_GONE ? app_th(a, TH_STATUS_ERROR) : st);
	}
	for (size_t i = 0; i < a->nprog && x < a->cols - 10; i++) {
		snprintf(buf, sizeof buf, " %.200s ", a->prog[i].label);
		x += draw_text(w, y, x, a->cols / 3, buf, st);
		int bw = 10;
		draw_progress(w, y, x, bw, a->prog[i].frac, a->tick, app_th(a, TH_PROGRESS), st);
		x += bw;
		if (a->prog[i].frac >= 0) {
			snprintf(buf, sizeof buf, " %3d%%", (int)(a->prog[i].frac * 100));
			x += draw_text(w, y, x, -1, buf, st);
		}
	}
	char hints[160], k1[24], k2[24], k3[24];
	snprintf(hints, sizeof hints, " %s help  %s commands  %s quit ", app_key_hint(a, KM_GLOBAL, A_HELP, k1, sizeof k1),
		 app_key_hint(a, KM_GLOBAL, A_PALETTE, k2, sizeof k2), app_key_hint(a, KM_GLOBAL, A_QUIT, k3, sizeof k3));
	int hw = (int)strlen(hints);
	int room = a->cols - x;
	if (a->msg[0]) {
		snprintf(buf, sizeof buf, " %.500s ", a->msg);
		int used = draw_text(w, y, x, room, buf, app_th(a, a->msg_error ? TH_MSG_ERROR : TH_MSG_INFO));
		x += used;
		room -= used;
	} else if (focus && focus->ops->status) {
		sbx_buf b;
		buf_init(&b);
		focus->ops->status(focus, &b);
		if (b.len) {
			snprintf(buf, sizeof buf, " %.500s ", buf_cstr(&b));
			int used = draw_text(w, y, x, room > hw ? room - hw : room, buf, st);
			x += used;
			room -= used;
		}
		buf_free(&b);
	}
	if (room >= hw)
		draw_text(w, y, a->cols - hw, hw, hints, app_th(a, TH_STATUS_KEY));
}

static void ensure_window(app *a, pane *p, int y, int x, int h, int wdt)
{
	int cy = -1, cx = -1, ch = 0, cw = 0;
	if (p->win) {
		getbegyx(p->win, cy, cx);
		getmaxyx(p->win, ch, cw);
	}
	if (!p->win || cy != y || cx != x || ch != h || cw != wdt) {
		if (p->win)
			delwin(p->win);
		p->win = newwin(h, wdt, y, x);
		a->epoch++;
	}
	set_bg(p->win, app_th(a, TH_NORMAL));
	if (p->cols != wdt || p->rows != h) {
		p->cols = wdt, p->rows = h;
		if (p->ops->resize)
			p->ops->resize(p, wdt, h);
	}
}

void app_render(app *a)
{
	a->dirty = 0;
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (rows != a->rows || cols != a->cols) {
		a->rows = rows, a->cols = cols;
		wresize(a->frame, rows, cols);
		a->epoch++;
	}
	set_bg(a->frame, app_th(a, TH_NORMAL));
	werase(a->frame);
	session *s = app_cur(a);
	pane *focus = app_focused(a);
	int area = rows - 2;
	pane *visible[64];
	int vy[64], vx[64];
	size_t nvis = 0;
	if (rows >= 1)
		draw_tabbar(a);
	if (s->layout && area > 0) {
		layout_set_size(s->layout, cols, area);
		size_t n;
		const layout_box *bx = layout_boxes(s->layout, &n);
		int zoomed = layout_zoomed(s->layout) != 0;
		for (size_t i = 0; i < n; i++) {
			pane *p = session_pane(s, bx[i].pane);
			if (!p || !bx[i].visible)
				continue;
			const layout_rect *r = &bx[i].r;
			pane_title(a, p, p == focus, r->y + 1, r->x, r->w, zoomed);
			if (r->h < 2) {
				if (p->win) {
					delwin(p->win);
					p->win = NULL;
				}
				continue;
			}
			ensure_window(a, p, r->y + 2, r->x, r->h - 1, r->w);
			if (nvis < 64) {
				vy[nvis] = r->y + 2, vx[nvis] = r->x;
				visible[nvis++] = p;
			}
		}
		draw_splitters(a, s);
	}
	if (rows >= 2)
		draw_status(a, focus);
	wnoutrefresh(a->frame);
	pane *last = NULL;
	for (size_t i = 0; i < nvis; i++) {
		pane *p = visible[i];
		werase(p->win);
		p->ops->draw(p, p->win, p == focus);
		leaveok(p->win, TRUE);
		if (p == focus)
			last = p;
		else
			wnoutrefresh(p->win);
	}
	int cy, cx, cursor = 0;
	if (last) {
		if (!a->ndlgs && last->ops->cursor && last->ops->cursor(last, &cy, &cx) && cy >= 0 && cx >= 0 &&
		    cy < last->rows && cx < last->cols) {
			leaveok(last->win, FALSE);
			wmove(last->win, cy, cx);
			cursor = 1;
		}
		wnoutrefresh(last->win);
	}
	if (a->ndlgs) {
		if (dialog_draw(a, &cy, &cx)) {
			leaveok(a->dlgwin, FALSE);
			wmove(a->dlgwin, cy, cx);
			cursor = 1;
		} else {
			leaveok(a->dlgwin, TRUE);
		}
		wnoutrefresh(a->dlgwin);
	}
	curs_set(cursor ? 1 : 0);
	doupdate();
	/* a program's cursor shape (vi's bar in insert mode) on the real cursor */
	int style = cursor && !a->ndlgs && last && last->ops->cursor_style ? last->ops->cursor_style(last) : 0;
	if (style != a->cursor_style) {
		char seq[16];
		int k = snprintf(seq, sizeof seq, "\033[%d q", style);
		app_tty_write(a, seq, (size_t)k);
		a->cursor_style = style;
	}
	if (!a->ndlgs)
		for (size_t i = 0; i < nvis; i++)
			if (visible[i]->ops->overlay)
				visible[i]->ops->overlay(visible[i], vy[i], vx[i]);
}
