/* ui/model term_screen: sequences fed into a real libvterm 0.1.4 and the
 * resulting rows, cells, scrollback, properties; key/paste/mouse encodings
 * and replies queued for the program; copy-mode search, selection and
 * text extraction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/term_screen.h"
#include "../../ui/model/term_screen_int.h"   /* bulk_lines, the scrollback ring */

static void feeds(term_screen *t, const char *s) { term_screen_feed(t, s, strlen(s)); }

static char *line_text(term_screen *t, long line, sbx_buf *b)
{
	buf_reset(b);
	term_screen_line_text(t, line, b);
	return (char *)buf_cstr(b);
}

/* the queued output as a string (cleared) */
static const char *out(term_screen *t, sbx_buf *b)
{
	buf_reset(b);
	term_screen_take_output(t, b);
	return buf_cstr(b);
}

static void test_text_and_attrs(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(4, 20, 256, 100);
	sbx_buf b = SBX_BUF_INIT;
	assert_true(term_screen_take_dirty(t));
	feeds(t, "hi \x1b[1;31mred\x1b[0m \x1b[38;5;196mx\x1b[0m\r\nnext");
	assert_true(term_screen_take_dirty(t));
	assert_false(term_screen_take_dirty(t));
	assert_string_equal(line_text(t, 0, &b), "hi red x");
	assert_string_equal(line_text(t, 1, &b), "next");
	assert_string_equal(line_text(t, 2, &b), "");
	vt_cell row[20];
	term_screen_line(t, 0, row, 20);
	assert_int_equal(row[0].chars[0], 'h');
	assert_int_equal(row[0].attr.fg, -1);
	assert_int_equal(row[3].chars[0], 'r');
	assert_int_equal(row[3].attr.fg, 1);
	assert_int_equal(row[3].attr.flags, UI_BOLD);
	assert_int_equal(row[6].attr.flags, 0);
	assert_int_equal(row[7].attr.fg, 196);
	int r, c;
	assert_true(term_screen_cursor(t, &r, &c));
	assert_int_equal(r, 1);
	assert_int_equal(c, 4);
	feeds(t, "\x1b[?25l");
	assert_false(term_screen_cursor(t, &r, &c));
	/* a narrower request than the screen cuts; a wider one pads */
	vt_cell wide[30];
	term_screen_line(t, 1, wide, 30);
	assert_int_equal(wide[29].chars[0], ' ');
	assert_int_equal(wide[29].width, 1);
	buf_free(&b);
	term_screen_free(t);
}

static void test_wide_chars(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(2, 10, 256, 10);
	sbx_buf b = SBX_BUF_INIT;
	feeds(t, "a\xe4\xb8\xad" "b");
	vt_cell row[10];
	term_screen_line(t, 0, row, 10);
	assert_int_equal(row[0].chars[0], 'a');
	assert_int_equal(row[1].chars[0], 0x4e2d);
	assert_int_equal(row[1].width, 2);
	assert_int_equal(row[2].width, 0);
	assert_int_equal(row[3].chars[0], 'b');
	assert_string_equal(line_text(t, 0, &b), "a\xe4\xb8\xad" "b");
	/* a wide char cut by the right edge of the request becomes a blank */
	vt_cell two[2];
	term_screen_line(t, 0, two, 2);
	assert_int_equal(two[1].chars[0], ' ');
	assert_int_equal(two[1].width, 1);
	buf_free(&b);
	term_screen_free(t);
}

