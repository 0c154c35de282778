/* Unit tests for envd's signed /files URLs (src/proto/file_sig.c); the
 * expected signatures are what the E2B Python SDK's get_signature makes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/file_sig.h"

#define READ_SIG "v1_Zkbb3914oLJLvMBzCAHQhm2ydBLxbSx2eQUR/kLdvIY"   /* /home/user/a.txt:read::tok */
#define WRITE_SIG "v1_ob71eBd6/B8TZfSyP5Exh8UyCTAstOLxKROv6uPKGeI"  /* /home/user/a.txt:write:user:tok */
#define EXP_SIG "v1_rJLhxrXlOV8fMoKlVjl4Q3xPAJvnGCJm4DndvlHdEQg"    /* /x:read::tok:2000000000 */

static void test_signature_matches_the_sdk(void **state)
{
	(void)state;
	char *s = file_signature("/home/user/a.txt", "read", "", "tok", NULL);
	assert_string_equal(s, READ_SIG);
	free(s);
	s = file_signature("/x", "read", "", "tok", "2000000000");
	assert_string_equal(s, EXP_SIG);
	free(s);
}

static void test_method_picks_the_operation(void **state)
{
	(void)state;
	const char *p = "/home/user/a.txt";
	assert_int_equal(file_sig_ok("GET", p, NULL, READ_SIG, NULL, "tok", 0), 1);
	assert_int_equal(file_sig_ok("HEAD", p, "", READ_SIG, NULL, "tok", 0), 1);
	assert_int_equal(file_sig_ok("POST", p, NULL, READ_SIG, NULL, "tok", 0), 0);   /* read ≠ write */
	assert_int_equal(file_sig_ok("POST", p, "user", WRITE_SIG, NULL, "tok", 0), 1);
	assert_int_equal(file_sig_ok("POST", p, NULL, WRITE_SIG, NULL, "tok", 0), 0);  /* other user */
	assert_int_equal(file_sig_ok("DELETE", p, NULL, READ_SIG, NULL, "tok", 0), 0);
}

static void test_wrong_token_path_or_signature_fail(void **state)
{
	(void)state;
	const char *p = "/home/user/a.txt";
	assert_int_equal(file_sig_ok("GET", p, NULL, READ_SIG, NULL, "other", 0), 0);
	assert_int_equal(file_sig_ok("GET", "/home/user/b.txt", NULL, READ_SIG, NULL, "tok", 0), 0);
	assert_int_equal(file_sig_ok("GET", p, NULL, READ_SIG "A", NULL, "tok", 0), 0);
	assert_int_equal(file_sig_ok("GET", p, NULL, "", NULL, "tok", 0), 0);
	assert_int_equal(file_sig_ok("GET", p, NULL, NULL, NULL, "tok", 0), 0);
	assert_int_equal(file_sig_ok("GET", p, NULL, READ_SIG, NULL, "", 0), 0);       /* no token: no signed URLs */
	assert_int_equal(file_sig_ok("GET", p, NULL, READ_SIG, NULL, NULL, 0), 0);
}

static void test_expiry(void **state)
{
	(void)state;
	assert_int_equal(file_sig_ok("GET", "/x", NULL, EXP_SIG, "2000000000", "tok", 1999999999), 1);
	assert_int_equal(file_sig_ok("GET", "/x", NULL, EXP_SIG, "2000000000", "tok", 2000000001), FILE_SIG_EXPIRED);
	assert_int_equal(file_sig_ok("GET", "/x", NULL, EXP_SIG, "+2000000000", "tok", 0), 1);   /* re-formatted, as envd */
	assert_int_equal(file_sig_ok("GET", "/x", NULL, EXP_SIG, "2000000000x", "tok", 0), 0);
	assert_int_equal(file_sig_ok("GET", "/x", NULL, EXP_SIG, "", "tok", 0), 0);
	assert_int_equal(file_sig_ok("GET", "/x", NULL, EXP_SIG, NULL, "tok", 0), 0);   /* expiry dropped */
}

static void test_unencoded_plus_arrives_as_space(void **state)
{
	(void)state;
	int found = 0;
	for (int i = 0; i < 100 && !found; i++) {   /* a path whose signature holds a '+' */
		char path[32];
		snprintf(path, sizeof path, "/p%d", i);
		char *s = file_signature(path, "read", "", "tok", NULL);
		if (strchr(s, '+')) {
			for (char *q = s; *q; q++)
				if (*q == '+')
					*q = ' ';
			assert_int_equal(file_sig_ok("GET", path, NULL, s, NULL, "tok", 0), 1);
			found = 1;
		}
		free(s);
	}
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_matches_the_sdk),
		cmocka_unit_test(test_method_picks_the_operation),
		cmocka_unit_test(test_wrong_token_path_or_signature_fail),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_unencoded_plus_arrives_as_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
