/* Connect envelope codec, end-stream frames and code mapping (src/proto/connect.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/connect.h"

static void test_encode(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	connect_envelope(&b, 0, "{}", 2);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "\x00\x00\x00\x00\x02{}", 7);
	buf_reset(&b);
	/* The captured WatchDir request: 0x26 = 38 bytes. */
	const char *req = "{\"path\":\"/home/user\",\"recursive\":true}";
	connect_envelope(&b, 0, req, strlen(req));
	assert_memory_equal(b.data, "\x00\x00\x00\x00\x26", 5);
	assert_memory_equal(b.data + 5, req, strlen(req));
	buf_reset(&b);
	/* Big-endian length across all four bytes. */
	char *big = calloc(1, 0x01020304);
	connect_envelope(&b, 2, big, 0x01020304);
	assert_memory_equal(b.data, "\x02\x01\x02\x03\x04", 5);
	free(big);
	buf_free(&b);
}

static void test_decode_one(void **state)
{
	(void)state;
	connect_frame f;
	sbx_err e;
	const char in[] = "\x00\x00\x00\x00\x02{}rest";
	assert_int_equal(connect_decode(in, sizeof in - 1, 100, &f, &e), CONNECT_FRAME);
	assert_int_equal(f.flags, 0);
	assert_int_equal(f.len, 2);
	assert_memory_equal(f.data, "{}", 2);
	assert_int_equal(f.consumed, 7);
	/* Every proper prefix needs more. */
	for (size_t n = 0; n < 7; n++)
		assert_int_equal(connect_decode(in, n, 100, &f, &e), CONNECT_NEED_MORE);
	/* Empty payloads are frames too. */
	assert_int_equal(connect_decode("\x02\x00\x00\x00\x00", 5, 100, &f, &e), CONNECT_FRAME);
	assert_int_equal(f.flags, 2);
	assert_int_equal(f.len, 0);
}

static void test_decode_errors(void **state)
{
	(void)state;
	connect_frame f;
	sbx_err e;
	/* Compressed: rejected even before the payload is in. */
	assert_int_equal(connect_decode("\x01\x00\x00\x00\x05", 5, 100, &f, &e), CONNECT_BAD);
	assert_non_null(strstr(e.msg, "compressed"));
	assert_int_equal(connect_decode("\x03\x00\x00\x00\x00", 5, 100, &f, &e), CONNECT_BAD);
	/* Oversized: rejected on the header alone. */
	assert_int_equal(connect_decode("\x00\x00\x00\x00\x65", 5, 100, &f, &e), CONNECT_BAD);
	assert_non_null(strstr(e.msg, "101 bytes"));
	assert_int_equal(connect_decode("\x00\xff\xff\xff\xff", 5, 1 << 20, &f, &e), CONNECT_BAD);
	/* At the limit is fine. */
	assert_int_equal(connect_decode("\x00\x00\x00\x00\x64", 5, 100, &f, &e), CONNECT_NEED_MORE);
}

static void test_reader_splits(void **state)
{
	(void)state;
	sbx_buf stream = SBX_BUF_INIT;
	connect_envelope(&stream, 0, "{\"a\":1}", 7);
	connect_envelope(&stream, 0, "", 0);
	connect_envelope(&stream, 0, "{\"event\":{\"keepalive\":{}}}", 26);
	connect_end_frame(&stream, NULL, NULL);
	/* Feed with every chunk size from 1 to the whole stream. */
	for (size_t step = 1; step <= stream.len; step++) {
		connect_reader r;
		connect_frame f;
		sbx_err e;
		int got = 0;
		connect_reader_init(&r, 1024);
		for (size_t off = 0; off < stream.len; off += step) {
			size_t n = stream.len - off < step ? stream.len - off : step;
			connect_reader_feed(&r, stream.data + off, n);
			int rc;
			while ((rc = connect_reader_next(&r, &f, &e)) == CONNECT_FRAME) {
				switch (got++) {
				case 0: assert_int_equal(f.len, 7); assert_memory_equal(f.data, "{\"a\":1}", 7); break;
				case 1: assert_int_equal(f.len, 0); break;
				case 2: assert_int_equal(f.len, 26); break;
				case 3: assert_int_equal(f.flags, CONNECT_FLAG_END);
					assert_memory_equal(f.data, "{}", 2); break;
				default: fail();
				}
			}
			assert_int_equal(rc, CONNECT_NEED_MORE);
		}
		assert_int_equal(got, 4);
		assert_int_equal(connect_reader_pending(&r), 0);
		connect_reader_free(&r);
	}
	buf_free(&stream);
}

