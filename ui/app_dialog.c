/*
 * app_dialog: the modal layer — confirm, prompt, pick and form dialogs
 * panes ask for, and the app's own overlays: help (generated from the key
 * table), the command palette (fuzzy search over every action and theme)
 * and the message log.  One is shown at a time, centred; the rest queue.
 */
#include "app_priv.h"
#include "draw.h"
#include "model/fuzzy.h"
#include "model/utf8.h"
#include "../src/util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* palette items run an action, or switch theme (THEME_BASE + index) */
#define PAL_THEME_BASE 100000
#define PAL_MESSAGES 99999

static dialog *dlg_new(dlg_kind kind, pane *owner, const char *title, void *cb, void *ud)
{
	dialog *d = xcalloc(1, sizeof *d);
	d->kind = kind;
	d->owner = owner;
	d->title = xstrdup(title ? title : "");
	d->cb = cb;
	d->ud = ud;
	return d;
}

static void dlg_free(dialog *d)
{
	if (d->ed)
		ed_free(d->ed);
	for (size_t i = 0; i < d->nitems; i++)
		free(d->items[i]);
	free(d->items);
	free(d->values);
	free(d->order);
	for (size_t i = 0; i < d->nfields; i++) {
		if (d->eds[i])
			ed_free(d->eds[i]);
		free((char *)d->fields[i].label);
		free((char *)d->fields[i].text);
		free((char *)d->fields[i].hint);
		for (size_t c = 0; c < d->fields[i].nchoices; c++) {
			free((char *)d->fields[i].choices[c]);
			if (d->fields[i].notes)
				free((char *)d->fields[i].notes[c]);
		}
		free((void *)d->fields[i].choices);
		free((void *)d->fields[i].notes);
	}
	free(d->fields);
	free(d->eds);
	free(d->fvals);
	free(d->title);
	free(d);
}

void dialog_push(app *a, dialog *d)
{
	a->dlgs = xrealloc(a->dlgs, (a->ndlgs + 1) * sizeof *a->dlgs);
	a->dlgs[a->ndlgs++] = d;
	a->nseq = 0;
	app_dirty(a);
}

static void refilter(dialog *d)
{
	const char *pat = d->ed ? ed_text(d->ed, NULL) : "";
	free(d->order);
	d->order = xcalloc(d->nitems + 1, sizeof *d->order);
	if (d->kind == DLG_HELP || d->kind == DLG_MESSAGES) {
		/* help keeps its order: a plain substring filter */
		d->nmatch = 0;
		for (size_t i = 0; i < d->nitems; i++)
			if (!*pat || strcasestr(d->items[i], pat))
				d->order[d->nmatch++] = i;
	} else if (!*pat) {
		/* nothing typed: the caller's order (fuzzy_rank would sort by length) */
		for (size_t i = 0; i < d->nitems; i++)
			d->order[i] = i;
		d->nmatch = d->nitems;
	} else {
		d->nmatch = fuzzy_rank(pat, (const char *const *)d->items, d->nitems, d->order);
	}
	if (d->sel >= (int)d->nmatch)
		d->sel = d->nmatch ? (int)d->nmatch - 1 : 0;
	if (d->sel < 0)
		d->sel = 0;
	d->top = 0;
}

