/*
 * pane_terminal_copy: a terminal pane's copy mode — scrolling the
 * scrollback (list actions, the mouse wheel), search through a prompt,
 * selecting (the select action, or a left drag), copying to the user's
 * clipboard with OSC 52, and saving the whole scrollback to a host file.
 * Entered with the escape chord, or by scrolling up with the wheel; in
 * the latter case scrolling back to the bottom or typing a key resumes.
 */
#include "pane_terminal_priv.h"
#include "model/utf8.h"
#include "../src/util/b64.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void term_copy_begin(term_pane *t, int by_wheel)
{
	if (t->copy)
		return;
	t->copy = 1;
	t->copy_by_wheel = by_wheel;
	t->drag = 0;
	term_copy_enter(t->ts);
	app_dirty(t->a);
}

void term_copy_end(term_pane *t)
{
	if (!t->copy)
		return;
	t->copy = 0;
	t->drag = 0;
	term_copy_leave(t->ts);
	app_dirty(t->a);
}

static void yank(term_pane *t)
{
	sbx_buf b = SBX_BUF_INIT;
	size_t n = term_copy_text(t->ts, &b);
	if (!n) {
		app_info(t->a, "nothing to copy: the line is empty");
		buf_free(&b);
		return;
	}
	char *enc = b64_encode(b.data, b.len);
	sbx_buf osc = SBX_BUF_INIT;
	buf_printf(&osc, "\033]52;c;%s\a", enc);
	app_tty_write(t->a, osc.data, osc.len);
	char hint[32];
	app_key_hint(t->a, KM_COPY, A_COPY_SAVE, hint, sizeof hint);
	app_info(t->a, "copied %zu bytes to the clipboard (OSC 52, if your terminal allows it)%s%s%s", n,
		 *hint ? "; " : "", hint, *hint ? " saves the scrollback to a file" : "");
	term_copy_clear_selection(t->ts);
	free(enc);
	buf_free(&osc);
	buf_free(&b);
}

static void on_search(app *a, const char *text, void *ud)
{
	term_pane *t = ud;
	if (!text || !*text || !t->copy)
		return;
	if (!term_copy_search(t->ts, text, t->search_back))
		app_info(a, "\"%s\" is not in the scrollback", text);
	app_dirty(a);
}

static void on_save(app *a, const char *text, void *ud)
{
	term_pane *t = ud;
	if (!text || !*text)
		return;
	char *path = text[0] == '~' && text[1] == '/' && getenv("HOME") ? xasprintf("%s%s", getenv("HOME"), text + 1)
									: xstrdup(text);
	sbx_buf b = SBX_BUF_INIT;
	term_screen_text(t->ts, &b);
	FILE *f = fopen(path, "w");
	if (!f) {
		app_error(a, "cannot save the scrollback to %s: %s — choose a writable path", path, strerror(errno));
	} else {
		size_t w = b.len ? fwrite(b.data, 1, b.len, f) : 0;
		if (fclose(f) != 0 || w != b.len)
			app_error(a, "cannot write the scrollback to %s: %s", path, strerror(errno));
		else
			app_info(a, "saved the scrollback (%zu bytes) to %s", b.len, path);
	}
	buf_free(&b);
	free(path);
}

static void page(term_pane *t, int dir)
{
	long d = term_screen_rows(t->ts) > 2 ? term_screen_rows(t->ts) - 1 : 1;
	term_copy_scroll(t->ts, dir * d);
	term_copy_move(t->ts, dir * d, 0);
}

