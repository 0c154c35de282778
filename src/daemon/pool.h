/*
 * pool: N pre-started sandboxes per default template, so a create that
 * asks for nothing special answers in milliseconds.  Pool sandboxes are
 * ordinary sboxes with rec.pooled = 1 (never listed, no timeout); a claim
 * hands one its env vars and a new access token through the agent's
 * POST /init.  Refilling runs in the background, one start at a time.
 */
#ifndef SBX_DAEMON_POOL_H
#define SBX_DAEMON_POOL_H
#include "daemon_int.h"

void pool_init(sbxd *d, int size, const char *const *templates);
/* Destroys every unclaimed pool sandbox (sbxd stopping). */
void pool_free(sbxd *d);
/* A ready pool sandbox built from tpl->dir, or NULL.  It stays pooled
 * until the caller rewrites its record; a refill is scheduled. */
sbox *pool_take(sbxd *d, const sbxd_template *tpl);
/* Check the pool soon (after a claim, a failure, or at start). */
void pool_kick(sbxd *d);

#endif
