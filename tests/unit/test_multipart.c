/* Unit tests for the streaming multipart parser (src/proto/multipart.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/multipart.h"
#include "../../src/util/buf.h"

/* Every event as text: "[name|filename|ctype]" on begin, the raw bytes, "<end>". */
typedef struct rec {
	sbx_buf log;
	int stop_at_begin;   /* stop at this part_begin (1-based); 0: never */
	int begins;
} rec;

static void put_opt(sbx_buf *b, const char *s)
{
	buf_puts(b, s ? s : "-");
}

static int on_begin(const mp_part *p, void *ud)
{
	rec *r = ud;
	r->begins++;
	buf_putc(&r->log, '[');
	put_opt(&r->log, p->name);
	buf_putc(&r->log, '|');
	put_opt(&r->log, p->filename);
	buf_putc(&r->log, '|');
	put_opt(&r->log, p->content_type);
	buf_putc(&r->log, ']');
	return r->stop_at_begin && r->begins == r->stop_at_begin ? -1 : 0;
}

static int on_data(const char *d, size_t n, void *ud)
{
	rec *r = ud;
	assert_true(n > 0);   /* never called with nothing */
	buf_append(&r->log, d, n);
	return 0;
}

static int on_end(void *ud)
{
	buf_puts(&((rec *)ud)->log, "<end>");
	return 0;
}

static const mp_callbacks cbs = { on_begin, on_data, on_end };

/* Parse body fed at the given split points (sorted, within len); returns
 * 0/-1 and fills r->log and e. */
static int parse_split(const char *boundary, const char *body, size_t len, const size_t *cuts,
		       size_t ncuts, rec *r, sbx_err *e)
{
	buf_init(&r->log);
	r->begins = 0;
	mp_parser *p = mp_new(boundary, &cbs, r, e);
	assert_non_null(p);
	size_t at = 0;
	int rc = 0;
	for (size_t i = 0; i <= ncuts && rc == 0; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		rc = mp_feed(p, body + at, to - at, e);
		at = to;
	}
	if (rc == 0)
		rc = mp_finish(p, e);
	mp_free(p);
	return rc;
}

static int parse_all(const char *boundary, const char *body, size_t len, rec *r, sbx_err *e)
{
	return parse_split(boundary, body, len, NULL, 0, r, e);
}

static void expect_log(rec *r, const char *want, size_t wantlen)
{
	if (r->log.len != wantlen || memcmp(buf_cstr(&r->log), want, wantlen) != 0)
		fail_msg("log [%.*s] != want [%.*s]", (int)r->log.len, buf_cstr(&r->log), (int)wantlen, want);
}

/* The body captured from undici (e2b@2.51.0, files.write of 'data"x'). */
static const char undici_ct[] = "multipart/form-data; boundary=----formdata-undici-069736562368";
static const char undici_body[] =
	"------formdata-undici-069736562368\r\n"
	"Content-Disposition: form-data; name=\"file\"; filename=\"/home/user/a.txt\"\r\n"
	"Content-Type: application/octet-stream\r\n"
	"\r\n"
	"data\"x\r\n"
	"------formdata-undici-069736562368--\r\n";
static const char undici_want[] = "[file|/home/user/a.txt|application/octet-stream]data\"x<end>";

/* Captured multi-file write: write([{path:'/p/1.txt'},{path:'/p/2.txt'}]). */
static const char two_body[] =
	"------formdata-undici-031384525998\r\n"
	"Content-Disposition: form-data; name=\"file\"; filename=\"/p/1.txt\"\r\n"
	"Content-Type: application/octet-stream\r\n"
	"\r\n"
	"1\r\n"
	"------formdata-undici-031384525998\r\n"
	"Content-Disposition: form-data; name=\"file\"; filename=\"/p/2.txt\"\r\n"
	"Content-Type: application/octet-stream\r\n"
	"\r\n"
	"2\r\n"
	"------formdata-undici-031384525998--\r\n";
static const char two_want[] =
	"[file|/p/1.txt|application/octet-stream]1<end>[file|/p/2.txt|application/octet-stream]2<end>";

static void test_undici_capture(void **state)
{
	(void)state;
	sbx_err e;
	char *b = mp_boundary_from_content_type(undici_ct, &e);
	assert_non_null(b);
	assert_string_equal(b, "----formdata-undici-069736562368");
	rec r;
	assert_int_equal(parse_all(b, undici_body, sizeof undici_body - 1, &r, &e), 0);
	expect_log(&r, undici_want, sizeof undici_want - 1);
	buf_free(&r.log);
	free(b);
}

