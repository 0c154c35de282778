/*
 * timeouts: each running sandbox has one loop timer at its endAt.  When it
 * fires the sandbox is killed, or paused when it was created with
 * autoPause.  Paused and pooled sandboxes have none.  A dead sandbox's
 * timer is its record's expiry (sandbox.h, SBOX_DEAD_KEEP_MS): then it is
 * killed.
 */
#ifndef SBX_DAEMON_TIMEOUTS_H
#define SBX_DAEMON_TIMEOUTS_H
#include "daemon_int.h"

/* (Re)arms for sb->rec.end_at, or disarms when sb should have no timer. */
void timeouts_arm(sbox *sb);
void timeouts_disarm(sbox *sb);
/* When sb's timer fires (unix ms): endAt, or a dead sandbox's expiry. */
int64_t timeouts_due(const sbox *sb);

#endif
