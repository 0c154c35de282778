/*
 * timeouts: each running sandbox has one loop timer at its endAt.  When it
 * fires the sandbox is killed, or paused when it was created with
 * autoPause.  Paused and pooled sandboxes have none.
 */
#ifndef SBX_DAEMON_TIMEOUTS_H
#define SBX_DAEMON_TIMEOUTS_H
#include "daemon_int.h"

/* (Re)arms for sb->rec.end_at, or disarms when sb should have no timer. */
void timeouts_arm(sbox *sb);
void timeouts_disarm(sbox *sb);

#endif
