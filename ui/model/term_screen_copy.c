/* term_screen_copy: copy mode over scrollback + screen — a cursor, the
 * view's top, search, a stream selection and its text; see term_screen.h.
 * Search is case-insensitive (ASCII) unless the needle has a capital. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "term_screen_int.h"
#include "../../src/util/xalloc.h"

static long clampl(long v, long lo, long hi) { return v < lo ? lo : v > hi ? hi : v; }

void term_copy_clamp(term_screen *t)
{
	term_copy *c = &t->copy;
	long n = term_screen_lines(t);
	c->line = clampl(c->line, 0, n - 1);
	c->col = (int)clampl(c->col, 0, t->cols - 1);
	c->top = clampl(c->top, 0, (long)t->sb_count);
	if (c->line < c->top)
		c->top = c->line;
	if (c->line >= c->top + t->rows)
		c->top = c->line - t->rows + 1;
	c->anchor_line = clampl(c->anchor_line, 0, n - 1);
	c->end_line = clampl(c->end_line, 0, n - 1);
}

void term_copy_dropped(term_screen *t)
{
	term_copy *c = &t->copy;
	/* the oldest line is gone: every position moves up one */
	c->line = c->line > 0 ? c->line - 1 : 0;
	c->top = c->top > 0 ? c->top - 1 : 0;
	c->anchor_line = c->anchor_line > 0 ? c->anchor_line - 1 : 0;
	c->end_line = c->end_line > 0 ? c->end_line - 1 : 0;
}

void term_copy_enter(term_screen *t)
{
	term_copy *c = &t->copy;
	c->active = 1;
	c->selecting = c->has_sel = 0;
	c->top = (long)t->sb_count;
	c->line = (long)t->sb_count + t->cursor.row;
	c->col = t->cursor.col;
	term_copy_clamp(t);
	t->dirty = 1;
}

void term_copy_leave(term_screen *t)
{
	t->copy.active = 0;
	t->copy.selecting = t->copy.has_sel = 0;
	t->dirty = 1;
}

int term_copy_active(const term_screen *t) { return t->copy.active; }

void term_copy_cursor(const term_screen *t, long *line, int *col)
{
	*line = t->copy.line;
	*col = t->copy.col;
}

long term_copy_top(const term_screen *t) { return t->copy.active ? t->copy.top : (long)t->sb_count; }

void term_copy_goto(term_screen *t, long line, int col)
{
	t->copy.line = line;
	t->copy.col = col;
	term_copy_clamp(t);
	t->dirty = 1;
}

void term_copy_move(term_screen *t, long dlines, int dcols)
{
	term_copy_goto(t, t->copy.line + dlines, t->copy.col + dcols);
}

void term_copy_scroll(term_screen *t, long dlines)
{
	term_copy *c = &t->copy;
	c->top = clampl(c->top + dlines, 0, (long)t->sb_count);
	c->line = clampl(c->line, c->top, c->top + t->rows - 1);
	term_copy_clamp(t);
	t->dirty = 1;
}

/* --- search -------------------------------------------------------------- */

static int fold_case(const char *needle)
{
	for (const char *p = needle; *p; p++)
		if (isupper((unsigned char)*p))
			return 0;
	return 1;
}

/* line's text (folded when asked) with its byte → column map */
static void line_for_search(term_screen *t, long line, int fold, sbx_buf *text, sbx_buf *map)
{
	buf_reset(text);
	buf_reset(map);
	term_line_text_map(t, line, text, map);
	if (fold)
		for (size_t i = 0; i < text->len; i++)
			text->data[i] = (char)tolower((unsigned char)text->data[i]);
}

/* Calls back for every match's first and last column in order; stops
 * when it returns nonzero. */
typedef int (*match_fn)(int first, int last, void *ud);

static void each_match(const sbx_buf *text, const sbx_buf *map, const char *needle, match_fn fn, void *ud)
{
	size_t nl = strlen(needle);
	if (!nl || text->len < nl)
		return;
	const int *cols = (const int *)(const void *)map->data;
	const char *p = text->data, *end = text->data + text->len;
	while ((size_t)(end - p) >= nl) {
		const char *m = memmem(p, (size_t)(end - p), needle, nl);
		if (!m)
			return;
		size_t off = (size_t)(m - text->data);
		if (fn(cols[off], cols[off + nl - 1], ud))
			return;
		p = m + 1;
	}
}

typedef struct pick {
	int backward, has_bound, bound, after; /* after: want col > bound (else col < bound) */
	int found, col;
} pick;

static int pick_match(int first, int last, void *ud)
{
	(void)last;
	pick *k = ud;
	if (k->has_bound && (k->after ? first <= k->bound : first >= k->bound))
		return 0;
	k->found = 1;
	k->col = first;
	return !k->backward;   /* forward: the first one; backward: keep the last */
}

