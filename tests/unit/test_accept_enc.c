/* Unit tests for Accept-Encoding negotiation (src/proto/accept_enc.c), as
 * envd's /files download does it: identity or gzip, else 406. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../../src/proto/accept_enc.h"

static void test_plain_choices(void **state)
{
	(void)state;
	assert_int_equal(accept_encoding(NULL), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding(""), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("gzip"), ACCEPT_GZIP);
	assert_int_equal(accept_encoding("GZip"), ACCEPT_GZIP);
	assert_int_equal(accept_encoding("gzip, deflate, br"), ACCEPT_GZIP);   /* what fetch sends */
	assert_int_equal(accept_encoding("br, deflate"), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("identity"), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("*"), ACCEPT_GZIP);
	assert_int_equal(accept_encoding("x-gzip"), ACCEPT_GZIP);
}

static void test_q_values(void **state)
{
	(void)state;
	assert_int_equal(accept_encoding("gzip;q=0"), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("gzip; q=0.5, identity;q=0.8"), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("gzip;q=0.8, identity;q=0.5"), ACCEPT_GZIP);
	assert_int_equal(accept_encoding("gzip;q=1.0, identity;q=1"), ACCEPT_GZIP);   /* a tie: gzip */
	assert_int_equal(accept_encoding("identity;q=0, gzip"), ACCEPT_GZIP);
	assert_int_equal(accept_encoding("*;q=0, gzip;q=0.1"), ACCEPT_GZIP);
	assert_int_equal(accept_encoding("identity;q=0"), ACCEPT_NONE);
	assert_int_equal(accept_encoding("br, *;q=0"), ACCEPT_NONE);
	assert_int_equal(accept_encoding("gzip;q=0, identity;q=0"), ACCEPT_NONE);
}

static void test_malformed_entries_count_for_nothing(void **state)
{
	(void)state;
	assert_int_equal(accept_encoding("gzip;q=2"), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("gzip;q=abc"), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("gzip;q="), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("identity;q=x"), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding(",,, ;;;"), ACCEPT_IDENTITY);
	assert_int_equal(accept_encoding("gzipx"), ACCEPT_IDENTITY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_choices),
		cmocka_unit_test(test_q_values),
		cmocka_unit_test(test_malformed_entries_count_for_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
