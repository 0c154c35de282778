/*
 * events: E2B's sandbox lifecycle events (GET /events/sandboxes[/{id}]),
 * newest first.  Calling convention: client.h.
 */
#ifndef SBX_CLIENT_EVENTS_H
#define SBX_CLIENT_EVENTS_H
#include "api.h"

/* One event; strings "" when absent. */
typedef struct sbx_event {
	const char *id;                  /* uuid */
	const char *type;                /* "sandbox.lifecycle.created", ... */
	const char *sandbox_id, *template_id, *timestamp;
	int64_t ts_ms;                   /* timestamp in unix ms (0: unparsable) */
	const json_t *data;              /* eventData (NULL or JSON null: none) */
	const json_t *raw;
} sbx_event;

typedef void (*sbx_events_cb)(const sbx_event *ev, size_t n, const sbx_err *e, void *ud);

/* sandbox_id NULL: every sandbox's; limit 0: the server's (E2B: 10, at most
 * 100); types NULL: every type, else a NULL-terminated list of names
 * ("paused" or "sandbox.lifecycle.paused"; each may be a comma list). */
int sbx_events(sbx_client *c, const char *sandbox_id, int limit, const char *const *types, sbx_events_cb cb,
	       void *ud, sbx_op **op, sbx_err *e);

/* The event types sbxd records, short names, NULL-terminated. */
extern const char *const sbx_event_types[];
/* 1 if NAME (LEN bytes; short or with the "sandbox.lifecycle." prefix) is one. */
int sbx_event_type_known(const char *name, size_t len);

/* Pure: one event of the answer (strings point into j). */
int sbx_event_parse(const json_t *j, sbx_event *out, sbx_err *e);
/* "created" for "sandbox.lifecycle.created": the last dotted part. */
const char *sbx_event_short(const char *type);

#endif
