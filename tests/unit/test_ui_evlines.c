/* ui/model evlines: a sandbox's events as the sandboxes pane's detail
 * lines — newest first, at most max, E2B's type prefix left out, hostile
 * types and details defanged and cut. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../../ui/model/evlines.h"

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void test_newest_first(void **state)
{
	(void)state;
	/* 2026-12-07 10:00:00 UTC */
	int64_t t0 = 1796637600000LL;
	ev_in ev[] = {
		{ "sandbox.lifecycle.created", t0, NULL },
		{ "sandbox.lifecycle.paused", t0 + 61000, NULL },
		{ "sandbox.lifecycle.resumed", t0 + 122000, NULL },
		{ "sandbox.lifecycle.updated", t0 + 3600000, "timeout 600s" },
	};
	evlines l = { 0 };
	evlines_set(&l, ev, 4, 3);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.lines[0], "11:00:00  updated  timeout 600s");
	assert_string_equal(l.lines[1], "10:02:02  resumed");
	assert_string_equal(l.lines[2], "10:01:01  paused");
	/* the same time: sbxd's order, newest first (a pause, then a kill) */
	ev_in same[] = { { "sandbox.lifecycle.killed", t0, NULL }, { "sandbox.lifecycle.paused", t0, NULL } };
	evlines_set(&l, same, 2, 8);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.lines[0], "10:00:00  killed");
	evlines_set(&l, NULL, 0, 8);
	assert_int_equal(l.n, 0);
	evlines_free(&l);
}

static void test_hostile(void **state)
{
	(void)state;
	char huge[10000];
	memset(huge, 'x', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	ev_in ev[] = {
		{ "sandbox.lifecycle.\x1b[31mred\x1b[0m\n", 0, "a\x1b]52;c;ZXZpbA==\x07" "b\tc\x7f" },
		{ NULL, -5, huge },
		{ "sandbox.lifecycle.", 1, NULL },
		{ "custom.type", 2, "" },
	};
	evlines l = { 0 };
	evlines_set(&l, ev, 4, 8);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.lines[0], "00:00:00  custom.type");
	assert_string_equal(l.lines[1], "00:00:00  sandbox.lifecycle.");
	assert_string_equal(l.lines[2], "--:--:--  red?  ab      c?");
	assert_int_equal(strncmp(l.lines[3], "--:--:--  ?  xxx", 16), 0);
	assert_true(strlen(l.lines[3]) < 16 + EV_TEXT_MAX + 8);
	for (size_t i = 0; i < l.n; i++)
		assert_null(strchr(l.lines[i], 0x1b));
	evlines_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newest_first),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
