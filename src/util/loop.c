#include "loop.h"
#include "timeutil.h"
#include "xalloc.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

struct fdw {
	int fd;
	int mask;
	loop_fd_cb cb;
	void *ud;
	int dead;
};

struct timer {
	int64_t id;
	int64_t when;
	loop_timer_cb cb;
	void *ud;
	int dead;
};

struct prep {
	loop_prepare_cb cb;
	void *ud;
	int dead;
};

struct sbx_loop {
	struct fdw *fds;
	size_t nfds, capfds;
	struct timer *timers;
	size_t ntimers, captimers;
	struct prep *preps;
	size_t npreps, cappreps;
	int64_t next_id;
	int stop;
	int dispatching;    /* deleted entries are compacted when 0 */
};

sbx_loop *loop_new(void)
{
	sbx_loop *l = xcalloc(1, sizeof *l);
	l->next_id = 1;
	return l;
}

void loop_free(sbx_loop *l)
{
	if (!l)
		return;
	free(l->fds);
	free(l->timers);
	free(l->preps);
	free(l);
}

static struct fdw *find_fd(sbx_loop *l, int fd)
{
	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd && !l->fds[i].dead)
			return &l->fds[i];
	return NULL;
}

void loop_add_fd(sbx_loop *l, int fd, int mask, loop_fd_cb cb, void *ud)
{
	struct fdw *w = find_fd(l, fd);
	if (!w) {
		if (l->nfds == l->capfds) {
			l->capfds = l->capfds ? l->capfds * 2 : 16;
			l->fds = xrealloc(l->fds, l->capfds * sizeof *l->fds);
		}
		w = &l->fds[l->nfds++];
	}
	*w = (struct fdw){ .fd = fd, .mask = mask, .cb = cb, .ud = ud };
}

void loop_set_mask(sbx_loop *l, int fd, int mask)
{
	struct fdw *w = find_fd(l, fd);
	if (w)
		w->mask = mask;
}

void loop_del_fd(sbx_loop *l, int fd)
{
	struct fdw *w = find_fd(l, fd);
	if (w)
		w->dead = 1;
}

int64_t loop_add_timer(sbx_loop *l, int64_t ms, loop_timer_cb cb, void *ud)
{
	if (l->ntimers == l->captimers) {
		l->captimers = l->captimers ? l->captimers * 2 : 16;
		l->timers = xrealloc(l->timers, l->captimers * sizeof *l->timers);
	}
	int64_t id = l->next_id++;
	l->timers[l->ntimers++] = (struct timer){ .id = id, .when = now_ms() + ms, .cb = cb, .ud = ud };
	return id;
}

void loop_del_timer(sbx_loop *l, int64_t id)
{
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id)
			l->timers[i].dead = 1;
}

void loop_add_prepare(sbx_loop *l, loop_prepare_cb cb, void *ud)
{
	if (l->npreps == l->cappreps) {
		l->cappreps = l->cappreps ? l->cappreps * 2 : 8;
		l->preps = xrealloc(l->preps, l->cappreps * sizeof *l->preps);
	}
	l->preps[l->npreps++] = (struct prep){ .cb = cb, .ud = ud };
}

void loop_del_prepare(sbx_loop *l, loop_prepare_cb cb, void *ud)
{
	for (size_t i = 0; i < l->npreps; i++)
		if (l->preps[i].cb == cb && l->preps[i].ud == ud)
			l->preps[i].dead = 1;
}

static void compact(sbx_loop *l)
{
	size_t j = 0;
	for (size_t i = 0; i < l->nfds; i++)
		if (!l->fds[i].dead)
			l->fds[j++] = l->fds[i];
	l->nfds = j;
	j = 0;
	for (size_t i = 0; i < l->ntimers; i++)
		if (!l->timers[i].dead)
			l->timers[j++] = l->timers[i];
	l->ntimers = j;
	j = 0;
	for (size_t i = 0; i < l->npreps; i++)
		if (!l->preps[i].dead)
			l->preps[j++] = l->preps[i];
	l->npreps = j;
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int loop_once(sbx_loop *l, int timeout_ms)
{
	l->dispatching++;
	/* Prepare hooks may add more hooks; iterate by index over a fixed count. */
	size_t np = l->npreps;
	for (size_t i = 0; i < np; i++)
		if (!l->preps[i].dead)
			timeout_ms = min_timeout(timeout_ms, l->preps[i].cb(l, l->preps[i].ud));
	l->dispatching--;
	if (!l->dispatching)
		compact(l);

	int64_t now = now_ms();
	for (size_t i = 0; i < l->ntimers; i++) {
		int64_t d = l->timers[i].when - now;
		timeout_ms = min_timeout(timeout_ms, d < 0 ? 0 : (int)(d > 86400000 ? 86400000 : d));
	}

	size_t n = l->nfds;
	struct pollfd *pfd = n ? xcalloc(n, sizeof *pfd) : NULL;
	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = l->fds[i].mask ? l->fds[i].fd : -1;
		pfd[i].events = (short)((l->fds[i].mask & LOOP_READ ? POLLIN : 0) |
					(l->fds[i].mask & LOOP_WRITE ? POLLOUT : 0) |
					(l->fds[i].mask & LOOP_RDHUP ? POLLRDHUP : 0));
	}
	int rc = poll(pfd, n, timeout_ms);
	int events = 0;
	l->dispatching++;
	if (rc > 0) {
		for (size_t i = 0; i < n; i++) {
			if (!pfd[i].revents || l->fds[i].dead || pfd[i].fd < 0)
				continue;
			/* The slot may have been reused by a callback for another fd. */
			if (l->fds[i].fd != pfd[i].fd)
				continue;
			int ev = (pfd[i].revents & POLLIN ? LOOP_READ : 0) |
				 (pfd[i].revents & POLLOUT ? LOOP_WRITE : 0) |
				 (pfd[i].revents & POLLRDHUP ? LOOP_RDHUP : 0) |
				 (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL) ? LOOP_ERROR : 0);
			events++;
			l->fds[i].cb(l, l->fds[i].fd, ev, l->fds[i].ud);
		}
	}
	free(pfd);

	now = now_ms();
	size_t nt = l->ntimers;
	for (size_t i = 0; i < nt; i++) {
		if (l->timers[i].dead || l->timers[i].when > now)
			continue;
		struct timer t = l->timers[i];
		events++;
		int64_t again = t.cb(l, t.id, t.ud);
		/* The array may have moved while the callback added timers. */
		for (size_t k = 0; k < l->ntimers; k++) {
			if (l->timers[k].id != t.id)
				continue;
			if (again < 0 || l->timers[k].dead)
				l->timers[k].dead = 1;
			else
				l->timers[k].when = now_ms() + again;
		}
	}
	l->dispatching--;
	if (!l->dispatching)
		compact(l);
	return events;
}

void loop_run(sbx_loop *l)
{
	l->stop = 0;
	while (!l->stop)
		loop_once(l, -1);
}

void loop_stop(sbx_loop *l)
{
	l->stop = 1;
}
