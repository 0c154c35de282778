/*
 * libFuzzer target for the multipart parser.
 *
 * Input: one byte that picks the chunk sizes, then a Content-Type line up to
 * '\n', then the body.  The body is parsed twice — in one piece and in
 * chunks — and both runs must report the same parts, bytes and verdict: the
 * parser's result may not depend on how the network cut the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/multipart.h"
#include "../../src/util/buf.h"

static void put(sbx_buf *b, const char *tag, const char *s)
{
	buf_puts(b, tag);
	if (s) {
		buf_puts(b, s);
		buf_putc(b, '\0');   /* a separator no header string contains */
	}
}

static int on_begin(const mp_part *p, void *ud)
{
	sbx_buf *b = ud;
	put(b, "[n", p->name);
	put(b, "f", p->filename);
	put(b, "c", p->content_type);
	return 0;
}

static int on_data(const char *d, size_t n, void *ud)
{
	if (n == 0)
		abort();   /* data callbacks always carry bytes */
	buf_append(ud, d, n);
	return 0;
}

static int on_end(void *ud)
{
	buf_puts(ud, "]");
	return 0;
}

static const mp_callbacks cbs = { on_begin, on_data, on_end };

static int run(const char *boundary, const uint8_t *body, size_t len, unsigned seed, sbx_buf *log)
{
	sbx_err e;
	mp_parser *p = mp_new(boundary, &cbs, log, &e);
	if (!p)
		return -2;
	int rc = 0;
	size_t at = 0, step = seed ? seed : len;
	while (at < len && rc == 0) {
		size_t n = len - at < step ? len - at : step;
		rc = mp_feed(p, (const char *)body + at, n, &e);
		at += n;
		step = step % 13 + 1;   /* vary the cuts: 1..13 bytes */
	}
	if (rc == 0)
		rc = mp_finish(p, &e);
	mp_free(p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned seed = data[0] % 17;
	const uint8_t *nl = memchr(data + 1, '\n', size - 1);
	if (!nl)
		return 0;
	char *ct = strndup((const char *)data + 1, (size_t)(nl - data - 1));
	sbx_err e;
	char *boundary = mp_boundary_from_content_type(ct, &e);
	free(ct);
	if (!boundary)
		return 0;
	const uint8_t *body = nl + 1;
	size_t len = size - (size_t)(body - data);
	sbx_buf whole = SBX_BUF_INIT, chunked = SBX_BUF_INIT;
	int rc1 = run(boundary, body, len, 0, &whole);
	int rc2 = run(boundary, body, len, seed, &chunked);
	/* On error the parts seen so far may differ by where the error was met,
	 * but the verdict may not; on success everything must match. */
	if (rc1 != rc2)
		abort();
	if (rc1 == 0 && (whole.len != chunked.len || (whole.len && memcmp(whole.data, chunked.data, whole.len))))
		abort();
	buf_free(&whole);
	buf_free(&chunked);
	free(boundary);
	return 0;
}
