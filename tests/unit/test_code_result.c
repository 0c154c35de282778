/* code_result: Jupyter message → E2B output line mapping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/code_result.h"

static json_t *parse(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	if (!j)
		fail_msg("bad test JSON: %s", je.text);
	return j;
}

static void expect_json(json_t *got, const char *want)
{
	json_t *w = parse(want);
	if (!json_equal(got, w)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		fail_msg("got %s\nwant %s", g, want);
	}
	json_decref(w);
	json_decref(got);
}

static void test_every_mime(void **state)
{
	(void)state;
	json_t *data = parse("{"
		"\"text/plain\":\"'abc'\",\"text/html\":\"<b>x</b>\",\"text/markdown\":\"# t\","
		"\"image/svg+xml\":\"<svg/>\",\"image/png\":\"iVBOR\",\"image/jpeg\":\"/9j/\","
		"\"application/pdf\":\"JVBER\",\"text/latex\":\"$x$\",\"application/json\":{\"k\":[1]},"
		"\"application/javascript\":\"alert(1)\",\"e2b/data\":{\"a\":[1,2]},"
		"\"e2b/chart\":{\"type\":\"bar\",\"elements\":[]},"
		"\"application/vnd.plotly.v1+json\":{\"data\":[]},\"text/x-custom\":\"c\"}");
	expect_json(code_line_result(data, 1),
		    "{\"type\":\"result\",\"text\":\"abc\",\"html\":\"<b>x</b>\",\"markdown\":\"# t\","
		    "\"svg\":\"<svg/>\",\"png\":\"iVBOR\",\"jpeg\":\"/9j/\",\"pdf\":\"JVBER\","
		    "\"latex\":\"$x$\",\"json\":{\"k\":[1]},\"javascript\":\"alert(1)\","
		    "\"data\":{\"a\":[1,2]},\"chart\":{\"type\":\"bar\",\"elements\":[]},"
		    "\"is_main_result\":true,"
		    "\"extra\":{\"application/vnd.plotly.v1+json\":{\"data\":[]},\"text/x-custom\":\"c\"}}");
	json_decref(data);
}

static void test_extra_always_present(void **state)
{
	(void)state;
	json_t *data = parse("{\"text/plain\":\"2\"}");
	expect_json(code_line_result(data, 0),
		    "{\"type\":\"result\",\"text\":\"2\",\"is_main_result\":false,\"extra\":{}}");
	json_decref(data);
	data = json_object();
	expect_json(code_line_result(data, 0), "{\"type\":\"result\",\"is_main_result\":false,\"extra\":{}}");
	json_decref(data);
}

static void test_strip_quotes(void **state)
{
	(void)state;
	static const char *cases[][2] = {
		{ "'abc'", "abc" }, { "\"abc\"", "abc" }, { "''", "" }, { "'", "'" },
		{ "'a\"", "'a\"" }, { "abc", "abc" }, { "", "" }, { "'it's'", "it's" },
		{ "'a'b'", "a'b" }, { "[1, 2]", "[1, 2]" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *s = code_strip_quotes(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

static void test_traceback_join(void **state)
{
	(void)state;
	json_t *tb = parse("[\"-----\",\"ValueError   Traceback\",\"Cell In [1]\\n----> 1 f()\\n\",\"ValueError: x\"]");
	char *s = code_traceback_join(tb);
	assert_string_equal(s, "-----\nValueError   Traceback\nCell In [1]\n----> 1 f()\n\nValueError: x");
	free(s);
	json_decref(tb);
	s = code_traceback_join(NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_messages(void **state)
{
	(void)state;
	json_t *c = parse("{\"name\":\"stdout\",\"text\":\"hi\\n\"}");
	expect_json(code_line_from_msg("stream", c, "2024-01-01T00:00:00.000001Z"),
		    "{\"type\":\"stdout\",\"text\":\"hi\\n\",\"timestamp\":\"2024-01-01T00:00:00.000001Z\"}");
	json_decref(c);
	c = parse("{\"name\":\"stderr\",\"text\":\"warn\"}");
	json_t *line = code_line_from_msg("stream", c, NULL);
	assert_string_equal(json_string_value(json_object_get(line, "type")), "stderr");
	assert_non_null(json_string_value(json_object_get(line, "timestamp")));   /* now */
	json_decref(line);
	json_decref(c);

	c = parse("{\"code\":\"1+1\",\"execution_count\":7}");
	expect_json(code_line_from_msg("execute_input", c, NULL),
		    "{\"type\":\"number_of_executions\",\"execution_count\":7}");
	json_decref(c);

	c = parse("{\"execution_count\":7,\"data\":{\"text/plain\":\"2\"},\"metadata\":{}}");
	expect_json(code_line_from_msg("execute_result", c, NULL),
		    "{\"type\":\"result\",\"text\":\"2\",\"is_main_result\":true,\"extra\":{}}");
	json_decref(c);
	c = parse("{\"data\":{\"text/plain\":\"<Figure>\",\"image/png\":\"iVBOR\"},\"metadata\":{},\"transient\":{}}");
	expect_json(code_line_from_msg("display_data", c, NULL),
		    "{\"type\":\"result\",\"text\":\"<Figure>\",\"png\":\"iVBOR\",\"is_main_result\":false,\"extra\":{}}");
	json_decref(c);

	c = parse("{\"ename\":\"ZeroDivisionError\",\"evalue\":\"division by zero\",\"traceback\":[\"a\",\"b\"]}");
	expect_json(code_line_from_msg("error", c, NULL),
		    "{\"type\":\"error\",\"name\":\"ZeroDivisionError\",\"value\":\"division by zero\",\"traceback\":\"a\\nb\"}");
	json_decref(c);
	c = json_object();   /* a malformed error still gives the three strings */
	expect_json(code_line_from_msg("error", c, NULL),
		    "{\"type\":\"error\",\"name\":\"\",\"value\":\"\",\"traceback\":\"\"}");

	/* types E2B does not turn into lines */
	static const char *ignored[] = { "status", "clear_output", "update_display_data", "comm_open",
					 "execute_reply", "shutdown_reply", "" };
	for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
		assert_null(code_line_from_msg(ignored[i], c, NULL));
	/* results without a data bundle, inputs without a count */
	assert_null(code_line_from_msg("execute_result", c, NULL));
	assert_null(code_line_from_msg("execute_input", c, NULL));
	json_decref(c);
}

