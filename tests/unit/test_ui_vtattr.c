/* ui/model vtattr: escape sequences written into a real libvterm 0.1.4,
 * then its screen cells mapped for 256-, 16-, 8- and 2-colour terminals;
 * plus the colour reduction tables themselves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "../../ui/model/colour.h"
#include "../../ui/model/vtattr.h"

typedef struct term {
	VTerm *vt;
	VTermScreen *screen;
} term;

static void on_output(const char *s, size_t len, void *user)
{
	(void)s, (void)len, (void)user; /* DA replies etc.: not needed here */
}

static term feed(const char *bytes)
{
	term t;
	t.vt = vterm_new(4, 20);
	vterm_set_utf8(t.vt, 1);
	vterm_output_set_callback(t.vt, on_output, NULL);
	t.screen = vterm_obtain_screen(t.vt);
	vterm_screen_reset(t.screen, 1);
	vterm_input_write(t.vt, bytes, strlen(bytes));
	vterm_screen_flush_damage(t.screen);
	return t;
}

static vt_cell cell_at(term *t, int col, int colors)
{
	vt_cell row[20];
	vtattr_row(t->screen, 0, 20, colors, row);
	return row[col];
}

static void assert_cell(term *t, int col, int colors, uint32_t ch, int fg, int bg, unsigned flags)
{
	vt_cell c = cell_at(t, col, colors);
	if (c.chars[0] != ch || c.attr.fg != fg || c.attr.bg != bg || c.attr.flags != flags)
		fail_msg("col %d @%d colours: got U+%04X fg %d bg %d flags %#x, want U+%04X fg %d bg %d flags %#x", col,
			 colors, c.chars[0], c.attr.fg, c.attr.bg, c.attr.flags, ch, fg, bg, flags);
}

static void test_defaults_stay_default(void **state)
{
	(void)state;
	term t = feed("a\x1b[31mb\x1b[39;49mc\x1b[0m");
	for (int colors = 2; colors <= 256; colors *= 2) {
		assert_cell(&t, 0, colors, 'a', -1, -1, 0);
		assert_cell(&t, 2, colors, 'c', -1, -1, 0);
	}
	/* An erased cell is a blank with default colours. */
	vt_cell blank = cell_at(&t, 10, 256);
	assert_int_equal(blank.chars[0], ' ');
	assert_int_equal(blank.chars[1], 0);
	assert_int_equal(blank.width, 1);
	vterm_free(t.vt);
}

static void test_indexed(void **state)
{
	(void)state;
	term t = feed("\x1b[31mR\x1b[91mB\x1b[38;5;196mX\x1b[48;5;21mY\x1b[0m\x1b[38;5;244mG");
	assert_cell(&t, 0, 256, 'R', 1, -1, 0);
	assert_cell(&t, 0, 8, 'R', 1, -1, 0);
	assert_cell(&t, 1, 256, 'B', 9, -1, 0);
	assert_cell(&t, 1, 16, 'B', 9, -1, 0);
	assert_cell(&t, 1, 8, 'B', 1, -1, 0);
	assert_cell(&t, 2, 256, 'X', 196, -1, 0);
	assert_cell(&t, 2, 16, 'X', 9, -1, 0);   /* ff0000 is bright red */
	assert_cell(&t, 2, 8, 'X', 1, -1, 0);
	assert_cell(&t, 3, 256, 'Y', 196, 21, 0);
	assert_cell(&t, 3, 8, 'Y', 1, 4, 0);
	assert_cell(&t, 4, 256, 'G', 244, -1, 0);
	assert_cell(&t, 4, 16, 'G', 8, -1, 0);   /* 808080 ~ bright black 7f7f7f */
	assert_cell(&t, 4, 2, 'G', -1, -1, 0);
	vterm_free(t.vt);
}