static void test_reader_truncated(void **state)
{
	(void)state;
	connect_reader r;
	connect_frame f;
	sbx_err e;
	connect_reader_init(&r, 1024);
	connect_reader_feed(&r, "\x00\x00\x00\x00\x02{}\x00\x00\x00\x00\x05{\"a\"", 14);
	assert_int_equal(connect_reader_next(&r, &f, &e), CONNECT_FRAME);
	assert_int_equal(connect_reader_next(&r, &f, &e), CONNECT_NEED_MORE);
	/* At EOF, leftover bytes mean a truncated envelope. */
	assert_int_equal(connect_reader_pending(&r), 7);
	connect_reader_free(&r);

	connect_reader_init(&r, 4);
	connect_reader_feed(&r, "\x00\x00\x00\x00\x05", 5);
	assert_int_equal(connect_reader_next(&r, &f, &e), CONNECT_BAD);
	connect_reader_free(&r);
}

static void test_end_stream(void **state)
{
	(void)state;
	char *s = connect_end_json(NULL, NULL);
	assert_string_equal(s, "{}");
	free(s);
	s = connect_end_json("not_found", "process with pid 7 not found");
	assert_string_equal(s, "{\"error\":{\"code\":\"not_found\",\"message\":\"process with pid 7 not found\"}}");
	free(s);
	/* Quotes and control characters are escaped. */
	s = connect_end_json("internal", "a \"b\"\n");
	assert_string_equal(s, "{\"error\":{\"code\":\"internal\",\"message\":\"a \\\"b\\\"\\n\"}}");
	free(s);
	/* Invalid UTF-8 in a message still yields a frame with the code. */
	s = connect_end_json("internal", "bad \xff");
	assert_non_null(strstr(s, "\"code\":\"internal\""));
	free(s);

	sbx_buf b = SBX_BUF_INIT;
	connect_end_frame(&b, NULL, NULL);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "\x02\x00\x00\x00\x02{}", 7);
	buf_reset(&b);
	connect_end_frame(&b, "not_found", "process with pid 7 not found");
	/* The example of docs/protocol.md §3.2: length 0x47. */
	assert_memory_equal(b.data, "\x02\x00\x00\x00\x47", 5);
	buf_free(&b);
}

static void test_codes(void **state)
{
	(void)state;
	static const struct {
		const char *code;
		int status;
	} want[] = {
		{ "canceled", 499 }, { "unknown", 500 }, { "invalid_argument", 400 },
		{ "deadline_exceeded", 504 }, { "not_found", 404 }, { "already_exists", 409 },
		{ "permission_denied", 403 }, { "resource_exhausted", 429 },
		{ "failed_precondition", 400 }, { "aborted", 409 }, { "out_of_range", 400 },
		{ "unimplemented", 501 }, { "internal", 500 }, { "unavailable", 503 },
		{ "data_loss", 500 }, { "unauthenticated", 401 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(connect_code_status(want[i].code), want[i].status);
		assert_true(connect_code_known(want[i].code));
	}
	assert_int_equal(connect_code_status("bogus"), 500);
	assert_int_equal(connect_code_status(NULL), 500);
	assert_false(connect_code_known("bogus"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode_one),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_reader_splits),
		cmocka_unit_test(test_reader_truncated),
		cmocka_unit_test(test_end_stream),
		cmocka_unit_test(test_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
