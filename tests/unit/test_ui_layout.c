/* ui/model layout: splits, close, resize, drag, zoom, focus, hit-testing
 * and the geometry contract at every screen size down to 1x1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/layout.h"

static layout_rect rect_of(layout *l, int pane)
{
	layout_rect r;
	assert_int_equal(layout_pane_rect(l, pane, &r), 1);
	return r;
}

static void assert_rect(layout_rect r, int x, int y, int w, int h)
{
	assert_int_equal(r.x, x);
	assert_int_equal(r.y, y);
	assert_int_equal(r.w, w);
	assert_int_equal(r.h, h);
}

/* The contract of layout.h: in bounds, no overlap (splitters included),
 * >= 1 cell each, focus visible; a full tiling when everything shows. */
static void check_geometry(layout *l, int cols, int rows)
{
	size_t nb, ns;
	const layout_box *b = layout_boxes(l, &nb);
	const layout_splitter *s = layout_splitters(l, &ns);
	int *grid = calloc((size_t)(cols * rows) + 1, sizeof *grid);
	int all_visible = 1, focus_visible = 0;
	for (size_t i = 0; i < nb + ns; i++) {
		layout_rect r;
		if (i < nb) {
			if (!b[i].visible) {
				all_visible = 0;
				continue;
			}
			r = b[i].r;
			if (b[i].pane == layout_focus(l))
				focus_visible = 1;
		} else {
			r = s[i - nb].r;
		}
		assert_true(r.w >= 1 && r.h >= 1);
		assert_true(r.x >= 0 && r.y >= 0 && r.x + r.w <= cols && r.y + r.h <= rows);
		for (int y = r.y; y < r.y + r.h; y++)
			for (int x = r.x; x < r.x + r.w; x++)
				assert_int_equal(grid[y * cols + x]++, 0);
	}
	if (cols > 0 && rows > 0)
		assert_true(focus_visible);
	if (all_visible && !layout_zoomed(l)) {
		assert_int_equal(ns, nb - 1);
		for (int i = 0; i < cols * rows; i++)
			assert_int_equal(grid[i], 1);
	}
	free(grid);
}

static layout *four_panes(void)
{
	/* 1 | 2 over 3 | 4: [1][2/3] with 4 right of 3. */
	layout *l = layout_new(1);
	assert_int_equal(layout_split(l, 1, 2, LAYOUT_LEFTRIGHT, 0, NULL), 0);
	assert_int_equal(layout_split(l, 2, 3, LAYOUT_TOPBOTTOM, 0, NULL), 0);
	assert_int_equal(layout_split(l, 3, 4, LAYOUT_LEFTRIGHT, 0, NULL), 0);
	return l;
}