/* Pops the shown dialog and runs its callback with the answer. */
static void finish(app *a, int ok)
{
	if (!a->ndlgs)
		return;
	dialog *d = a->dlgs[0];
	memmove(a->dlgs, a->dlgs + 1, --a->ndlgs * sizeof *a->dlgs);
	a->epoch++;
	app_dirty(a);
	switch (d->kind) {
	case DLG_CONFIRM:
		((app_confirm_cb)d->cb)(a, ok && d->yes, d->ud);
		break;
	case DLG_PROMPT:
		((app_prompt_cb)d->cb)(a, ok ? ed_text(d->ed, NULL) : NULL, d->ud);
		break;
	case DLG_PICK:
		((app_pick_cb)d->cb)(a, ok && d->nmatch ? (int)d->order[d->sel] : -1, d->ud);
		break;
	case DLG_FORM: {
		if (!ok) {
			((app_form_cb)d->cb)(a, NULL, d->ud);
			break;
		}
		const char **vals = xcalloc(d->nfields + 1, sizeof *vals);
		for (size_t i = 0; i < d->nfields; i++) {
			const app_field *f = &d->fields[i];
			if (f->kind == FIELD_TEXT)
				vals[i] = ed_text(d->eds[i], NULL);
			else if (f->kind == FIELD_TOGGLE)
				vals[i] = d->fvals[i] ? "1" : "0";
			else
				vals[i] = f->nchoices ? f->choices[d->fvals[i]] : "";
		}
		((app_form_cb)d->cb)(a, vals, d->ud);
		free(vals);
		break;
	}
	case DLG_PALETTE:
		if (ok && d->nmatch) {
			int v = d->values[d->order[d->sel]];
			if (v >= PAL_THEME_BASE) {
				char *name = xstrdup(d->items[d->order[d->sel]] + strlen("theme: "));
				app_set_theme(a, name);
				free(name);
			} else if (v == PAL_MESSAGES) {
				app_messages(a);
			} else {
				app_run_action(a, app_focused(a), (ui_action)v);
			}
		}
		break;
	default:
		break;
	}
	dlg_free(d);
}

void dialog_cancel_owner(app *a, pane *p)
{
	for (size_t i = 0; i < a->ndlgs;) {
		if (a->dlgs[i]->owner != p) {
			i++;
			continue;
		}
		/* bring it to the front and cancel it, as if the user did */
		dialog *d = a->dlgs[i];
		memmove(a->dlgs + 1, a->dlgs, i * sizeof *a->dlgs);
		a->dlgs[0] = d;
		finish(a, 0);
		i = 0;
	}
}

void dialog_free_all(app *a)
{
	while (a->ndlgs)
		finish(a, 0);
	free(a->dlgs);
	a->dlgs = NULL;
}

/* --- constructors ---------------------------------------------------------- */

void app_confirm(app *a, pane *owner, const char *question, app_confirm_cb cb, void *ud)
{
	dialog *d = dlg_new(DLG_CONFIRM, owner, question, (void *)cb, ud);
	d->yes = 0;  /* Enter alone does not destroy anything */
	dialog_push(a, d);
}

void app_prompt(app *a, pane *owner, const char *title, const char *initial, app_prompt_cb cb, void *ud)
{
	dialog *d = dlg_new(DLG_PROMPT, owner, title, (void *)cb, ud);
	d->ed = ed_new();
	if (initial) {
		ed_set_text(d->ed, initial, strlen(initial));
		ed_move(d->ed, ED_BUF_END, 0);
	}
	dialog_push(a, d);
}

void app_pick(app *a, pane *owner, const char *title, const char *const *items, size_t n, int selected,
	      app_pick_cb cb, void *ud)
{
	dialog *d = dlg_new(DLG_PICK, owner, title, (void *)cb, ud);
	d->ed = ed_new();
	d->items = xcalloc(n + 1, sizeof *d->items);
	for (size_t i = 0; i < n; i++)
		d->items[i] = xstrdup(items[i]);
	d->nitems = n;
	refilter(d);
	d->sel = selected >= 0 && (size_t)selected < n ? selected : 0;
	dialog_push(a, d);
}

