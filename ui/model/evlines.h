/*
 * evlines: a sandbox's recent lifecycle events (sbxd's GET
 * /events/sandboxes/{id}, through libsbx) as the lines the sandboxes
 * pane's detail area shows: newest first, at most max, each
 * "HH:MM:SS  paused  DETAIL" in local time.
 *
 * Types are E2B's ("sandbox.lifecycle.paused"): the common prefix is
 * left out.  Events come from sbxd but their data may carry what a
 * sandbox wrote: types and details are sanitised (conbuf_sanitize) and
 * cut to EV_TEXT_MAX bytes; a timestamp <= 0 shows as "--:--:--".
 */
#ifndef SBX_UI_EVLINES_H
#define SBX_UI_EVLINES_H
#include <stddef.h>
#include <stdint.h>

#define EV_TEXT_MAX 160

typedef struct ev_in {
	const char *type;        /* may be NULL */
	int64_t ts_ms;           /* unix ms; <= 0 unknown */
	const char *detail;      /* may be NULL: e.g. a timeout's new end */
} ev_in;

typedef struct evlines {
	char **lines;
	size_t n;
} evlines;

/* Replaces l's lines with ev's newest max.  ev as sbxd answers, newest
 * first; sorted again by time all the same, but events of the same
 * millisecond (a snapshot's "snapshotted" and "resumed") keep ev's order. */
void evlines_set(evlines *l, const ev_in *ev, size_t n, size_t max);
void evlines_free(evlines *l);

#endif