static void test_scrollback_push_and_cap(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(3, 10, 256, 5);
	sbx_buf b = SBX_BUF_INIT;
	for (int i = 0; i < 4; i++) {
		char s[16];
		snprintf(s, sizeof s, "L%d\r\n", i);
		feeds(t, s);
	}
	/* L0 and L1 scrolled off; the screen has L2, L3 and the cursor row */
	assert_int_equal(term_screen_sb_lines(t), 2);
	assert_int_equal(term_screen_lines(t), 5);
	assert_string_equal(line_text(t, 0, &b), "L0");
	assert_string_equal(line_text(t, 1, &b), "L1");
	assert_string_equal(line_text(t, 2, &b), "L2");
	for (int i = 4; i < 20; i++) {
		char s[16];
		snprintf(s, sizeof s, "L%d\r\n", i);
		feeds(t, s);
	}
	/* capped at 5: the oldest kept is L13 (L18, L19 on screen) */
	assert_int_equal(term_screen_sb_lines(t), 5);
	assert_string_equal(line_text(t, 0, &b), "L13");
	assert_string_equal(line_text(t, 4, &b), "L17");
	assert_string_equal(line_text(t, 5, &b), "L18");
	buf_free(&b);
	term_screen_free(t);
}

/* The same bytes fed whole (or in `chunk`-sized pieces, 0: whole) and one
 * byte at a time (never a run for the bulk path) leave the same lines,
 * cells and cursor.  Returns how many lines took the bulk path. */
static size_t same_as_bytewise(int rows, int cols, size_t cap, const char *in, size_t len, size_t chunk)
{
	term_screen *a = term_screen_new(rows, cols, 256, cap), *b = term_screen_new(rows, cols, 256, cap);
	for (size_t i = 0; i < len;) {
		size_t n = chunk ? chunk : len;
		if (n > len - i)
			n = len - i;
		term_screen_feed(a, in + i, n);
		i += n;
	}
	for (size_t i = 0; i < len; i++)
		term_screen_feed(b, in + i, 1);
	assert_int_equal(b->bulk_lines, 0);
	assert_int_equal(term_screen_lines(a), term_screen_lines(b));
	assert_int_equal(term_screen_sb_lines(a), term_screen_sb_lines(b));
	for (size_t i = 0; i < a->sb_count; i++)   /* trailing blanks trimmed alike */
		assert_int_equal(a->sb[(a->sb_head + i) % a->sb_cap]->ncells, b->sb[(b->sb_head + i) % b->sb_cap]->ncells);
	vt_cell *ca = calloc((size_t)cols, sizeof *ca), *cb = calloc((size_t)cols, sizeof *cb);
	for (long l = 0; l < term_screen_lines(a); l++) {
		term_screen_line(a, l, ca, cols);
		term_screen_line(b, l, cb, cols);
		for (int c = 0; c < cols; c++) {
			for (int k = 0; k <= VTERM_MAX_CHARS_PER_CELL && (k == 0 || ca[c].chars[k - 1]); k++)
				assert_int_equal(ca[c].chars[k], cb[c].chars[k]);
			assert_int_equal(ca[c].width, cb[c].width);
			assert_int_equal(ca[c].attr.fg, cb[c].attr.fg);
			assert_int_equal(ca[c].attr.bg, cb[c].attr.bg);
			assert_int_equal(ca[c].attr.flags, cb[c].attr.flags);
		}
	}
	int ra, ka, rb, kb;
	assert_int_equal(term_screen_cursor(a, &ra, &ka), term_screen_cursor(b, &rb, &kb));
	assert_int_equal(ra, rb);
	assert_int_equal(ka, kb);
	size_t bulk = a->bulk_lines;
	free(ca), free(cb);
	term_screen_free(a), term_screen_free(b);
	return bulk;
}

/* n plain lines of lengths 0..cols (line i: i % (cols + 1) characters) */
static void plain_lines(sbx_buf *b, int n, int cols)
{
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < i % (cols + 1); k++)
			buf_putc(b, (char)('a' + (i + k) % 26));
		buf_puts(b, "\r\n");
	}
}