static void test_simple_and_error_lines(void **state)
{
	(void)state;
	expect_json(code_line_simple("end_of_execution"), "{\"type\":\"end_of_execution\"}");
	expect_json(code_line_simple("keepalive"), "{\"type\":\"keepalive\"}");
	expect_json(code_line_error("KernelDied", "gone", NULL),
		    "{\"type\":\"error\",\"name\":\"KernelDied\",\"value\":\"gone\",\"traceback\":\"\"}");
	/* invalid UTF-8 never makes a hole in the line */
	expect_json(code_line_error("X", "bad \xff byte", "tb"),
		    "{\"type\":\"error\",\"name\":\"X\",\"value\":\"\",\"traceback\":\"tb\"}");
}

static json_t *with_jupyter(const char *type, const char *content)
{
	json_t *c = parse(content);
	json_t *line = code_line_from_msg(type, c, "2024-01-01T00:00:00Z");
	code_line_add_jupyter(line, type, c);
	json_decref(c);
	return line;
}

/* What E2B's fields drop rides along in "jupyter" — and only that: no
 * member when nothing is lost, never the picture twice. */
static void test_jupyter_details(void **state)
{
	(void)state;
	expect_json(with_jupyter("execute_result", "{\"data\":{\"text/plain\":\"'a'\"},\"metadata\":{},"
						   "\"execution_count\":1}"),
		    "{\"type\":\"result\",\"text\":\"a\",\"is_main_result\":true,\"extra\":{},"
		    "\"jupyter\":{\"quote\":\"'\"}}");
	expect_json(with_jupyter("execute_result", "{\"data\":{\"text/plain\":\"\\\"a\\\"\"},\"metadata\":{}}"),
		    "{\"type\":\"result\",\"text\":\"a\",\"is_main_result\":true,\"extra\":{},"
		    "\"jupyter\":{\"quote\":\"\\\"\"}}");
	/* not stripped: unmatched, or too short */
	expect_json(with_jupyter("execute_result", "{\"data\":{\"text/plain\":\"'a\"},\"metadata\":{}}"),
		    "{\"type\":\"result\",\"text\":\"'a\",\"is_main_result\":true,\"extra\":{}}");
	expect_json(with_jupyter("display_data", "{\"data\":{\"text/plain\":\"<F>\",\"image/png\":\"iVBOR\"},"
						 "\"metadata\":{\"image/png\":{\"width\":3}}}"),
		    "{\"type\":\"result\",\"text\":\"<F>\",\"png\":\"iVBOR\",\"is_main_result\":false,"
		    "\"extra\":{},\"jupyter\":{\"metadata\":{\"image/png\":{\"width\":3}}}}");
	expect_json(with_jupyter("display_data", "{\"data\":{\"text/plain\":\"x\"},\"metadata\":{}}"),
		    "{\"type\":\"result\",\"text\":\"x\",\"is_main_result\":false,\"extra\":{}}");
	expect_json(with_jupyter("error", "{\"ename\":\"E\",\"evalue\":\"v\",\"traceback\":[\"a\\nb\",\"c\"]}"),
		    "{\"type\":\"error\",\"name\":\"E\",\"value\":\"v\",\"traceback\":\"a\\nb\\nc\","
		    "\"jupyter\":{\"traceback\":[\"a\\nb\",\"c\"]}}");
	expect_json(with_jupyter("stream", "{\"name\":\"stdout\",\"text\":\"'q'\"}"),
		    "{\"type\":\"stdout\",\"text\":\"'q'\",\"timestamp\":\"2024-01-01T00:00:00Z\"}");
	code_line_add_jupyter(NULL, "error", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_mime),
		cmocka_unit_test(test_extra_always_present),
		cmocka_unit_test(test_strip_quotes),
		cmocka_unit_test(test_traceback_join),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_simple_and_error_lines),
		cmocka_unit_test(test_jupyter_details),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
