/*
 * evstore: a bounded, append-only log of JSON events (sbxd's lifecycle
 * events, events.h) kept in memory and in a JSON-lines file.  Pure data +
 * file I/O, no loop: events.c drives it.
 *
 * Each event is an object with at least "sandboxId", "type" and
 * "timestamp" (RFC 3339).  Events older than max_age_ms, and the oldest
 * past max_n, are dropped by evs_trim (and by evs_add past max_n).  The
 * file is appended to on every add and rewritten only when it holds twice
 * what memory does (or a trim dropped something), so adds stay cheap.
 * Lines of the file that are not such events are skipped at open.
 */
#ifndef SBX_DAEMON_EVSTORE_H
#define SBX_DAEMON_EVSTORE_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "../util/err.h"

typedef struct ev_store ev_store;

/* Loads path (missing: empty), trims against now_ms.  NULL path: memory
 * only.  Never fails: an unreadable file is a warning in *warn (may be
 * NULL) and an empty store. */
ev_store *evs_open(const char *path, size_t max_n, int64_t max_age_ms, int64_t now_ms, sbx_err *warn);
void evs_free(ev_store *s);

/* Appends ev (stolen).  -1 with why when ev is not an event or the file
 * could not be written (the event is kept in memory all the same). */
int evs_add(ev_store *s, json_t *ev, sbx_err *e);
/* Drops what is too old or too many; rewrites the file when it did. */
int evs_trim(ev_store *s, int64_t now_ms, sbx_err *e);
size_t evs_count(const ev_store *s);

typedef struct evs_query {
	const char *sandbox_id;           /* NULL: every sandbox */
	size_t offset, limit;             /* limit 0: none */
	int asc;                          /* 0: newest first */
	const char *const *types;         /* NULL-terminated; NULL or empty: any */
} evs_query;

/* A new array of the matching events (references to the stored ones). */
json_t *evs_find(const ev_store *s, const evs_query *q);
/* How many events a sandbox has. */
size_t evs_count_for(const ev_store *s, const char *sandbox_id);

#endif
