/* util: rfc3339_parse (the agent's /init timestamp): zones, fractions, and
 * everything that is not RFC 3339 refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include "../../src/util/timeutil.h"

static void test_parse(void **state)
{
	(void)state;
	int64_t ms = 0;
	assert_int_equal(rfc3339_parse("1970-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20Z", &ms), 0);
	assert_int_equal(ms, 1700000000000LL);
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20.5Z", &ms), 0);
	assert_int_equal(ms, 1700000000500LL);
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20.123456789Z", &ms), 0);   /* Go's RFC3339Nano */
	assert_int_equal(ms, 1700000000123LL);
	assert_int_equal(rfc3339_parse("2023-11-15T00:13:20+02:00", &ms), 0);
	assert_int_equal(ms, 1700000000000LL);
	assert_int_equal(rfc3339_parse("2023-11-14T21:13:20-01:00", &ms), 0);
	assert_int_equal(ms, 1700000000000LL);
	assert_int_equal(rfc3339_parse("2023-11-14t22:13:20z", &ms), 0);
	assert_int_equal(ms, 1700000000000LL);
	/* A date written in December 2026 converts on any day of the run. */
	char out[40];
	struct timespec ts = { 1796000000, 250000000 };
	rfc3339_from(&ts, out, sizeof out);
	assert_int_equal(rfc3339_parse(out, &ms), 0);
	assert_int_equal(ms, 1796000000250LL);
}

static void test_refuse(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "yesterday", "2023-11-14", "2023-11-14T22:13:20", "2023-11-14 22:13:20Z",
		"2023-13-14T22:13:20Z", "2023-11-32T22:13:20Z", "2023-11-14T24:13:20Z", "2023-11-14T22:60:20Z",
		"2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+0200", "2023-11-14T22:13:20+02:00x",
		"2023-11-14T22:13:20Zjunk", " 2023-11-14T22:13:20Z", "2023-1-14T22:13:20Z", "+023-11-14T22:13:20Z",
		"2023-11-14T22:13:20+2:00", "2023-11-14T22:13:20+02:0a",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = 42;
		if (rfc3339_parse(bad[i], &ms) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(ms, 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