static int search_from(term_screen *t, int backward)
{
	term_copy *c = &t->copy;
	if (!c->needle || !*c->needle)
		return 0;
	int fold = fold_case(c->needle);
	char *needle = xstrdup(c->needle);
	if (fold)
		for (char *p = needle; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	sbx_buf text = SBX_BUF_INIT, map = SBX_BUF_INIT;
	long n = term_screen_lines(t);
	int found = 0;
	/* k == n revisits the cursor's line for the part on the wrong side */
	for (long k = 0; k <= n && !found; k++) {
		long line = backward ? ((c->line - k) % n + n) % n : (c->line + k) % n;
		pick pk = { .backward = backward };
		if (k == 0 || k == n) {
			pk.has_bound = 1;
			pk.bound = c->col;
			pk.after = k == 0 ? !backward : backward;
			if (k == n)   /* the cursor's own column counts on the way round */
				pk.bound += backward ? -1 : 1;
		}
		line_for_search(t, line, fold, &text, &map);
		each_match(&text, &map, needle, pick_match, &pk);
		if (pk.found) {
			found = 1;
			term_copy_goto(t, line, pk.col);
		}
	}
	buf_free(&text);
	buf_free(&map);
	free(needle);
	return found;
}

int term_copy_search(term_screen *t, const char *needle, int backward)
{
	free(t->copy.needle);
	t->copy.needle = needle && *needle ? xstrdup(needle) : NULL;
	t->copy.backward = backward;
	t->dirty = 1;
	return search_from(t, backward);
}

int term_copy_next(term_screen *t, int reverse)
{
	if (!t->copy.needle)
		return -1;
	return search_from(t, t->copy.backward ^ (reverse != 0));
}

const char *term_copy_needle(const term_screen *t) { return t->copy.needle; }

/* --- selection ----------------------------------------------------------- */

void term_copy_select(term_screen *t)
{
	term_copy *c = &t->copy;
	if (c->selecting) {
		c->selecting = 0;
		c->has_sel = 1;
		c->end_line = c->line;
		c->end_col = c->col;
	} else {
		c->selecting = 1;
		c->has_sel = 0;
		c->anchor_line = c->line;
		c->anchor_col = c->col;
	}
	t->dirty = 1;
}

int term_copy_selecting(const term_screen *t) { return t->copy.selecting; }

void term_copy_clear_selection(term_screen *t)
{
	t->copy.selecting = t->copy.has_sel = 0;
	t->dirty = 1;
}

/* The selection as ordered inclusive positions; 0 when there is none. */
static int sel_range(const term_screen *t, long *l0, int *c0, long *l1, int *c1)
{
	const term_copy *c = &t->copy;
	if (!c->selecting && !c->has_sel)
		return 0;
	long al = c->anchor_line, bl = c->selecting ? c->line : c->end_line;
	int ac = c->anchor_col, bc = c->selecting ? c->col : c->end_col;
	if (al > bl || (al == bl && ac > bc)) {
		long tl = al;
		int tc = ac;
		al = bl, ac = bc, bl = tl, bc = tc;
	}
	*l0 = al, *c0 = ac, *l1 = bl, *c1 = bc;
	return 1;
}

size_t term_copy_text(term_screen *t, sbx_buf *out)
{
	size_t before = out->len;
	long l0, l1;
	int c0, c1;
	if (!sel_range(t, &l0, &c0, &l1, &c1)) {
		term_screen_line_text(t, t->copy.line, out);
		return out->len - before;
	}
	sbx_buf text = SBX_BUF_INIT, map = SBX_BUF_INIT;
	for (long line = l0; line <= l1; line++) {
		buf_reset(&text);
		buf_reset(&map);
		term_line_text_map(t, line, &text, &map);
		const int *cols = (const int *)(const void *)map.data;
		for (size_t i = 0; i < text.len; i++) {
			if ((line == l0 && cols[i] < c0) || (line == l1 && cols[i] > c1))
				continue;
			buf_putc(out, text.data[i]);
		}
		if (line < l1)
			buf_putc(out, '\n');
	}
	buf_free(&text);
	buf_free(&map);
	return out->len - before;
}

typedef struct mark_ud {
	unsigned char *marks;
	int cols;
} mark_ud;

static int mark_match(int first, int last, void *ud)
{
	mark_ud *m = ud;
	for (int c = first; c <= last && c < m->cols; c++)
		m->marks[c] |= TERM_MARK_MATCH;
	return 0;
}

void term_copy_marks(term_screen *t, long line, unsigned char *marks, int cols)
{
	memset(marks, 0, (size_t)cols);
	long l0, l1;
	int c0, c1;
	if (sel_range(t, &l0, &c0, &l1, &c1) && line >= l0 && line <= l1) {
		int from = line == l0 ? c0 : 0, to = line == l1 ? c1 : cols - 1;
		for (int c = from; c <= to && c < cols; c++)
			marks[c] |= TERM_MARK_SELECTION;
	}
	if (t->copy.needle && *t->copy.needle) {
		int fold = fold_case(t->copy.needle);
		char *needle = xstrdup(t->copy.needle);
		if (fold)
			for (char *p = needle; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		sbx_buf text = SBX_BUF_INIT, map = SBX_BUF_INIT;
		line_for_search(t, line, fold, &text, &map);
		mark_ud m = { marks, cols };
		each_match(&text, &map, needle, mark_match, &m);
		buf_free(&text);
		buf_free(&map);
		free(needle);
	}
}