void app_form(app *a, pane *owner, const char *title, const app_field *fields, size_t n, app_form_cb cb, void *ud)
{
	dialog *d = dlg_new(DLG_FORM, owner, title, (void *)cb, ud);
	d->fields = xcalloc(n + 1, sizeof *d->fields);
	d->eds = xcalloc(n + 1, sizeof *d->eds);
	d->fvals = xcalloc(n + 1, sizeof *d->fvals);
	d->nfields = n;
	for (size_t i = 0; i < n; i++) {
		app_field *f = &d->fields[i];
		*f = fields[i];
		f->label = xstrdup(fields[i].label ? fields[i].label : "");
		f->text = xstrdup(fields[i].text ? fields[i].text : "");
		f->hint = fields[i].hint ? xstrdup(fields[i].hint) : NULL;
		const char **ch = xcalloc(fields[i].nchoices + 1, sizeof *ch);
		for (size_t c = 0; c < fields[i].nchoices; c++)
			ch[c] = xstrdup(fields[i].choices[c]);
		f->choices = ch;
		if (fields[i].notes) {
			const char **no = xcalloc(fields[i].nchoices + 1, sizeof *no);
			for (size_t c = 0; c < fields[i].nchoices; c++)
				no[c] = fields[i].notes[c] ? xstrdup(fields[i].notes[c]) : NULL;
			f->notes = no;
		}
		d->fvals[i] = fields[i].value;
		if (f->kind == FIELD_CHOICE && (d->fvals[i] < 0 || (size_t)d->fvals[i] >= f->nchoices))
			d->fvals[i] = 0;
		if (f->kind == FIELD_TEXT) {
			d->eds[i] = ed_new();
			ed_set_text(d->eds[i], f->text, strlen(f->text));
			ed_move(d->eds[i], ED_BUF_END, 0);
		}
	}
	dialog_push(a, d);
}

static void add_item(dialog *d, char *text, int value)
{
	d->items = xrealloc(d->items, (d->nitems + 1) * sizeof *d->items);
	d->values = xrealloc(d->values, (d->nitems + 1) * sizeof *d->values);
	d->items[d->nitems] = text;
	d->values[d->nitems++] = value;
}

static void add_lines(dialog *d, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		add_item(d, xstrndup(p, n), 0);
		p += n;
		if (*p)
			p++;
	}
}

void app_help(app *a)
{
	pane *p = app_focused(a);
	keymode m = p ? p->ops->mode(p) : KM_GLOBAL;
	char title[128];
	snprintf(title, sizeof title, "Keys: %s (type to filter, Esc closes)", keymode_title(m));
	dialog *d = dlg_new(DLG_HELP, NULL, title, NULL, NULL);
	d->ed = ed_new();
	sbx_buf b;
	buf_init(&b);
	if (m == KM_TERMINAL) {
		char k[32];
		buf_printf(&b, "Every key goes to the program except %s, which gives the keys back to the workbench.\n\n",
			   app_key_hint(a, KM_TERMINAL, A_TERM_LEAVE, k, sizeof k));
	}
	if (m != KM_GLOBAL) {
		keytable_help(a->keys, m, &b);
		buf_puts(&b, "\n");
	}
	keytable_help(a->keys, KM_GLOBAL, &b);
	buf_puts(&b, "\nMouse: click focuses a pane, drag a border to resize it, double-click a title to zoom, "
		     "the wheel scrolls.\n");
	buf_printf(&b, "Keys are rebound in %s/keys.conf; the theme is set in %s/workbench.conf (theme = dark).\n",
		   a->config_dir, a->config_dir);
	add_lines(d, buf_cstr(&b));
	buf_free(&b);
	refilter(d);
	dialog_push(a, d);
}

void app_messages(app *a)
{
	dialog *d = dlg_new(DLG_MESSAGES, NULL, "Messages (newest last, Esc closes)", NULL, NULL);
	d->ed = ed_new();
	for (size_t i = 0; i < a->nlog; i++)
		add_item(d, xstrdup(a->log[i]), 0);
	if (!a->nlog)
		add_item(d, xstrdup("(no messages yet)"), 0);
	refilter(d);
	d->sel = d->nmatch ? (int)d->nmatch - 1 : 0;
	dialog_push(a, d);
}

