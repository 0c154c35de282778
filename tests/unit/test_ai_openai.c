/* openai: chat completions requests field by field, and streamed and
 * non-streamed responses decoded — fed byte by byte, tool calls split
 * over many deltas and interleaved, errors, truncation, hostile input. */
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
	x->d = ai_decoder_new(AI_KIND_OPENAI, streaming, on_ev, &x->r);
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

/* One chunk as OpenAI sends it (the envelope fields included). */
#define CHUNK(choice) \
	"data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1718000000," \
	"\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_1\",\"choices\":[" choice "]}\n\n"
#define USAGE \
	"data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1718000000," \
	"\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}\n\n"
#define DONE "data: [DONE]\n\n"

static const char text_stream[] =
	CHUNK("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"content\":\"There are \"},\"logprobs\":null,\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"content\":\"3 r\\u2019s.\"},\"logprobs\":null,\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}")
	USAGE DONE;

static void test_text_stream(void **state)
{
	(void)state;
	expect_stream(text_stream, "T(There are 3 r\xe2\x80\x99s.)STOP(end)", "end");
	run x;
	decode(&x, 1, text_stream, strlen(text_stream), 5);
	assert_int_equal(x.finish_rc, 0);
	assert_string_equal(ai_decoder_text(x.d), "There are 3 r\xe2\x80\x99s.");
	size_t n = 9;
	ai_decoder_calls(x.d, &n);
	assert_int_equal(n, 0);
	run_free(&x);
}

/* A call's arguments arriving in many pieces, id and name only in the first. */
static const char call_stream[] =
	CHUNK("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
	      "\"id\":\"call_Abc123\",\"type\":\"function\",\"function\":{\"name\":\"execute_python\",\"arguments\":\"\"}}],"
	      "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"code\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\":\\\"\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"print('strawberry'\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\".count('r'))\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"}\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}")
	USAGE DONE;

static void test_tool_call_split_across_deltas(void **state)
{
	(void)state;
	expect_stream(call_stream,
		      "S0(call_Abc123,execute_python)A0({\"code\":\"print('strawberry'.count('r'))\"})STOP(tool_use)",
		      "tool_use");
	run x;
	decode(&x, 1, call_stream, strlen(call_stream), 1);
	assert_int_equal(x.finish_rc, 0);
	size_t n;
	const ai_call *c = ai_decoder_calls(x.d, &n);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].id, "call_Abc123");
	assert_string_equal(c[0].name, "execute_python");
	assert_string_equal(c[0].args, "{\"code\":\"print('strawberry'.count('r'))\"}");
	assert_string_equal(ai_decoder_text(x.d), "");
	run_free(&x);
}

/* Two parallel calls whose pieces interleave by index, after some text. */
static const char parallel_stream[] =
	CHUNK("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Both.\"},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_A\",\"type\":\"function\","
	      "\"function\":{\"name\":\"run_command\",\"arguments\":\"\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_B\",\"type\":\"function\","
	      "\"function\":{\"name\":\"read_file\",\"arguments\":\"{\\\"pa\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"command\\\":\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"th\\\":\\\"/a\\\"}\"}},"
	      "{\"index\":0,\"function\":{\"arguments\":\"\\\"ls\\\"}\"}}]},\"finish_reason\":null}")
	CHUNK("{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}")
	DONE;

static void test_parallel_calls_interleaved(void **state)
{
	(void)state;
	expect_stream(parallel_stream,
		      "T(Both.)S0(call_A,run_command)S1(call_B,read_file)A1({\"pa)A0({\"command\":)A1(th\":\"/a\"})"
		      "A0(\"ls\"})STOP(tool_use)",
		      "tool_use");
	run x;
	decode(&x, 1, parallel_stream, strlen(parallel_stream), 3);
	size_t n;
	const ai_call *c = ai_decoder_calls(x.d, &n);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].args, "{\"command\":\"ls\"}");
	assert_string_equal(c[1].id, "call_B");
	assert_string_equal(c[1].args, "{\"path\":\"/a\"}");
	run_free(&x);
}

