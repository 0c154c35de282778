/*
 * sandboxes_ops: the sandboxes pane's snapshot and fork of a sandbox (the
 * selected one, or a tab's through app.c's M-S / M-F), and the selected
 * sandbox's recent events for the detail area under the list.
 *
 * Snapshot asks for a name (empty: sbxd makes an id), checks it
 * (sbforms), then POST /sandboxes/ID/snapshots under a progress entry: sbxd
 * pauses a running sandbox for it and resumes it, so the list shows it
 * pausing meanwhile.  Fork: POST /sandboxes/ID/fork (one child), then a
 * connect of the child (its tokens) and a tab for it; the original and
 * its tab stay as they are.  Events: GET /events/sandboxes/ID (the last
 * SB_EVENTS), asked after each list for the selected sandbox; an sbxd
 * that keeps none says so in the area.
 */
#include "sandboxes_priv.h"
#include "model/sbforms.h"
#include "../src/client/snapshot.h"
#include "../src/client/events.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

/* --- snapshot ---------------------------------------------------------------- */

static void on_snapshot(const sbx_snapshot *s, const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	app *a = c->sp->p.app;
	if (e) {
		app_error(a, "cannot snapshot %s: %s", c->id, e->msg);
	} else {
		char label[160];
		sbf_snapshot_label(s->id, s->nnames ? s->names[0] : NULL, NULL, NULL, label, sizeof label);
		app_info(a, "snapshot %s of %.8s taken%s; n starts a sandbox from it (From snapshot)", label, c->id,
			 s->memory == 0 ? " (files only)" : "");
		sb_refresh(c->sp);
	}
	sb_call_done(c);
}

typedef struct snap_ud {
	sbpane *sp;
	char id[64];
} snap_ud;

static void on_snapshot_name(app *a, const char *text, void *ud)
{
	snap_ud *u = ud;
	sbx_err e;
	if (text) {
		char *name = xstrdup(text);
		/* blanks around the name are the prompt's, not the name's */
		char *n0 = name + strspn(name, " ");
		for (size_t l = strlen(n0); l && n0[l - 1] == ' '; l--)
			n0[l - 1] = '\0';
		if (sbf_snapshot_name(n0, &e) < 0) {
			app_error(a, "%s; S asks again", e.msg);
		} else {
			sb_call *c = sb_call_new(u->sp, u->id, "taking a snapshot…");
			c->slow = 1;   /* sbxd pauses it meanwhile: follow the list closely */
			if (sbx_snapshot_create(app_client(a), u->id, *n0 ? n0 : NULL, on_snapshot, c, &c->op, &e) < 0) {
				app_error(a, "cannot snapshot %s: %s", u->id, e.msg);
				sb_call_done(c);
			}
		}
		free(name);
	}
	free(u);
}

void sb_snapshot_start(sbpane *sp, const char *id, int dead)
{
	if (dead) {
		app_error(sp->p.app, "sandbox %.8s cannot be snapshotted: its agent died (x kills it)", id);
		return;
	}
	snap_ud *u = xcalloc(1, sizeof *u);
	u->sp = sp;
	snprintf(u->id, sizeof u->id, "%s", id);
	char title[160];
	snprintf(title, sizeof title, "Snapshot %.8s as (a-z 0-9 . _ -; empty: sbxd names it)", id);
	app_prompt(sp->p.app, &sp->p, title, "", on_snapshot_name, u);
}

/* --- fork ---------------------------------------------------------------------- */

static void on_fork_connected(const sbx_info *info, const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	app *a = c->sp->p.app;
	if (e) {
		app_error(a, "forked %s but cannot attach the fork: %s (it is in the list: Enter opens it)", c->id,
			  e->msg);
	} else if (app_attach(a, info)) {
		app_info(a, "forked %.8s into %.8s (this tab); the original is as it was", c->id, info->id);
	}
	sb_refresh(c->sp);
	sb_call_done(c);
}