void app_palette(app *a)
{
	dialog *d = dlg_new(DLG_PALETTE, NULL, "Command palette (type to search, Enter runs)", NULL, NULL);
	d->ed = ed_new();
	pane *p = app_focused(a);
	keymode m = p ? p->ops->mode(p) : KM_GLOBAL;
	for (int act = A_NONE + 1; act < A_COUNT; act++) {
		const ui_action_desc *info = ui_action_info((ui_action)act);
		char keys[48];
		app_key_hint(a, m, (ui_action)act, keys, sizeof keys);
		add_item(d, xasprintf("%-26s %s%s%s%s", info->name, info->desc, *keys ? "  [" : "", keys, *keys ? "]" : ""),
			 act);
	}
	add_item(d, xstrdup("messages                   Show the message log"), PAL_MESSAGES);
	char **names;
	size_t n = theme_list((const char *const *)a->theme_dirs, a->nthemedirs, &names);
	for (size_t i = 0; i < n; i++)
		add_item(d, xasprintf("theme: %s", names[i]), PAL_THEME_BASE + (int)i);
	theme_list_free(names, n);
	refilter(d);
	dialog_push(a, d);
}

/* --- keys ------------------------------------------------------------------ */

/* Line editing shared by every text field; 1 when the key was used. */
static int line_key(editor *ed, ui_key k)
{
	if (k.mods == 0 && k.code < UK_BASE && k.code >= 0x20) {
		ed_insert_char(ed, k.code);
		return 1;
	}
	if (k.mods == 0) {
		switch (k.code) {
		case UK_BSPACE: ed_backspace(ed); return 1;
		case UK_DELETE: ed_delete(ed); return 1;
		case UK_LEFT: ed_move(ed, ED_LEFT, 0); return 1;
		case UK_RIGHT: ed_move(ed, ED_RIGHT, 0); return 1;
		case UK_HOME: ed_move(ed, ED_BUF_START, 0); return 1;
		case UK_END: ed_move(ed, ED_BUF_END, 0); return 1;
		}
	}
	if (k.mods == KEY_CTRL) {
		switch (k.code) {
		case 'a': ed_move(ed, ED_BUF_START, 0); return 1;
		case 'e': ed_move(ed, ED_BUF_END, 0); return 1;
		case 'w': ed_delete_word_back(ed); return 1;
		case 'k': ed_kill_line(ed); return 1;
		case 'u': ed_set_text(ed, "", 0); return 1;
		}
	}
	if (k.mods == KEY_ALT && k.code == UK_BSPACE) {
		ed_delete_word_back(ed);
		return 1;
	}
	return 0;
}

static int is(ui_key k, uint32_t code, unsigned mods) { return k.code == code && k.mods == mods; }

static void list_move(dialog *d, int delta, int page)
{
	int n = (int)d->nmatch;
	if (!n)
		return;
	d->sel += delta * (page > 0 ? page : 1);
	if (d->sel < 0)
		d->sel = 0;
	if (d->sel >= n)
		d->sel = n - 1;
}

static void form_key(app *a, dialog *d, ui_key k)
{
	app_field *f = &d->fields[d->fsel];
	if (is(k, UK_TAB, 0) || is(k, UK_DOWN, 0)) {
		d->fsel = (d->fsel + 1) % (int)d->nfields;
		return;
	}
	if (is(k, UK_TAB, KEY_SHIFT) || is(k, UK_UP, 0)) {
		d->fsel = (d->fsel + (int)d->nfields - 1) % (int)d->nfields;
		return;
	}
	if (is(k, UK_ENTER, 0)) {
		/* a choice that cannot be chosen: stay, on it, saying why */
		for (size_t i = 0; i < d->nfields; i++) {
			const app_field *g = &d->fields[i];
			const char *why = g->kind == FIELD_CHOICE && g->notes && g->nchoices ? g->notes[d->fvals[i]] : NULL;
			if (why) {
				d->fsel = (int)i;
				app_error(a, "%s \"%s\" cannot be chosen: %s", g->label, g->choices[d->fvals[i]], why);
				return;
			}
		}
		finish(a, 1);
		return;
	}
	if (f->kind == FIELD_TEXT) {
		line_key(d->eds[d->fsel], k);
	} else if (f->kind == FIELD_TOGGLE) {
		if (is(k, ' ', 0) || is(k, UK_LEFT, 0) || is(k, UK_RIGHT, 0))
			d->fvals[d->fsel] = !d->fvals[d->fsel];
	} else if (f->nchoices) {
		int n = (int)f->nchoices;
		if (is(k, ' ', 0) || is(k, UK_RIGHT, 0))
			d->fvals[d->fsel] = (d->fvals[d->fsel] + 1) % n;
		else if (is(k, UK_LEFT, 0))
			d->fvals[d->fsel] = (d->fvals[d->fsel] + n - 1) % n;
	}
}

