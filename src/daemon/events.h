/*
 * events: sandboxes' lifecycle events, E2B's GET /events/sandboxes[/{id}].
 * Kept in memory and in <state>/events.jsonl (evstore.h) for
 * EVENTS_KEEP_MS or the last EVENTS_MAX events, trimmed at start and
 * hourly, so a sandbox's history outlives it and sbxd's restarts.
 *
 * Types are E2B's, "sandbox.lifecycle." + created, paused, resumed,
 * updated, killed, snapshotted, and ours: died (its agent or runtime died
 * under it).  Item shape (E2B's API): version, id (uuid), type, eventData
 * (null or an object), sandboxId, sandboxTemplateId, sandboxBuildId,
 * sandboxExecutionId (new at each create and resume), sandboxTeamId,
 * timestamp (RFC 3339).
 */
#ifndef SBX_DAEMON_EVENTS_H
#define SBX_DAEMON_EVENTS_H
#include <jansson.h>
#include "daemon_int.h"

#define EVENTS_KEEP_MS (7LL * 24 * 3600 * 1000)
#define EVENTS_MAX 10000
#define EVENTS_PREFIX "sandbox.lifecycle."

/* Opens the store and arms the hourly trim. */
void events_start(sbxd *d);
void events_stop(sbxd *d);

/* Records an event for sandbox_id; type is E2B's full name or its last
 * part ("paused").  data (stolen, may be NULL) becomes eventData; paused
 * and killed get E2B's "execution" in it.  Pool sandboxes have none. */
void events_add(sbxd *d, const char *sandbox_id, const char *type, json_t *data);

/* GET /events/sandboxes (rest "") and /events/sandboxes/{id} (rest "/ID"):
 * offset, limit (1-100, default 10), orderAsc, types (repeatable, or
 * comma-separated).  The key is checked by the caller. */
void api_events(sbxd *d, http_req *r, const char *rest);

#endif
