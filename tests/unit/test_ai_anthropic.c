/* anthropic: messages requests field by field (the alternation, tool
 * results grouped in one user message), and streamed and non-streamed
 * responses decoded — byte by byte, a text + tool_use turn, errors,
 * truncation, hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/ai/wire.h"
#include "../../src/util/buf.h"
#include "assert_json.h"

/* ---- decoding ---- */

/* Events as "T(text)", "S0(id,name)", "A0(args)", "STOP(reason)";
 * consecutive deltas of one kind are joined, so the log is the same
 * however the bytes were cut. */
typedef struct rec {
	sbx_buf log;
	int last;       /* last event type, -1 none */
	int last_index;
	int nstart, nstop;
} rec;

static void on_ev(const ai_event *ev, void *ud)
{
	rec *r = ud;
	int joined = (ev->type == AI_EV_TEXT || ev->type == AI_EV_CALL_ARGS) && r->last == ev->type &&
		     r->last_index == ev->index;
	if (joined) {
		r->log.len--;   /* drop the ')' and go on */
	} else if (ev->type == AI_EV_TEXT) {
		buf_puts(&r->log, "T(");
	} else if (ev->type == AI_EV_CALL_ARGS) {
		buf_printf(&r->log, "A%d(", ev->index);
	} else if (ev->type == AI_EV_CALL_START) {
		r->nstart++;
		buf_printf(&r->log, "S%d(%s,%s)", ev->index, ev->id, ev->name);
	} else if (ev->type == AI_EV_STOP) {
		r->nstop++;
		buf_puts(&r->log, "STOP(");
	}
	if (ev->type != AI_EV_CALL_START) {
		buf_append(&r->log, ev->text, ev->len);
		buf_putc(&r->log, ')');
	}
	r->last = ev->type;
	r->last_index = ev->index;
}

typedef struct run {
	ai_decoder *d;
	rec r;
	int feed_rc, finish_rc;
	sbx_err e;
} run;

/* Feeds body step bytes at a time (0: all at once) until an error. */
static void decode(run *x, int streaming, const char *body, size_t len, size_t step)
{
	memset(x, 0, sizeof *x);
	x->r.last = -1;
	x->d = ai_decoder_new(AI_KIND_ANTHROPIC, streaming, on_ev, &x->r);
	if (!step)
		step = len ? len : 1;
	for (size_t i = 0; i < len && x->feed_rc == 0; i += step)
		x->feed_rc = ai_decoder_feed(x->d, body + i, len - i < step ? len - i : step, &x->e);
	if (x->feed_rc == 0)
		x->finish_rc = ai_decoder_finish(x->d, &x->e);
}

static void run_free(run *x)
{
	ai_decoder_free(x->d);
	buf_free(&x->r.log);
}

/* The same events, text, calls and stop whichever way the stream is cut. */
static void expect_stream(const char *body, const char *want_log, const char *want_stop)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 0 };
	for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
		run x;
		decode(&x, 1, body, strlen(body), steps[s]);
		if (x.feed_rc || x.finish_rc)
			fail_msg("step %zu: failed: %s", steps[s], x.e.msg);
		if (strcmp(buf_cstr(&x.r.log), want_log))
			fail_msg("step %zu:\ngot  %s\nwant %s", steps[s], buf_cstr(&x.r.log), want_log);
		assert_string_equal(ai_decoder_stop_reason(x.d), want_stop);
		assert_int_equal(x.r.nstop, 1);
		run_free(&x);
	}
}

#define EV(name, json) "event: " name "\ndata: " json "\n\n"
#define START                                                                                              \
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XY\",\"type\":\"message\"," \
			    "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\","    \
			    "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,"     \
			    "\"output_tokens\":2}}}")
#define DELTA_STOP(reason)                                                                              \
	EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" reason "\","     \
			    "\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}")
#define MSG_STOP EV("message_stop", "{\"type\":\"message_stop\"}")
#define TEXT_START(i) EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":" #i ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
#define TEXT(i, t) EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" #i ",\"delta\":{\"type\":\"text_delta\",\"text\":\"" t "\"}}")
#define BLOCK_STOP(i) EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" #i "}")
#define TOOL_START(i, id, name) EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":" #i ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"" id "\",\"name\":\"" name "\",\"input\":{}}}")
#define JSON(i, pj) EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" #i ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"" pj "\"}}")
#define PING EV("ping", "{\"type\": \"ping\"}")

