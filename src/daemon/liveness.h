/*
 * liveness: sbxd notices a sandbox whose agent or runtime died under it
 * (kill -9 from the host, the OOM killer, a crash) and marks it SB_DEAD
 * (sbox_died).  Three ways, cheapest first:
 *   - the runtime's watch fd (a pidfd of the sandbox's init): readable the
 *     moment it exits, for sandboxes adopted after a restart too;
 *   - liveness_check() where a caller just saw the agent fail (the data
 *     plane could not connect to it);
 *   - a backstop timer asking alive() of every sandbox every
 *     LIVENESS_POLL_MS, for drivers without a watch fd (a /proc read each).
 */
#ifndef SBX_DAEMON_LIVENESS_H
#define SBX_DAEMON_LIVENESS_H
#include "daemon_int.h"

#define LIVENESS_POLL_MS 10000

/* Starts watching sb (its runtime handle is set); a no-op if watched. */
void liveness_watch(sbox *sb);
void liveness_unwatch(sbox *sb);
/* Asks the runtime now: 1 alive, 0 dead (and marked so, if it was not). */
int liveness_check(sbox *sb);
/* The backstop timer, for sbxd's life. */
void liveness_start(sbxd *d);
void liveness_stop(sbxd *d);

#endif