int term_copy_action(term_pane *t, ui_action act)
{
	switch (act) {
	case A_TERM_RESUME:
		term_copy_end(t);
		return 1;
	case A_TERM_LEAVE:
		return 1;
	case A_CANCEL:
		if (term_copy_selecting(t->ts))
			term_copy_clear_selection(t->ts);
		else
			term_copy_end(t);
		return 1;
	case A_LIST_UP: term_copy_move(t->ts, -1, 0); return 1;
	case A_LIST_DOWN: term_copy_move(t->ts, 1, 0); return 1;
	case A_LIST_PAGE_UP: page(t, -1); return 1;
	case A_LIST_PAGE_DOWN: page(t, 1); return 1;
	case A_LIST_TOP: term_copy_goto(t->ts, 0, 0); return 1;
	case A_LIST_BOTTOM: term_copy_goto(t->ts, term_screen_lines(t->ts) - 1, 0); return 1;
	case A_COPY_SEARCH:
	case A_COPY_SEARCH_BACK: {
		t->search_back = act == A_COPY_SEARCH_BACK;
		const char *last = term_copy_needle(t->ts);
		app_prompt(t->a, &t->p, t->search_back ? "Search the scrollback backward" : "Search the scrollback",
			   last ? last : "", on_search, t);
		return 1;
	}
	case A_COPY_NEXT:
	case A_COPY_PREV: {
		int r = term_copy_next(t->ts, act == A_COPY_PREV);
		if (r < 0)
			app_info(t->a, "no search yet: / searches forward, ? backward");
		else if (r == 0)
			app_info(t->a, "\"%s\" is not in the scrollback", term_copy_needle(t->ts));
		return 1;
	}
	case A_COPY_SELECT:
		term_copy_select(t->ts);
		return 1;
	case A_COPY_YANK:
		yank(t);
		return 1;
	case A_COPY_SAVE:
		app_prompt(t->a, &t->p, "Save the scrollback to (a path on this machine)", "scrollback.txt", on_save, t);
		return 1;
	default:
		return 0;
	}
}

int term_copy_key(term_pane *t, ui_key k)
{
	if (!k.mods) {
		long line;
		int col;
		term_copy_cursor(t->ts, &line, &col);
		switch (k.code) {
		case UK_LEFT: case 'h': term_copy_move(t->ts, 0, -1); return 1;
		case UK_RIGHT: case 'l': term_copy_move(t->ts, 0, 1); return 1;
		case '0': term_copy_goto(t->ts, line, 0); return 1;
		case '$': {
			sbx_buf b = SBX_BUF_INIT;
			term_screen_line_text(t->ts, line, &b);
			term_copy_goto(t->ts, line, b.len ? utf8_width(b.data, b.len) - 1 : 0);
			buf_free(&b);
			return 1;
		}
		default:
			break;
		}
	}
	if (!t->copy_by_wheel)
		return 0;
	/* scrolled with the wheel only: typing goes back to the program */
	term_copy_end(t);
	if (!term_screen_key(t->ts, k))
		return 1;
	sbx_buf b = SBX_BUF_INIT;
	term_screen_take_output(t->ts, &b);
	term_pane_send(t, b.data, b.len);
	buf_free(&b);
	return 1;
}

static void drag_to(term_pane *t, const ui_mouse *m)
{
	int rows = term_screen_rows(t->ts);
	if (m->y < 0)
		term_copy_scroll(t->ts, -1);
	else if (m->y >= rows)
		term_copy_scroll(t->ts, 1);
	int y = m->y < 0 ? 0 : m->y >= rows ? rows - 1 : m->y;
	term_copy_goto(t->ts, term_copy_top(t->ts) + y, m->x < 0 ? 0 : m->x);
}

int term_copy_mouse(term_pane *t, const ui_mouse *m)
{
	if (m->button == MOUSE_WHEEL_UP) {
		term_copy_begin(t, 1);
		term_copy_scroll(t->ts, -TERM_WHEEL_LINES);
		return 1;
	}
	if (m->button == MOUSE_WHEEL_DOWN) {
		if (!t->copy)
			return 1;
		term_copy_scroll(t->ts, TERM_WHEEL_LINES);
		if (t->copy_by_wheel && term_copy_top(t->ts) >= term_screen_sb_lines(t->ts) &&
		    !term_copy_selecting(t->ts))
			term_copy_end(t);
		return 1;
	}
	if (m->button != MOUSE_LEFT)
		return 0;
	if (m->pressed && !m->motion) {
		t->press_line = term_copy_top(t->ts) + m->y;
		t->press_col = m->x;
		t->drag = 0;
		if (!t->copy)
			return 0;   /* a click only focuses the pane */
		term_copy_clear_selection(t->ts);
		term_copy_goto(t->ts, t->press_line, t->press_col);
		return 1;
	}
	if (m->motion) {
		if (!t->drag) {
			term_copy_begin(t, !t->copy ? 1 : t->copy_by_wheel);
			t->drag = 1;
			term_copy_clear_selection(t->ts);
			term_copy_goto(t->ts, t->press_line, t->press_col);
			term_copy_select(t->ts);
		}
		drag_to(t, m);
		return 1;
	}
	/* release: a drag ends its selection and copies it, as tmux does */
	if (t->drag) {
		t->drag = 0;
		drag_to(t, m);
		if (term_copy_selecting(t->ts))
			term_copy_select(t->ts);
		yank(t);
		return 1;
	}
	return t->copy;
}
