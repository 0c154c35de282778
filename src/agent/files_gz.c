#include "files_gz.h"
#include "agent.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define GZ_READ (64 * 1024)     /* file bytes compressed per step */
#define GZ_HIGH (256 * 1024)    /* stop while this much is unsent ... */
#define GZ_LOW (64 * 1024)      /* ... and go on at this or below */

typedef struct gz_send {
	http_req *r;
	int fd;
	z_stream z;
	unsigned char in[GZ_READ];
	unsigned char out[GZ_READ];
} gz_send;

static void gz_free(gz_send *g)
{
	deflateEnd(&g->z);
	if (g->fd >= 0)
		close(g->fd);
	free(g);
}

static void on_close(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	gz_free(ud);
}

/* Compresses what is in g->z's input (all of it; flush Z_FINISH at the end)
 * into the answer.  -1 on a zlib failure. */
static int deflate_out(gz_send *g, int flush)
{
	int rc;
	do {
		g->z.next_out = g->out;
		g->z.avail_out = sizeof g->out;
		rc = deflate(&g->z, flush);
		if (rc == Z_STREAM_ERROR)
			return -1;
		size_t n = sizeof g->out - g->z.avail_out;
		if (n)
			http_stream_write(g->r, g->out, n);
	} while (g->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return 0;
}

static void pump(http_req *r, void *ud)
{
	gz_send *g = ud;
	(void)r;
	while (http_stream_pending(g->r) <= GZ_HIGH) {
		ssize_t n = read(g->fd, g->in, sizeof g->in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_warn("files: reading a file for a gzip download failed: %s", strerror(errno));
			http_stream_abort(g->r);   /* the client must not take a short file for the whole */
			return;
		}
		g->z.next_in = g->in;
		g->z.avail_in = (uInt)n;
		if (deflate_out(g, n == 0 ? Z_FINISH : Z_NO_FLUSH) < 0) {
			log_warn("files: gzip encoding failed");
			http_stream_abort(g->r);
			return;
		}
		if (n == 0) {
			http_stream_end(g->r);
			return;
		}
	}
	http_stream_notify_low(g->r, GZ_LOW, pump, g);
}

void files_gz_send(http_req *r, const char *ctype, int fd)
{
	gz_send *g = xcalloc(1, sizeof *g);
	g->r = r;
	g->fd = fd;
	/* windowBits 15 + 16: a gzip wrapper, as Content-Encoding: gzip wants. */
	if (deflateInit2(&g->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		close(fd);
		agent_rest_error(r, 500, "cannot start gzip encoding (out of memory?)");
		return;
	}
	http_req_on_close(r, on_close, g);
	http_req_add_header(r, "Content-Encoding", "gzip");
	http_req_add_header(r, "Vary", "Accept-Encoding");
	http_stream_begin(r, 200, ctype);
	pump(r, g);
}