static void test_bulk_same_as_libvterm(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	/* a coloured prompt, a screen half full, then a flood of lines */
	buf_puts(&b, "\x1b[1;32muser@sbx\x1b[0m:~$ cat f\r\nfirst\r\nsecond");
	plain_lines(&b, 300, 20);
	buf_puts(&b, "tail without newline");
	assert_true(same_as_bytewise(6, 20, 1000, b.data, b.len, 0) > 200);
	assert_true(same_as_bytewise(6, 20, 1000, b.data, b.len, 400) > 0);   /* runs cut by chunks */
	assert_true(same_as_bytewise(6, 20, 50, b.data, b.len, 0) > 200);     /* the ring drops lines */
	(void)same_as_bytewise(1, 20, 100, b.data, b.len, 0);                 /* one row: no pen sample */
	assert_true(same_as_bytewise(6, 20, 0, b.data, b.len, 0) > 200);     /* no scrollback */
	/* a pen with a background and attributes colours the written cells and the rest of the rows */
	buf_reset(&b);
	buf_puts(&b, "\x1b[44;1;4mx\r\n");
	plain_lines(&b, 100, 12);
	buf_puts(&b, "\x1b[0m");
	plain_lines(&b, 100, 12);
	assert_true(same_as_bytewise(5, 12, 1000, b.data, b.len, 0) > 100);
	/* empty lines only, and tabs, UTF-8 and lines too wide, which end runs */
	buf_reset(&b);
	for (int i = 0; i < 40; i++)
		buf_puts(&b, "\r\n");
	plain_lines(&b, 60, 8);
	buf_puts(&b, "a\tb\r\n\xc3\xa9t\xc3\xa9\r\nmuch wider than eight\r\n");
	plain_lines(&b, 60, 8);
	assert_true(same_as_bytewise(4, 8, 1000, b.data, b.len, 0) > 0);
	buf_free(&b);
}

/* State libvterm keeps and the bulk path cannot honour turns it off. */
static void test_bulk_off_when_unsure(void **state)
{
	(void)state;
	static const struct { const char *set, *unset; } cases[] = {
		{ "\x1b[2;5r", "\x1b[r" },              /* a scroll region */
		{ "\x1b[3r", "\x1b[1;6r" },              /* ... from row 3; the full one again */
		{ "\x1b(0", "\x1b(B" },                  /* DEC graphics in G0 */
		{ "\x1b)0\x0e", "\x0f" },               /* ... in G1, shifted in */
		{ "\x1b[?1049h", "\x1b[?1049l" },        /* the alternate screen */
		{ "\x1b[?69h", "\x1b[?69l" },            /* left/right margins */
		{ "\x1bN", "\x1b" "c" },                 /* a single shift: off until a reset */
		{ "\x1b(0\x1b" "7\x1b(B\x1b" "8", "\x1b(B" }, /* restored with the cursor */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		sbx_buf b = SBX_BUF_INIT;
		buf_puts(&b, cases[i].set);
		plain_lines(&b, 100, 10);
		assert_int_equal(same_as_bytewise(6, 10, 1000, b.data, b.len, 0), 0);
		buf_puts(&b, cases[i].unset);
		plain_lines(&b, 100, 10);
		assert_true(same_as_bytewise(6, 10, 1000, b.data, b.len, 0) > 0);
		buf_free(&b);
	}
}

static void test_altscreen_keeps_scrollback(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(3, 10, 256, 100);
	sbx_buf b = SBX_BUF_INIT;
	feeds(t, "shell\r\n");
	feeds(t, "\x1b[?1049h");
	assert_true(term_screen_altscreen(t));
	for (int i = 0; i < 10; i++)
		feeds(t, "full\r\n");
	assert_int_equal(term_screen_sb_lines(t), 0);
	feeds(t, "\x1b[?1049l");
	assert_false(term_screen_altscreen(t));
	assert_string_equal(line_text(t, 0, &b), "shell");
	buf_free(&b);
	term_screen_free(t);
}

