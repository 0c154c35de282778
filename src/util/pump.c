#include "pump.h"
#include "buf.h"
#include "xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* One direction: from src into buf, from buf out to dst. */
struct dir {
	int src, dst;
	sbx_buf buf;
	size_t off;       /* sent part of buf */
	int eof;          /* src said EOF */
	int shut;         /* dst was shut down for writing */
};

struct sbx_pump {
	sbx_loop *loop;
	int fd[2];
	struct dir d[2];  /* d[0]: fd[0] → fd[1]; d[1]: fd[1] → fd[0] */
	int failed;
	int64_t timer;    /* done is due */
	pump_done_cb done;
	void *ud;
};

static int64_t fire_done(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbx_pump *p = ud;
	p->timer = 0;
	p->done(p, p->ud);
	return -1;
}

static int dir_over(const struct dir *d)
{
	return d->shut;
}

static void update(sbx_pump *p)
{
	if (p->timer)
		return;
	if (p->failed || (dir_over(&p->d[0]) && dir_over(&p->d[1]))) {
		loop_set_mask(p->loop, p->fd[0], 0);
		loop_set_mask(p->loop, p->fd[1], 0);
		p->timer = loop_add_timer(p->loop, 0, fire_done, p);
		return;
	}
	for (int i = 0; i < 2; i++) {
		/* fd[i] reads for d[i] and writes for d[1 - i] */
		const struct dir *in = &p->d[i], *out = &p->d[1 - i];
		int mask = 0;
		if (!in->eof && in->buf.len - in->off < PUMP_BUF)
			mask |= LOOP_READ;
		if (out->buf.len > out->off)
			mask |= LOOP_WRITE;
		loop_set_mask(p->loop, p->fd[i], mask);
	}
}

static void flush(sbx_pump *p, struct dir *d)
{
	while (d->buf.len > d->off) {
		ssize_t n = send(d->dst, d->buf.data + d->off, d->buf.len - d->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				p->failed = 1;
			return;
		}
		d->off += (size_t)n;
	}
	buf_reset(&d->buf);
	d->off = 0;
	if (d->eof && !d->shut) {
		shutdown(d->dst, SHUT_WR);
		d->shut = 1;
	}
}

static void fill(sbx_pump *p, struct dir *d)
{
	char chunk[64 * 1024];
	while (!d->eof && d->buf.len - d->off < PUMP_BUF) {
		ssize_t n = recv(d->src, chunk, sizeof chunk, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				p->failed = 1;
			return;
		}
		if (n == 0)
			d->eof = 1;
		else
			buf_append(&d->buf, chunk, (size_t)n);
	}
}

static void on_fd(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)events;
	sbx_pump *p = ud;
	int i = fd == p->fd[0] ? 0 : 1;
	if (p->timer)
		return;
	fill(p, &p->d[i]);
	flush(p, &p->d[i]);
	flush(p, &p->d[1 - i]);
	update(p);
}

sbx_pump *pump_new(sbx_loop *l, int a, int b, const void *a_pre, size_t a_pre_len, const void *b_pre,
		   size_t b_pre_len, pump_done_cb done, void *ud)
{
	sbx_pump *p = xcalloc(1, sizeof *p);
	p->loop = l;
	p->fd[0] = a;
	p->fd[1] = b;
	p->done = done;
	p->ud = ud;
	p->d[0] = (struct dir){ .src = a, .dst = b };
	p->d[1] = (struct dir){ .src = b, .dst = a };
	for (int i = 0; i < 2; i++)
		fcntl(p->fd[i], F_SETFL, fcntl(p->fd[i], F_GETFL) | O_NONBLOCK);
	if (a_pre_len)
		buf_append(&p->d[0].buf, a_pre, a_pre_len);
	if (b_pre_len)
		buf_append(&p->d[1].buf, b_pre, b_pre_len);
	loop_add_fd(l, a, 0, on_fd, p);
	loop_add_fd(l, b, 0, on_fd, p);
	update(p);
	return p;
}

void pump_free(sbx_pump *p)
{
	if (!p)
		return;
	if (p->timer)
		loop_del_timer(p->loop, p->timer);
	loop_del_fd(p->loop, p->fd[0]);
	loop_del_fd(p->loop, p->fd[1]);
	buf_free(&p->d[0].buf);
	buf_free(&p->d[1].buf);
	free(p);
}
