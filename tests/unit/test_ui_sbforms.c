/* ui/model sbforms: a snapshot's name and the create form's volume mounts
 * as the user types them, refused before anything is sent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "../../ui/model/sbforms.h"

static void test_snapshot_name(void **state)
{
	(void)state;
	sbx_err e;
	assert_int_equal(sbf_snapshot_name("", &e), 0);
	assert_int_equal(sbf_snapshot_name("before-upgrade", &e), 0);
	assert_int_equal(sbf_snapshot_name("v1.2_x", &e), 0);
	assert_int_equal(sbf_snapshot_name("Upper", &e), -1);
	assert_non_null(strstr(e.msg, "lower-case"));
	assert_int_equal(sbf_snapshot_name("-dash", &e), -1);
	assert_int_equal(sbf_snapshot_name("a b", &e), -1);
	assert_int_equal(sbf_snapshot_name("a:tag", &e), -1);
	assert_int_equal(sbf_snapshot_name("x\x1b[2J", &e), -1);
	assert_null(strchr(e.msg, 0x1b));   /* the message quotes it defanged */
	assert_int_equal(sbf_snapshot_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
}

static void test_mounts(void **state)
{
	(void)state;
	sbf_mount *m;
	size_t n;
	sbx_err e;
	assert_int_equal(sbf_parse_mounts("", &m, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(m);
	assert_int_equal(sbf_parse_mounts(" data:/home/user/data, cache:/cache/ ", &m, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].name, "data");
	assert_string_equal(m[0].path, "/home/user/data");
	assert_string_equal(m[1].name, "cache");
	assert_string_equal(m[1].path, "/cache");
	sbf_mounts_free(m, n);
	const char *bad[] = {
		"data", "data:relative", ":/x", "da/ta:/x", "data:/a/../etc", "data:/a/./b", "d:/x e:/x/",
		"d:/x\x01y", "-d:/x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(sbf_parse_mounts(bad[i], &m, &n, &e), -1);
		assert_null(m);
		assert_int_equal(n, 0);
		assert_non_null(strstr(e.msg, "volume \""));
		assert_null(strchr(e.msg, 0x01));
	}
	assert_int_equal(sbf_parse_mounts("d:/x e:/x/", &m, &n, &e), -1);
	assert_non_null(strstr(e.msg, "already mounted"));
}

static void test_snapshot_label(void **state)
{
	(void)state;
	char l[128];
	sbf_snapshot_label("before:default", "local/before:default", "abcdef1234567890", "ns", l, sizeof l);
	assert_string_equal(l, "before (of abcdef12, ns)");
	sbf_snapshot_label("x1y2z3:default", NULL, NULL, NULL, l, sizeof l);
	assert_string_equal(l, "x1y2z3");
	sbf_snapshot_label("a:v2", "team/a:v2", "", "qemu", l, sizeof l);
	assert_string_equal(l, "a:v2 (qemu)");
	sbf_snapshot_label("", "", NULL, NULL, l, sizeof l);
	assert_string_equal(l, "?");
	/* hostile: escapes gone, cut */
	sbf_snapshot_label("i", "evil\x1b[2J\x07" "name", "\x1b]0;x\x07" "abcdefghijkl", "r\nt", l, sizeof l);
	assert_null(strchr(l, 0x1b));
	assert_null(strchr(l, '\n'));
	assert_string_equal(l, "evil?name (of ab, r?t)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_name),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_snapshot_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
