/*
 * pane_terminal: a PTY process in the sandbox (a login shell, or
 * `bash -l -c CMD`) rendered through libvterm (model/term_screen).
 *
 * The process starts at the first resize (when the pane's size is known)
 * with TERM=xterm-256color.  PTY bytes feed the emulator, what one loop
 * turn delivered at once (so a flood takes term_screen's bulk path); its
 * replies and every key, paste and mouse report go back as PTY input, one
 * send in flight at a time so bytes keep their order (the rest is queued
 * and coalesced).  Resizes reach the sandbox debounced by 100 ms.  Keys: in
 * terminal mode everything but the escape chord goes to the program; the
 * chord (A_TERM_LEAVE) enters copy mode (pane_terminal_copy.c).  When the
 * process ends, or its stream or the sandbox fails, a line says so; Enter
 * restarts it.  Freeing cancels every call and kills a running process.
 */
#include "pane_terminal_priv.h"
#include "draw.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define RESIZE_DEBOUNCE_MS 100
#define SEND_CHUNK (64 * 1024)

static void start_process(term_pane *t);

/* --- input ---------------------------------------------------------------- */

static void pump(term_pane *t);

static void on_sent(const sbx_err *e, void *ud)
{
	term_pane *t = ud;
	t->send_op = NULL;
	if (e && t->pid && !t->exited)
		app_error(t->a, "terminal: %s", e->msg);
	pump(t);
}

static void pump(term_pane *t)
{
	if (t->send_op || !t->pid || t->exited || !t->pending.len)
		return;
	size_t n = t->pending.len < SEND_CHUNK ? t->pending.len : SEND_CHUNK;
	sbx_err e;
	if (sbx_proc_send_input(app_client(t->a), &t->s->sb, (sbx_proc_ref){ .pid = t->pid }, 1, t->pending.data, n,
				on_sent, t, &t->send_op, &e) < 0) {
		app_error(t->a, "terminal: %s", e.msg);
		buf_reset(&t->pending);
		return;
	}
	buf_consume(&t->pending, n);
}

void term_pane_send(term_pane *t, const void *data, size_t len)
{
	if (t->exited || t->err[0])
		return;   /* nobody to read it */
	buf_append(&t->pending, data, len);
	pump(t);
}

/* Whatever the emulator queued (replies, encoded keys) goes out. */
static void flush_output(term_pane *t)
{
	size_t before = t->pending.len;
	term_screen_take_output(t->ts, &t->pending);
	if (t->exited || t->err[0]) {
		t->pending.len = before;
		return;
	}
	pump(t);
}

/* --- resize ---------------------------------------------------------------- */

static void on_resized(const sbx_err *e, void *ud)
{
	term_pane *t = ud;
	t->resize_op = NULL;
	if (e && t->pid && !t->exited)
		app_info(t->a, "terminal: %s", e->msg);
}

static void send_size(term_pane *t)
{
	unsigned cols = (unsigned)term_screen_cols(t->ts), rows = (unsigned)term_screen_rows(t->ts);
	if (!t->pid || t->exited || (cols == t->sent_cols && rows == t->sent_rows))
		return;
	if (t->resize_op)
		sbx_op_cancel(t->resize_op);   /* the newer size wins */
	t->resize_op = NULL;
	sbx_err e;
	if (sbx_proc_resize(app_client(t->a), &t->s->sb, (sbx_proc_ref){ .pid = t->pid }, cols, rows, on_resized, t,
			    &t->resize_op, &e) < 0) {
		app_info(t->a, "terminal: %s", e.msg);
		return;
	}
	t->sent_cols = cols, t->sent_rows = rows;
}

static int64_t resize_due(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	term_pane *t = ud;
	t->resize_timer = 0;
	send_size(t);
	return -1;
}

static void resize_op(pane *p, int cols, int rows)
{
	term_pane *t = (term_pane *)p;
	term_screen_resize(t->ts, rows, cols);
	if (!t->started && !t->err[0]) {
		start_process(t);
		return;
	}
	if (t->resize_timer)
		loop_del_timer(app_loop(t->a), t->resize_timer);
	t->resize_timer = loop_add_timer(app_loop(t->a), RESIZE_DEBOUNCE_MS, resize_due, t);
	app_dirty(t->a);
}

/* --- the process ------------------------------------------------------------ */

/* The PTY arrives in pieces of a few KiB (one per read in the sandbox);
 * fed together, plain text scrolls through term_screen's bulk path. */
