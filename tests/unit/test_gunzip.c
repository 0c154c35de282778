/* Unit tests for the streaming gzip decoder (src/proto/gunzip.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "../../src/proto/gunzip.h"
#include "../../src/util/buf.h"

typedef struct sink {
	sbx_buf out;
	size_t stop_after;   /* fail the callback once this much came; 0: never */
} sink;

static int collect(const char *d, size_t n, void *ud)
{
	sink *s = ud;
	buf_append(&s->out, d, n);
	return s->stop_after && s->out.len >= s->stop_after ? -1 : 0;
}

/* data gzipped as one member; *len gets its size. */
static unsigned char *gz(const void *data, size_t n, size_t *len)
{
	z_stream z = { 0 };
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, n);
	unsigned char *out = malloc(cap);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Feeds body in pieces of step bytes; returns feed/finish's result. */
static int decode(const unsigned char *body, size_t len, size_t step, sink *s, sbx_err *e)
{
	gunzip *g = gunzip_new(collect, s);
	int rc = 0;
	for (size_t off = 0; off < len && rc == 0; off += step)
		rc = gunzip_feed(g, (const char *)body + off, len - off < step ? len - off : step, e);
	if (rc == 0)
		rc = gunzip_finish(g, e);
	gunzip_free(g);
	return rc;
}

/* A body bigger than the decoder's 64 KiB buffer, highly compressible, so
 * one input byte expands past a whole buffer. */
static void test_round_trip_in_any_chunking(void **state)
{
	(void)state;
	size_t n = 300 * 1024, zlen;
	char *data = malloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = i % 1000 < 900 ? 'z' : (char)(i * 7);
	unsigned char *body = gz(data, n, &zlen);
	size_t steps[] = { 1, 7, 4096, zlen };
	for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
		sink s = { 0 };
		sbx_err e = { { 0 } };
		assert_int_equal(decode(body, zlen, steps[k], &s, &e), 0);
		assert_int_equal(s.out.len, n);
		assert_memory_equal(s.out.data, data, n);
		buf_free(&s.out);
	}
	free(body);
	free(data);
}

static void test_concatenated_members_are_one_stream(void **state)
{
	(void)state;
	size_t la, lb;
	unsigned char *a = gz("first,", 6, &la), *b = gz("second", 6, &lb);
	unsigned char *both = malloc(la + lb);
	memcpy(both, a, la);
	memcpy(both + la, b, lb);
	sink s = { 0 };
	sbx_err e;
	assert_int_equal(decode(both, la + lb, 3, &s, &e), 0);
	assert_int_equal(s.out.len, 12);
	assert_memory_equal(s.out.data, "first,second", 12);
	buf_free(&s.out);
	free(a), free(b), free(both);
}

static void test_empty_file_is_fine_but_an_empty_body_is_not(void **state)
{
	(void)state;
	size_t len;
	unsigned char *body = gz("", 0, &len);
	sink s = { 0 };
	sbx_err e;
	assert_int_equal(decode(body, len, len, &s, &e), 0);
	assert_int_equal(s.out.len, 0);
	assert_int_equal(decode(body, 0, 1, &s, &e), -1);
	assert_non_null(strstr(e.msg, "ended early"));
	buf_free(&s.out);
	free(body);
}

static void test_truncated_and_corrupt_bodies_fail(void **state)
{
	(void)state;
	size_t len;
	unsigned char *body = gz("some text that is long enough", 29, &len);
	sink s = { 0 };
	sbx_err e;
	assert_int_equal(decode(body, len - 4, 5, &s, &e), -1);   /* no trailer */
	assert_non_null(strstr(e.msg, "ended early"));
	body[len - 5] ^= 0xff;   /* the CRC no longer matches */
	assert_int_equal(decode(body, len, len, &s, &e), -1);
	assert_non_null(strstr(e.msg, "malformed"));
	assert_int_equal(decode((const unsigned char *)"plain text, not gzip", 20, 20, &s, &e), -1);
	assert_non_null(strstr(e.msg, "malformed"));
	buf_free(&s.out);
	free(body);
}

static void test_receiver_can_stop_it(void **state)
{
	(void)state;
	size_t n = 200 * 1024, len;
	char *data = calloc(1, n);
	unsigned char *body = gz(data, n, &len);
	sink s = { .stop_after = 1 };
	gunzip *g = gunzip_new(collect, &s);
	sbx_err e = { { 0 } };
	assert_int_equal(gunzip_feed(g, (const char *)body, len, &e), -1);
	assert_int_equal(gunzip_stopped_by_receiver(g), 1);
	assert_int_equal(e.msg[0], 0);          /* the receiver's failure, not ours */
	assert_true(s.out.len <= 64 * 1024);    /* it stopped at the first piece */
	assert_int_equal(gunzip_feed(g, "x", 1, &e), -1);
	gunzip_free(g);
	buf_free(&s.out);
	free(body);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_in_any_chunking),
		cmocka_unit_test(test_concatenated_members_are_one_stream),
		cmocka_unit_test(test_empty_file_is_fine_but_an_empty_body_is_not),
		cmocka_unit_test(test_truncated_and_corrupt_bodies_fail),
		cmocka_unit_test(test_receiver_can_stop_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
