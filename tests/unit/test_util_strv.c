/* util: strv (string arrays, environments) and kv (string maps). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/util/kv.h"
#include "../../src/util/strv.h"
#include "../../src/util/xalloc.h"

static void test_strv(void **state)
{
	(void)state;
	char **v = sbx_strv_dup(NULL);
	assert_non_null(v);
	assert_null(v[0]);
	size_t n = 0;
	sbx_strv_push(&v, &n, xstrdup("a"));
	sbx_strv_push(&v, &n, xstrdup("b"));
	assert_int_equal(n, 2);
	assert_null(v[2]);
	char **w = sbx_strv_dup((const char *const *)v);
	assert_ptr_not_equal(w[0], v[0]);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b");
	assert_null(w[2]);
	sbx_strv_free(v);
	sbx_strv_free(w);
	sbx_strv_free(NULL);
}

static void test_env(void **state)
{
	(void)state;
	char **v = NULL;
	size_t n = 0;
	assert_null(sbx_env_get(v, "PATH"));
	sbx_env_set(&v, &n, "PATH", "/bin");
	sbx_env_set(&v, &n, "PATHX", "x");
	sbx_env_set(&v, &n, "HOME", "/root");
	sbx_env_set(&v, &n, "PATH", "/usr/bin:/bin");   /* replaced in place */
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "PATH=/usr/bin:/bin");
	assert_string_equal(v[1], "PATHX=x");
	assert_null(v[3]);
	assert_string_equal(sbx_env_get(v, "PATH"), "/usr/bin:/bin");
	assert_string_equal(sbx_env_get(v, "PATHX"), "x");
	assert_null(sbx_env_get(v, "PAT"));
	sbx_env_set(&v, &n, "EMPTY", "");
	assert_string_equal(sbx_env_get(v, "EMPTY"), "");
	sbx_strv_free(v);
}

static void test_kv(void **state)
{
	(void)state;
	kvlist kv = { 0 };
	assert_null(kv_get(&kv, "a"));
	kv_set(&kv, "b", "1");
	kv_set(&kv, "a", "2");
	kv_set(&kv, "b", "3");
	assert_int_equal(kv.n, 2);
	assert_string_equal(kv.keys[0], "b");   /* insertion order kept */
	assert_string_equal(kv_get(&kv, "b"), "3");
	assert_string_equal(kv_get(&kv, "a"), "2");
	kv_free(&kv);
	assert_int_equal(kv.n, 0);
	assert_null(kv.keys);
	kv_free(&kv);   /* twice is fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_kv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