void dialog_key(app *a, ui_key k)
{
	dialog *d = a->dlgs[0];
	int page = a->geom.list_h > 1 ? a->geom.list_h - 1 : 1;
	if (is(k, UK_ESCAPE, 0) || is(k, 'g', KEY_CTRL) || is(k, 'c', KEY_CTRL)) {
		finish(a, 0);
		return;
	}
	switch (d->kind) {
	case DLG_CONFIRM:
		if (is(k, 'y', 0) || is(k, 'Y', 0)) {
			d->yes = 1;
			finish(a, 1);
		} else if (is(k, 'n', 0) || is(k, 'N', 0) || is(k, 'q', 0)) {
			finish(a, 0);
		} else if (is(k, UK_LEFT, 0) || is(k, UK_RIGHT, 0) || is(k, UK_TAB, 0) || is(k, UK_TAB, KEY_SHIFT)) {
			d->yes = !d->yes;
		} else if (is(k, UK_ENTER, 0)) {
			finish(a, 1);
		}
		return;
	case DLG_PROMPT:
		if (is(k, UK_ENTER, 0))
			finish(a, 1);
		else
			line_key(d->ed, k);
		return;
	case DLG_FORM:
		form_key(a, d, k);
		return;
	default:
		break;
	}
	/* lists: pick, palette, help, messages */
	int selectable = d->kind == DLG_PICK || d->kind == DLG_PALETTE;
	if (is(k, UK_ENTER, 0)) {
		finish(a, selectable);
		return;
	}
	if ((d->kind == DLG_HELP && (is(k, UK_F1, 0) || (is(k, 'q', 0) && !ed_text(d->ed, NULL)[0]))) ||
	    (d->kind == DLG_MESSAGES && is(k, 'q', 0))) {
		finish(a, 0);
		return;
	}
	if (is(k, UK_UP, 0) || is(k, 'p', KEY_CTRL))
		list_move(d, -1, 1);
	else if (is(k, UK_DOWN, 0) || is(k, 'n', KEY_CTRL))
		list_move(d, 1, 1);
	else if (is(k, UK_PGUP, 0))
		list_move(d, -1, page);
	else if (is(k, UK_PGDN, 0))
		list_move(d, 1, page);
	else if (is(k, UK_HOME, KEY_CTRL) || (is(k, UK_HOME, 0) && !selectable))
		d->sel = 0;
	else if (is(k, UK_END, KEY_CTRL) || (is(k, UK_END, 0) && !selectable))
		d->sel = d->nmatch ? (int)d->nmatch - 1 : 0;
	else if (line_key(d->ed, k))
		refilter(d);
}