static void test_error_event(void **state)
{
	(void)state;
	const char *s = CHUNK("{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}")
		"data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
		"\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
	run x;
	decode(&x, 1, s, strlen(s), 1);
	assert_int_equal(x.feed_rc, -1);
	assert_string_equal(x.e.msg, "The server had an error while processing your request. (server_error)");
	assert_string_equal(ai_decoder_text(x.d), "Hi");   /* what came before is kept */
	/* the decoder stays failed */
	assert_int_equal(ai_decoder_feed(x.d, "data: {}\n\n", 10, &x.e), -1);
	assert_int_equal(ai_decoder_finish(x.d, &x.e), -1);
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
	assert_null(ai_decoder_stop_reason(x.d));
	assert_int_equal(x.r.nstop, 0);
	run_free(&x);
}

static void test_truncated_streams(void **state)
{
	(void)state;
	/* cut inside a call's arguments, before any finish_reason */
	size_t cut = strlen(call_stream) / 2;
	char *half = strndup(call_stream, cut);
	expect_incomplete(half, "cut off before the turn finished");
	free(half);
	/* cut in the middle of a data line: that line is no event */
	run x;
	const char *third = strstr(strstr(strstr(text_stream, "data:") + 1, "data:") + 1, "data:");
	decode(&x, 1, text_stream, (size_t)(third - text_stream) + 50, 1);
	assert_int_equal(x.finish_rc, -1);
	assert_non_null(strstr(x.e.msg, "cut off before the turn finished"));
	assert_string_equal(ai_decoder_text(x.d), "There are ");   /* kept as far as it came */
	run_free(&x);
	/* [DONE] without a finish_reason */
	expect_incomplete(CHUNK("{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}") DONE,
			  "ended without a finish_reason");
	/* an empty body, and one that is no event stream at all */
	expect_incomplete("", "response was empty");
	expect_incomplete("{\"error\":{\"message\":\"nope\"}}\n", "no event stream");
}

/* Without [DONE] or usage but with a finish_reason the turn is whole. */
static void test_finish_reason_enough(void **state)
{
	(void)state;
	expect_stream(CHUNK("{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"length\"}"),
		      "T(ok)STOP(max_tokens)", "max_tokens");
	/* a server saying "stop" after tool calls still wants them run */
	expect_stream(CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":"
			    "{\"name\":\"run_command\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"stop\"}"),
		      "S0(c1,run_command)A0({})STOP(tool_use)", "tool_use");
	/* the mapping itself, without calls to fix it up */
	expect_stream(CHUNK("{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}"), "STOP(tool_use)", "tool_use");
	expect_stream(CHUNK("{\"index\":0,\"delta\":{},\"finish_reason\":\"function_call\"}"), "STOP(tool_use)",
		      "tool_use");
	/* an unknown reason passes through */
	expect_stream(CHUNK("{\"index\":0,\"delta\":{},\"finish_reason\":\"content_filter\"}"),
		      "STOP(content_filter)", "content_filter");
}

static void test_hostile_indices_and_types(void **state)
{
	(void)state;
	/* a huge index is a key, not an array size; a missing id is made up */
	expect_stream(CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1000000,"
			    "\"function\":{\"name\":\"run_command\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}")
		      CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":-5,\"id\":\"call_sbx_0\","
			    "\"function\":{\"name\":\"x\"}}]},\"finish_reason\":\"tool_calls\"}"),
		      "S0(call_sbx_0,run_command)A0({})S1(call_sbx_1,x)STOP(tool_use)", "tool_use");
	/* wrong types are ignored, not trusted */
	expect_stream(CHUNK("{\"index\":0,\"delta\":{\"content\":5,\"tool_calls\":{\"index\":0}},\"finish_reason\":null}")
		      CHUNK("\"junk\"") CHUNK("{\"index\":0,\"delta\":\"x\",\"finish_reason\":7}")
		      "data: {\"choices\":{}}\n\n"
		      CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[1,{\"index\":\"0\",\"id\":\"c\",\"function\":"
			    "{\"name\":[1],\"arguments\":{\"a\":1}}}]},\"finish_reason\":\"tool_calls\"}"),
		      "S0(c,)A0({\"a\":1})STOP(tool_use)", "tool_use");
	/* a duplicate or odd id is replaced, so results stay unambiguous */
	expect_stream(CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"same\",\"function\":"
			    "{\"name\":\"a\",\"arguments\":\"{}\"}},{\"index\":1,\"id\":\"same\",\"function\":"
			    "{\"name\":\"b\",\"arguments\":\"{}\"}},{\"index\":2,\"id\":\"bad id\\n\",\"function\":"
			    "{\"name\":\"c\"}}]},\"finish_reason\":\"tool_calls\"}"),
		      "S0(same,a)A0({})S1(call_sbx_1,b)A1({})S2(call_sbx_2,c)STOP(tool_use)", "tool_use");
	/* Ollama: each call of a batch complete at index 0 with its own id */
	expect_stream(CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":"
			    "{\"name\":\"a\",\"arguments\":\"{\\\"x\\\":1}\"}}]},\"finish_reason\":null}")
		      CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_2\",\"function\":"
			    "{\"name\":\"b\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}"),
		      "S0(call_1,a)A0({\"x\":1})S1(call_2,b)A1({})STOP(tool_use)", "tool_use");
	/* ...but a fresh id on a piece of an unfinished call is the same call */
	expect_stream(CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":"
			    "{\"name\":\"a\",\"arguments\":\"{\\\"x\\\"\"}}]},\"finish_reason\":null}")
		      CHUNK("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"function\":"
			    "{\"arguments\":\":1}\"}}]},\"finish_reason\":\"tool_calls\"}"),
		      "S0(call_1,a)A0({\"x\":1})STOP(tool_use)", "tool_use");
}