static void test_two_files(void **state)
{
	(void)state;
	sbx_err e;
	rec r;
	assert_int_equal(parse_all("----formdata-undici-031384525998", two_body, sizeof two_body - 1, &r, &e), 0);
	expect_log(&r, two_want, sizeof two_want - 1);
	buf_free(&r.log);
}

/* Two chunks, cut at every offset; then one byte at a time. */
static void split_everywhere(const char *boundary, const char *body, size_t len, const char *want,
			     size_t wantlen)
{
	sbx_err e;
	rec r;
	for (size_t cut = 0; cut <= len; cut++) {
		if (parse_split(boundary, body, len, &cut, 1, &r, &e) != 0)
			fail_msg("cut at %zu: %s", cut, e.msg);
		expect_log(&r, want, wantlen);
		buf_free(&r.log);
	}
	size_t *cuts = malloc(len * sizeof *cuts);
	for (size_t i = 0; i < len; i++)
		cuts[i] = i;
	assert_int_equal(parse_split(boundary, body, len, cuts, len, &r, &e), 0);
	expect_log(&r, want, wantlen);
	buf_free(&r.log);
	free(cuts);
}

static void test_split_every_offset(void **state)
{
	(void)state;
	split_everywhere("----formdata-undici-069736562368", undici_body, sizeof undici_body - 1, undici_want,
			 sizeof undici_want - 1);
	split_everywhere("----formdata-undici-031384525998", two_body, sizeof two_body - 1, two_want,
			 sizeof two_want - 1);
}

/* Every pair of cut points on a body full of near-boundaries. */
static void test_split_pairs_tricky(void **state)
{
	(void)state;
	static const char body[] =
		"--xb\r\n\r\n"                                  /* part 1: no headers */
		"\r\n--x\r\r\n--xa\r\n-\r\n--x"                 /* its data: near-delimiters */
		"\r\n--xb\r\n\r\n"                              /* part 2: no headers */
		"\r\n--xb--";                                   /* empty data, close */
	static const char want[] = "[-|-|-]\r\n--x\r\r\n--xa\r\n-\r\n--x<end>[-|-|-]<end>";
	size_t len = sizeof body - 1;
	sbx_err e;
	rec r;
	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i; j <= len; j++) {
			size_t cuts[2] = { i, j };
			if (parse_split("xb", body, len, cuts, 2, &r, &e) != 0)
				fail_msg("cuts %zu,%zu: %s", i, j, e.msg);
			expect_log(&r, want, sizeof want - 1);
			buf_free(&r.log);
		}
	}
}

static void test_quoted_boundary(void **state)
{
	(void)state;
	sbx_err e;
	char *b = mp_boundary_from_content_type("Multipart/Form-Data ; charset=utf-8; BOUNDARY=\"a b:c=d\" ; x=y", &e);
	assert_non_null(b);
	assert_string_equal(b, "a b:c=d");
	static const char body[] =
		"--a b:c=d\r\nContent-Disposition: form-data; name=\"file\"; filename=\"q.txt\"\r\n\r\n"
		"hello\r\n--a b:c=d--\r\n";
	static const char want[] = "[file|q.txt|-]hello<end>";
	rec r;
	assert_int_equal(parse_all(b, body, sizeof body - 1, &r, &e), 0);
	expect_log(&r, want, sizeof want - 1);
	buf_free(&r.log);
	free(b);

	b = mp_boundary_from_content_type("multipart/form-data;boundary=abc;x=1", &e);
	assert_string_equal(b, "abc");
	free(b);
	b = mp_boundary_from_content_type("multipart/form-data; boundary=\"q\\\"x\"", &e);
	assert_string_equal(b, "q\"x");
	free(b);
}

static void test_bad_content_types(void **state)
{
	(void)state;
	sbx_err e;
	assert_null(mp_boundary_from_content_type(NULL, &e));
	assert_null(mp_boundary_from_content_type("application/json", &e));
	assert_non_null(strstr(e.msg, "not multipart"));
	assert_null(mp_boundary_from_content_type("multipart/form-data", &e));
	assert_non_null(strstr(e.msg, "no boundary"));
	assert_null(mp_boundary_from_content_type("multipart/form-data; boundary=\"abc", &e));
	assert_non_null(strstr(e.msg, "malformed"));
	assert_null(mp_boundary_from_content_type("multipart/form-data; boundary", &e));
	assert_null(mp_new("", &cbs, NULL, &e));
	assert_null(mp_new("a\r\nb", &cbs, NULL, &e));
	char big[300];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_null(mp_new(big, &cbs, NULL, &e));
}

