/* sse: events cut anywhere across feeds, each line ending, the skipped
 * fields, and the line limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/ai/sse.h"
#include "../../src/util/buf.h"

/* Every event as "[name]data|" (name "-" when none). */
typedef struct rec {
	sbx_buf log;
	int n;
	int fail_at;   /* return -1 on this event (1-based); 0: never */
} rec;

static int on_event(const char *event, const char *data, size_t len, void *ud, sbx_err *e)
{
	rec *r = ud;
	r->n++;
	assert_int_equal(strlen(data), len);
	buf_printf(&r->log, "[%s]", event ? event : "-");
	buf_append(&r->log, data, len);
	buf_putc(&r->log, '|');
	if (r->fail_at == r->n)
		return sbx_error(e, "stop at %d", r->n);
	return 0;
}

/* Feeds s in pieces of step bytes (0: all at once), then finishes. */
static char *parse(const char *s, size_t step)
{
	sse_parser p;
	rec r = { SBX_BUF_INIT, 0, 0 };
	sbx_err e;
	sse_init(&p);
	size_t len = strlen(s);
	if (!step)
		step = len ? len : 1;
	for (size_t i = 0; i < len; i += step) {
		size_t k = len - i < step ? len - i : step;
		assert_int_equal(sse_feed(&p, s + i, k, on_event, &r, &e), 0);
	}
	assert_int_equal(sse_finish(&p, on_event, &r, &e), 0);
	sse_free(&p);
	return buf_detach(&r.log);
}

/* The same result whichever way the bytes are cut. */
static void expect_all_splits(const char *s, const char *want)
{
	for (size_t step = 0; step <= 7; step++) {
		char *got = parse(s, step);
		if (strcmp(got, want))
			fail_msg("step %zu: got %s want %s", step, got, want);
		free(got);
	}
}

static void test_openai_style_stream(void **state)
{
	(void)state;
	expect_all_splits("data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n",
			  "[-]{\"a\":1}|[-]{\"b\":2}|[-][DONE]|");
}

static void test_anthropic_style_named_events(void **state)
{
	(void)state;
	expect_all_splits("event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
			  "event: ping\ndata: {\"type\": \"ping\"}\n\n"
			  "event: content_block_delta\ndata: {\"x\":\"y\"}\n\n",
			  "[message_start]{\"type\":\"message_start\"}|[ping]{\"type\": \"ping\"}|"
			  "[content_block_delta]{\"x\":\"y\"}|");
}

static void test_crlf_and_cr_line_ends(void **state)
{
	(void)state;
	/* CRLF split between feeds must not make an extra blank line */
	expect_all_splits("event: a\r\ndata: 1\r\n\r\ndata: 2\r\rdata: 3\n\r\n",
			  "[a]1|[-]2|[-]3|");
	/* a lone CR at the very end of a feed, the LF in the next */
	sse_parser p;
	rec r = { SBX_BUF_INIT, 0, 0 };
	sse_init(&p);
	assert_int_equal(sse_feed(&p, "data: x\r", 8, on_event, &r, NULL), 0);
	assert_int_equal(sse_feed(&p, "\n", 1, on_event, &r, NULL), 0);
	assert_int_equal(r.n, 0);   /* CR LF is one line end, no event yet */
	assert_int_equal(sse_feed(&p, "\r\n", 2, on_event, &r, NULL), 0);
	assert_int_equal(r.n, 1);
	sse_free(&p);
	buf_free(&r.log);
}

static void test_multiline_data_and_fields(void **state)
{
	(void)state;
	expect_all_splits(": comment\nid: 7\nretry: 100\ndata: one\ndata:two\ndata\ndata:  three\nfoo: bar\n\n",
			  "[-]one\ntwo\n\n three|");
}

static void test_event_without_data_not_dispatched(void **state)
{
	(void)state;
	/* the name does not leak into the next event either */
	expect_all_splits("event: lonely\n\n: only a comment\n\ndata: d\n\n", "[-]d|");
	/* an empty data line is data */
	expect_all_splits("data:\n\n", "[-]|");
}

static void test_finish_dispatches_unterminated_event(void **state)
{
	(void)state;
	expect_all_splits("data: a\n\ndata: tail", "[-]a|[-]tail|");
	expect_all_splits("event: e\ndata: b\n", "[e]b|");
}

static void test_utf8_split(void **state)
{
	(void)state;
	expect_all_splits("data: \xc3\xa9t\xc3\xa9 \xe2\x82\xac\n\n", "[-]\xc3\xa9t\xc3\xa9 \xe2\x82\xac|");
}

static void test_line_limit(void **state)
{
	(void)state;
	sse_parser p;
	rec r = { SBX_BUF_INIT, 0, 0 };
	sbx_err e = { "" };
	sse_init(&p);
	p.max_line = 16;
	assert_int_equal(sse_feed(&p, "data: 0123456789\n\n", 18, on_event, &r, &e), 0);   /* 16: fits */
	assert_int_equal(r.n, 1);
	/* 17 bytes arriving in pieces, no line end */
	assert_int_equal(sse_feed(&p, "data: 01234", 11, on_event, &r, &e), 0);
	assert_int_equal(sse_feed(&p, "567890", 6, on_event, &r, &e), -1);
	assert_non_null(strstr(e.msg, "longer than 16 bytes"));
	sse_free(&p);
	/* many short data lines make one event too long */
	sse_init(&p);
	p.max_line = 16;
	e.msg[0] = 0;
	const char *s = "data: 12345\ndata: 12345\ndata: 12345\n";
	assert_int_equal(sse_feed(&p, s, strlen(s), on_event, &r, &e), -1);
	assert_non_null(strstr(e.msg, "longer than 16 bytes"));
	assert_int_equal(r.n, 1);
	sse_free(&p);
	buf_free(&r.log);
}

static void test_callback_error_stops(void **state)
{
	(void)state;
	sse_parser p;
	rec r = { SBX_BUF_INIT, 0, 1 };
	sbx_err e = { "" };
	sse_init(&p);
	const char *s = "data: 1\n\ndata: 2\n\n";
	assert_int_equal(sse_feed(&p, s, strlen(s), on_event, &r, &e), -1);
	assert_int_equal(r.n, 1);
	assert_string_equal(e.msg, "stop at 1");
	sse_free(&p);
	buf_free(&r.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openai_style_stream),
		cmocka_unit_test(test_anthropic_style_named_events),
		cmocka_unit_test(test_crlf_and_cr_line_ends),
		cmocka_unit_test(test_multiline_data_and_fields),
		cmocka_unit_test(test_event_without_data_not_dispatched),
		cmocka_unit_test(test_finish_dispatches_unterminated_event),
		cmocka_unit_test(test_utf8_split),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_callback_error_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
