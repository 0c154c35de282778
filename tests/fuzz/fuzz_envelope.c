/* libFuzzer: the Connect envelope decoder over arbitrary bytes, whole and
 * split at a fuzzer-chosen point (src/proto/connect.c). */
#include "../../src/proto/connect.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t limit = data[0] * 64u;       /* small limits reach the oversize path */
	size_t split = data[1] % size;
	data += 2;
	size -= 2;
	if (split > size)
		split = size;

	/* One-shot decode must agree with the reader fed in two pieces. */
	size_t off = 0, frames = 0;
	connect_frame f;
	sbx_err e;
	int rc;
	while ((rc = connect_decode(data + off, size - off, limit, &f, &e)) == CONNECT_FRAME) {
		if (f.len > limit || f.consumed != CONNECT_HDR_LEN + f.len || f.consumed > size - off)
			abort();
		off += f.consumed;
		frames++;
	}

	connect_reader r;
	size_t got = 0;
	int rrc = CONNECT_NEED_MORE;
	connect_reader_init(&r, limit);
	connect_reader_feed(&r, data, split);
	while ((rrc = connect_reader_next(&r, &f, &e)) == CONNECT_FRAME)
		got++;
	if (rrc != CONNECT_BAD) {
		connect_reader_feed(&r, data + split, size - split);
		while ((rrc = connect_reader_next(&r, &f, &e)) == CONNECT_FRAME) {
			if (f.len)
				(void)memchr(f.data, 0, f.len);   /* touch every payload byte */
			got++;
		}
	}
	if (rc == CONNECT_NEED_MORE && (rrc != CONNECT_NEED_MORE || got != frames ||
					connect_reader_pending(&r) != size - off))
		abort();
	connect_reader_free(&r);

	/* Re-encoding the first frame gives back its bytes. */
	if (frames) {
		connect_decode(data, size, limit, &f, &e);
		sbx_buf b = SBX_BUF_INIT;
		connect_envelope(&b, f.flags, f.data, f.len);
		if (b.len != f.consumed || memcmp(b.data, data, b.len))
			abort();
		buf_free(&b);
	}
	return 0;
}
