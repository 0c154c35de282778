/* libsbx: the GET /languages answer → sbx_language entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/client/code.h"

static void test_parse(void **state)
{
	(void)state;
	json_t *j = json_loads("[{\"language\":\"python\",\"kernel\":\"python3\",\"display_name\":\"Python 3 (ipykernel)\"},"
			       "{\"language\":\"javascript\",\"kernel\":\"deno\",\"display_name\":\"Deno\"},"
			       "{\"language\":\"r\",\"kernel\":\"ir\"}]", 0, NULL);
	sbx_language *l;
	size_t n;
	sbx_err e;
	assert_int_equal(sbx_languages_parse(j, &l, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(l[0].language, "python");
	assert_string_equal(l[0].display_name, "Python 3 (ipykernel)");
	assert_string_equal(l[1].kernel, "deno");
	assert_string_equal(l[2].display_name, "r");   /* none given: the language */
	sbx_languages_free(l, n);
	json_decref(j);

	j = json_loads("[]", 0, NULL);
	assert_int_equal(sbx_languages_parse(j, &l, &n, &e), 0);
	assert_int_equal(n, 0);
	sbx_languages_free(l, n);
	json_decref(j);
}

/* Hostile answers: errors, never a crash or a half-filled list. */
static void test_bad(void **state)
{
	(void)state;
	const char *bad[] = { "{\"language\":\"python\"}", "[{\"kernel\":\"x\"}]", "[{\"language\":\"python\"},1]",
			      "[{\"language\":7}]", "\"python\"" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		sbx_language *l = (sbx_language *)1;
		size_t n = 9;
		sbx_err e;
		assert_int_equal(sbx_languages_parse(j, &l, &n, &e), -1);
		assert_null(l);
		assert_int_equal(n, 0);
		assert_true(e.msg[0]);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