static const char tool_turn[] =
	START TEXT_START(0) PING TEXT(0, "Let me count") TEXT(0, " with Python.") BLOCK_STOP(0)
	TOOL_START(1, "toolu_01A09q90qw90lq917835lq9", "execute_python") JSON(1, "")
	JSON(1, "{\\\"code\\\": \\\"print('str") JSON(1, "awberry'.count('r'))") JSON(1, "\\\"}") BLOCK_STOP(1)
	DELTA_STOP("tool_use") MSG_STOP;

static void test_text_and_tool_use_turn(void **state)
{
	(void)state;
	expect_stream(tool_turn,
		      "T(Let me count with Python.)S0(toolu_01A09q90qw90lq917835lq9,execute_python)"
		      "A0({\"code\": \"print('strawberry'.count('r'))\"})STOP(tool_use)",
		      "tool_use");
	run x;
	decode(&x, 1, tool_turn, strlen(tool_turn), 1);
	assert_int_equal(x.finish_rc, 0);
	assert_string_equal(ai_decoder_text(x.d), "Let me count with Python.");
	size_t n;
	const ai_call *c = ai_decoder_calls(x.d, &n);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].id, "toolu_01A09q90qw90lq917835lq9");
	assert_string_equal(c[0].name, "execute_python");
	assert_string_equal(c[0].args, "{\"code\": \"print('strawberry'.count('r'))\"}");
	run_free(&x);
}

static void test_stop_reasons(void **state)
{
	(void)state;
	expect_stream(START TEXT_START(0) TEXT(0, "3") BLOCK_STOP(0) DELTA_STOP("end_turn") MSG_STOP, "T(3)STOP(end)",
		      "end");
	expect_stream(START TEXT_START(0) TEXT(0, "a") BLOCK_STOP(0) DELTA_STOP("stop_sequence") MSG_STOP,
		      "T(a)STOP(end)", "end");
	expect_stream(START TEXT_START(0) TEXT(0, "a") BLOCK_STOP(0) DELTA_STOP("max_tokens") MSG_STOP,
		      "T(a)STOP(max_tokens)", "max_tokens");
	expect_stream(START DELTA_STOP("refusal") MSG_STOP, "STOP(refusal)", "refusal");
	/* two tool_use blocks, the second with no input at all */
	expect_stream(START TOOL_START(0, "toolu_1", "run_command") JSON(0, "{\\\"command\\\":\\\"ls\\\"}") BLOCK_STOP(0)
		      TOOL_START(1, "toolu_2", "read_file") BLOCK_STOP(1) DELTA_STOP("tool_use") MSG_STOP,
		      "S0(toolu_1,run_command)A0({\"command\":\"ls\"})S1(toolu_2,read_file)STOP(tool_use)", "tool_use");
}