static void feed_now(term_pane *t)
{
	if (t->feed_timer)
		loop_del_timer(app_loop(t->a), t->feed_timer);
	t->feed_timer = 0;
	if (!t->feed.len)
		return;
	term_screen_feed(t->ts, t->feed.data, t->feed.len);
	buf_reset(&t->feed);
	flush_output(t);
	if (term_screen_take_bells(t->ts) && app_pane_focused(t->a, &t->p))
		app_tty_write(t->a, "\a", 1);
	app_dirty(t->a);
}

static int64_t feed_due(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	term_pane *t = ud;
	t->feed_timer = 0;
	feed_now(t);
	return -1;
}

static void on_event(const sbx_proc_event *ev, void *ud)
{
	term_pane *t = ud;
	switch (ev->type) {
	case SBX_PROC_START:
		t->pid = ev->pid;
		pump(t);
		send_size(t);   /* the pane may have changed size while it started */
		break;
	case SBX_PROC_PTY:
	case SBX_PROC_STDOUT:
	case SBX_PROC_STDERR:
		buf_append(&t->feed, ev->data, ev->len);
		if (!t->feed_timer)
			t->feed_timer = loop_add_timer(app_loop(t->a), 0, feed_due, t);
		return;
	case SBX_PROC_END:
		feed_now(t);   /* the output comes before the banner */
		t->exited = 1;
		t->exit_code = sbx_proc_exit_status(ev);
		if (ev->error && !ev->exited)   /* "exit status N" is no failure */
			snprintf(t->err, sizeof t->err, "the process failed: %.500s", ev->error);
		buf_reset(&t->pending);
		break;
	default:
		break;
	}
	app_dirty(t->a);
}

static void on_done(const sbx_err *e, void *ud)
{
	term_pane *t = ud;
	t->proc_op = NULL;
	feed_now(t);
	if (e && !t->exited)
		snprintf(t->err, sizeof t->err, "%.500s", e->msg);
	else if (!t->exited) {
		/* the stream ended without END: the process is beyond reach */
		t->exited = 1;
		t->exit_code = -1;
	}
	buf_reset(&t->pending);
	app_dirty(t->a);
}

static void start_process(term_pane *t)
{
	t->started = 1;
	t->pid = 0;
	t->exited = 0;
	t->err[0] = 0;
	t->sent_cols = (unsigned)term_screen_cols(t->ts);
	t->sent_rows = (unsigned)term_screen_rows(t->ts);
	if (t->s->state == SESSION_GONE) {
		snprintf(t->err, sizeof t->err, "the sandbox is gone%s%.400s", t->s->gone_reason ? ": " : "",
			 t->s->gone_reason ? t->s->gone_reason : "");
		return;
	}
	static const char *const env[] = { "TERM=xterm-256color", "COLORTERM=truecolor", "LANG=C.UTF-8", NULL };
	const char *shell_args[] = { "-i", "-l", NULL }, *cmd_args[] = { "-l", "-c", t->cmd, NULL };
	sbx_proc_opts o = {
		.cmd = "/bin/bash", .args = t->cmd ? cmd_args : shell_args, .env = env,
		.pty = 1, .cols = t->sent_cols, .rows = t->sent_rows,
	};
	sbx_proc_handler h = { .on_event = on_event, .on_done = on_done, .ud = t };
	sbx_err e;
	if (sbx_proc_start(app_client(t->a), &t->s->sb, &o, &h, &t->proc_op, &e) < 0)
		snprintf(t->err, sizeof t->err, "cannot start the shell: %.500s", e.msg);
	app_dirty(t->a);
}

static void stop_calls(term_pane *t)
{
	if (t->proc_op)
		sbx_op_cancel(t->proc_op);
	if (t->send_op)
		sbx_op_cancel(t->send_op);
	if (t->resize_op)
		sbx_op_cancel(t->resize_op);
	t->proc_op = t->send_op = t->resize_op = NULL;
	if (t->resize_timer)
		loop_del_timer(app_loop(t->a), t->resize_timer);
	t->resize_timer = 0;
	if (t->feed_timer)
		loop_del_timer(app_loop(t->a), t->feed_timer);
	t->feed_timer = 0;
	buf_reset(&t->feed);
	buf_reset(&t->pending);
}

static void ignore_done(const sbx_err *e, void *ud) { (void)e, (void)ud; }

static void kill_process(term_pane *t)
{
	if (!t->pid || t->exited || t->s->state == SESSION_GONE)
		return;
	sbx_err e;
	/* nobody waits for the answer: the pane may be gone by then */
	sbx_proc_signal(app_client(t->a), &t->s->sb, (sbx_proc_ref){ .pid = t->pid }, 9, ignore_done, NULL, NULL, &e);
}

