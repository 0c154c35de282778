/* ndjson: one compact, ASCII-only JSON object per "\n"-terminated line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/ndjson.h"

static size_t count(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

static void test_compact_line(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:s,s:i,s:[i,i],s:{}}", "type", "result", "n", 3, "a", 1, 2, "extra");
	size_t len;
	char *line = ndjson_line(o, &len);
	assert_string_equal(line, "{\"type\":\"result\",\"n\":3,\"a\":[1,2],\"extra\":{}}\n");
	assert_int_equal(len, strlen(line));
	free(line);
	json_decref(o);
}

static void test_newlines_and_controls_escaped(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:s}", "text", "a\nb\r\n\n\tc\x01");
	size_t len;
	char *line = ndjson_line(o, &len);
	assert_int_equal(count(line, '\n'), 1);
	assert_int_equal(line[len - 1], '\n');
	assert_null(strchr(line, '\r'));
	assert_non_null(strstr(line, "a\\nb\\r\\n\\n\\tc\\u0001"));
	/* it parses back to the same object */
	json_t *back = json_loadb(line, len, 0, NULL);
	assert_true(json_equal(back, o));
	json_decref(back);
	free(line);
	json_decref(o);
}

static void test_non_ascii_escaped(void **state)
{
	(void)state;
	/* é and an emoji (a surrogate pair once escaped) */
	json_t *o = json_pack("{s:s}", "text", "caf\xc3\xa9 \xf0\x9f\x98\x80");
	size_t len;
	char *line = ndjson_line(o, &len);
	for (size_t i = 0; i < len; i++)
		assert_true((unsigned char)line[i] < 0x80);
	assert_non_null(strstr(line, "caf\\u00E9 \\uD83D\\uDE00"));
	json_t *back = json_loadb(line, len, 0, NULL);
	assert_true(json_equal(back, o));
	json_decref(back);
	free(line);
	json_decref(o);
}

static void test_only_objects(void **state)
{
	(void)state;
	size_t len = 99;
	json_t *a = json_array(), *s = json_string("x");
	assert_null(ndjson_line(a, &len));
	assert_null(ndjson_line(s, &len));
	assert_null(ndjson_line(NULL, &len));
	json_decref(a);
	json_decref(s);
	/* an empty object is still a line, never a blank one */
	json_t *o = json_object();
	char *line = ndjson_line(o, &len);
	assert_string_equal(line, "{}\n");
	free(line);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_line),
		cmocka_unit_test(test_newlines_and_controls_escaped),
		cmocka_unit_test(test_non_ascii_escaped),
		cmocka_unit_test(test_only_objects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