static void test_error_event(void **state)
{
	(void)state;
	const char *s = START TEXT_START(0) TEXT(0, "Hel")
		EV("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
	run x;
	decode(&x, 1, s, strlen(s), 1);
	assert_int_equal(x.feed_rc, -1);
	assert_string_equal(x.e.msg, "Overloaded (overloaded_error)");
	assert_string_equal(ai_decoder_text(x.d), "Hel");
	run_free(&x);
}

static void expect_incomplete(const char *s, const char *msg)
{
	run x;
	decode(&x, 1, s, strlen(s), 1);
	assert_int_equal(x.feed_rc, 0);
	assert_int_equal(x.finish_rc, -1);
	if (!strstr(x.e.msg, msg))
		fail_msg("got \"%s\", want \"%s\"", x.e.msg, msg);
	run_free(&x);
}

static void test_truncated_streams(void **state)
{
	(void)state;
	expect_incomplete(START TEXT_START(0) TEXT(0, "a") TOOL_START(1, "toolu_1", "execute_python")
			  JSON(1, "{\\\"co"),
			  "cut off inside the arguments of tool call 1 (execute_python)");
	expect_incomplete(START TEXT_START(0) TEXT(0, "a"), "cut off before the turn finished");
	expect_incomplete(START TEXT_START(0) TEXT(0, "a") BLOCK_STOP(0) MSG_STOP, "message_stop) without a stop_reason");
	/* the stream cut in the middle of the message_delta line */
	char *s = strdup(START TEXT_START(0) TEXT(0, "a") BLOCK_STOP(0) DELTA_STOP("end_turn"));
	s[strlen(s) - 30] = 0;
	expect_incomplete(s, "cut off before the turn finished");
	free(s);
	/* message_delta's stop_reason is enough: message_stop only closes */
	expect_stream(START TEXT_START(0) TEXT(0, "a") BLOCK_STOP(0) DELTA_STOP("end_turn"), "T(a)STOP(end)", "end");
}

static void expect_fail(const char *s, const char *msg)
{
	run x;
	decode(&x, 1, s, strlen(s), 1);
	assert_int_equal(x.feed_rc, -1);
	if (!strstr(x.e.msg, msg))
		fail_msg("got \"%s\", want \"%s\"", x.e.msg, msg);
	run_free(&x);
}

static void test_hostile_events(void **state)
{
	(void)state;
	/* a huge block index is a key; a missing id is made up; a thinking
	 * block and unknown events are skipped */
	expect_stream(START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
						      "{\"type\":\"thinking\",\"thinking\":\"\"}}")
		      EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
						"{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}")
		      BLOCK_STOP(0) EV("future_event", "{\"type\":\"future_event\"}")
		      EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1000000,\"content_block\":"
						"{\"type\":\"tool_use\",\"name\":\"run_command\",\"input\":{}}}")
		      JSON(1000000, "{}") BLOCK_STOP(1000000) DELTA_STOP("tool_use"),
		      "S0(toolu_sbx_0,run_command)A0({})STOP(tool_use)", "tool_use");
	/* input given whole in content_block_start, no deltas */
	expect_stream(START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
						      "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"a\",\"input\":{\"x\":[1]}}}")
		      BLOCK_STOP(0) DELTA_STOP("tool_use"),
		      "S0(t1,a)A0({\"x\":[1]})STOP(tool_use)", "tool_use");
	/* wrong types in places that matter are errors, elsewhere ignored */
	expect_fail(START JSON(3, "{}"), "content block 3, which is no open tool_use");
	expect_fail(START TOOL_START(0, "t", "a") BLOCK_STOP(0) JSON(0, "{}"), "which is no open tool_use");
	expect_fail(START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":\"0\",\"content_block\":"
						    "{\"type\":\"text\"}}"),
		    "content_block_start without an index");
	expect_fail(START EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":[]}"),
		    "content_block_delta without an index or a type");
	expect_fail(START "event: content_block_delta\ndata: {\"type\":\n\n", "not a JSON object: {\"type\":");
	expect_stream(START TEXT_START(0) EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
						      "\"delta\":{\"type\":\"text_delta\",\"text\":7}}")
		      EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":5}}")
		      EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"}}"),
		      "STOP(end)", "end");
	/* the event's name stands in for a missing type */
	expect_stream(START "event: message_delta\ndata: {\"delta\":{\"stop_reason\":\"end_turn\"}}\n\n", "STOP(end)", "end");
}

static void test_non_streamed(void **state)
{
	(void)state;
	const char *body =
		"{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":["
		"{\"type\":\"text\",\"text\":\"I'll run it.\"},{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":"
		"\"execute_python\",\"input\":{\"code\":\"print(3)\"}}],\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
		"\"usage\":{\"input_tokens\":10,\"output_tokens\":20}}";
	run x;
	decode(&x, 0, body, strlen(body), 7);
	assert_int_equal(x.finish_rc, 0);
	assert_string_equal(buf_cstr(&x.r.log),
			    "T(I'll run it.)S0(toolu_9,execute_python)A0({\"code\":\"print(3)\"})STOP(tool_use)");
	size_t n;
	const ai_call *c = ai_decoder_calls(x.d, &n);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].args, "{\"code\":\"print(3)\"}");
	run_free(&x);

	body = "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"model: claude-9\"}}";
	decode(&x, 0, body, strlen(body), 0);
	assert_int_equal(x.finish_rc, -1);
	assert_string_equal(x.e.msg, "model: claude-9 (not_found_error)");
	run_free(&x);

	body = "{\"type\":\"message\",\"content\":\"nope\",\"stop_reason\":\"end_turn\"}";
	decode(&x, 0, body, strlen(body), 0);
	assert_int_equal(x.finish_rc, -1);
	assert_non_null(strstr(x.e.msg, "no content array"));
	run_free(&x);
}