static void restart(term_pane *t)
{
	kill_process(t);
	stop_calls(t);
	term_copy_end(t);
	term_screen_reset(t->ts);
	start_process(t);
}

/* --- ops -------------------------------------------------------------------- */

static void title_op(pane *p, char *out, size_t n)
{
	term_pane *t = (term_pane *)p;
	const char *title = term_screen_title(t->ts);
	snprintf(out, n, "terminal: %s", *title ? title : t->cmd ? t->cmd : "bash");
}

static keymode mode_op(pane *p)
{
	return ((term_pane *)p)->copy ? KM_COPY : KM_TERMINAL;
}

static int running(const term_pane *t)
{
	return t->started && !t->exited && !t->err[0];
}

/* The line under the output that says the program is not running. */
static void draw_banner(term_pane *t, WINDOW *w)
{
	char close[32], msg[800];
	app_key_hint(t->a, KM_GLOBAL, A_PANE_CLOSE, close, sizeof close);
	if (!*close)
		snprintf(close, sizeof close, "M-w");
	int gone = t->s->state == SESSION_GONE;
	if (t->err[0])
		snprintf(msg, sizeof msg, "[terminal: %s — %s%s: close]", t->err, gone ? "" : "Enter: restart, ", close);
	else if (t->exit_code < 0)
		snprintf(msg, sizeof msg, "[process ended — Enter: restart, %s: close]", close);
	else
		snprintf(msg, sizeof msg, "[process exited with %d — Enter: restart, %s: close]", t->exit_code, close);
	int row, col;
	term_screen_cursor(t->ts, &row, &col);
	int y = col == 0 ? row : row + 1;
	if (y >= t->p.rows)
		y = t->p.rows - 1;
	if (y < 0)
		return;
	draw_text_pad(w, y, 0, t->p.cols, msg, app_th(t->a, t->err[0] ? TH_MSG_ERROR : TH_MSG_INFO));
}

static void draw_op(pane *p, WINDOW *w, int focused)
{
	(void)focused;
	term_pane *t = (term_pane *)p;
	int cols = p->cols, rows = p->rows;
	if (cols <= 0 || rows <= 0)
		return;
	vt_cell *cells = xmalloc((size_t)cols * sizeof *cells);
	unsigned char *marks = xmalloc((size_t)cols);
	long top = term_copy_top(t->ts), cline = -1;
	int ccol = -1;
	if (t->copy)
		term_copy_cursor(t->ts, &cline, &ccol);
	int trows = term_screen_rows(t->ts);
	for (int y = 0; y < rows && y < trows; y++) {
		long line = top + y;
		term_screen_line(t->ts, line, cells, cols);
		if (t->copy)
			term_copy_marks(t->ts, line, marks, cols);
		for (int x = 0; x < cols; x++) {
			if (cells[x].width == 0)
				continue;   /* the right half of a wide character */
			ui_attr at = cells[x].attr;
			if (t->copy && (marks[x] & TERM_MARK_MATCH))
				at = app_th(t->a, TH_SEARCH_MATCH);
			if (t->copy && (marks[x] & TERM_MARK_SELECTION))
				at = app_th(t->a, TH_SELECTION);
			if (line == cline && x == ccol)
				at.flags ^= UI_REVERSE;
			draw_cell(w, y, x, cells[x].chars, at);
		}
	}
	free(cells);
	free(marks);
	if (t->copy) {
		char pos[48];
		long total = term_screen_lines(t->ts);
		snprintf(pos, sizeof pos, "[%ld/%ld]", total - trows - top, total - trows);
		int len = (int)strlen(pos);
		if (len < cols)
			draw_text(w, 0, cols - len, len, pos, app_th(t->a, TH_STATUS_MODE));
	} else if (!running(t) && t->started) {
		draw_banner(t, w);
	}
}

static int action_op(pane *p, ui_action act)
{
	term_pane *t = (term_pane *)p;
	if (t->copy)
		return term_copy_action(t, act);
	if (act == A_TERM_LEAVE) {
		term_copy_begin(t, 0);
		return 1;
	}
	return 0;
}

