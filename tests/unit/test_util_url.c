/* util/url: percent-decoding and -encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "../../src/util/buf.h"
#include "../../src/util/url.h"

static void test_hexval(void **state)
{
	(void)state;
	assert_int_equal(url_hexval('0'), 0);
	assert_int_equal(url_hexval('9'), 9);
	assert_int_equal(url_hexval('a'), 10);
	assert_int_equal(url_hexval('F'), 15);
	assert_int_equal(url_hexval('g'), -1);
	assert_int_equal(url_hexval('\0'), -1);
}

static void test_decode(void **state)
{
	(void)state;
	char a[] = "%2Fhome%2fuser%20x+y";
	assert_int_equal(url_decode(a, 1), strlen("/home/user x y"));
	assert_string_equal(a, "/home/user x y");
	char b[] = "a+b%2Bc";
	url_decode(b, 0);
	assert_string_equal(b, "a+b+c");
	/* malformed escapes stay as they are, including at the very end */
	char c[] = "100%zz%4%";
	assert_int_equal(url_decode(c, 1), strlen("100%zz%4%"));
	assert_string_equal(c, "100%zz%4%");
	char d[] = "%C3%A9";
	url_decode(d, 0);
	assert_string_equal(d, "\xc3\xa9");
}

static void test_encode(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	url_encode(&b, "/home/user/a b+c&d=é~", NULL);
	assert_string_equal(buf_cstr(&b), "%2Fhome%2Fuser%2Fa%20b%2Bc%26d%3D%C3%A9~");
	buf_reset(&b);
	url_encode(&b, "/home/user/a b", "/");
	assert_string_equal(buf_cstr(&b), "/home/user/a%20b");
	/* round trip */
	char back[64];
	snprintf(back, sizeof back, "%s", buf_cstr(&b));
	url_decode(back, 0);
	assert_string_equal(back, "/home/user/a b");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hexval),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