static void test_resize_pushes_and_pops(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(4, 10, 256, 100);
	sbx_buf b = SBX_BUF_INIT;
	feeds(t, "a\r\nb\r\nc\r\nd");
	assert_int_equal(term_screen_sb_lines(t), 0);
	term_screen_resize(t, 2, 10);
	assert_int_equal(term_screen_rows(t), 2);
	assert_int_equal(term_screen_sb_lines(t), 2);
	assert_string_equal(line_text(t, 0, &b), "a");
	assert_string_equal(line_text(t, 2, &b), "c");
	int r, c;
	term_screen_cursor(t, &r, &c);
	assert_int_equal(r, 1);
	term_screen_resize(t, 4, 12);
	assert_int_equal(term_screen_sb_lines(t), 0);
	assert_int_equal(term_screen_cols(t), 12);
	assert_string_equal(line_text(t, 0, &b), "a");
	assert_string_equal(line_text(t, 3, &b), "d");
	/* a tiny size is raised to 1x1, not a crash */
	term_screen_resize(t, 0, -3);
	assert_int_equal(term_screen_rows(t), 1);
	assert_int_equal(term_screen_cols(t), 1);
	buf_free(&b);
	term_screen_free(t);
}

static void test_props(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(3, 10, 256, 10);
	assert_string_equal(term_screen_title(t), "");
	feeds(t, "\x1b]0;my title\a");
	assert_string_equal(term_screen_title(t), "my title");
	feeds(t, "\x1b[5 q");
	assert_int_equal(term_screen_cursor_shape(t), TERM_CURSOR_BAR);
	feeds(t, "\a\a");
	assert_int_equal(term_screen_take_bells(t), 2);
	assert_int_equal(term_screen_take_bells(t), 0);
	feeds(t, "\x1b[?1002h");
	assert_int_equal(term_screen_mouse_mode(t), TERM_MOUSE_DRAG);
	term_screen_reset(t);
	assert_string_equal(term_screen_title(t), "");
	assert_int_equal(term_screen_mouse_mode(t), TERM_MOUSE_NONE);
	term_screen_free(t);
}

static void expect_key(term_screen *t, const char *name, const char *want, size_t wlen)
{
	ui_key k;
	sbx_err e;
	if (key_parse(name, &k, &e) < 0)
		fail_msg("%s: %s", name, e.msg);
	assert_true(term_screen_key(t, k));
	sbx_buf b = SBX_BUF_INIT;
	term_screen_take_output(t, &b);
	if (b.len != wlen || memcmp(b.data, want, wlen) != 0)
		fail_msg("key %s: got %zu bytes \"%.*s\"", name, b.len, (int)b.len, b.data ? b.data : "");
	buf_free(&b);
}

#define KEY(t, name, lit) expect_key(t, name, lit, sizeof lit - 1)

static void test_keys(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(3, 10, 256, 10);
	KEY(t, "Up", "\x1b[A");
	KEY(t, "C-c", "\x03");
	KEY(t, "M-x", "\x1bx");
	KEY(t, "a", "a");
	KEY(t, "A", "A");
	KEY(t, "Enter", "\r");
	KEY(t, "BSpace", "\x7f");
	KEY(t, "Tab", "\t");
	KEY(t, "S-Tab", "\x1b[Z");
	KEY(t, "Escape", "\x1b");
	KEY(t, "C-Space", "\0");
	KEY(t, "C-M-a", "\x1b\x01");
	KEY(t, "C-Left", "\x1b[1;5D");
	KEY(t, "Delete", "\x1b[3~");
	KEY(t, "PgUp", "\x1b[5~");
	KEY(t, "F1", "\x1bOP");
	KEY(t, "F5", "\x1b[15~");
	KEY(t, "Home", "\x1b[H");
	/* Ctrl with a capital still sends the C0 byte (neovim's quirk) */
	assert_true(term_screen_key(t, (ui_key){ 'A', KEY_CTRL }));
	sbx_buf b = SBX_BUF_INIT;
	assert_string_equal(out(t, &b), "\x01");
	/* non-ASCII stays UTF-8, also behind Alt */
	assert_true(term_screen_key(t, (ui_key){ 0xe9, 0 }));
	assert_string_equal(out(t, &b), "\xc3\xa9");
	assert_true(term_screen_key(t, (ui_key){ 0xe9, KEY_ALT }));
	assert_string_equal(out(t, &b), "\x1b\xc3\xa9");
	/* application cursor keys once the program asks (DECCKM) */
	feeds(t, "\x1b[?1h");
	KEY(t, "Up", "\x1bOA");
	assert_false(term_screen_key(t, (ui_key){ UK_BASE + 500, 0 }));
	buf_free(&b);
	term_screen_free(t);
}