static int key_op(pane *p, ui_key k)
{
	term_pane *t = (term_pane *)p;
	if (t->copy)
		return term_copy_key(t, k);
	if (!running(t)) {
		if (k.code == UK_ENTER && !k.mods && t->s->state != SESSION_GONE) {
			restart(t);
			return 1;
		}
		/* terminal mode skips global keys: honour the close key shown */
		ui_key seq[1] = { k };
		ui_action act;
		if (keytable_lookup(app_keys(t->a), KM_GLOBAL, seq, 1, &act) == KT_MATCH && act == A_PANE_CLOSE) {
			app_close_pane(t->a, p);
			return 1;
		}
		return 0;
	}
	if (!term_screen_key(t->ts, k))
		return 0;
	flush_output(t);
	return 1;
}

static void paste_op(pane *p, const char *s, size_t len)
{
	term_pane *t = (term_pane *)p;
	if (t->copy)
		term_copy_end(t);
	if (!running(t))
		return;
	term_screen_paste(t->ts, s, len);
	flush_output(t);
}

static int mouse_op(pane *p, const ui_mouse *m)
{
	term_pane *t = (term_pane *)p;
	if (!t->copy && running(t) && term_screen_mouse_mode(t->ts) != TERM_MOUSE_NONE) {
		int button = m->motion ? 0 : m->button;
		if (term_screen_mouse(t->ts, m->y, m->x, button, m->pressed, m->mods))
			flush_output(t);
		return 1;
	}
	return term_copy_mouse(t, m);
}

static int cursor_op(pane *p, int *y, int *x)
{
	term_pane *t = (term_pane *)p;
	if (t->copy || !running(t))
		return 0;
	int row, col;
	if (!term_screen_cursor(t->ts, &row, &col) || row >= p->rows || col >= p->cols)
		return 0;
	*y = row, *x = col;
	return 1;
}

static void status_op(pane *p, sbx_buf *out)
{
	term_pane *t = (term_pane *)p;
	buf_printf(out, "PTY %dx%d", term_screen_cols(t->ts), term_screen_rows(t->ts));
	if (t->copy)
		buf_puts(out, " COPY");
	if (term_screen_altscreen(t->ts))
		buf_puts(out, " alt");
	if (t->exited)
		buf_printf(out, " exited %d", t->exit_code);
}

static void sandbox_state_op(pane *p)
{
	term_pane *t = (term_pane *)p;
	if (t->s->state != SESSION_GONE)
		return;   /* paused: the stream fails by itself, and Enter restarts after a resume */
	stop_calls(t);
	snprintf(t->err, sizeof t->err, "the sandbox is gone%s%.400s", t->s->gone_reason ? ": " : "",
		 t->s->gone_reason ? t->s->gone_reason : "");
	app_dirty(t->a);
}

static int can_close_op(pane *p)
{
	(void)p;
	return 1;
}

static void free_op(pane *p)
{
	term_pane *t = (term_pane *)p;
	kill_process(t);
	stop_calls(t);
	term_screen_free(t->ts);
	buf_free(&t->feed);
	buf_free(&t->pending);
	free(t->cmd);
	free(t);
}

static int cursor_style_op(pane *p)
{
	term_pane *tp = (term_pane *)p;
	switch (term_screen_cursor_shape(tp->ts)) {
	case TERM_CURSOR_UNDERLINE: return 4;
	case TERM_CURSOR_BAR: return 6;
	default: return 2;
	}
}

static const pane_ops ops = {
	.kind = PANE_TERMINAL,
	.title = title_op,
	.mode = mode_op,
	.draw = draw_op,
	.action = action_op,
	.key = key_op,
	.paste = paste_op,
	.mouse = mouse_op,
	.resize = resize_op,
	.cursor = cursor_op,
	.cursor_style = cursor_style_op,
	.status = status_op,
	.sandbox_state = sandbox_state_op,
	.can_close = can_close_op,
	.free = free_op,
};

pane *pane_terminal_new(app *a, session *s, const char *cmd, sbx_err *e)
{
	if (!s)
		return sbx_error(e, "a terminal needs a sandbox: attach one first (Enter in the sandboxes list)"), NULL;
	if (s->state == SESSION_GONE)
		return sbx_error(e, "sandbox %.8s is gone: create or attach another one", s->id), NULL;
	term_pane *t = xcalloc(1, sizeof *t);
	t->p.ops = &ops;
	t->p.app = a;
	t->p.session = s;
	t->a = a;
	t->s = s;
	t->cmd = cmd && *cmd ? xstrdup(cmd) : NULL;
	const app_gfx *g = app_graphics(a);
	/* the real size arrives with the first resize, which starts the process */
	t->ts = term_screen_new(24, 80, g ? g->colors : 256, TERM_SCROLLBACK);
	buf_init(&t->pending);
	buf_init(&t->feed);
	return &t->p;
}