static void test_hostile_sizes(void **state)
{
	(void)state;
	/* more calls than a turn may have */
	sbx_buf b = SBX_BUF_INIT;
	for (int i = 0; i < 129; i++)
		buf_printf(&b, "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":%d,\"id\":\"c%d\","
			       "\"function\":{\"name\":\"a\"}}]}}]}\n\n", i * 7, i);
	run x;
	decode(&x, 1, b.data, b.len, 0);
	assert_int_equal(x.feed_rc, -1);
	assert_non_null(strstr(x.e.msg, "more than 128 tool calls"));
	assert_int_equal(x.r.nstart, 128);
	run_free(&x);
	/* a long name and a long unknown stop reason are clipped */
	buf_reset(&b);
	buf_puts(&b, "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"");
	for (int i = 0; i < 300; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "\"}}]},\"finish_reason\":\"");
	for (int i = 0; i < 100; i++)
		buf_putc(&b, 'r');
	buf_puts(&b, "\"}]}\n\n");
	decode(&x, 1, b.data, b.len, 0);
	assert_int_equal(x.finish_rc, 0);
	size_t n;
	const ai_call *c = ai_decoder_calls(x.d, &n);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(c[0].name), 256);
	assert_int_equal(strlen(ai_decoder_stop_reason(x.d)), 64);
	run_free(&x);
	/* text past the turn's limit, in 1 MiB deltas */
	buf_reset(&b);
	char *mib = malloc((1u << 20) + 1);
	memset(mib, 'a', 1u << 20);
	mib[1u << 20] = 0;
	for (int i = 0; i < 9; i++)
		buf_printf(&b, "data: {\"choices\":[{\"delta\":{\"content\":\"%s\"}}]}\n\n", mib);
	free(mib);
	decode(&x, 1, b.data, b.len, 0);
	assert_int_equal(x.feed_rc, -1);
	assert_non_null(strstr(x.e.msg, "larger than 8 MiB"));
	assert_int_equal(strlen(ai_decoder_text(x.d)), 8u << 20);
	run_free(&x);
	buf_free(&b);
}

