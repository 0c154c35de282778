/*
 * sandboxes_priv: the sandboxes pane's state, shared by pane_sandboxes.c
 * (the table, refreshes, actions) and sandboxes_create.c (the create form).
 */
#ifndef SBX_UI_SANDBOXES_PRIV_H
#define SBX_UI_SANDBOXES_PRIV_H
#include <sys/queue.h>
#include "app.h"
#include "model/runtimes.h"
#include "model/evlines.h"

#define SB_EVENTS 8                   /* events shown under the list */

typedef struct sb_row {
	char *id, *template_id, *runtime;
	char *accel;                  /* "kvm", "tcg" or "" */
	char *state;                  /* sbxd's word: running, paused, pausing, resuming, dead */
	rt_progress prog;             /* a slow pause or resume, while it runs */
	int paused;
	int dead;                     /* its agent died (sbxd's state "dead") */
	char *reason;                 /* why, when dead */
	int64_t started_ms, end_ms;   /* unix ms */
	int have_metrics;
	double cpu_pct;
	int64_t mem_used, mem_total;
} sb_row;

/* A call in flight that answers to the pane (cancelled when it closes). */
typedef struct sb_call {
	struct sbpane *sp;
	sbx_op *op;
	char id[64];
	int progress;                 /* app progress handle, or -1 */
	int resume;                   /* connect: it was paused */
	int slow;                     /* a pause or resume: sbxd reports its progress */
	int then_ports;               /* attach: open the ports pane in the tab */
	LIST_ENTRY(sb_call) link;
} sb_call;

typedef struct sbpane {
	pane p;
	sb_row *rows;
	size_t n;
	size_t cursor, top;
	int loaded;                   /* a list answered at least once */
	char *error;                  /* the last list error, NULL when fine */
	sbx_op *list_op, *templates_op;
	int64_t timer;
	int64_t last_list_ms;
	int64_t last_metrics_ms;
	char **known;                 /* ids of the last list (to see them go) */
	size_t nknown;
	char **runtimes;              /* runtime names seen */
	size_t nruntimes;
	char **templates;             /* from GET /templates (or the fallback) */
	size_t ntemplates;
	int templates_ok;
	LIST_HEAD(, sb_call) calls;
	int64_t last_click_ms;        /* double clicks */
	int form_wanted;              /* open the form when the templates and runtimes come */
	int form_open;                /* its choices (templates, form_rt) must stay */
	const char **form_rt;
	const char **form_rt_notes;
	sbx_op *health_op;            /* GET /health for the runtimes */
	rt_list rts;                  /* what sbxd can run (n 0: it does not say) */
	/* the create form's snapshots (sbx_snapshot_list) */
	sbx_op *snapshots_op;
	char **snap_ids, **snap_labels;
	size_t nsnaps;
	int snaps_ok;
	/* the selected sandbox's recent events (sandboxes_ops.c) */
	sbx_op *events_op;
	char ev_id[64], ev_req[64];   /* whose events are shown, and asked for */
	evlines ev;
	int ev_loaded;                /* an answer for ev_id came */
	char *ev_error;               /* why there are none, from the last answer */
} sbpane;

sb_call *sb_call_new(sbpane *sp, const char *id, const char *progress_label);
void sb_call_done(sb_call *c);
void sb_refresh(sbpane *sp);

/* sandboxes_create.c: asks for the templates and runtimes, then shows the form. */
void sb_create_start(sbpane *sp);
/* Frees what the form keeps (from the pane's free). */
void sb_create_free(sbpane *sp);
/* The templates for the hint line of an empty list (may be empty). */
void sb_templates_fetch(sbpane *sp);

/* sandboxes_ops.c: snapshot (asks for a name) and fork (into a new tab)
 * of sandbox id; dead: refused with why.  Events of id (NULL: none
 * selected) for the detail area. */
void sb_snapshot_start(sbpane *sp, const char *id, int dead);
void sb_fork_start(sbpane *sp, const char *id, int dead);
void sb_events_fetch(sbpane *sp, const char *id);
void sb_ops_free(sbpane *sp);

#endif