static void test_truecolor(void **state)
{
	(void)state;
	term t = feed("\x1b[38;2;255;135;0mO\x1b[38;2;18;52;86mN\x1b[48;2;128;128;128mG\x1b[0m"
		      "\x1b[38;2;250;250;250mW");
	assert_cell(&t, 0, 256, 'O', 208, -1, 0);  /* exact cube colour */
	assert_cell(&t, 0, 8, 'O', 3, -1, 0);      /* nearest: yellow cdcd00 */
	assert_cell(&t, 1, 256, 'N', 23, -1, 0);   /* cube 005f5f beats grey 303030 */
	assert_cell(&t, 1, 16, 'N', 0, -1, 0);
	assert_cell(&t, 2, 256, 'G', 23, 244, 0);  /* 808080 is grey 244 */
	assert_cell(&t, 3, 256, 'W', 231, -1, 0);  /* ffffff cube corner, not 15 */
	assert_cell(&t, 3, 8, 'W', 7, -1, 0);
	vterm_free(t.vt);
}

static void test_attrs_and_wide(void **state)
{
	(void)state;
	term t = feed("\x1b[1mb\x1b[0;4mu\x1b[0;3mi\x1b[0;7mr\x1b[0;5mk\x1b[0;9ms\x1b[0;1;7;31mx\x1b[0m"
		      "\xe4\xb8\xad" "e\xcc\x81");
	assert_cell(&t, 0, 256, 'b', -1, -1, UI_BOLD);
	assert_cell(&t, 1, 256, 'u', -1, -1, UI_UNDERLINE);
	assert_cell(&t, 2, 256, 'i', -1, -1, UI_ITALIC);
	assert_cell(&t, 3, 256, 'r', -1, -1, UI_REVERSE);
	assert_cell(&t, 4, 256, 'k', -1, -1, UI_BLINK);
	assert_cell(&t, 5, 256, 's', -1, -1, UI_STRIKE);
	/* Reverse stays a flag, colours unswapped (the view applies it). */
	assert_cell(&t, 6, 2, 'x', -1, -1, UI_BOLD | UI_REVERSE);
	assert_cell(&t, 6, 256, 'x', 1, -1, UI_BOLD | UI_REVERSE);
	vt_cell wide = cell_at(&t, 7, 256), right = cell_at(&t, 8, 256), comb = cell_at(&t, 9, 256);
	assert_int_equal(wide.chars[0], 0x4e2d);
	assert_int_equal(wide.width, 2);
	assert_int_equal(right.width, 0);
	assert_int_equal(right.chars[0], 0);
	/* A combining accent shares its base's cell. */
	assert_int_equal(comb.chars[0], 'e');
	assert_int_equal(comb.chars[1], 0x301);
	assert_int_equal(comb.chars[2], 0);
	vterm_free(t.vt);
}

static void test_colour_tables(void **state)
{
	(void)state;
	assert_int_equal(colour_bucket(16777216), 256);
	assert_int_equal(colour_bucket(88), 16);
	assert_int_equal(colour_bucket(8), 8);
	assert_int_equal(colour_bucket(2), 0);
	ui_rgb c = colour_index_rgb(196);
	assert_true(c.r == 255 && c.g == 0 && c.b == 0);
	c = colour_index_rgb(232);
	assert_true(c.r == 8 && c.g == 8 && c.b == 8);
	/* Every 256-colour index maps to itself when the RGB is exact. */
	for (int i = 16; i < 256; i++) {
		int back = colour_rgb_to_256(colour_index_rgb(i));
		ui_rgb a = colour_index_rgb(i), b = colour_index_rgb(back);
		assert_int_equal(colour_dist(a, b), 0);
	}
	for (int i = 0; i < 256; i++) {
		assert_true(colour_reduce(i, 8) >= 0 && colour_reduce(i, 8) < 8);
		assert_true(colour_reduce(i, 16) >= 0 && colour_reduce(i, 16) < 16);
		assert_int_equal(colour_reduce(i, 256), i);
	}
	assert_int_equal(colour_reduce(-1, 256), -1);
	assert_int_equal(colour_reduce(5, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_stay_default),
		cmocka_unit_test(test_indexed),
		cmocka_unit_test(test_truecolor),
		cmocka_unit_test(test_attrs_and_wide),
		cmocka_unit_test(test_colour_tables),
	};
	return cmocka_run_group_tests_name("ui_vtattr", tests, NULL, NULL);
}