static void on_forked(const sbx_fork_result *r, size_t n, const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	sbpane *sp = c->sp;
	app *a = sp->p.app;
	if (e || !n || !r[0].ok) {
		app_error(a, "cannot fork %s: %s", c->id,
			  e ? e->msg : n && r[0].message && *r[0].message ? r[0].message : "sbxd started no sandbox");
		sb_refresh(sp);
		sb_call_done(c);
		return;
	}
	/* The child's tokens come with a connect, as for any attach. */
	sb_call *c2 = sb_call_new(sp, c->id, NULL);
	sbx_err e2;
	if (sbx_api_connect(app_client(a), r[0].sandbox.id, 0, on_fork_connected, c2, &c2->op, &e2) < 0) {
		app_error(a, "forked %s but cannot attach the fork: %s", c->id, e2.msg);
		sb_call_done(c2);
	}
	sb_call_done(c);
}

void sb_fork_start(sbpane *sp, const char *id, int dead)
{
	if (dead) {
		app_error(sp->p.app, "sandbox %.8s cannot be forked: its agent died (x kills it)", id);
		return;
	}
	sb_call *c = sb_call_new(sp, id, "forking sandbox…");
	c->slow = 1;
	sbx_err e;
	if (sbx_fork(app_client(sp->p.app), id, 1, 0, on_forked, c, &c->op, &e) < 0) {
		app_error(sp->p.app, "cannot fork %s: %s", id, e.msg);
		sb_call_done(c);
	}
}

/* --- events -------------------------------------------------------------------- */

/* What the type leaves out, in one short line: eventData's scalar members
 * ("memory=false timeout=600"); nested objects (the execution's details)
 * stay out of a one-line list. */
static char *data_line(const json_t *data)
{
	if (!json_is_object(data))
		return NULL;
	sbx_buf b = SBX_BUF_INIT;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)data, k, v) {
		if (json_is_object(v) || json_is_array(v) || json_is_null(v))
			continue;
		char *val = json_is_string(v) ? xstrdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
		buf_printf(&b, "%s%s=%s", b.len ? " " : "", k, val ? val : "?");
		free(val);
	}
	if (!b.len) {
		buf_free(&b);
		return NULL;
	}
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

static void on_events(const sbx_event *ev, size_t n, const sbx_err *e, void *ud)
{
	sbpane *sp = ud;
	sp->events_op = NULL;
	if (strcmp(sp->ev_req, sp->ev_id))
		return;   /* the selection moved meanwhile: the next list asks again */
	sp->ev_loaded = 1;
	free(sp->ev_error);
	sp->ev_error = NULL;
	if (e) {
		sp->ev_error = xstrdup(e->msg);
		evlines_free(&sp->ev);
	} else {
		ev_in *in = xcalloc(n + 1, sizeof *in);
		char **details = xcalloc(n + 1, sizeof *details);
		for (size_t i = 0; i < n; i++) {
			details[i] = data_line(ev[i].data);
			in[i] = (ev_in){ ev[i].type, ev[i].ts_ms, details[i] };
		}
		evlines_set(&sp->ev, in, n, SB_EVENTS);
		for (size_t i = 0; i < n; i++)
			free(details[i]);
		free(details);
		free(in);
	}
	app_dirty(sp->p.app);
}

void sb_events_fetch(sbpane *sp, const char *id)
{
	if (sp->events_op)
		return;
	if (!id) {
		sp->ev_id[0] = '\0';
		evlines_free(&sp->ev);
		return;
	}
	if (strcmp(sp->ev_id, id)) {   /* another sandbox: nothing of the last one's stays */
		snprintf(sp->ev_id, sizeof sp->ev_id, "%s", id);
		evlines_free(&sp->ev);
		free(sp->ev_error);
		sp->ev_error = NULL;
		sp->ev_loaded = 0;
	}
	snprintf(sp->ev_req, sizeof sp->ev_req, "%s", id);
	sbx_err e;
	if (sbx_events(app_client(sp->p.app), id, SB_EVENTS, NULL, on_events, sp, &sp->events_op, &e) < 0) {
		sp->events_op = NULL;
		on_events(NULL, 0, &e, sp);
	}
}

void sb_ops_free(sbpane *sp)
{
	if (sp->events_op)
		sbx_op_cancel(sp->events_op);
	evlines_free(&sp->ev);
	free(sp->ev_error);
}
