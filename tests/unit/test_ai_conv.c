/* conv: building a conversation, unanswered calls, the transcript JSON
 * round trip and hostile transcripts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/ai/conv.h"
#include "assert_json.h"

static void build(ai_conv *c)
{
	ai_call calls[2] = { { "call_1", "execute_python", "{\"code\":\"1+1\"}" },
			     { "call_2", "run_command", "{bad" } };
	ai_conv_init(c, "be brief");
	ai_conv_add_user(c, "count the r's");
	ai_conv_add_assistant(c, "Let me run it.", calls, 2);
	ai_conv_add_tool_result(c, "call_1", "execute_python", "2", 0);
	ai_conv_add_tool_result(c, "call_2", "run_command", "arguments are not JSON", 1);
	ai_conv_add_assistant(c, NULL, NULL, 0);
}

static void test_build_copies(void **state)
{
	(void)state;
	ai_conv c;
	char id[] = "call_x", args[] = "{}";
	ai_call call = { id, NULL, args };
	ai_conv_init(&c, NULL);
	assert_null(c.system);
	ai_conv_add_assistant(&c, "t", &call, 1);
	id[0] = 'X';   /* the conversation holds its own copy */
	assert_string_equal(c.msgs[0].calls[0].id, "call_x");
	assert_string_equal(c.msgs[0].calls[0].name, "");   /* NULL became "" */
	ai_conv_add_user(&c, NULL);
	assert_string_equal(c.msgs[1].text, "");
	ai_conv_set_system(&c, "sys");
	assert_string_equal(c.system, "sys");
	ai_conv_truncate(&c, 1);
	assert_int_equal(c.n, 1);
	ai_conv_free(&c);
}

static void test_transcript_json(void **state)
{
	(void)state;
	ai_conv c;
	build(&c);
	assert_json(ai_conv_to_json(&c),
		    "{\"system\":\"be brief\",\"messages\":["
		    "{\"role\":\"user\",\"text\":\"count the r's\"},"
		    "{\"role\":\"assistant\",\"text\":\"Let me run it.\",\"calls\":["
		    "{\"id\":\"call_1\",\"name\":\"execute_python\",\"arguments\":\"{\\\"code\\\":\\\"1+1\\\"}\"},"
		    "{\"id\":\"call_2\",\"name\":\"run_command\",\"arguments\":\"{bad\"}]},"
		    "{\"role\":\"tool\",\"text\":\"2\",\"call_id\":\"call_1\",\"call_name\":\"execute_python\",\"is_error\":false},"
		    "{\"role\":\"tool\",\"text\":\"arguments are not JSON\",\"call_id\":\"call_2\",\"call_name\":\"run_command\",\"is_error\":true},"
		    "{\"role\":\"assistant\",\"text\":\"\"}]}");
	ai_conv_free(&c);
}

static void test_round_trip(void **state)
{
	(void)state;
	ai_conv c, back;
	sbx_err e;
	build(&c);
	json_t *j = ai_conv_to_json(&c);
	assert_int_equal(ai_conv_from_json(j, &back, &e), 0);
	json_t *j2 = ai_conv_to_json(&back);
	assert_true(json_equal(j, j2));
	assert_int_equal(back.n, 5);
	assert_int_equal(back.msgs[3].is_error, 1);
	assert_string_equal(back.msgs[1].calls[1].args, "{bad");
	json_decref(j);
	json_decref(j2);
	ai_conv_free(&back);
	/* no system prompt survives as none */
	ai_conv_set_system(&c, NULL);
	j = ai_conv_to_json(&c);
	assert_int_equal(ai_conv_from_json(j, &back, &e), 0);
	assert_null(back.system);
	json_decref(j);
	ai_conv_free(&back);
	ai_conv_free(&c);
}

static void test_unanswered(void **state)
{
	(void)state;
	ai_conv c;
	const char *ids[4];
	ai_call calls[3] = { { "a", "execute_python", "{}" }, { "b", "execute_python", "{}" },
			     { "c", "run_command", "{}" } };
	ai_conv_init(&c, NULL);
	assert_int_equal(ai_conv_unanswered(&c, ids, 4), 0);
	ai_conv_add_user(&c, "hi");
	ai_conv_add_assistant(&c, "", calls, 3);
	ai_conv_add_tool_result(&c, "b", "execute_python", "ok", 0);
	assert_int_equal(ai_conv_unanswered(&c, ids, 4), 2);
	assert_string_equal(ids[0], "a");
	assert_string_equal(ids[1], "c");
	/* never more than max */
	assert_int_equal(ai_conv_unanswered(&c, ids, 1), 1);
	assert_string_equal(ids[0], "a");
	ai_conv_add_tool_result(&c, "a", "execute_python", "ok", 0);
	ai_conv_add_tool_result(&c, "c", "run_command", "ok", 0);
	assert_int_equal(ai_conv_unanswered(&c, ids, 4), 0);
	/* only the last assistant message counts */
	ai_conv_add_assistant(&c, "done", NULL, 0);
	assert_int_equal(ai_conv_unanswered(&c, ids, 4), 0);
	ai_conv_free(&c);
}

static void expect_bad(const char *text, const char *msg)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	assert_non_null(j);
	ai_conv c;
	sbx_err e = { "" };
	assert_int_equal(ai_conv_from_json(j, &c, &e), -1);
	if (!strstr(e.msg, msg))
		fail_msg("%s: got \"%s\", want \"%s\"", text, e.msg, msg);
	json_decref(j);
}

static void test_hostile_transcripts(void **state)
{
	(void)state;
	expect_bad("[]", "\"messages\" array");
	expect_bad("{\"messages\":{}}", "\"messages\" array");
	expect_bad("{\"system\":3,\"messages\":[]}", "system must be a string");
	expect_bad("{\"messages\":[1]}", "message 0 is not an object");
	expect_bad("{\"messages\":[{\"role\":\"user\",\"text\":5}]}", "message 0: role and text");
	expect_bad("{\"messages\":[{\"role\":\"bot\"}]}", "role \"bot\"");
	expect_bad("{\"messages\":[{\"role\":\"user\"},{\"role\":\"assistant\",\"calls\":{}}]}",
		   "message 1: calls must be an array");
	expect_bad("{\"messages\":[{\"role\":\"assistant\",\"calls\":[{\"id\":\"x\"},{\"name\":\"n\"}]}]}",
		   "message 0, call 1 has no id");
	expect_bad("{\"messages\":[{\"role\":\"assistant\",\"calls\":[{\"id\":\"x\",\"arguments\":{}}]}]}",
		   "message 0, call 0: want");
	expect_bad("{\"messages\":[{\"role\":\"tool\",\"text\":\"r\"}]}", "without a call_id");
	expect_bad("{\"messages\":[{\"role\":\"tool\",\"call_id\":\"x\",\"is_error\":1}]}", "is_error a boolean");
	/* missing optional fields are fine */
	json_t *j = json_loads("{\"messages\":[{\"role\":\"user\"},{\"role\":\"assistant\"}]}", 0, NULL);
	ai_conv c;
	assert_int_equal(ai_conv_from_json(j, &c, NULL), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.msgs[0].text, "");
	json_decref(j);
	ai_conv_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_copies),
		cmocka_unit_test(test_transcript_json),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unanswered),
		cmocka_unit_test(test_hostile_transcripts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
