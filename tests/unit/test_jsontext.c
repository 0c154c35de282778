/* jsontext: JSON from untrusted bytes, and the error bodies built from it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "assert_json.h"
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/jsontext.h"


static void assert_str(char *got, const char *want)
{
	assert_non_null(got);
	if (strcmp(got, want))
		fail_msg("got  %s\nwant %s", got, want);
	free(got);
}

static void test_text(void **state)
{
	(void)state;
	assert_json(json_text("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	/* Invalid bytes become U+FFFD; valid neighbours survive. */
	assert_json(json_text("a\xff" "b"), "\"a\xef\xbf\xbd" "b\"");
	assert_json(json_text("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");        /* overlong */
	assert_json(json_text("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
	assert_json(json_text("\xe2\x82"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");         /* truncated */
	assert_json(json_text("\xf4\x90\x80\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* > U+10FFFF */
	assert_json(json_text(NULL), "\"\"");
}

static void test_text_set(void **state)
{
	(void)state;
	json_t *o = json_object();
	json_text_set(o, "k\xfe", json_text("v\xff"));
	json_text_set(o, "ok", json_text("fine"));
	json_text_set(o, NULL, json_text("nokey"));
	assert_json(o, "{\"k\xef\xbf\xbd\":\"v\xef\xbf\xbd\",\"ok\":\"fine\",\"\":\"nokey\"}");
}

static void test_error_bodies(void **state)
{
	(void)state;
	assert_str(json_error_rest(404, "no such endpoint: GET /\xff"),
		   "{\"code\":404,\"message\":\"no such endpoint: GET /\xef\xbf\xbd\"}");
	assert_str(json_error_rest(400, "a \"quote\"\n"), "{\"code\":400,\"message\":\"a \\\"quote\\\"\\n\"}");
	assert_str(json_error_rest(500, NULL), "{\"code\":500,\"message\":\"\"}");
	assert_str(json_error_connect("unimplemented", "process.Process/\xff\xfe does not exist"),
		   "{\"code\":\"unimplemented\",\"message\":\"process.Process/\xef\xbf\xbd\xef\xbf\xbd does not exist\"}");
	assert_str(json_error_connect(NULL, "x"), "{\"code\":\"unknown\",\"message\":\"x\"}");
	/* Every byte value in a message still gives valid JSON. */
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	char *s = json_error_rest(400, all);
	json_error_t je;
	json_t *back = json_loads(s, 0, &je);
	assert_non_null(back);
	assert_int_equal(json_integer_value(json_object_get(back, "code")), 400);
	json_decref(back);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_set),
		cmocka_unit_test(test_error_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
