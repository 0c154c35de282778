/* util/run: a program run to the end, its output kept, its failure told. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "../../src/util/run.h"

static void test_output(void **state)
{
	(void)state;
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; pwd", NULL };
	sbx_buf out = SBX_BUF_INIT;
	sbx_err e;
	assert_int_equal(run_capture("/tmp", argv, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "out\nerr\n/tmp\n");
	buf_free(&out);
}

static void test_failure(void **state)
{
	(void)state;
	char *argv[] = { "sh", "-c", "for i in 1 2 3 4 5 6; do echo line$i; done; exit 3", NULL };
	sbx_err e;
	assert_int_equal(run_capture(NULL, argv, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "sh exited with status 3"));
	assert_non_null(strstr(e.msg, "line6"));   /* its last lines, not its first */
	assert_null(strstr(e.msg, "line1"));
	char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	assert_int_equal(run_capture(NULL, killed, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "killed by signal 9"));
	char *missing[] = { "sbx-no-such-program", NULL };
	assert_int_equal(run_capture(NULL, missing, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "cannot run sbx-no-such-program"));
	assert_int_equal(run_capture("/nonexistent-dir", argv, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "cannot enter /nonexistent-dir"));
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_output), cmocka_unit_test(test_failure) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
