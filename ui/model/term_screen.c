/* term_screen: libvterm lifecycle, screen callbacks, the scrollback ring
 * and line access; see term_screen.h.  curses-free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "term_screen_int.h"
#include "utf8.h"
#include "../../src/util/xalloc.h"

static void on_output(const char *s, size_t len, void *user)
{
	term_screen *t = user;
	buf_append(&t->out, s, len);   /* only queue: never re-enter libvterm from here */
}

static int on_damage(VTermRect r, void *user)
{
	(void)r;
	((term_screen *)user)->dirty = 1;
	return 1;
}

static int on_moverect(VTermRect d, VTermRect s, void *user)
{
	(void)d, (void)s;
	((term_screen *)user)->dirty = 1;
	return 1;
}

static int on_movecursor(VTermPos pos, VTermPos old, int visible, void *user)
{
	(void)old, (void)visible;   /* visibility comes through settermprop */
	term_screen *t = user;
	t->cursor = pos;
	t->dirty = 1;
	return 1;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	term_screen *t = user;
	switch (prop) {
	case VTERM_PROP_TITLE:
		snprintf(t->title, sizeof t->title, "%s", val->string ? val->string : "");
		break;
	case VTERM_PROP_ALTSCREEN:
		t->altscreen = val->boolean;
		break;
	case VTERM_PROP_CURSORVISIBLE:
		t->cursor_visible = val->boolean;
		break;
	case VTERM_PROP_CURSORSHAPE:
		t->cursor_shape = val->number;
		break;
	case VTERM_PROP_MOUSE:
		t->mouse = val->number;
		break;
	default:
		return 0;
	}
	t->dirty = 1;
	return 1;
}

static int on_bell(void *user)
{
	((term_screen *)user)->bells++;
	return 1;
}

static int on_resize(int rows, int cols, void *user)
{
	term_screen *t = user;
	t->rows = rows, t->cols = cols;
	t->dirty = 1;
	return 1;
}

/* A cell that draws nothing and has no colour: not worth storing. */
int term_cell_blank(const VTermScreenCell *c)
{
	return (c->chars[0] == 0 || c->chars[0] == ' ') && c->width == 1 && VTERM_COLOR_IS_DEFAULT_BG(&c->bg) &&
	       !c->attrs.reverse && !c->attrs.underline && !c->attrs.strike;
}

static int on_sb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
	return term_sb_push(user, cols, cells);
}

int term_sb_push(term_screen *t, int cols, const VTermScreenCell *cells)
{
	if (t->sb_cap == 0)
		return 0;
	int n = cols;
	while (n > 0 && term_cell_blank(&cells[n - 1]))
		n--;
	size_t size = sizeof(sb_line) + (size_t)n * sizeof cells[0];
	sb_line *l;
	if (t->sb_count == t->sb_cap) {
		/* the ring is full: the oldest line's memory becomes the newest
		 * (grown only when it is too small: a flood of lines reallocs
		 * once per slot, not once per line) */
		l = t->sb[t->sb_head];
		if (l->cap < n) {
			l = xrealloc(l, size);
			l->cap = n;
		}
		t->sb[t->sb_head] = l;
		t->sb_head = (t->sb_head + 1) % t->sb_cap;
		term_copy_dropped(t);
	} else {
		l = xmalloc(size);
		l->cap = n;
		t->sb[(t->sb_head + t->sb_count) % t->sb_cap] = l;
		t->sb_count++;
	}
	l->ncells = n;
	memcpy(l->cells, cells, (size_t)n * sizeof cells[0]);
	t->dirty = 1;
	return 1;
}

static void blank_cell(term_screen *t, VTermScreenCell *c)
{
	memset(c, 0, sizeof *c);
	c->width = 1;
	vterm_state_get_default_colors(t->state, &c->fg, &c->bg);
	c->fg.type |= VTERM_COLOR_DEFAULT_FG;
	c->bg.type |= VTERM_COLOR_DEFAULT_BG;
}

