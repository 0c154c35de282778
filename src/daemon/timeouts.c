#include "timeouts.h"
#include "sandbox.h"
#include "../util/log.h"

static void expire(sbox *sb);

/* A readying operation was in flight at expiry: act once it is over. */
static void expire_when_ready(sbox *sb, int ok, const char *err, void *ud)
{
	(void)err, (void)ud;
	if (ok)
		expire(sb);
}

static void expire(sbox *sb)
{
	sbx_err e;
	if (sb->rec.state == SB_DEAD) {
		sbox_kill(sb, "it was dead, and its record expired", NULL, NULL);
		return;
	}
	if (sb->pausing)
		return;   /* going to disk already; a failed pause checks the time again */
	if (sb->rec.auto_pause && sb->rec.state == SB_RUNNING) {
		if (sb->op || sb->creating || sb->resuming) {
			sbox_when_ready(sb, expire_when_ready, NULL);
			return;
		}
		sbox_log(sb, "timeout reached: pausing (autoPause%s)", sb->rec.auto_pause_memory ? "" : ", filesystem only");
		if ((sb->rec.auto_pause_memory ? sbox_pause(sb, &e) : sbox_pause_disk(sb, &e)) == 0)
			return;   /* a slow pause that fails leaves it running: its timer is armed again */
		sbox_log(sb, "pause failed (%s); killing instead", e.msg);
	}
	sbox_kill(sb, "its timeout was reached", NULL, NULL);
}

static int64_t on_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbox *sb = ud;
	sb->timeout_timer = 0;
	int64_t left = timeouts_due(sb) - wall_ms();
	if (left > 0) {   /* the wall clock moved back: wait the rest */
		timeouts_arm(sb);
		return -1;
	}
	expire(sb);
	return -1;
}

int64_t timeouts_due(const sbox *sb)
{
	if (sb->rec.state != SB_DEAD)
		return sb->rec.end_at;
	int64_t keep = sb->rec.dead_at + SBOX_DEAD_KEEP_MS;
	return keep > sb->rec.end_at ? keep : sb->rec.end_at;
}

void timeouts_disarm(sbox *sb)
{
	if (sb->timeout_timer) {
		loop_del_timer(sb->d->loop, sb->timeout_timer);
		sb->timeout_timer = 0;
	}
}

void timeouts_arm(sbox *sb)
{
	timeouts_disarm(sb);
	if (sb->rec.pooled || sb->rec.state == SB_PAUSED)
		return;
	int64_t left = timeouts_due(sb) - wall_ms();
	sb->timeout_timer = loop_add_timer(sb->d->loop, left > 0 ? left : 0, on_timer, sb);
}
