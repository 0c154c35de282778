/*
 * libFuzzer target for the streaming gzip decoder (Content-Encoding: gzip
 * uploads).
 *
 * Input: one byte that picks the chunk sizes, then the body.  The body is
 * decoded twice — in one piece and in chunks — and both runs must reach the
 * same verdict and, on success, the same bytes.  Output past 1 MiB stops
 * the decoding (a small body may inflate to gigabytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/gunzip.h"
#include "../../src/util/buf.h"

#define CAP (1024 * 1024)

static int collect(const char *d, size_t n, void *ud)
{
	sbx_buf *b = ud;
	if (n == 0)
		abort();   /* output callbacks always carry bytes */
	buf_append(b, d, n);
	return b->len > CAP ? -1 : 0;
}

static int run(const uint8_t *body, size_t len, unsigned seed, sbx_buf *out)
{
	sbx_err e;
	gunzip *g = gunzip_new(collect, out);
	int rc = 0;
	size_t at = 0, step = seed ? seed : len;
	while (at < len && rc == 0) {
		size_t n = len - at < step ? len - at : step;
		rc = gunzip_feed(g, (const char *)body + at, n, &e);
		at += n;
		step = step % 13 + 1;   /* vary the cuts: 1..13 bytes */
	}
	if (rc == 0)
		rc = gunzip_finish(g, &e);
	gunzip_free(g);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned seed = data[0] % 17;
	sbx_buf whole = SBX_BUF_INIT, chunked = SBX_BUF_INIT;
	int rc1 = run(data + 1, size - 1, 0, &whole);
	int rc2 = run(data + 1, size - 1, seed, &chunked);
	if (rc1 != rc2)
		abort();
	if (rc1 == 0 && (whole.len != chunked.len || (whole.len && memcmp(whole.data, chunked.data, whole.len))))
		abort();
	buf_free(&whole);
	buf_free(&chunked);
	return 0;
}