static void test_error_text(void **state)
{
	(void)state;
	char out[128];
	const char *b = "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"},"
			"\"request_id\":\"req_1\"}";
	ai_error_text(AI_KIND_ANTHROPIC, 401, b, strlen(b), out, sizeof out);
	assert_string_equal(out, "invalid x-api-key");
	ai_error_text(AI_KIND_ANTHROPIC, 529, "", 0, out, sizeof out);
	assert_string_equal(out, "HTTP 529 Overloaded");
	b = "{\"type\":\"error\",\"error\":{\"message\":42}}";
	ai_error_text(AI_KIND_ANTHROPIC, 400, b, strlen(b), out, sizeof out);
	assert_string_equal(out, "HTTP 400 Bad Request");
}

/* Damaged copies of real streams (bytes changed, cut short, fed in odd
 * pieces) never crash (ASan watches) and never pass as a whole turn
 * without a stop reason or with calls whose ids are empty or repeated. */
static void fuzz(const char *stream, unsigned seed)
{
	size_t len = strlen(stream);
	char *buf = malloc(len + 1);
	static const char alphabet[] = "\n\r\":{}[],0123456789-e\\ a\x80\xff";
	for (int iter = 0; iter < 1500; iter++) {
		memcpy(buf, stream, len + 1);
		seed = seed * 1103515245u + 12345u;
		int flips = 1 + (int)(seed >> 16) % 4;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			buf[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		size_t cut = iter % 3 ? len : (seed >> 8) % len;
		run x;
		decode(&x, 1, buf, cut, 1 + iter % 13);
		if (x.feed_rc == 0 && x.finish_rc == 0) {
			assert_non_null(ai_decoder_stop_reason(x.d));
			size_t n;
			const ai_call *c = ai_decoder_calls(x.d, &n);
			for (size_t i = 0; i < n; i++) {
				assert_true(c[i].id[0]);
				for (size_t k = 0; k < i; k++)
					assert_string_not_equal(c[i].id, c[k].id);
			}
		}
		run_free(&x);
	}
	free(buf);
}

static void test_damaged_streams(void **state)
{
	(void)state;
	fuzz(tool_turn, 1);
}

/* ---- requests ---- */

static const ai_tool_def tools[] = {
	{ "execute_python", "Run Python.", "{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\"}}}" },
};

static ai_provider provider(const char *key, int max_tokens)
{
	ai_provider p = { .name = "anthropic", .kind = AI_KIND_ANTHROPIC, .base_url = "http://127.0.0.1:9",
			  .api_key = (char *)key, .key_env = "ANTHROPIC_API_KEY", .model = "claude-sonnet-4-5",
			  .max_tokens = max_tokens };
	return p;
}

static void test_request_simple(void **state)
{
	(void)state;
	ai_provider p = provider("sk-ant-1", 0);
	ai_conv c;
	ai_request r;
	sbx_err e;
	ai_conv_init(&c, "Be brief.");
	ai_conv_add_user(&c, "hi");
	assert_int_equal(ai_request_build(&p, &c, tools, 1, 1, &r, &e), 0);
	assert_string_equal(r.url, "http://127.0.0.1:9/v1/messages");
	assert_string_equal(r.headers[0], "content-type: application/json");
	assert_string_equal(r.headers[1], "anthropic-version: 2023-06-01");
	assert_string_equal(r.headers[2], "x-api-key: sk-ant-1");
	assert_null(r.headers[3]);
	assert_json(json_loads(r.body, 0, NULL),
		    "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":"
		    "[{\"type\":\"text\",\"text\":\"hi\"}]}],\"stream\":true,\"system\":\"Be brief.\",\"tools\":["
		    "{\"name\":\"execute_python\",\"description\":\"Run Python.\",\"input_schema\":{\"type\":\"object\","
		    "\"properties\":{\"code\":{\"type\":\"string\"}}}}]}");
	ai_request_free(&r);
	/* no key: no x-api-key; max_tokens as set; no system, no tools */
	p = provider(NULL, 1000);
	ai_conv_set_system(&c, NULL);
	assert_int_equal(ai_request_build(&p, &c, NULL, 0, 0, &r, &e), 0);
	assert_null(r.headers[2]);
	assert_json(json_loads(r.body, 0, NULL),
		    "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":"
		    "[{\"type\":\"text\",\"text\":\"hi\"}]}],\"stream\":false}");
	ai_request_free(&r);
	ai_conv_free(&c);
}

static void test_request_grouping(void **state)
{
	(void)state;
	ai_provider p = provider("k", 0);
	ai_conv c;
	ai_request r;
	sbx_err e;
	ai_call calls[3] = { { "toolu_1", "execute_python", "{\"code\":\"1/0\"}" },
			     { "toolu_2", "run_command", "{\"command\": " },
			     { "toolu_3", "run_command", "[1]" } };
	ai_conv_init(&c, NULL);
	ai_conv_add_user(&c, "first");
	ai_conv_add_user(&c, "second");   /* consecutive user texts: one message */
	ai_conv_add_assistant(&c, "Trying.", calls, 3);
	ai_conv_add_tool_result(&c, "toolu_3", "run_command", "", 0);
	ai_conv_add_tool_result(&c, "toolu_1", "execute_python", "ZeroDivisionError", 1);
	/* toolu_2 unanswered (the run was stopped); then the next request */
	ai_conv_add_user(&c, "why?");
	ai_conv_add_assistant(&c, "", NULL, 0);   /* nothing said: left out */
	ai_conv_add_assistant(&c, "Because.", NULL, 0);
	ai_conv_add_tool_result(&c, "toolu_1", "x", "stray", 0);   /* answers nothing here: dropped */
	assert_int_equal(ai_request_build(&p, &c, NULL, 0, 1, &r, &e), 0);
	assert_json(json_loads(r.body, 0, NULL),
		    "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4096,\"messages\":["
		    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"first\"},{\"type\":\"text\",\"text\":\"second\"}]},"
		    "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Trying.\"},"
		    "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"execute_python\",\"input\":{\"code\":\"1/0\"}},"
		    "{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"run_command\",\"input\":{}},"
		    "{\"type\":\"tool_use\",\"id\":\"toolu_3\",\"name\":\"run_command\",\"input\":{}}]},"
		    "{\"role\":\"user\",\"content\":["
		    "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"ZeroDivisionError\",\"is_error\":true},"
		    "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_2\",\"content\":\"no result: the run was stopped before this call ran\",\"is_error\":true},"
		    "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_3\",\"content\":\"\",\"is_error\":false},"
		    "{\"type\":\"text\",\"text\":\"why?\"}]},"
		    "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Because.\"}]}],"
		    "\"stream\":true}");
	ai_request_free(&r);
	ai_conv_free(&c);
}

static void test_request_bad_key(void **state)
{
	(void)state;
	ai_provider p = provider("k\n", 0);
	ai_conv c;
	ai_request r;
	sbx_err e;
	ai_conv_init(&c, NULL);
	assert_int_equal(ai_request_build(&p, &c, NULL, 0, 1, &r, &e), -1);
	assert_non_null(strstr(e.msg, "the API key in ANTHROPIC_API_KEY holds a control character"));
	ai_conv_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_tool_use_turn),
		cmocka_unit_test(test_stop_reasons),
		cmocka_unit_test(test_error_event),
		cmocka_unit_test(test_truncated_streams),
		cmocka_unit_test(test_hostile_events),
		cmocka_unit_test(test_non_streamed),
		cmocka_unit_test(test_damaged_streams),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_request_simple),
		cmocka_unit_test(test_request_grouping),
		cmocka_unit_test(test_request_bad_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
