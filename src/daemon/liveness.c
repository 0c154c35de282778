#include "liveness.h"
#include "sandbox.h"
#include <unistd.h>

static void on_exit_fd(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)fd, (void)events;
	sbox *sb = ud;
	liveness_unwatch(sb);
	/* A pidfd is readable once the process is gone; alive() agrees, and
	 * asking costs nothing next to what follows. */
	if (!sb->ops->alive(sb->rt))
		sbox_died(sb, "its init (the agent) exited or was killed outside sbxd");
}

void liveness_watch(sbox *sb)
{
	if (sb->watch_fd >= 0 || !sb->rt || !sb->ops->watch)
		return;
	int fd = sb->ops->watch(sb->rt);
	if (fd < 0)
		return;   /* none, or gone already: the backstop or the caller's check sees it */
	sb->watch_fd = fd;
	loop_add_fd(sb->d->loop, fd, LOOP_READ, on_exit_fd, sb);
}

void liveness_unwatch(sbox *sb)
{
	if (sb->watch_fd < 0)
		return;
	loop_del_fd(sb->d->loop, sb->watch_fd);
	close(sb->watch_fd);
	sb->watch_fd = -1;
}

int liveness_check(sbox *sb)
{
	if (sb->rec.state == SB_DEAD)
		return 0;
	if (!sb->rt || sb->creating || sb->pausing || sb->resuming || sb->killed || sb->rec.state == SB_STARTING)
		return 1;   /* nothing to ask yet, or its own path reports it */
	/* A paused VM sandbox has no process on purpose: alive() then says
	 * whether its snapshot is intact (runtime.h). */
	if (sb->ops->alive(sb->rt))
		return 1;
	sbox_died(sb, "its processes are gone: its init (the agent) exited or was killed outside sbxd");
	return 0;
}

static int64_t backstop(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbxd *d = ud;
	for (sbox *sb = d->boxes, *next; sb; sb = next) {
		next = sb->next;   /* a dead pool sandbox leaves the list */
		liveness_check(sb);
	}
	return LIVENESS_POLL_MS;
}

void liveness_start(sbxd *d)
{
	if (!d->live_timer)
		d->live_timer = loop_add_timer(d->loop, LIVENESS_POLL_MS, backstop, d);
}

void liveness_stop(sbxd *d)
{
	if (d->live_timer)
		loop_del_timer(d->loop, d->live_timer);
	d->live_timer = 0;
}
