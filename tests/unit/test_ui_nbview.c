/* ui/model nbview: cell spans, scrolling to the selected cell and the
 * editor's cursor, hit-testing viewport rows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../../ui/model/nbview.h"

/* cells of 2, 1 (empty source shown as one line) and 5 source lines,
 * with 3, 0 and 10 output rows */
static void three(nbview *v)
{
	nbview_cell c[] = { { 2, 3 }, { 0, 0 }, { 5, 10 } };
	nbview_init(v);
	nbview_layout(v, c, 3);
}

static void test_spans(void **state)
{
	(void)state;
	nbview v;
	three(&v);
	assert_int_equal(v.n, 3);
	assert_int_equal(v.top[0], 0);
	assert_int_equal(v.height[0], 1 + 2 + 1 + 3 + 1);
	assert_int_equal(v.top[1], 8);
	assert_int_equal(v.height[1], 1 + 1 + 1 + 0 + 1);
	assert_int_equal(v.top[2], 12);
	assert_int_equal(v.height[2], 1 + 5 + 1 + 10 + 1);
	assert_int_equal(v.total, 30);
	nbview_free(&v);
	assert_int_equal(v.n, 0);
	assert_null(v.top);
}

static void test_scroll_clamp(void **state)
{
	(void)state;
	nbview v;
	three(&v);
	assert_int_equal(nbview_max_scroll(&v, 10), 20);
	assert_int_equal(nbview_max_scroll(&v, 40), 0);
	nbview_set_scroll(&v, 99, 10);
	assert_int_equal(v.scroll, 20);
	nbview_set_scroll(&v, -5, 10);
	assert_int_equal(v.scroll, 0);
	nbview_free(&v);
}

static void test_show_cell(void **state)
{
	(void)state;
	nbview v;
	three(&v);
	/* cell 1 (rows 8..11, gap 11) in a 6-row viewport at the top: scroll so
	 * its last non-gap row (10) is the bottom row */
	nbview_show_cell(&v, 1, 6);
	assert_int_equal(v.scroll, 5);
	/* already visible: no move */
	nbview_show_cell(&v, 0, 20);
	nbview_set_scroll(&v, 2, 20);
	nbview_show_cell(&v, 1, 20);
	assert_int_equal(v.scroll, 2);
	/* back up to cell 0 from below */
	nbview_set_scroll(&v, 12, 6);
	nbview_show_cell(&v, 0, 6);
	assert_int_equal(v.scroll, 0);
	/* a cell taller than the viewport shows its top */
	nbview_set_scroll(&v, 0, 6);
	nbview_show_cell(&v, 2, 6);
	assert_int_equal(v.scroll, 12);
	nbview_free(&v);
}

static void test_show_source_line(void **state)
{
	(void)state;
	nbview v;
	three(&v);
	/* line 4 of cell 2 is document row 12 + 1 + 4 = 17 */
	nbview_show_source_line(&v, 2, 4, 4);
	assert_int_equal(v.scroll, 14);
	nbview_part part;
	int sub;
	assert_int_equal(nbview_hit(&v, 3, &part, &sub), 2);
	assert_int_equal(part, NBV_SOURCE);
	assert_int_equal(sub, 4);
	/* with room, the prompt row comes along */
	nbview_set_scroll(&v, 29, 10);
	nbview_show_source_line(&v, 2, 0, 10);
	assert_int_equal(v.scroll, 12);
	nbview_free(&v);
}

static void test_hit(void **state)
{
	(void)state;
	nbview v;
	three(&v);
	nbview_part part;
	int sub;
	assert_int_equal(nbview_hit(&v, 0, &part, &sub), 0);
	assert_int_equal(part, NBV_TOP);
	assert_int_equal(nbview_hit(&v, 2, &part, &sub), 0);
	assert_int_equal(part, NBV_SOURCE);
	assert_int_equal(sub, 1);
	assert_int_equal(nbview_hit(&v, 3, &part, &sub), 0);
	assert_int_equal(part, NBV_BOTTOM);
	assert_int_equal(nbview_hit(&v, 5, &part, &sub), 0);
	assert_int_equal(part, NBV_OUTPUT);
	assert_int_equal(sub, 1);
	assert_int_equal(nbview_hit(&v, 7, &part, &sub), 0);
	assert_int_equal(part, NBV_GAP);
	assert_int_equal(nbview_hit(&v, 9, &part, &sub), 1);
	assert_int_equal(part, NBV_SOURCE);
	assert_int_equal(sub, 0);
	assert_int_equal(nbview_hit(&v, 30, &part, &sub), -1);
	assert_int_equal(part, NBV_NONE);
	assert_int_equal(nbview_hit(&v, -1, &part, &sub), -1);
	/* scrolled: viewport row 0 is document row 20 = cell 2 output row 1 */
	nbview_set_scroll(&v, 20, 5);
	assert_int_equal(nbview_hit(&v, 0, &part, &sub), 2);
	assert_int_equal(part, NBV_OUTPUT);
	assert_int_equal(sub, 1);
	assert_int_equal(nbview_screen_row(&v, 12), -8);
	nbview_free(&v);
}