void dialog_paste(app *a, const char *s, size_t len)
{
	dialog *d = a->dlgs[0];
	editor *ed = d->kind == DLG_FORM ? d->eds[d->fsel] : d->ed;
	if (!ed)
		return;
	char *one = xstrndup(s, len);
	for (char *c = one; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	ed_paste(ed, one, strlen(one));
	free(one);
	if (d->kind != DLG_FORM && d->kind != DLG_PROMPT)
		refilter(d);
}

void dialog_mouse(app *a, const ui_mouse *m)
{
	dialog *d = a->dlgs[0];
	int x = m->screen_x, y = m->screen_y;
	if (m->button == MOUSE_WHEEL_UP || m->button == MOUSE_WHEEL_DOWN) {
		list_move(d, m->button == MOUSE_WHEEL_UP ? -3 : 3, 1);
		return;
	}
	if (!m->pressed || m->button != MOUSE_LEFT)
		return;
	if (d->kind == DLG_CONFIRM && y == a->geom.btn_y) {
		if (x >= a->geom.yes_x0 && x < a->geom.yes_x1) {
			d->yes = 1;
			finish(a, 1);
		} else if (x >= a->geom.no_x0 && x < a->geom.no_x1) {
			finish(a, 0);
		}
		return;
	}
	if (a->geom.list_h > 0 && y >= a->geom.list_y && y < a->geom.list_y + a->geom.list_h && x >= a->geom.x &&
	    x < a->geom.x + a->geom.w) {
		int at = d->top + (y - a->geom.list_y);
		if (at < (int)d->nmatch) {
			d->sel = at;
			if (m->clicks >= 2 && (d->kind == DLG_PICK || d->kind == DLG_PALETTE))
				finish(a, 1);
		}
	}
}

/* --- drawing --------------------------------------------------------------- */

/* Word-wraps text to width; returns the number of lines, filling lines. */
static int wrap(const char *text, int width, char lines[][256], int max)
{
	int n = 0;
	const char *p = text;
	while (*p && n < max) {
		int len = (int)strlen(p), take = len;
		if (utf8_width(p, (size_t)len) > width) {
			take = 0;
			int w = 0, last_space = -1;
			while (p[take]) {
				uint32_t cp;
				size_t l = utf8_decode(p + take, strlen(p + take), &cp);
				int cw = utf8_cp_width(cp);
				if (w + cw > width)
					break;
				if (cp == ' ')
					last_space = take;
				w += cw;
				take += (int)l;
			}
			if (last_space > 0)
				take = last_space;
		}
		if (take > 255)
			take = 255;
		if (take == 0)
			take = 1;
		memcpy(lines[n], p, (size_t)take);
		lines[n][take] = '\0';
		n++;
		p += take;
		while (*p == ' ')
			p++;
	}
	return n;
}

static WINDOW *place(app *a, int h, int w)
{
	if (w > a->cols)
		w = a->cols;
	if (h > a->rows)
		h = a->rows;
	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	int y = (a->rows - h) / 2, x = (a->cols - w) / 2;
	if (a->dlgwin) {
		int cy, cx, ch, cw;
		getbegyx(a->dlgwin, cy, cx);
		getmaxyx(a->dlgwin, ch, cw);
		if (cy != y || cx != x || ch != h || cw != w) {
			delwin(a->dlgwin);
			a->dlgwin = NULL;
		}
	}
	if (!a->dlgwin)
		a->dlgwin = newwin(h, w, y, x);
	a->geom = (dlg_geom){ .y = y, .x = x, .h = h, .w = w };
	werase(a->dlgwin);
	draw_fill(a->dlgwin, 0, 0, w, h, app_th(a, TH_DIALOG));
	return a->dlgwin;
}

/* An editor's single line at (y, x) in width columns, scrolled so the
 * cursor shows; returns the cursor column. */
static int draw_line_edit(app *a, WINDOW *w, int y, int x, int width, editor *ed, ui_attr at)
{
	size_t len;
	const char *t = ed_text(ed, &len);
	size_t line;
	int col;
	ed_cursor_pos(ed, &line, &col);
	int skip = col >= width ? col - width + 1 : 0;
	size_t off = 0;
	int sk = 0;
	while (off < len && sk < skip) {
		uint32_t cp;
		off += utf8_decode(t + off, len - off, &cp);
		sk += utf8_cp_width(cp);
	}
	draw_fill(w, y, x, width, 1, at);
	draw_textn(w, y, x, width, t + off, len - off, at);
	(void)a;
	return x + col - sk;
}

static int draw_list(app *a, dialog *d, WINDOW *w, int y0, int rows, int width, int selectable)
{
	a->geom.list_y = a->geom.y + y0;
	a->geom.list_h = rows;
	if (d->sel < d->top)
		d->top = d->sel;
	if (d->sel >= d->top + rows)
		d->top = d->sel - rows + 1;
	if (!selectable) {
		/* scrolling text: sel is the top line */
		d->top = d->sel;
		int maxtop = (int)d->nmatch - rows;
		if (d->top > maxtop)
			d->top = maxtop > 0 ? maxtop : 0;
	}
	for (int r = 0; r < rows; r++) {
		size_t i = (size_t)(d->top + r);
		if (i >= d->nmatch)
			break;
		const char *text = d->items[d->order[i]];
		int sel = selectable && (int)i == d->sel;
		ui_attr at = app_th(a, sel ? TH_PALETTE_SELECTED : d->kind == DLG_HELP ? TH_HELP_TEXT : TH_PALETTE);
		if (d->kind == DLG_HELP && text[0] && text[0] != ' ')
			at = app_th(a, TH_HELP_TITLE);
		draw_fill(w, y0 + r, 1, width, 1, at);
		draw_text(w, y0 + r, 2, width - 2, text, at);
	}
	if ((int)d->nmatch > rows) {
		char more[48];
		snprintf(more, sizeof more, " %d-%d of %zu ", d->top + 1,
			 d->top + rows < (int)d->nmatch ? d->top + rows : (int)d->nmatch, d->nmatch);
		draw_text(w, y0 + rows, width - (int)strlen(more), -1, more, app_th(a, TH_DIALOG));
	}
	return 0;
}

int dialog_draw(app *a, int *cy, int *cx)
{
	dialog *d = a->dlgs[0];
	ui_attr dl = app_th(a, TH_DIALOG), border = app_th(a, TH_BORDER_FOCUS), title = app_th(a, TH_TITLE_FOCUS);
	int width = a->cols - 4 < 76 ? a->cols - 4 : 76;
	if (width < 10)
		width = a->cols;
	char lines[16][256];
	switch (d->kind) {
	case DLG_CONFIRM: {
		int n = wrap(d->title, width - 4, lines, 10);
		WINDOW *w = place(a, n + 5, width);
		draw_box(w, 0, 0, a->geom.w, a->geom.h, border, "Confirm", title);
		for (int i = 0; i < n; i++)
			draw_text(w, 1 + i, 2, a->geom.w - 4, lines[i], dl);
		int by = n + 2, bx = a->geom.w / 2 - 12;
		if (bx < 1)
			bx = 1;
		ui_attr yes = app_th(a, d->yes ? TH_BUTTON_FOCUS : TH_BUTTON), no = app_th(a, d->yes ? TH_BUTTON : TH_BUTTON_FOCUS);
		int used = draw_text(w, by, bx, -1, " Yes (y) ", yes);
		a->geom.btn_y = a->geom.y + by;
		a->geom.yes_x0 = a->geom.x + bx, a->geom.yes_x1 = a->geom.x + bx + used;
		int nx = bx + used + 4;
		used = draw_text(w, by, nx, -1, " No (n) ", no);
		a->geom.no_x0 = a->geom.x + nx, a->geom.no_x1 = a->geom.x + nx + used;
		return 0;
	}
	case DLG_PROMPT: {
		int n = wrap(d->title, width - 4, lines, 6);
		WINDOW *w = place(a, n + 5, width);
		draw_box(w, 0, 0, a->geom.w, a->geom.h, border, NULL, title);
		for (int i = 0; i < n; i++)
			draw_text(w, 1 + i, 2, a->geom.w - 4, lines[i], dl);
		*cx = draw_line_edit(a, w, n + 2, 2, a->geom.w - 4, d->ed, app_th(a, TH_NORMAL));
		*cy = n + 2;
		draw_text(w, n + 3, 2, a->geom.w - 4, "Enter: OK   Esc: cancel", app_th(a, TH_HELP_KEY));
		return 1;
	}
	case DLG_FORM: {
		int h = 4 + (int)d->nfields * 2;
		WINDOW *w = place(a, h, width);
		draw_box(w, 0, 0, a->geom.w, a->geom.h, border, d->title, title);
		int lw = 0;
		for (size_t i = 0; i < d->nfields; i++) {
			int l = utf8_width(d->fields[i].label, strlen(d->fields[i].label));
			if (l > lw)
				lw = l;
		}
		if (lw > a->geom.w / 3)
			lw = a->geom.w / 3;
		int has_cursor = 0;
		for (size_t i = 0; i < d->nfields; i++) {
			int y = 1 + (int)i * 2, focus = (int)i == d->fsel;
			const app_field *f = &d->fields[i];
			draw_text(w, y, 2, lw, f->label, focus ? app_th(a, TH_HELP_KEY) : dl);
			int vx = 2 + lw + 2, vw = a->geom.w - vx - 2;
			ui_attr va = app_th(a, focus ? TH_BUTTON_FOCUS : TH_BUTTON);
			if (f->kind == FIELD_TEXT) {
				int c = draw_line_edit(a, w, y, vx, vw, d->eds[i], va);
				if (focus)
					*cy = y, *cx = c, has_cursor = 1;
			} else if (f->kind == FIELD_TOGGLE) {
				draw_text_pad(w, y, vx, vw, d->fvals[i] ? "[x] yes  (Space toggles)" : "[ ] no   (Space toggles)", va);
			} else {
				char buf[256];
				snprintf(buf, sizeof buf, "\xe2\x97\x84 %s \xe2\x96\xba  (%d of %zu)", f->nchoices ? f->choices[d->fvals[i]] : "",
					 d->fvals[i] + 1, f->nchoices);
				draw_text_pad(w, y, vx, vw, buf, va);
			}
			const char *why = f->kind == FIELD_CHOICE && f->notes && f->nchoices ? f->notes[d->fvals[i]] : NULL;
			if (why)
				draw_text(w, y + 1, vx, vw, why, app_th(a, TH_MSG_ERROR));
			else if (focus && f->hint)
				draw_text(w, y + 1, vx, vw, f->hint, app_th(a, TH_FILES_META));
		}
		draw_text(w, h - 2, 2, a->geom.w - 4, "Tab: next field   Enter: OK   Esc: cancel", app_th(a, TH_HELP_KEY));
		return has_cursor;
	}
	default: {
		int selectable = d->kind == DLG_PICK || d->kind == DLG_PALETTE;
		int h = a->rows - 4;
		int want = (int)d->nitems + 4;
		if (h > want)
			h = want;
		if (h < 5)
			h = a->rows;
		if (d->kind == DLG_HELP || d->kind == DLG_MESSAGES)
			width = a->cols - 2 < 100 ? a->cols - 2 : 100;
		WINDOW *w = place(a, h, width);
		draw_box(w, 0, 0, a->geom.w, a->geom.h, border, d->title, title);
		*cy = 1;
		*cx = draw_line_edit(a, w, 1, 2, a->geom.w - 4, d->ed, app_th(a, TH_NORMAL));
		if (!ed_text(d->ed, NULL)[0])
			draw_text(w, 1, 2, a->geom.w - 4, selectable ? "type to search" : "type to filter",
				  app_th(a, TH_FILES_META));
		draw_list(a, d, w, 2, a->geom.h - 3, a->geom.w - 2, selectable);
		return 1;
	}
	}
}
