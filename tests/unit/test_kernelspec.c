/* kernelspec: search order, language → kernel, python pinning, argv. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/agent/kernelspec.h"

static char base1[64], base2[64];

static void put(const char *base, const char *name, const char *json)
{
	char p[256];
	snprintf(p, sizeof p, "%s/kernels", base);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/kernels/%s", base, name);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/kernels/%s/kernel.json", base, name);
	FILE *f = fopen(p, "w");
	fputs(json, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(base1, "/tmp/sbx-kspec1.XXXXXX");
	strcpy(base2, "/tmp/sbx-kspec2.XXXXXX");
	assert_non_null(mkdtemp(base1));
	assert_non_null(mkdtemp(base2));
	/* base1 wins for python3; its argv is a bare python3 */
	put(base1, "python3", "{\"argv\":[\"python3\",\"-m\",\"ipykernel_launcher\",\"-f\",\"{connection_file}\"],"
			      "\"display_name\":\"Py\",\"language\":\"python\"}");
	put(base2, "python3", "{\"argv\":[\"/opt/other\"],\"language\":\"python\"}");
	put(base2, "ir", "{\"argv\":[\"R\",\"--slave\",\"-e\",\"IRkernel::main()\",\"--args\",\"{connection_file}\"],"
			 "\"display_name\":\"R\",\"language\":\"R\",\"env\":{\"R_X\":\"1\"}}");
	put(base2, "deno", "{\"argv\":[\"deno\",\"jupyter\",\"--kernel\",\"--conn\",\"{connection_file}\"],"
			   "\"language\":\"typescript\",\"interrupt_mode\":\"message\"}");
	put(base2, "broken", "{\"argv\":[]}");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", base1, base2);
	return system(cmd);
}

static void test_find(void **state)
{
	(void)state;
	char *bases[] = { base1, base2, NULL };
	kspec k;
	sbx_err e;
	assert_int_equal(kspec_find(bases, "python", &k, &e), 0);
	assert_string_equal(k.name, "python3");
	assert_string_equal(k.argv[0], "/usr/bin/python3");   /* never a bare python3 */
	assert_true(kspec_is_ipykernel(&k));
	char **argv = kspec_argv(&k, "/run/k1.json");
	assert_string_equal(argv[4], "/run/k1.json");
	assert_null(argv[5]);
	sbx_strv_free(argv);
	kspec_free(&k);

	assert_int_equal(kspec_find(bases, "r", &k, &e), 0);
	assert_string_equal(k.name, "ir");
	assert_string_equal(k.language, "r");
	assert_string_equal(k.argv[0], "R");
	assert_int_equal(k.env.n, 1);
	assert_string_equal(k.env.keys[0], "R_X");
	assert_false(kspec_is_ipykernel(&k));
	kspec copy;
	kspec_copy(&copy, &k);
	assert_string_equal(copy.env.values[0], "1");
	kspec_free(&copy);
	kspec_free(&k);

	/* by language when no kernel has that name */
	assert_int_equal(kspec_find(bases, "typescript", &k, &e), 0);
	assert_string_equal(k.name, "deno");
	assert_true(k.interrupt_message);
	kspec_free(&k);
	/* by name */
	assert_int_equal(kspec_find(bases, "deno", &k, &e), 0);
	kspec_free(&k);

	assert_int_equal(kspec_find(bases, "java", &k, &e), -1);
	assert_non_null(strstr(e.msg, "'java'"));
	assert_non_null(strstr(e.msg, "python3 (python)"));
	assert_non_null(strstr(e.msg, "ir (r)"));
	assert_null(strstr(e.msg, "broken"));   /* unreadable specs are not offered */
}

static void test_python_fallback(void **state)
{
	(void)state;
	char *none[] = { "/nonexistent-sbx", NULL };
	kspec k;
	sbx_err e;
	assert_int_equal(kspec_find(none, "python", &k, &e), 0);
	assert_string_equal(k.argv[0], "/usr/bin/python3");
	assert_string_equal(k.argv[2], "ipykernel_launcher");
	kspec_free(&k);
	char *list = kspec_list_installed(none);
	assert_string_equal(list, "none");
	free(list);
}

static void test_search_path(void **state)
{
	(void)state;
	setenv("JUPYTER_PATH", "/a::/b", 1);
	setenv("HOME", "/home/x", 1);
	char **v = kspec_search_path();
	assert_string_equal(v[0], "/a");
	assert_string_equal(v[1], "/b");
	assert_string_equal(v[2], "/home/x/.local/share/jupyter");
	assert_string_equal(v[3], "/usr/local/share/jupyter");
	assert_string_equal(v[4], "/usr/share/jupyter");
	assert_null(v[5]);
	sbx_strv_free(v);
	unsetenv("JUPYTER_PATH");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_python_fallback),
		cmocka_unit_test(test_search_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