static void test_split_geometry(void **state)
{
	(void)state;
	layout *l = four_panes();
	layout_set_size(l, 81, 25);
	assert_int_equal(layout_count(l), 4);
	assert_rect(rect_of(l, 1), 0, 0, 40, 25);
	assert_rect(rect_of(l, 2), 41, 0, 40, 12);
	assert_rect(rect_of(l, 3), 41, 13, 20, 12);
	assert_rect(rect_of(l, 4), 62, 13, 19, 12);
	size_t ns;
	const layout_splitter *s = layout_splitters(l, &ns);
	assert_int_equal(ns, 3);
	assert_int_equal(s[0].kind, LAYOUT_LEFTRIGHT);
	assert_rect(s[0].r, 40, 0, 1, 25);
	check_geometry(l, 81, 25);
	/* Reading order of the boxes. */
	size_t nb;
	const layout_box *b = layout_boxes(l, &nb);
	assert_int_equal(nb, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(b[i].pane, i + 1);
	/* Ratios survive a screen resize. */
	layout_set_size(l, 161, 49);
	assert_rect(rect_of(l, 1), 0, 0, 80, 49);
	check_geometry(l, 161, 49);
	layout_free(l);
}

static void test_split_errors_and_before(void **state)
{
	(void)state;
	sbx_err e = { "" };
	layout *l = layout_new(1);
	assert_int_equal(layout_split(l, 9, 2, LAYOUT_LEFTRIGHT, 0, &e), -1);
	assert_non_null(strstr(e.msg, "no pane 9"));
	assert_int_equal(layout_split(l, 1, 1, LAYOUT_LEFTRIGHT, 0, &e), -1);
	assert_int_equal(layout_split(l, 1, 0, LAYOUT_LEFTRIGHT, 0, &e), -1);
	assert_int_equal(layout_split(l, 1, 2, LAYOUT_TOPBOTTOM, 1, &e), 0);
	layout_set_size(l, 10, 11);
	assert_rect(rect_of(l, 2), 0, 0, 10, 5);
	assert_rect(rect_of(l, 1), 0, 6, 10, 5);
	assert_int_equal(layout_close(l, 7, &e), -1);
	layout_free(l);
}

static void test_close(void **state)
{
	(void)state;
	sbx_err e;
	layout *l = four_panes();
	layout_set_size(l, 81, 25);
	assert_int_equal(layout_set_focus(l, 3, NULL), 0);
	assert_int_equal(layout_close(l, 3, NULL), 0);
	assert_int_equal(layout_focus(l), 4);
	assert_rect(rect_of(l, 4), 41, 13, 40, 12);
	assert_int_equal(layout_pane_rect(l, 3, &(layout_rect){ 0 }), -1);
	assert_int_equal(layout_close(l, 1, NULL), 0);
	assert_rect(rect_of(l, 2), 0, 0, 81, 12);
	assert_int_equal(layout_close(l, 2, NULL), 0);
	assert_rect(rect_of(l, 4), 0, 0, 81, 25);
	assert_int_equal(layout_close(l, 4, &e), -1);
	assert_non_null(strstr(e.msg, "last"));
	check_geometry(l, 81, 25);
	layout_free(l);
}

static void test_resize_and_drag(void **state)
{
	(void)state;
	sbx_err e;
	layout *l = four_panes();
	assert_int_equal(layout_resize(l, 1, LAYOUT_RIGHT, 5, &e), -1); /* no size yet */
	layout_set_size(l, 81, 25);
	assert_int_equal(layout_resize(l, 1, LAYOUT_RIGHT, 5, NULL), 0);
	assert_int_equal(rect_of(l, 1).w, 45);
	assert_int_equal(rect_of(l, 2).x, 46);
	/* Pane 2 has no right border: its left one moves right. */
	assert_int_equal(layout_resize(l, 2, LAYOUT_RIGHT, 3, NULL), 0);
	assert_int_equal(rect_of(l, 1).w, 48);
	assert_int_equal(layout_resize(l, 3, LAYOUT_UP, 2, NULL), 0);
	assert_int_equal(rect_of(l, 2).h, 10);
	assert_int_equal(rect_of(l, 3).y, 11);
	/* Clamped: a huge move leaves one cell on the far side. */
	assert_int_equal(layout_resize(l, 1, LAYOUT_RIGHT, 1000, NULL), 0);
	assert_int_equal(rect_of(l, 1).w, 81 - 4);
	check_geometry(l, 81, 25);
	assert_int_equal(layout_resize(l, 1, LAYOUT_DOWN, 1, &e), -1);
	assert_non_null(strstr(e.msg, "upper or lower"));
	/* Proportions after a screen change keep the moved splitter's ratio. */
	assert_int_equal(layout_resize(l, 1, LAYOUT_LEFT, 1000, NULL), 0);
	assert_int_equal(rect_of(l, 1).w, 1);

	/* Drag the first splitter by hit-testing it. */
	layout_set_size(l, 81, 25);
	size_t ns;
	const layout_splitter *s = layout_splitters(l, &ns);
	int sx = s[0].r.x, sid = s[0].id;
	layout_hit h = layout_hit_test(l, sx, 3);
	assert_int_equal(h.kind, LAYOUT_HIT_SPLITTER);
	assert_int_equal(h.id, sid);
	assert_int_equal(layout_drag(l, sid, 30, 3, NULL), 0);
	assert_rect(rect_of(l, 1), 0, 0, 30, 25);
	assert_int_equal(layout_drag(l, 999, 30, 3, &e), -1);
	check_geometry(l, 81, 25);
	layout_free(l);
}

static void test_hit_test(void **state)
{
	(void)state;
	layout *l = four_panes();
	layout_set_size(l, 81, 25);
	layout_hit h = layout_hit_test(l, 0, 0);
	assert_int_equal(h.kind, LAYOUT_HIT_PANE);
	assert_int_equal(h.id, 1);
	h = layout_hit_test(l, 80, 24);
	assert_int_equal(h.id, 4);
	h = layout_hit_test(l, 50, 12);
	assert_int_equal(h.kind, LAYOUT_HIT_SPLITTER);
	h = layout_hit_test(l, 81, 0);
	assert_int_equal(h.kind, LAYOUT_HIT_NONE);
	h = layout_hit_test(l, -1, 0);
	assert_int_equal(h.kind, LAYOUT_HIT_NONE);
	layout_free(l);
}

static void test_zoom(void **state)
{
	(void)state;
	sbx_err e;
	layout *l = four_panes();
	layout_set_size(l, 81, 25);
	assert_int_equal(layout_zoom(l, 3, NULL), 0);
	assert_int_equal(layout_zoomed(l), 3);
	assert_int_equal(layout_focus(l), 3);
	assert_rect(rect_of(l, 3), 0, 0, 81, 25);
	layout_rect r;
	assert_int_equal(layout_pane_rect(l, 1, &r), 0);
	size_t ns;
	layout_splitters(l, &ns);
	assert_int_equal(ns, 0);
	check_geometry(l, 81, 25);
	assert_int_equal(layout_resize(l, 3, LAYOUT_LEFT, 1, &e), -1);
	/* The zoom follows focus cycling. */
	assert_int_equal(layout_focus_next(l), 4);
	assert_int_equal(layout_zoomed(l), 4);
	assert_rect(rect_of(l, 4), 0, 0, 81, 25);
	assert_int_equal(layout_focus_dir(l, LAYOUT_LEFT), 0);
	assert_int_equal(layout_zoom(l, 0, NULL), 0);
	assert_rect(rect_of(l, 4), 62, 13, 19, 12);
	assert_int_equal(layout_zoom(l, 42, &e), -1);
	/* Splitting unzooms. */
	assert_int_equal(layout_zoom(l, 1, NULL), 0);
	assert_int_equal(layout_split(l, 1, 5, LAYOUT_TOPBOTTOM, 0, NULL), 0);
	assert_int_equal(layout_zoomed(l), 0);
	check_geometry(l, 81, 25);
	layout_free(l);
}

static void test_focus(void **state)
{
	(void)state;
	layout *l = four_panes();
	layout_set_size(l, 81, 25);
	assert_int_equal(layout_focus(l), 1);
	assert_int_equal(layout_focus_next(l), 2);
	assert_int_equal(layout_focus_next(l), 3);
	assert_int_equal(layout_focus_next(l), 4);
	assert_int_equal(layout_focus_next(l), 1);
	assert_int_equal(layout_focus_prev(l), 4);
	assert_int_equal(layout_focus_dir(l, LAYOUT_UP), 2);
	assert_int_equal(layout_focus_dir(l, LAYOUT_UP), 0);
	assert_int_equal(layout_focus(l), 2);
	assert_int_equal(layout_focus_dir(l, LAYOUT_LEFT), 1);
	/* From 1 (full height) right: 2 and 3 both touch; 2 overlaps more rows
	 * only if taller, here they tie in reading order → 2. */
	assert_int_equal(layout_focus_dir(l, LAYOUT_RIGHT), 2);
	assert_int_equal(layout_focus_dir(l, LAYOUT_DOWN), 3);
	assert_int_equal(layout_focus_dir(l, LAYOUT_RIGHT), 4);
	assert_int_equal(layout_focus_dir(l, LAYOUT_RIGHT), 0);
	assert_int_equal(layout_focus_dir(l, LAYOUT_LEFT), 3);
	assert_int_equal(layout_focus_dir(l, LAYOUT_LEFT), 1);
	assert_int_equal(layout_set_focus(l, 77, NULL), -1);
	layout_free(l);
}

/* Every size down to 1x1 (and 0x0) for several shapes and each focus. */
static void test_all_sizes(void **state)
{
	(void)state;
	layout *shapes[3];
	shapes[0] = four_panes();
	shapes[1] = layout_new(1);
	for (int i = 2; i <= 6; i++)
		assert_int_equal(layout_split(shapes[1], i - 1, i, i % 2 ? LAYOUT_LEFTRIGHT : LAYOUT_TOPBOTTOM, 0, NULL), 0);
	shapes[2] = layout_new(1);
	for (int i = 2; i <= 5; i++)
		assert_int_equal(layout_split(shapes[2], 1, i, LAYOUT_LEFTRIGHT, 0, NULL), 0);
	for (int s = 0; s < 3; s++) {
		layout *l = shapes[s];
		size_t n = layout_count(l);
		for (int cols = 0; cols <= 24; cols++) {
			for (int rows = 0; rows <= 12; rows++) {
				layout_set_size(l, cols, rows);
				for (size_t f = 1; f <= n; f++) {
					assert_int_equal(layout_set_focus(l, (int)f, NULL), 0);
					check_geometry(l, cols, rows);
				}
				/* Resizing at tiny sizes fails cleanly or keeps the contract. */
				layout_resize(l, 1, LAYOUT_RIGHT, 3, NULL);
				check_geometry(l, cols, rows);
			}
		}
		layout_set_size(l, 1, 1);
		size_t nb;
		const layout_box *b = layout_boxes(l, &nb);
		int visible = 0;
		for (size_t i = 0; i < nb; i++)
			visible += b[i].visible;
		assert_int_equal(visible, 1);
		layout_free(l);
	}
}

/* Random splits, closes, zooms, resizes and drags at random sizes. */
static void test_random_ops(void **state)
{
	(void)state;
	unsigned seed = 99;
	layout *l = layout_new(1);
	int next_id = 2, cols = 80, rows = 24;
	layout_set_size(l, cols, rows);
	for (int i = 0; i < 4000; i++) {
		seed = seed * 1103515245 + 12345;
		unsigned r = seed >> 16;
		size_t nb;
		const layout_box *b = layout_boxes(l, &nb);
		int pane = b[r % nb].pane;
		switch (r / 7 % 8) {
		case 0:
		case 1:
			if (nb < 12)
				assert_int_equal(layout_split(l, pane, next_id++, (layout_split_kind)(r / 3 % 2), (int)(r / 5 % 2), NULL), 0);
			break;
		case 2: assert_int_equal(layout_close(l, pane, NULL), nb > 1 ? 0 : -1); break;
		case 3: layout_zoom(l, r % 3 ? 0 : pane, NULL); break;
		case 4: layout_resize(l, pane, (layout_dir)(r / 11 % 4), (int)(r / 13 % 9) - 2, NULL); break;
		case 5: {
			size_t ns;
			const layout_splitter *s = layout_splitters(l, &ns);
			if (ns)
				layout_drag(l, s[r % ns].id, (int)(r / 17 % 90) - 5, (int)(r / 19 % 40) - 5, NULL);
			break;
		}
		case 6: layout_focus_dir(l, (layout_dir)(r / 11 % 4)); break;
		default:
			cols = (int)(r / 23 % 100);
			rows = (int)(r / 29 % 40);
			layout_set_size(l, cols, rows);
			break;
		}
		check_geometry(l, cols, rows);
	}
	layout_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_geometry),
		cmocka_unit_test(test_split_errors_and_before),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_resize_and_drag),
		cmocka_unit_test(test_hit_test),
		cmocka_unit_test(test_zoom),
		cmocka_unit_test(test_focus),
		cmocka_unit_test(test_all_sizes),
		cmocka_unit_test(test_random_ops),
	};
	return cmocka_run_group_tests_name("ui_layout", tests, NULL, NULL);
}
