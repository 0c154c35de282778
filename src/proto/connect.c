#include "connect.h"
#include "jsontext.h"
#include "../util/xalloc.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void connect_envelope(sbx_buf *out, uint8_t flags, const void *data, size_t len)
{
	unsigned char h[CONNECT_HDR_LEN] = {
		flags, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
		(unsigned char)(len >> 8), (unsigned char)len,
	};
	buf_append(out, h, sizeof h);
	buf_append(out, data, len);
}

int connect_decode(const void *data, size_t len, size_t limit, connect_frame *f, sbx_err *e)
{
	const unsigned char *p = data;
	if (len < CONNECT_HDR_LEN)
		return CONNECT_NEED_MORE;
	uint32_t n = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
	if (p[0] & CONNECT_FLAG_COMPRESSED) {
		sbx_error(e, "protocol error: compressed envelopes are not supported; send uncompressed JSON");
		return CONNECT_BAD;
	}
	if (n > limit) {
		sbx_error(e, "protocol error: envelope of %u bytes exceeds the limit of %zu bytes", n, limit);
		return CONNECT_BAD;
	}
	if (len - CONNECT_HDR_LEN < n)
		return CONNECT_NEED_MORE;
	f->flags = p[0];
	f->data = (const char *)p + CONNECT_HDR_LEN;
	f->len = n;
	f->consumed = CONNECT_HDR_LEN + (size_t)n;
	return CONNECT_FRAME;
}

void connect_reader_init(connect_reader *r, size_t limit)
{
	buf_init(&r->buf);
	r->limit = limit;
	r->off = 0;
	r->returned = 0;
}

void connect_reader_free(connect_reader *r)
{
	buf_free(&r->buf);
}

/* A returned frame is consumed lazily so that its pointers stay valid until
 * the caller comes back.  Consumed frames only move the offset: a feed of
 * many frames must not shift the buffer once per frame. */
static void drop_returned(connect_reader *r)
{
	r->off += r->returned;
	r->returned = 0;
	if (r->off == r->buf.len) {
		buf_reset(&r->buf);
		r->off = 0;
	}
}

void connect_reader_feed(connect_reader *r, const void *data, size_t len)
{
	drop_returned(r);
	if (r->off) {   /* what is left is at most one incomplete frame */
		buf_consume(&r->buf, r->off);
		r->off = 0;
	}
	buf_append(&r->buf, data, len);
}

int connect_reader_next(connect_reader *r, connect_frame *f, sbx_err *e)
{
	drop_returned(r);
	const char *at = r->buf.data ? r->buf.data + r->off : NULL;
	int rc = connect_decode(at, r->buf.len - r->off, r->limit, f, e);
	if (rc == CONNECT_FRAME)
		r->returned = f->consumed;
	return rc;
}

size_t connect_reader_pending(const connect_reader *r)
{
	return r->buf.len - r->off - r->returned;
}

char *connect_end_json(const char *code, const char *message)
{
	if (!code)
		return xstrdup("{}");
	char *err = json_error_connect(code, message);
	char *s = xasprintf("{\"error\":%s}", err);
	free(err);
	return s;
}

void connect_end_frame(sbx_buf *out, const char *code, const char *message)
{
	char *s = connect_end_json(code, message);
	connect_envelope(out, CONNECT_FLAG_END, s, strlen(s));
	free(s);
}

static const struct {
	const char *code;
	int status;
} codes[] = {
	{ "canceled", 499 },           { "unknown", 500 },
	{ "invalid_argument", 400 },   { "deadline_exceeded", 504 },
	{ "not_found", 404 },          { "already_exists", 409 },
	{ "permission_denied", 403 },  { "resource_exhausted", 429 },
	{ "failed_precondition", 400 }, { "aborted", 409 },
	{ "out_of_range", 400 },       { "unimplemented", 501 },
	{ "internal", 500 },           { "unavailable", 503 },
	{ "data_loss", 500 },          { "unauthenticated", 401 },
};

int connect_code_status(const char *code)
{
	for (size_t i = 0; code && i < sizeof codes / sizeof codes[0]; i++)
		if (!strcmp(codes[i].code, code))
			return codes[i].status;
	return 500;
}

int connect_code_known(const char *code)
{
	for (size_t i = 0; code && i < sizeof codes / sizeof codes[0]; i++)
		if (!strcmp(codes[i].code, code))
			return 1;
	return 0;
}
