/* gunzip: zlib's inflate in gzip mode, reset for each member. */
#include "gunzip.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

struct gunzip {
	z_stream z;
	gunzip_out out;
	void *ud;
	int in_member;   /* a member has begun and not yet ended */
	int members;     /* members completed */
	int stopped;     /* the receiver stopped us */
	int failed;
};

gunzip *gunzip_new(gunzip_out out, void *ud)
{
	gunzip *g = xcalloc(1, sizeof *g);
	g->out = out;
	g->ud = ud;
	/* 16 + MAX_WBITS: a gzip header and trailer, not zlib's or raw deflate.
	 * It fails only for want of memory. */
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
		fprintf(stderr, "sbx: out of memory starting a gzip decoder\n");
		abort();
	}
	return g;
}

static int fail(gunzip *g, sbx_err *e)
{
	if (g->stopped)
		return -1;
	return sbx_error(e, "the gzip body is malformed (%s): send it uncompressed or encode it again",
			 g->z.msg ? g->z.msg : "bad data");
}

int gunzip_feed(gunzip *g, const char *data, size_t len, sbx_err *e)
{
	if (g->failed)
		return fail(g, e);
	unsigned char buf[64 * 1024];
	g->z.next_in = (unsigned char *)data;
	g->z.avail_in = 0;
	int full = 0;   /* the last inflate filled buf: it may hold more */
	for (;;) {
		/* avail_in is a uInt: a huge chunk goes in slices. */
		if (g->z.avail_in == 0 && !full) {
			if (len == 0)
				return 0;
			size_t n = len > (1u << 30) ? (1u << 30) : len;
			g->z.avail_in = (uInt)n;
			len -= n;
		}
		g->z.next_out = buf;
		g->z.avail_out = sizeof buf;
		int rc = inflate(&g->z, Z_NO_FLUSH);
		size_t got = sizeof buf - g->z.avail_out;
		full = g->z.avail_out == 0;
		if (got && g->out((const char *)buf, got, g->ud) < 0) {
			g->failed = g->stopped = 1;
			return -1;
		}
		if (rc == Z_STREAM_END) {
			g->members++;
			g->in_member = 0;
			inflateReset(&g->z);   /* for a following member, if any */
		} else if (rc == Z_OK || rc == Z_BUF_ERROR) {
			/* Z_BUF_ERROR: no progress without more input (the output
			 * buffer is always fresh). */
			if (g->z.total_in > 0)
				g->in_member = 1;
			if (rc == Z_BUF_ERROR && g->z.avail_in == 0 && len == 0)
				return 0;
		} else {
			g->failed = 1;
			return fail(g, e);
		}
	}
}

int gunzip_finish(gunzip *g, sbx_err *e)
{
	if (g->failed)
		return fail(g, e);
	if (g->in_member || g->members == 0)
		return sbx_error(e, "the gzip body ended early (a truncated upload?): send it again");
	return 0;
}

int gunzip_stopped_by_receiver(const gunzip *g)
{
	return g->stopped;
}

void gunzip_free(gunzip *g)
{
	if (!g)
		return;
	inflateEnd(&g->z);
	free(g);
}