static void test_crlf_and_lookalikes_in_data(void **state)
{
	(void)state;
	static const char body[] =
		"preamble, ignored\r\n"
		"--B\t \r\n"                                    /* transport padding */
		"content-disposition: form-data; name=x\r\n"
		"X-Other: folded\r\n continued\r\n"
		"\r\n"
		"\r\n\r\n--\r\n--b\r\n-B\r\n--\r\n-\r\r\n\r"    /* data: CRLFs, near-delimiters */
		"\r\n--B--\r\n"
		"epilogue --B\r\n ignored";
	static const char want[] = "[x|-|-]\r\n\r\n--\r\n--b\r\n-B\r\n--\r\n-\r\r\n\r<end>";
	split_everywhere("B", body, sizeof body - 1, want, sizeof want - 1);

	/* CRLF "--B" inside data is a delimiter, whatever follows it. */
	static const char bad[] = "--B\r\n\r\ndata\r\n--B-\r\nmore\r\n--B--";
	sbx_err e;
	rec r;
	assert_int_equal(parse_all("B", bad, sizeof bad - 1, &r, &e), -1);
	assert_non_null(strstr(e.msg, "junk after a boundary"));
	buf_free(&r.log);
}

static void test_binary_data(void **state)
{
	(void)state;
	sbx_buf body = SBX_BUF_INIT, want = SBX_BUF_INIT;
	unsigned char bin[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof bin; i++) {
		x = x * 1103515245u + 12345u;
		bin[i] = i < 256 ? (unsigned char)i : (unsigned char)(x >> 16);
		if (i % 97 == 0)
			bin[i] = '\r';
		if (i % 97 == 1)
			bin[i] = '\n';
	}
	buf_puts(&body, "--bin\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.bin\"\r\n"
			"Content-Type: application/octet-stream\r\n\r\n");
	buf_append(&body, bin, sizeof bin);
	buf_puts(&body, "\r\n--bin\r\nContent-Disposition: form-data; name=\"file\"; filename=\"empty\"\r\n\r\n"
			"\r\n--bin--");
	buf_puts(&want, "[file|b.bin|application/octet-stream]");
	buf_append(&want, bin, sizeof bin);
	buf_puts(&want, "<end>[file|empty|-]<end>");
	sbx_err e;
	rec r;
	assert_int_equal(parse_all("bin", body.data, body.len, &r, &e), 0);
	expect_log(&r, want.data, want.len);
	buf_free(&r.log);
	/* Odd-sized chunks. */
	size_t cuts[64], n = 0;
	for (size_t at = 7; at < body.len && n < 64; at += 97 + n)
		cuts[n++] = at;
	assert_int_equal(parse_split("bin", body.data, body.len, cuts, n, &r, &e), 0);
	expect_log(&r, want.data, want.len);
	buf_free(&r.log);
	buf_free(&body);
	buf_free(&want);
}

static void test_filename_forms(void **state)
{
	(void)state;
	static const char body[] =
		"--z\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"; filename*=UTF-8''%C3%A9t%C3%A9%20x.txt\r\n\r\n"
		"1\r\n--z\r\nContent-Disposition: form-data; name=file; filename=\"dir\\\\sub\\\"q\"\r\n\r\n"
		"2\r\n--z\r\nContent-Disposition: form-data; name=\"file\"; filename*=bogus''x; filename=\"keep\"\r\n\r\n"
		"3\r\n--z\r\n\r\nno headers\r\n--z--";
	static const char want[] =
		"[file|\xc3\xa9t\xc3\xa9 x.txt|-]1<end>[file|dir\\sub\"q|-]2<end>[file|keep|-]3<end>[-|-|-]no headers<end>";
	sbx_err e;
	rec r;
	assert_int_equal(parse_all("z", body, sizeof body - 1, &r, &e), 0);
	expect_log(&r, want, sizeof want - 1);
	buf_free(&r.log);
}

/* Inputs that must fail, with a word of the expected message. */
static void expect_fail(const char *boundary, const char *body, size_t len, const char *word)
{
	sbx_err e;
	rec r;
	e.msg[0] = '\0';
	if (parse_all(boundary, body, len, &r, &e) != -1)
		fail_msg("accepted [%.*s]", (int)len, body);
	if (!strstr(e.msg, word))
		fail_msg("message [%s] lacks [%s]", e.msg, word);
	buf_free(&r.log);
	/* Byte by byte gives the same verdict. */
	size_t *cuts = malloc((len + 1) * sizeof *cuts);
	for (size_t i = 0; i < len; i++)
		cuts[i] = i;
	assert_int_equal(parse_split(boundary, body, len, cuts, len, &r, &e), -1);
	assert_non_null(strstr(e.msg, word));
	buf_free(&r.log);
	free(cuts);
}

#define FAIL(b, s, w) expect_fail(b, s, sizeof s - 1, w)

