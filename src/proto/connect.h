/*
 * connect: the Connect protocol's wire pieces (docs/protocol.md §3.2).
 *
 * Streams carry envelopes: flags (1 byte) | length (uint32 BE) | payload.
 * Flag 0x02 marks the final end-stream frame, whose payload is
 * {} or {"error":{"code","message"}}; flag 0x01 (compressed) is never used
 * by E2B's clients and is rejected.  Pure functions, no I/O.
 */
#ifndef SBX_CONNECT_H
#define SBX_CONNECT_H
#include <stddef.h>
#include <stdint.h>
#include "../util/buf.h"
#include "../util/err.h"

#define CONNECT_HDR_LEN 5
#define CONNECT_FLAG_COMPRESSED 0x01
#define CONNECT_FLAG_END 0x02

/* Appends one envelope to out. */
void connect_envelope(sbx_buf *out, uint8_t flags, const void *data, size_t len);

typedef struct connect_frame {
	uint8_t flags;
	const char *data;   /* points into the decoded buffer */
	size_t len;
	size_t consumed;    /* header + payload: drop this much to reach the next frame */
} connect_frame;

enum { CONNECT_NEED_MORE = 0, CONNECT_FRAME = 1, CONNECT_BAD = -1 };

/* Looks at the front of data[0..len).  CONNECT_FRAME fills f; CONNECT_NEED_MORE
 * means the envelope is incomplete (feed more, or it is truncated at EOF);
 * CONNECT_BAD (with e) for a compressed frame or a payload over limit bytes. */
int connect_decode(const void *data, size_t len, size_t limit, connect_frame *f, sbx_err *e);

/* Incremental reader over arbitrary splits of a byte stream. */
typedef struct connect_reader {
	sbx_buf buf;
	size_t limit;
	size_t off;        /* bytes of buf already consumed */
	size_t returned;   /* bytes of the frame last returned, dropped on the next call */
} connect_reader;

void connect_reader_init(connect_reader *r, size_t limit);
void connect_reader_free(connect_reader *r);
void connect_reader_feed(connect_reader *r, const void *data, size_t len);
/* Like connect_decode on the buffered bytes.  The frame stays valid until the
 * next feed/next call; the reader consumes it on the following call. */
int connect_reader_next(connect_reader *r, connect_frame *f, sbx_err *e);
/* Bytes buffered and not yet returned as frames (non-zero at EOF: truncated). */
size_t connect_reader_pending(const connect_reader *r);

/* End-stream payload: {} when code is NULL, else {"error":{"code","message"}}.
 * Returns a heap string. */
char *connect_end_json(const char *code, const char *message);
/* Appends the 0x02 end-stream envelope. */
void connect_end_frame(sbx_buf *out, const char *code, const char *message);

/* Connect error code → HTTP status (unknown codes → 500). */
int connect_code_status(const char *code);
/* 1 when code is one of the 16 Connect codes. */
int connect_code_known(const char *code);

#endif
