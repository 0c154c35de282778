/* netrules: E2B's allowOut/denyOut entries checked and normalized, bad
 * ones refused naming the entry, names resolved through a hosts file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/daemon/netrules.h"
#include "../../src/util/strv.h"

static const char *norm(const char *in, int names_ok, int want)
{
	static char out[256];
	sbx_err e;
	int rc = netrules_entry(in, names_ok, out, sizeof out, &e);
	if (rc != want)
		fail_msg("'%s': got %d (%s), want %d", in, rc, rc < 0 ? e.msg : out, want);
	return out;
}

static void test_entries(void **st)
{
	(void)st;
	assert_string_equal(norm("1.1.1.1", 0, 1), "1.1.1.1");
	assert_string_equal(norm("0.0.0.0/0", 0, 1), "0.0.0.0/0");
	assert_string_equal(norm("10.1.2.3/8", 0, 1), "10.0.0.0/8");       /* host bits cleared */
	assert_string_equal(norm("198.18.0.1/32", 0, 1), "198.18.0.1/32");
	assert_string_equal(norm("2001:DB8::1", 0, 1), "2001:db8::1");
	assert_string_equal(norm("2001:db8::ff/120", 0, 1), "2001:db8::/120");
	assert_string_equal(norm("::/0", 0, 1), "::/0");
	assert_string_equal(norm("Example.COM.", 1, 2), "example.com");
	assert_string_equal(norm("testhost", 1, 2), "testhost");
	assert_string_equal(norm("a-b.c0", 1, 2), "a-b.c0");
	const char *bad[] = { "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/ 8", "256.1.1.1", "1.2.3",
			      "10.0.0.0/8/8", "2001:db8::/129", "::g", "", "a..b", "-a.com", "a-.com",
			      "a_b.com", "exa mple.com", "*", "*.example.com", "x.*.com", "1.2.3.4 ",
			      "http://example.com", NULL };
	for (int i = 0; bad[i]; i++)
		norm(bad[i], 1, -1);
	/* a name where only addresses go */
	norm("example.com", 0, -1);
	char long_label[80];
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".com");
	norm(long_label, 1, -1);
}

static json_t *js(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	assert_non_null(j);
	return j;
}

static void test_parse(void **st)
{
	(void)st;
	netrules nr;
	sbx_err e;
	json_t *allow = js("[\"1.1.1.1\", \"Api.Example.com\", \"1.1.1.1\"]"), *deny = js("[\"0.0.0.0/0\"]");
	assert_int_equal(netrules_parse(NULL, allow, deny, &nr, &e), 0);
	assert_int_equal(nr.internet, 1);
	assert_string_equal(nr.allow[0], "1.1.1.1");
	assert_string_equal(nr.allow[1], "api.example.com");
	assert_null(nr.allow[2]);                        /* the duplicate went */
	assert_true(netrules_has_names(&nr));
	json_t *j = netrules_json(&nr);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"allowOut\":[\"1.1.1.1\",\"api.example.com\"],\"denyOut\":[\"0.0.0.0/0\"]}");
	free(s);
	json_decref(j);
	netrules_free(&nr);
	json_decref(allow);
	json_decref(deny);

	/* nothing given: internet on, empty lists, JSON {} */
	json_t *f = json_false();
	assert_int_equal(netrules_parse(f, NULL, json_null(), &nr, &e), 0);
	assert_int_equal(nr.internet, 0);
	assert_null(nr.allow[0]);
	assert_false(netrules_has_names(&nr));
	j = netrules_json(&nr);
	assert_int_equal(json_object_size(j), 0);
	json_decref(j);
	netrules_free(&nr);

	/* the bad entry is named, with its list and index */
	struct { const char *allow, *deny, *want; } bad[] = {
		{ "[\"1.1.1.1\", \"10.0.0.0/33\"]", NULL, "allowOut[1]: '10.0.0.0/33' is not a valid IP" },
		{ NULL, "[\"example.com\"]", "denyOut[0]: 'example.com': domain names are not supported for deny" },
		{ "[\"*.example.com\"]", NULL, "allowOut[0]: '*.example.com': wildcard" },
		{ "[42]", NULL, "allowOut[0] must be a string" },
		{ "\"1.1.1.1\"", NULL, "\"allowOut\" must be a list" },
		{ NULL, "{}", "\"denyOut\" must be a list" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *a = bad[i].allow ? js(bad[i].allow) : NULL, *d = bad[i].deny ? js(bad[i].deny) : NULL;
		assert_int_equal(netrules_parse(NULL, a, d, &nr, &e), -1);
		if (!strstr(e.msg, bad[i].want))
			fail_msg("got '%s', want '%s'", e.msg, bad[i].want);
		json_decref(a);
		json_decref(d);
	}
	json_t *str = json_string("yes");
	assert_int_equal(netrules_parse(str, NULL, NULL, &nr, &e), -1);
	assert_non_null(strstr(e.msg, "allow_internet_access"));
	json_decref(str);

	/* NETRULES_MAX entries at most */
	json_t *many = json_array();
	for (int i = 0; i <= NETRULES_MAX; i++)
		json_array_append_new(many, json_string("1.1.1.1"));
	assert_int_equal(netrules_parse(NULL, many, NULL, &nr, &e), -1);
	assert_non_null(strstr(e.msg, "at most"));
	json_decref(many);
}

static void test_resolve(void **st)
{
	(void)st;
	char hosts[] = "/tmp/sbx-netrules-XXXXXX";
	int fd = mkstemp(hosts);
	assert_true(fd >= 0);
	const char *text = "# test hosts\n198.18.0.1 testhost other.test  # comment\n"
			   "bogus line here\n198.18.0.7\tTESTHOST\n2001:db8::5 six.test\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	netrules nr;
	sbx_err e;
	json_t *allow = js("[\"testhost\", \"10.0.0.0/8\", \"six.test\", \"nowhere.invalid\"]");
	json_t *deny = js("[\"198.18.0.0/15\"]");
	assert_int_equal(netrules_parse(NULL, allow, deny, &nr, &e), 0);
	char **a, **d, *un;
	netrules_resolve(&nr, hosts, &a, &d, &un);
	assert_string_equal(a[0], "198.18.0.1");
	assert_string_equal(a[1], "198.18.0.7");
	assert_string_equal(a[2], "10.0.0.0/8");
	assert_string_equal(a[3], "2001:db8::5");
	assert_null(a[4]);
	assert_string_equal(d[0], "198.18.0.0/15");
	assert_null(d[1]);
	assert_string_equal(un, "nowhere.invalid");
	free(un);
	sbx_strv_free(a);
	sbx_strv_free(d);
	netrules_free(&nr);
	json_decref(allow);
	json_decref(deny);
	unlink(hosts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