static int on_sb_popline(int cols, VTermScreenCell *cells, void *user)
{
	term_screen *t = user;
	if (t->sb_count == 0)
		return 0;
	size_t at = (t->sb_head + t->sb_count - 1) % t->sb_cap;
	sb_line *l = t->sb[at];
	int n = l->ncells < cols ? l->ncells : cols;
	memcpy(cells, l->cells, (size_t)n * sizeof cells[0]);
	for (int i = n; i < cols; i++)
		blank_cell(t, &cells[i]);
	free(l);
	t->sb[at] = NULL;
	t->sb_count--;
	t->dirty = 1;
	return 1;
}

static const VTermScreenCallbacks screen_cbs = {
	.damage = on_damage,
	.moverect = on_moverect,
	.movecursor = on_movecursor,
	.settermprop = on_settermprop,
	.bell = on_bell,
	.resize = on_resize,
	.sb_pushline = on_sb_pushline,
	.sb_popline = on_sb_popline,
};

static void clear_props(term_screen *t)
{
	t->title[0] = 0;
	t->altscreen = 0;
	t->mouse = TERM_MOUSE_NONE;
	t->cursor_shape = TERM_CURSOR_BLOCK;
	t->cursor_visible = 1;
	t->cursor = (VTermPos){ 0, 0 };
}

term_screen *term_screen_new(int rows, int cols, int colors, size_t sb_cap)
{
	term_screen *t = xcalloc(1, sizeof *t);
	t->rows = rows < 1 ? 1 : rows;
	t->cols = cols < 1 ? 1 : cols;
	t->colors = colors;
	t->sb_cap = sb_cap;
	t->sb = sb_cap ? xcalloc(sb_cap, sizeof *t->sb) : NULL;
	buf_init(&t->out);
	clear_props(t);
	t->vt = vterm_new(t->rows, t->cols);
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, on_output, t);
	t->state = vterm_obtain_state(t->vt);
	t->vts = vterm_obtain_screen(t->vt);
	vterm_screen_enable_altscreen(t->vts, 1);
	vterm_screen_set_callbacks(t->vts, &screen_cbs, t);
	/* damage is only a "redraw" flag here; merge it to keep bursts cheap */
	vterm_screen_set_damage_merge(t->vts, VTERM_DAMAGE_SCROLL);
	vterm_screen_reset(t->vts, 1);
	t->dirty = 1;
	return t;
}

static void sb_clear(term_screen *t)
{
	for (size_t i = 0; i < t->sb_count; i++) {
		size_t at = (t->sb_head + i) % t->sb_cap;
		free(t->sb[at]);
		t->sb[at] = NULL;
	}
	t->sb_head = t->sb_count = 0;
}

void term_screen_free(term_screen *t)
{
	if (!t)
		return;
	vterm_free(t->vt);
	sb_clear(t);
	free(t->sb);
	free(t->copy.needle);
	buf_free(&t->out);
	free(t);
}

void term_screen_resize(term_screen *t, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (rows == t->rows && cols == t->cols)
		return;
	vterm_set_size(t->vt, rows, cols);
	vterm_screen_flush_damage(t->vts);
	t->rows = rows, t->cols = cols;
	term_copy_clamp(t);
	t->dirty = 1;
}

int term_screen_rows(const term_screen *t) { return t->rows; }
int term_screen_cols(const term_screen *t) { return t->cols; }

void term_screen_reset(term_screen *t)
{
	term_copy_leave(t);
	vterm_screen_reset(t->vts, 1);
	vterm_screen_flush_damage(t->vts);
	sb_clear(t);
	clear_props(t);
	term_scan_reset(&t->scan);
	buf_reset(&t->out);
	t->dirty = 1;
}

size_t term_screen_take_output(term_screen *t, sbx_buf *dst)
{
	size_t n = t->out.len;
	if (n)
		buf_append(dst, t->out.data, n);
	buf_reset(&t->out);
	return n;
}

int term_screen_take_dirty(term_screen *t)
{
	int d = t->dirty;
	t->dirty = 0;
	return d;
}

int term_screen_take_bells(term_screen *t)
{
	int b = t->bells;
	t->bells = 0;
	return b;
}

