/* proto/jsonfile: a record replaced whole, no temporary file left either way. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/proto/jsonfile.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_replace(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-test-jsonfile-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/r.json", dir);
	sbx_err e;
	json_t *a = json_pack("{s:i}", "v", 1), *b = json_pack("{s:i}", "v", 2);
	assert_int_equal(json_file_replace(path, a, JSON_COMPACT, &e), 0);
	assert_int_equal(json_file_replace(path, b, JSON_COMPACT, &e), 0);
	json_t *got = json_load_file(path, 0, NULL);
	assert_non_null(got);
	assert_int_equal(json_integer_value(json_object_get(got, "v")), 2);
	assert_int_equal(entries(dir), 1);
	json_decref(got);
	/* A path that cannot be replaced (a directory is in the way): -1, the
	 * reason, and no temporary file left beside it. */
	char *blocked = xasprintf("%s/d", dir);
	assert_int_equal(mkdir(blocked, 0700), 0);
	assert_int_equal(json_file_replace(blocked, a, JSON_COMPACT, &e), -1);
	assert_non_null(strstr(e.msg, "cannot replace"));
	assert_int_equal(entries(dir), 2);
	json_decref(a);
	json_decref(b);
	fsu_rm_rf(dir, 0, NULL);
	free(blocked);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_replace) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
