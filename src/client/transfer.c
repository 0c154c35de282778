/*
 * transfer: envd's /files, streamed.  Downloads write each piece to the fd
 * as it arrives; uploads read the fd only while less than HIGH bytes wait
 * to be sent (a prepare hook re-arms the fd), so memory stays bounded
 * whatever the file's size.
 */
#include "fs.h"
#include "client_int.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HIGH (1024 * 1024)
#define LOW (256 * 1024)
#define CHUNK (128 * 1024)

typedef struct xfer {
	sbx_loop *loop;
	sbx_op *op;
	int fd;
	int watching, eof, prepared;
	int64_t done, total;
	sbx_progress_cb progress;
	sbx_done_cb cb;
	void *ud;
} xfer;

static char *files_url(const sbx_sandbox *sb, const char *path)
{
	sbx_buf b = SBX_BUF_INIT;
	buf_printf(&b, "%s/files?path=", sb->envd_url);
	url_query_enc(&b, path);
	if (sb->user) {
		buf_puts(&b, "&username=");
		url_query_enc(&b, sb->user);
	}
	return buf_detach(&b);
}

static int prepare(sbx_loop *l, void *ud);

static void xfer_free(void *p)
{
	xfer *x = p;
	if (x->watching)
		loop_del_fd(x->loop, x->fd);
	if (x->prepared)
		loop_del_prepare(x->loop, prepare, x);
	free(x);
}

static void fin(sbx_op *op, const sbx_err *e)
{
	xfer *x = op->ctx;
	if (!e && x->progress)
		x->progress(x->done, x->total >= 0 ? x->total : x->done, x->ud);
	x->cb(e, x->ud);
}

/* --- download -------------------------------------------------------------- */

static void dl_headers_progress(xfer *x, sbx_op *op)
{
	if (x->total < 0 && op->content_length >= 0)
		x->total = op->content_length;
}

static void dl_data(sbx_op *op, const char *data, size_t len)
{
	xfer *x = op->ctx;
	dl_headers_progress(x, op);
	while (len) {
		ssize_t n = write(x->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			op_fail(op, "cannot %s: writing it out failed: %s", op->what, strerror(errno));
			return;
		}
		data += n;
		len -= (size_t)n;
		x->done += n;
	}
	if (x->progress)
		x->progress(x->done, x->total, x->ud);
}

int transfer_download(sbx_client *c, const char *what, const char *url, const char *const *headers, int fd,
		      sbx_progress_cb progress, sbx_done_cb cb, void *ud, sbx_op **out)
{
	op_spec sp = { .what = what, .kind = OP_PLAIN, .method = "GET", .url = url, .headers = headers, .stream = 1 };
	sbx_op *op = op_start(c, &sp);
	xfer *x = xcalloc(1, sizeof *x);
	x->loop = c->loop;
	x->fd = fd;
	x->total = -1;
	x->progress = progress;
	x->cb = cb;
	x->ud = ud;
	op->ctx = x;
	op->ctx_free = xfer_free;
	op->on_data = dl_data;
	op->on_finish = fin;
	op_out(out, op);
	return 0;
}

int sbx_files_read(sbx_client *c, const sbx_sandbox *sb, const char *path, int fd, sbx_progress_cb progress,
		   sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	if (!path || !*path)
		return sbx_error(e, "cannot download: no path given");
	char *url = files_url(sb, path), what[1200];
	char **h = sbx_sandbox_headers(sb, SBX_PORT_ENVD, NULL);
	snprintf(what, sizeof what, "download %s", path);
	transfer_download(c, what, url, (const char *const *)h, fd, progress, cb, ud, out);
	free(url);
	sbx_strv_free(h);
	return 0;
}

/* --- upload ---------------------------------------------------------------- */

static void on_readable(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)events;
	xfer *x = ud;
	sbx_op *op = x->op;
	char buf[CHUNK];
	if (!op->call)
		return;
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		loop_del_fd(x->loop, x->fd);
		x->watching = 0;
		op_fail(op, "cannot %s: reading the source failed: %s", op->what, strerror(errno));
		return;
	}
	if (n == 0) {
		x->eof = 1;
		loop_del_fd(x->loop, x->fd);
		x->watching = 0;
		http_call_end_body(op->call);
		return;
	}
	http_call_write(op->call, buf, (size_t)n);
	x->done += n;
	if (x->progress)
		x->progress(x->done, x->total, x->ud);
	if (http_call_pending(op->call) >= HIGH)
		loop_set_mask(x->loop, x->fd, 0);
}

static int prepare(sbx_loop *l, void *ud)
{
	xfer *x = ud;
	if (x->watching && !x->eof && x->op->call && http_call_pending(x->op->call) < LOW)
		loop_set_mask(l, x->fd, LOOP_READ);
	return -1;
}

int transfer_upload(sbx_client *c, const char *what, const char *method, const char *url,
		    const char *const *headers, int fd, int64_t size, sbx_progress_cb progress, sbx_done_cb cb,
		    void *ud, sbx_op **out)
{
	op_spec sp = { .what = what, .kind = OP_PLAIN, .method = method, .url = url, .headers = headers,
		       .stream_body = 1 };
	sbx_op *op = op_start(c, &sp);
	xfer *x = xcalloc(1, sizeof *x);
	x->loop = c->loop;
	x->op = op;
	x->fd = fd;
	x->total = size;
	x->progress = progress;
	x->cb = cb;
	x->ud = ud;
	op->ctx = x;
	op->ctx_free = xfer_free;
	op->on_finish = fin;
	loop_add_fd(c->loop, fd, LOOP_READ, on_readable, x);
	x->watching = 1;
	loop_add_prepare(c->loop, prepare, x);
	x->prepared = 1;
	op_out(out, op);
	return 0;
}

int sbx_files_write(sbx_client *c, const sbx_sandbox *sb, const char *path, int fd, int64_t size,
		    sbx_progress_cb progress, sbx_done_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	if (!path || !*path)
		return sbx_error(e, "cannot upload: no destination path given");
	char *url = files_url(sb, path), what[1200];
	const char *extra[] = { "Content-Type: application/octet-stream", NULL };
	char **h = sbx_sandbox_headers(sb, SBX_PORT_ENVD, extra);
	snprintf(what, sizeof what, "upload %s", path);
	transfer_upload(c, what, "POST", url, (const char *const *)h, fd, size, progress, cb, ud, out);
	free(url);
	sbx_strv_free(h);
	return 0;
}