static void test_empty(void **state)
{
	(void)state;
	nbview v;
	nbview_init(&v);
	nbview_layout(&v, NULL, 0);
	nbview_part part;
	int sub;
	assert_int_equal(nbview_hit(&v, 0, &part, &sub), -1);
	nbview_show_cell(&v, 0, 10);
	assert_int_equal(v.scroll, 0);
	nbview_free(&v);
}

/* Lazy output layout: a fake notebook of 100 cells with 1,000,000
 * output rows each, counting the rows laid out. */
typedef struct fake {
	size_t n;
	int full_rows[100];
	int calls, full_calls;
	long rows_made;
} fake;

static int fake_src(size_t i, void *ud)
{
	(void)i;
	(void)ud;
	return 2;
}

static int fake_lay_out(size_t i, int limit, int *complete, void *ud)
{
	fake *f = ud;
	int rows = f->full_rows[i];
	f->calls++;
	if (limit == 0)
		f->full_calls++;
	if (limit && rows > limit) {
		rows = limit;
		*complete = 0;
	}
	f->rows_made += rows;
	return rows;
}

static void frame(nbview *v, nbview_lay *lay, fake *f, int cap, int h)
{
	nbview_src s = { fake_src, fake_lay_out, f };
	nbview_measure(v, lay, f->n, cap, &s);
	nbview_set_scroll(v, v->scroll, h);
	nbview_complete(v, lay, h, &s);
}

static void test_lazy_layout(void **state)
{
	(void)state;
	fake f = { .n = 100 };
	for (size_t i = 0; i < f.n; i++)
		f.full_rows[i] = i == 50 ? 3 : 1000000;
	nbview_lay lay[100] = { 0 };
	nbview v;
	nbview_init(&v);
	int cap = 20, h = 30;
	/* first frame: every cell up to cap + 1 rows, the two on screen (cell
	 * 0 takes 25 rows) in full */
	frame(&v, lay, &f, cap, h);
	assert_int_equal(f.calls, 100 + 2);
	assert_int_equal(f.full_calls, 2);
	assert_true(f.rows_made <= 100L * (cap + 1) + 2 * 1000000L);
	assert_int_equal(v.height[0], 1 + 2 + 1 + cap + 1);
	assert_int_equal(v.height[50], 1 + 2 + 1 + 3 + 1);
	/* nothing changed (typing in a cell changes no output): no layout */
	f.calls = f.full_calls = 0;
	frame(&v, lay, &f, cap, h);
	frame(&v, lay, &f, cap, h);
	assert_int_equal(f.calls, 0);
	/* one cell's outputs changed off screen: that cell, cut */
	lay[70].held = 0;
	frame(&v, lay, &f, cap, h);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.full_calls, 0);
	/* scrolled to it: it and the next completed, once */
	f.calls = 0;
	nbview_set_scroll(&v, v.top[70], h);
	frame(&v, lay, &f, cap, h);
	frame(&v, lay, &f, cap, h);
	assert_int_equal(f.calls, 2);
	assert_int_equal(f.full_calls, 2);
	assert_true(lay[70].complete && lay[71].complete);
	/* a taller viewport: cut layouts of cap + 1 rows no longer tell the
	 * height; complete ones still do */
	f.calls = 0;
	frame(&v, lay, &f, 2 * cap, h);
	assert_true(f.calls >= 95);
	assert_int_equal(lay[10].rows, 2 * cap + 1);
	assert_int_equal(v.height[10], 1 + 2 + 1 + 2 * cap + 1);
	nbview_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_scroll_clamp),
		cmocka_unit_test(test_show_cell),
		cmocka_unit_test(test_show_source_line),
		cmocka_unit_test(test_hit),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_lazy_layout),
	};
	return cmocka_run_group_tests_name("ui_nbview", tests, NULL, NULL);
}