static void test_non_streamed(void **state)
{
	(void)state;
	const char *body =
		"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{"
		"\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Running it.\",\"tool_calls\":[{\"id\":"
		"\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"execute_python\",\"arguments\":"
		"\"{\\\"code\\\":\\\"1+1\\\"}\"}},{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":"
		"\"run_command\",\"arguments\":{\"command\":\"ls\"}}}],\"refusal\":null},\"logprobs\":null,"
		"\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
	run x;
	decode(&x, 0, body, strlen(body), 10);
	assert_int_equal(x.finish_rc, 0);
	assert_string_equal(buf_cstr(&x.r.log), "T(Running it.)S0(call_1,execute_python)A0({\"code\":\"1+1\"})"
						"S1(call_2,run_command)A1({\"command\":\"ls\"})STOP(tool_use)");
	size_t n;
	const ai_call *c = ai_decoder_calls(x.d, &n);
	assert_int_equal(n, 2);
	assert_string_equal(c[1].args, "{\"command\":\"ls\"}");
	assert_string_equal(ai_decoder_stop_reason(x.d), "tool_use");
	run_free(&x);

	body = "{\"error\":{\"message\":\"model `gpt-5x` does not exist\",\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}}";
	decode(&x, 0, body, strlen(body), 0);
	assert_int_equal(x.finish_rc, -1);
	assert_string_equal(x.e.msg, "model `gpt-5x` does not exist (invalid_request_error)");
	run_free(&x);

	decode(&x, 0, "<html>502 Bad Gateway</html>", 28, 0);
	assert_int_equal(x.finish_rc, -1);
	assert_non_null(strstr(x.e.msg, "not its JSON (is the base URL right?): <html>502 Bad Gateway</html>"));
	run_free(&x);

	/* quoted as one line, bytes that are not UTF-8 shown as '?' */
	decode(&x, 0, "\xff\xc3x\r\n\xc3\xa9", 7, 0);
	assert_int_equal(x.finish_rc, -1);
	assert_non_null(strstr(x.e.msg, "right?): ??x  \xc3\xa9"));
	run_free(&x);

	body = "{\"choices\":[{\"message\":{\"content\":\"hi\"}}]}";
	decode(&x, 0, body, strlen(body), 0);
	assert_int_equal(x.finish_rc, -1);
	assert_non_null(strstr(x.e.msg, "no finish_reason"));
	run_free(&x);
}

static void test_error_text(void **state)
{
	(void)state;
	char out[64];
	const char *b = "{\"error\":{\"message\":\"Incorrect API key provided: bad-key.\",\"type\":"
			"\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}";
	ai_error_text(AI_KIND_OPENAI, 401, b, strlen(b), out, sizeof out);
	assert_string_equal(out, "Incorrect API key provided: bad-key.");
	b = "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}";   /* Ollama */
	ai_error_text(AI_KIND_OPENAI, 404, b, strlen(b), out, sizeof out);
	assert_string_equal(out, "model \"llama9\" not found, try pulling it first");
	ai_error_text(AI_KIND_OPENAI, 502, "<html>\n<h1>bad</h1>", 19, out, sizeof out);
	assert_string_equal(out, "HTTP 502 Bad Gateway");
	ai_error_text(AI_KIND_OPENAI, 599, NULL, 0, out, sizeof out);
	assert_string_equal(out, "HTTP 599");
	/* one line, clipped to the buffer, never mid UTF-8 sequence */
	b = "{\"error\":{\"message\":\"line one\\nline two \\u00e9\\u00e9\\u00e9\"}}";
	char small[21];
	ai_error_text(AI_KIND_OPENAI, 400, b, strlen(b), small, sizeof small);
	assert_string_equal(small, "line one line two \xc3\xa9");
	/* a body longer than len is not read past len */
	b = "{\"error\":{\"message\":\"x\"}}TRAILING";
	ai_error_text(AI_KIND_OPENAI, 400, b, strlen(b) - 8, out, sizeof out);
	assert_string_equal(out, "x");
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
	fuzz(call_stream, 1);
	fuzz(parallel_stream, 2);
	fuzz(text_stream, 3);
}

/* ---- requests ---- */

static const ai_tool_def tools[] = {
	{ "execute_python", "Run Python.", "{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\"}},\"required\":[\"code\"]}" },
	{ "run_command", "Run a command.", "{\"type\":\"object\"}" },
};

static ai_provider provider(const char *key)
{
	ai_provider p = { .name = "openai", .kind = AI_KIND_OPENAI, .base_url = "http://127.0.0.1:9/v1/",
			  .api_key = (char *)key, .key_env = "OPENAI_API_KEY", .model = "gpt-4o" };
	return p;
}

static void test_request_simple(void **state)
{
	(void)state;
	ai_provider p = provider(NULL);
	ai_conv c;
	ai_request r;
	sbx_err e;
	ai_conv_init(&c, NULL);
	ai_conv_add_user(&c, "hi");
	assert_int_equal(ai_request_build(&p, &c, NULL, 0, 0, &r, &e), 0);
	assert_string_equal(r.url, "http://127.0.0.1:9/v1/chat/completions");
	assert_string_equal(r.headers[0], "Content-Type: application/json");
	assert_null(r.headers[1]);   /* no key, no Authorization */
	assert_json(json_loads(r.body, 0, NULL),
		    "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false}");
	ai_request_free(&r);
	ai_conv_free(&c);
}