const char *term_screen_title(const term_screen *t) { return t->title; }
int term_screen_altscreen(const term_screen *t) { return t->altscreen; }
int term_screen_mouse_mode(const term_screen *t) { return t->mouse; }
int term_screen_cursor_shape(const term_screen *t) { return t->cursor_shape; }

int term_screen_cursor(const term_screen *t, int *row, int *col)
{
	*row = t->cursor.row;
	*col = t->cursor.col;
	return t->cursor_visible;
}

/* --- lines --------------------------------------------------------------- */

long term_screen_lines(const term_screen *t) { return (long)t->sb_count + t->rows; }
long term_screen_sb_lines(const term_screen *t) { return (long)t->sb_count; }

/* Cell `col` of `line`: 0 past what exists (the caller uses a blank). */
static int line_cell(term_screen *t, long line, int col, VTermScreenCell *c)
{
	if (line < 0 || col < 0)
		return 0;
	if ((size_t)line < t->sb_count) {
		const sb_line *l = t->sb[(t->sb_head + (size_t)line) % t->sb_cap];
		if (col >= l->ncells)
			return 0;
		*c = l->cells[col];
		return 1;
	}
	long row = line - (long)t->sb_count;
	if (row >= t->rows || col >= t->cols)
		return 0;
	return vterm_screen_get_cell(t->vts, (VTermPos){ .row = (int)row, .col = col }, c);
}

/* Columns worth looking at in `line`. */
static int line_width(term_screen *t, long line)
{
	if (line >= 0 && (size_t)line < t->sb_count)
		return t->sb[(t->sb_head + (size_t)line) % t->sb_cap]->ncells;
	return t->cols;
}

void term_screen_line(term_screen *t, long line, vt_cell *out, int cols)
{
	for (int col = 0; col < cols; col++) {
		VTermScreenCell c;
		if (line_cell(t, line, col, &c))
			vtattr_cell(&c, t->colors, &out[col]);
		else
			out[col] = (vt_cell){ { ' ', 0 }, 1, UI_ATTR_DEFAULT };
	}
	/* a wide character cut by the right edge would spill over */
	if (cols > 0 && out[cols - 1].width == 2)
		out[cols - 1] = (vt_cell){ { ' ', 0 }, 1, out[cols - 1].attr };
}

void term_line_text_map(term_screen *t, long line, sbx_buf *out, sbx_buf *colmap)
{
	size_t keep = out->len, keep_map = colmap ? colmap->len : 0;
	int w = line_width(t, line);
	for (int col = 0; col < w; col++) {
		VTermScreenCell c;
		if (!line_cell(t, line, col, &c))
			c.chars[0] = ' ', c.chars[1] = 0;
		if (c.chars[0] == (uint32_t)-1)
			continue;   /* right half of a wide character */
		uint32_t first = c.chars[0] ? c.chars[0] : ' ';
		for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && (i == 0 || c.chars[i]); i++) {
			char u[4];
			size_t n = utf8_encode(i == 0 ? first : c.chars[i], u);
			buf_append(out, u, n);
			for (size_t k = 0; colmap && k < n; k++)
				buf_append(colmap, &col, sizeof col);
		}
		if (first != ' ') {
			keep = out->len;
			keep_map = colmap ? colmap->len : 0;
		}
	}
	out->len = keep;
	if (out->data)
		out->data[keep] = 0;
	if (colmap) {
		colmap->len = keep_map;
		if (colmap->data)
			colmap->data[keep_map] = 0;
	}
}

void term_screen_line_text(term_screen *t, long line, sbx_buf *out)
{
	term_line_text_map(t, line, out, NULL);
}

void term_screen_text(term_screen *t, sbx_buf *out)
{
	long n = term_screen_lines(t);
	size_t keep = out->len;
	for (long i = 0; i < n; i++) {
		size_t before = out->len;
		term_screen_line_text(t, i, out);
		if (out->len > before)
			keep = out->len + 1;
		buf_putc(out, '\n');
	}
	out->len = keep;   /* drop the screen's empty bottom rows */
	if (out->data)
		out->data[keep] = 0;
}
