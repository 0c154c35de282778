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
	put(base2, "bash", "{\"argv\":[\"/usr/bin/python3\",\"-m\",\"bash_kernel\",\"-f\",\"{connection_file}\"],"
			   "\"display_name\":\"Bash\",\"language\":\"bash\"}");
	put(base2, "julia-1.9", "{\"argv\":[\"julia\",\"{resource_dir}/k.jl\",\"{connection_file}\"],"
				"\"display_name\":\"Julia 1.9\",\"language\":\"Julia\"}");
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

	/* every alias of a known language reaches its kernel */
	const char *to_deno[] = { "javascript", "js", "ts", "typescript", "deno" };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(kspec_find(bases, to_deno[i], &k, &e), 0);
		assert_string_equal(k.name, "deno");
		kspec_free(&k);
	}
	assert_int_equal(kspec_find(bases, "sh", &k, &e), 0);
	assert_string_equal(k.name, "bash");
	kspec_free(&k);

	assert_int_equal(kspec_find(bases, "java", &k, &e), -1);
	assert_non_null(strstr(e.msg, "'java'"));
	assert_non_null(strstr(e.msg, "code-interpreter-java"));
	assert_non_null(strstr(e.msg, "openjdk-17-jdk-headless"));
	assert_non_null(strstr(e.msg, "pip install jjava"));
	assert_non_null(strstr(e.msg, "python3 (python)"));
	assert_non_null(strstr(e.msg, "ir (r)"));
	assert_null(strstr(e.msg, "broken"));   /* unreadable specs are not offered */
}

static void test_missing_hints(void **state)
{
	(void)state;
	char *bases[] = { base1, NULL };
	kspec k;
	sbx_err e;
	assert_int_equal(kspec_find(bases, "javascript", &k, &e), -1);
	assert_non_null(strstr(e.msg, "Deno"));
	assert_non_null(strstr(e.msg, "code-interpreter"));
	assert_int_equal(kspec_find(bases, "r", &k, &e), -1);
	assert_non_null(strstr(e.msg, "r-cran-irkernel"));
	assert_int_equal(kspec_find(bases, "bash", &k, &e), -1);
	assert_non_null(strstr(e.msg, "bash_kernel"));
	assert_int_equal(kspec_find(bases, "cobol", &k, &e), -1);
	assert_non_null(strstr(e.msg, "'cobol'"));
	assert_non_null(strstr(e.msg, "python3 (python)"));
}

/* Jupyter's {resource_dir}: the kernelspec's own directory (JJava needs it). */
static void test_resource_dir(void **state)
{
	(void)state;
	char *bases[] = { base1, base2, NULL };
	kspec k;
	sbx_err e;
	assert_int_equal(kspec_find(bases, "julia", &k, &e), 0);
	char **argv = kspec_argv(&k, "/run/c.json");
	char want[160];
	snprintf(want, sizeof want, "%s/kernels/julia-1.9/k.jl", base2);
	assert_string_equal(argv[1], want);
	assert_string_equal(argv[2], "/run/c.json");
	sbx_strv_free(argv);
	kspec_free(&k);
}

static void test_languages(void **state)
{
	(void)state;
	char *bases[] = { base1, base2, NULL };
	kspec_lang *v;
	size_t n = kspec_languages(bases, &v);
	const char *want[][2] = { { "python", "python3" }, { "bash", "bash" }, { "javascript", "deno" },
				  { "julia", "julia-1.9" }, { "r", "ir" }, { "typescript", "deno" } };
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i].language, want[i][0]);
		assert_string_equal(v[i].kernel, want[i][1]);
	}
	assert_string_equal(v[0].display_name, "Py");
	assert_string_equal(v[3].display_name, "Julia 1.9");
	kspec_langs_free(v, n);
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
		cmocka_unit_test(test_missing_hints),
		cmocka_unit_test(test_resource_dir),
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_python_fallback),
		cmocka_unit_test(test_search_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