static void test_paste(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(3, 10, 256, 10);
	sbx_buf b = SBX_BUF_INIT;
	term_screen_paste(t, "a\nb\r\nc", 6);
	assert_string_equal(out(t, &b), "a\rb\rc");
	feeds(t, "\x1b[?2004h");
	const char evil[] = "x\x1b[201~rm";
	term_screen_paste(t, evil, sizeof evil - 1);
	assert_string_equal(out(t, &b), "\x1b[200~xrm\x1b[201~");
	feeds(t, "\x1b[?2004l");
	term_screen_paste(t, "y", 1);
	assert_string_equal(out(t, &b), "y");
	buf_free(&b);
	term_screen_free(t);
}

static void test_replies_queued(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(3, 10, 256, 10);
	sbx_buf b = SBX_BUF_INIT;
	assert_string_equal(out(t, &b), "");
	feeds(t, "\x1b[c");
	const char *da = out(t, &b);
	assert_true(strncmp(da, "\x1b[?1;", 5) == 0);
	assert_int_equal(da[strlen(da) - 1], 'c');
	feeds(t, "ab\x1b[6n");
	assert_string_equal(out(t, &b), "\x1b[1;3R");
	buf_free(&b);
	term_screen_free(t);
}

static void test_mouse(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(5, 10, 256, 10);
	sbx_buf b = SBX_BUF_INIT;
	assert_false(term_screen_mouse(t, 1, 1, 1, 1, 0));
	assert_string_equal(out(t, &b), "");
	feeds(t, "\x1b[?1000h\x1b[?1006h");
	assert_true(term_screen_mouse(t, 2, 3, 1, 1, 0));
	assert_string_equal(out(t, &b), "\x1b[<0;4;3M");
	assert_true(term_screen_mouse(t, 2, 3, 1, 0, 0));
	assert_string_equal(out(t, &b), "\x1b[<0;4;3m");
	assert_true(term_screen_mouse(t, 0, 0, 4, 1, 0));
	assert_string_equal(out(t, &b), "\x1b[<64;1;1M");
	buf_free(&b);
	term_screen_free(t);
}

/* 3 rows; scrollback "one foo" "two" then screen "three foo" "Foo four" "" */
static term_screen *copy_fixture(void)
{
	term_screen *t = term_screen_new(3, 20, 256, 100);
	feeds(t, "one foo\r\ntwo\r\nthree foo\r\nFoo four\r\n");
	return t;
}

static void test_copy_search(void **state)
{
	(void)state;
	term_screen *t = copy_fixture();
	long line;
	int col;
	assert_int_equal(term_screen_sb_lines(t), 2);
	assert_int_equal(term_copy_next(t, 0), -1);
	term_copy_enter(t);
	assert_true(term_copy_active(t));
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 4);
	assert_int_equal(col, 0);
	assert_int_equal(term_copy_top(t), 2);
	/* backward, case-insensitive: "Foo four" first */
	assert_int_equal(term_copy_search(t, "foo", 1), 1);
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 0);
	assert_int_equal(term_copy_next(t, 0), 1);
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 6);
	assert_int_equal(term_copy_next(t, 0), 1);
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 0);
	assert_int_equal(col, 4);
	assert_int_equal(term_copy_top(t), 0);   /* scrolled to show it */
	/* reverse = forward now */
	assert_int_equal(term_copy_next(t, 1), 1);
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 2);
	/* wraps around: backward from the first match to the last line's */
	term_copy_goto(t, 0, 4);
	assert_int_equal(term_copy_next(t, 0), 1);
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 3);
	/* a capital makes it case-sensitive */
	assert_int_equal(term_copy_search(t, "Foo", 0), 1);
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(term_copy_search(t, "nowhere", 0), 0);
	/* marks: the match columns of line 2 */
	assert_int_equal(term_copy_search(t, "foo", 0), 1);
	unsigned char marks[20];
	term_copy_marks(t, 2, marks, 20);
	assert_int_equal(marks[5], 0);
	assert_int_equal(marks[6], TERM_MARK_MATCH);
	assert_int_equal(marks[8], TERM_MARK_MATCH);
	assert_int_equal(marks[9], 0);
	term_copy_leave(t);
	assert_false(term_copy_active(t));
	term_screen_free(t);
}

