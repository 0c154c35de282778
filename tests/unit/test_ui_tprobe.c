/* ui/model tprobe: the start-up terminal replies — sixel from DA1, colour
 * registers, cell size, replies split across reads and mixed with noise. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "../../ui/model/tprobe.h"

static int feed(tprobe *p, const char *s) { return tprobe_feed(p, s, strlen(s)); }

static void test_xterm_vt340(void **state)
{
	(void)state;
	tprobe p = { 0 };
	/* what xterm -ti vt340 answers to TPROBE_QUERY (no CSI t: window ops off) */
	assert_int_equal(feed(&p, "\033[?1;0;1024S\033[?63;1;2;4;6;9;15;16;22;28c"), 1);
	assert_int_equal(p.sixel, 1);
	assert_int_equal(p.registers, 1024);
	assert_int_equal(p.cell_w, 0);
}

static void test_no_sixel(void **state)
{
	(void)state;
	tprobe p = { 0 };
	/* tmux 3.3a: DA1 only, without 4 */
	assert_int_equal(feed(&p, "\033[?1;2c"), 1);
	assert_int_equal(p.sixel, 0);
	assert_int_equal(p.registers, 0);
	tprobe q = { 0 };
	/* plain xterm: 4 absent although 14 and 24 are there (not a substring match) */
	assert_int_equal(feed(&q, "\033[?64;1;2;6;9;14;15;16;17;18;21;22;24;28c"), 1);
	assert_int_equal(q.sixel, 0);
	/* the first parameter is the terminal class, never a feature */
	tprobe r = { 0 };
	feed(&r, "\033[?4c");
	assert_int_equal(r.sixel, 0);
}

static void test_cell_size_and_split(void **state)
{
	(void)state;
	tprobe p = { 0 };
	const char *all = "junk\033[6;20;10t\033[?62;4c";
	size_t n = strlen(all);
	/* replies arrive in pieces: the caller re-feeds what it has so far */
	for (size_t i = 1; i < n; i++)
		assert_int_equal(tprobe_feed(&p, all, i), 0);
	assert_int_equal(tprobe_feed(&p, all, n), 1);
	assert_int_equal(p.sixel, 1);
	assert_int_equal(p.cell_h, 20);
	assert_int_equal(p.cell_w, 10);
}

static void test_not_a_reply(void **state)
{
	(void)state;
	tprobe p = { 0 };
	assert_int_equal(feed(&p, "abc\033[A\033[>0;276;0c"), 0);  /* DA2 is not DA1 */
	assert_int_equal(p.done, 0);
	assert_int_equal(feed(&p, "\033[?1;0;"), 0);  /* cut short */
	assert_int_equal(p.registers, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xterm_vt340),
		cmocka_unit_test(test_no_sixel),
		cmocka_unit_test(test_cell_size_and_split),
		cmocka_unit_test(test_not_a_reply),
	};
	return cmocka_run_group_tests_name("ui_tprobe", tests, NULL, NULL);
}
