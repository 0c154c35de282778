/* guest_warm: which cells a template's booted snapshot runs, and how their
 * answers are judged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../vm/guest/guest.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"

static void test_cells(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-test-warm-XXXXXX";
	assert_non_null(mkdtemp(dir));
	guest_cell c[GUEST_WARM_MAX];
	assert_int_equal(guest_warm_cells(dir, c), 0);   /* no Python: nothing to warm */
	assert_null(c[0].code);
	char *py = xasprintf("%s/rootfs/usr/lib/sbx/python", dir);
	assert_int_equal(fsu_mkdirs(py, 0700, NULL), 0);
	assert_int_equal(guest_warm_cells(dir, c), 2);
	assert_string_equal(c[0].code, "1+1");
	assert_non_null(strstr(c[1].code, "reset"));   /* last: the clone's namespace is fresh */
	assert_null(c[2].code);
	char *mpl = xasprintf("%s/rootfs/usr/lib/python3/dist-packages/matplotlib", dir);
	assert_int_equal(fsu_mkdirs(mpl, 0700, NULL), 0);
	assert_int_equal(guest_warm_cells(dir, c), 3);
	assert_non_null(strstr(c[1].code, "plt.show()"));
	assert_non_null(strstr(c[2].code, "execution_count = 0"));
	assert_null(c[3].code);
	/* Every cell is part of the recipe that keys snapshots. */
	for (int i = 0; i < 3; i++) {
		int found = 0;
		for (const char *const *w = guest_warm_recipe; *w; w++)
			found |= !strcmp(*w, c[i].code);
		assert_true(found);
	}
	fsu_rm_rf(dir, 0, NULL);
	free(py);
	free(mpl);
}

static void test_check(void **state)
{
	(void)state;
	guest_cell one = { "1+1", "\"text\":\"2\"" }, chart = { "plot", NULL };
	sbx_err e;
	int retry = 7;
	assert_int_equal(guest_warm_check(&one, 200, "{\"type\":\"result\",\"text\":\"2\"}\n", &retry, &e), 0);
	assert_int_equal(retry, 0);
	/* The right status but not the answer wanted (a timestamp holds a 2). */
	assert_int_equal(guest_warm_check(&one, 200, "{\"type\":\"result\",\"text\":\"3\",\"t\":\"2026\"}\n",
					  &retry, &e), -1);
	assert_int_equal(guest_warm_check(&chart, 500, "boom", &retry, &e), -1);
	assert_non_null(strstr(e.msg, "HTTP 500"));
	assert_int_equal(retry, 0);
	assert_int_equal(guest_warm_check(&chart, 200, "{\"type\":\"error\",\"name\":\"KernelStartFailed\"}\n",
					  &retry, &e), -1);
	assert_int_equal(retry, 1);
	assert_int_equal(guest_warm_check(&chart, 200, "{\"type\":\"error\",\"name\":\"NameError\"}\n", &retry, &e),
			 -1);
	assert_int_equal(retry, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_cells), cmocka_unit_test(test_check) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