static void test_malformed(void **state)
{
	(void)state;
	FAIL("b", "", "no boundary line");
	FAIL("b", "hello world, no boundary here", "no boundary line");
	FAIL("b", "--other\r\n\r\ndata\r\n--other--", "no boundary line");
	FAIL("b", "--bX\r\n\r\ndata\r\n--b--", "junk after a boundary");
	FAIL("b", "--b\rX", "not ended by CRLF");
	FAIL("b", "--b-x", "junk after a boundary");
	FAIL("b", "--b\r\nno colon here\r\n\r\ndata\r\n--b--", "malformed part header");
	FAIL("b", "--b\r\n: empty name\r\n\r\ndata\r\n--b--", "malformed part header");
	FAIL("b", "--b\r\nContent-Disposition: form-data; name=\"file\r\n\r\nx\r\n--b--", "malformed Content-Disposition");
	FAIL("b", "--b\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--b--", "malformed Content-Disposition");
	FAIL("b", "--b\r\nX: a\0b\r\n\r\nx\r\n--b--", "NUL byte");
	/* Truncated at every stage. */
	FAIL("b", "--b", "truncated");
	FAIL("b", "--b\r\n", "truncated");
	FAIL("b", "--b\r\nContent-Type: x\r\n", "truncated");
	FAIL("b", "--b\r\nContent-Type: x\r\n\r\npartial da", "truncated");
	FAIL("b", "--b\r\n\r\ndata\r\n--", "truncated");
	FAIL("b", "--b\r\n\r\ndata\r\n--b", "truncated");
	FAIL("b", "--b\r\n\r\ndata\r\n--b\r\n", "truncated");
	FAIL("b", "--b\r\n\r\ndata\r\n--b-", "truncated");
	FAIL("b", "--b\r\n\r\ndata\r\n--b \t", "truncated");
}

static void test_header_limit(void **state)
{
	(void)state;
	sbx_buf body = SBX_BUF_INIT;
	buf_puts(&body, "--b\r\nX-Big: ");
	for (int i = 0; i < 20000; i++)
		buf_putc(&body, 'a');
	buf_puts(&body, "\r\n\r\nx\r\n--b--");
	sbx_err e;
	rec r;
	assert_int_equal(parse_all("b", body.data, body.len, &r, &e), -1);
	assert_non_null(strstr(e.msg, "16 KiB"));
	buf_free(&r.log);
	buf_free(&body);
}

static void test_stop_and_sticky_error(void **state)
{
	(void)state;
	sbx_err e;
	rec r = { .stop_at_begin = 2 };
	buf_init(&r.log);
	mp_parser *p = mp_new("----formdata-undici-031384525998", &cbs, &r, &e);
	assert_int_equal(mp_feed(p, two_body, sizeof two_body - 1, &e), -1);
	assert_true(mp_stopped_by_receiver(p));
	assert_int_equal(mp_feed(p, "more", 4, &e), -1);
	assert_int_equal(mp_finish(p, &e), -1);
	assert_non_null(strstr(e.msg, "stopped by the receiver"));
	mp_free(p);
	buf_free(&r.log);

	rec r2 = { 0 };
	buf_init(&r2.log);
	p = mp_new("b", &cbs, &r2, &e);
	assert_int_equal(mp_feed(p, "--bX", 4, &e), -1);
	assert_false(mp_stopped_by_receiver(p));
	assert_int_equal(mp_feed(p, "\r\n\r\nx\r\n--b--", 12, &e), -1);
	assert_non_null(strstr(e.msg, "junk"));
	mp_free(p);
	buf_free(&r2.log);
}

static void test_epilogue_and_zero_parts(void **state)
{
	(void)state;
	sbx_err e;
	rec r;
	static const char body[] = "--b--\r\nanything at all --b\r\n";
	assert_int_equal(parse_all("b", body, sizeof body - 1, &r, &e), 0);
	assert_int_equal(r.log.len, 0);
	buf_free(&r.log);
	/* Callbacks are optional. */
	mp_callbacks none = { NULL, NULL, NULL };
	mp_parser *p = mp_new("----formdata-undici-031384525998", &none, NULL, &e);
	assert_int_equal(mp_feed(p, two_body, sizeof two_body - 1, &e), 0);
	assert_int_equal(mp_finish(p, &e), 0);
	mp_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_undici_capture),
		cmocka_unit_test(test_two_files),
		cmocka_unit_test(test_split_every_offset),
		cmocka_unit_test(test_split_pairs_tricky),
		cmocka_unit_test(test_quoted_boundary),
		cmocka_unit_test(test_bad_content_types),
		cmocka_unit_test(test_crlf_and_lookalikes_in_data),
		cmocka_unit_test(test_binary_data),
		cmocka_unit_test(test_filename_forms),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_header_limit),
		cmocka_unit_test(test_stop_and_sticky_error),
		cmocka_unit_test(test_epilogue_and_zero_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