static void test_copy_selection(void **state)
{
	(void)state;
	term_screen *t = copy_fixture();
	sbx_buf b = SBX_BUF_INIT;
	term_copy_enter(t);
	/* no selection: the cursor's line */
	term_copy_goto(t, 1, 0);
	assert_int_equal(term_copy_text(t, &b), 3);
	assert_string_equal(buf_cstr(&b), "two");
	/* from "foo" on line 0 to "thr" on line 2 */
	term_copy_goto(t, 0, 4);
	term_copy_select(t);
	assert_true(term_copy_selecting(t));
	term_copy_move(t, 2, -2);
	buf_reset(&b);
	term_copy_text(t, &b);
	assert_string_equal(buf_cstr(&b), "foo\ntwo\nthr");
	unsigned char marks[20];
	term_copy_marks(t, 0, marks, 20);
	assert_int_equal(marks[3], 0);
	assert_int_equal(marks[4], TERM_MARK_SELECTION);
	term_copy_marks(t, 2, marks, 20);
	assert_int_equal(marks[2], TERM_MARK_SELECTION);
	assert_int_equal(marks[3], 0);
	/* ending it fixes it: moving on does not change the text */
	term_copy_select(t);
	assert_false(term_copy_selecting(t));
	term_copy_move(t, 1, 0);
	buf_reset(&b);
	term_copy_text(t, &b);
	assert_string_equal(buf_cstr(&b), "foo\ntwo\nthr");
	/* backwards selections are ordered */
	term_copy_goto(t, 3, 2);
	term_copy_select(t);
	term_copy_goto(t, 2, 6);
	buf_reset(&b);
	term_copy_text(t, &b);
	assert_string_equal(buf_cstr(&b), "foo\nFoo");
	term_copy_clear_selection(t);
	/* the whole text */
	buf_reset(&b);
	term_screen_text(t, &b);
	assert_string_equal(buf_cstr(&b), "one foo\ntwo\nthree foo\nFoo four\n");
	buf_free(&b);
	term_screen_free(t);
}

static void test_copy_scroll_and_drop(void **state)
{
	(void)state;
	term_screen *t = term_screen_new(2, 10, 256, 3);
	for (int i = 0; i < 4; i++)
		feeds(t, "x\r\n");
	assert_int_equal(term_screen_sb_lines(t), 3);
	term_copy_enter(t);
	term_copy_scroll(t, -100);
	assert_int_equal(term_copy_top(t), 0);
	long line;
	int col;
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 1);   /* pulled into the view */
	term_copy_scroll(t, 100);
	assert_int_equal(term_copy_top(t), 3);
	/* the full ring forgets a line: positions follow their content */
	term_copy_goto(t, 2, 0);
	feeds(t, "y\r\n");
	term_copy_cursor(t, &line, &col);
	assert_int_equal(line, 1);
	term_screen_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_attrs),
		cmocka_unit_test(test_wide_chars),
		cmocka_unit_test(test_scrollback_push_and_cap),
		cmocka_unit_test(test_bulk_same_as_libvterm),
		cmocka_unit_test(test_bulk_off_when_unsure),
		cmocka_unit_test(test_altscreen_keeps_scrollback),
		cmocka_unit_test(test_resize_pushes_and_pops),
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_paste),
		cmocka_unit_test(test_replies_queued),
		cmocka_unit_test(test_mouse),
		cmocka_unit_test(test_copy_search),
		cmocka_unit_test(test_copy_selection),
		cmocka_unit_test(test_copy_scroll_and_drop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