static void test_request_tools_and_results(void **state)
{
	(void)state;
	ai_provider p = provider("sk-test");
	ai_conv c;
	ai_request r;
	sbx_err e;
	ai_call calls[3] = { { "call_1", "execute_python", "{\"code\":\"1/0\"}" },
			     { "call_2", "run_command", "{not json" },
			     { "call_3", "run_command", "{\"command\":\"ls\"}" } };
	ai_conv_init(&c, "You run code.");
	ai_conv_add_user(&c, "go");
	ai_conv_add_assistant(&c, "", calls, 3);
	ai_conv_add_tool_result(&c, "call_3", "run_command", "a.csv", 0);   /* out of order */
	ai_conv_add_tool_result(&c, "call_1", "execute_python", "ZeroDivisionError", 1);
	/* call_2 is never answered (a run stopped); an orphan result follows */
	ai_conv_add_tool_result(&c, "call_zz", "x", "orphan", 0);
	ai_conv_add_user(&c, "and now?");
	ai_conv_add_assistant(&c, "", NULL, 0);   /* nothing said: left out */
	ai_conv_add_assistant(&c, "Done \xff.", NULL, 0);   /* bytes that are not UTF-8 */
	assert_int_equal(ai_request_build(&p, &c, tools, 2, 1, &r, &e), 0);
	assert_string_equal(r.headers[1], "Authorization: Bearer sk-test");
	assert_null(r.headers[2]);
	assert_json(json_loads(r.body, 0, NULL),
		    "{\"model\":\"gpt-4o\",\"messages\":["
		    "{\"role\":\"system\",\"content\":\"You run code.\"},"
		    "{\"role\":\"user\",\"content\":\"go\"},"
		    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
		    "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"execute_python\",\"arguments\":\"{\\\"code\\\":\\\"1/0\\\"}\"}},"
		    "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"run_command\",\"arguments\":\"{}\"}},"
		    "{\"id\":\"call_3\",\"type\":\"function\",\"function\":{\"name\":\"run_command\",\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\"}}]},"
		    "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"ZeroDivisionError\"},"
		    "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"no result: the run was stopped before this call ran\"},"
		    "{\"role\":\"tool\",\"tool_call_id\":\"call_3\",\"content\":\"a.csv\"},"
		    "{\"role\":\"user\",\"content\":\"and now?\"},"
		    "{\"role\":\"assistant\",\"content\":\"Done \xef\xbf\xbd.\"}],"
		    "\"stream\":true,\"stream_options\":{\"include_usage\":true},"
		    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"execute_python\",\"description\":\"Run Python.\","
		    "\"parameters\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\"}},\"required\":[\"code\"]}}},"
		    "{\"type\":\"function\",\"function\":{\"name\":\"run_command\",\"description\":\"Run a command.\","
		    "\"parameters\":{\"type\":\"object\"}}}]}");
	ai_request_free(&r);
	ai_conv_free(&c);
}

static void test_request_errors(void **state)
{
	(void)state;
	ai_provider p = provider("sk-1\r\nX-Evil: 1");
	ai_conv c;
	ai_request r;
	sbx_err e = { "" };
	ai_conv_init(&c, NULL);
	ai_conv_add_user(&c, "hi");
	assert_int_equal(ai_request_build(&p, &c, NULL, 0, 1, &r, &e), -1);
	assert_string_equal(e.msg, "the API key in OPENAI_API_KEY holds a control character (a line break?): set it again without one");
	p = provider(NULL);
	p.model = "";
	assert_int_equal(ai_request_build(&p, &c, NULL, 0, 1, &r, &e), -1);
	assert_non_null(strstr(e.msg, "provider openai has no model"));
	p = provider(NULL);
	ai_tool_def bad = { "t", "d", "[1]" };
	assert_int_equal(ai_request_build(&p, &c, &bad, 1, 1, &r, &e), -1);
	assert_string_equal(e.msg, "tool t: its parameters are not a JSON Schema object");
	ai_conv_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_stream),
		cmocka_unit_test(test_tool_call_split_across_deltas),
		cmocka_unit_test(test_parallel_calls_interleaved),
		cmocka_unit_test(test_error_event),
		cmocka_unit_test(test_truncated_streams),
		cmocka_unit_test(test_finish_reason_enough),
		cmocka_unit_test(test_hostile_indices_and_types),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_non_streamed),
		cmocka_unit_test(test_damaged_streams),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_request_simple),
		cmocka_unit_test(test_request_tools_and_results),
		cmocka_unit_test(test_request_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
