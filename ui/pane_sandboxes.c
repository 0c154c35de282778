/*
 * pane_sandboxes: the home tab's table of every sandbox sbxd knows —
 * listed every 2 s (and on refresh), with cpu and memory of the running
 * ones every ~5 s.  The selection stays on the same id across refreshes.
 * After each list the attached sessions hear of state changes (paused,
 * running) and of sandboxes that vanished.  Actions: attach (connect, which
 * resumes a paused sandbox), create (sandboxes_create.c), pause, resume,
 * extend the timeout, kill (asks first), refresh, the console (its logs),
 * snapshot and fork (sandboxes_ops.c), the ports pane (in the sandbox's
 * tab, attaching it first).  Under the list, when there is room, the
 * selected sandbox's recent lifecycle events (asked after each list).
 * While a pause or resume runs (a VM's snapshot can be large) the list is
 * asked for every 0.5 s and sbxd's sbxProgress shows in the STATE column
 * and on the call's progress entry; nothing waits for it.
 */
#include "sandboxes_priv.h"
#include "draw.h"
#include "../src/util/xalloc.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIST_EVERY_MS 2000
#define PROGRESS_EVERY_MS 500
#define METRICS_EVERY_MS 5000
/* the events under the list need this many rows (a 100x30 screen has them) */
#define SB_DETAIL_MIN_ROWS 20

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- calls in flight -------------------------------------------------------- */

sb_call *sb_call_new(sbpane *sp, const char *id, const char *progress_label)
{
	sb_call *c = xcalloc(1, sizeof *c);
	c->sp = sp;
	snprintf(c->id, sizeof c->id, "%s", id ? id : "");
	c->progress = progress_label ? app_progress_begin(sp->p.app, progress_label) : -1;
	LIST_INSERT_HEAD(&sp->calls, c, link);
	return c;
}

void sb_call_done(sb_call *c)
{
	sbpane *sp = c->sp;
	if (c->progress >= 0)
		app_progress_end(sp->p.app, c->progress);
	LIST_REMOVE(c, link);
	free(c);
}

/* --- the list --------------------------------------------------------------- */

static void rows_free(sb_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].template_id);
		free(rows[i].runtime);
		free(rows[i].accel);
		free(rows[i].state);
		free(rows[i].reason);
	}
	free(rows);
}

static sb_row *row_of(sbpane *sp, const char *id)
{
	for (size_t i = 0; i < sp->n; i++)
		if (!strcmp(sp->rows[i].id, id))
			return &sp->rows[i];
	return NULL;
}

static void note_runtime(sbpane *sp, const char *rt)
{
	if (!rt || !*rt)
		return;
	for (size_t i = 0; i < sp->nruntimes; i++)
		if (!strcmp(sp->runtimes[i], rt))
			return;
	sp->runtimes = xrealloc(sp->runtimes, (sp->nruntimes + 1) * sizeof *sp->runtimes);
	sp->runtimes[sp->nruntimes++] = xstrdup(rt);
}

static int cmp_rows(const void *a, const void *b)
{
	const sb_row *x = a, *y = b;
	if (x->started_ms != y->started_ms)
		return x->started_ms < y->started_ms ? 1 : -1;   /* newest first */
	return strcmp(x->id, y->id);
}

/* Tells the app about attached sandboxes that changed or went away. */
static void tell_sessions(sbpane *sp)
{
	app *a = sp->p.app;
	for (size_t i = 0; i < sp->n; i++) {
		session *s = app_find_session(a, sp->rows[i].id);
		if (!s)
			continue;
		session_state st = sp->rows[i].dead ? SESSION_GONE : sp->rows[i].paused ? SESSION_PAUSED : SESSION_RUNNING;
		if (s->state != st && s->state != SESSION_GONE)
			app_sandbox_state(a, sp->rows[i].id, st, sp->rows[i].dead ? sp->rows[i].reason : NULL);
		s->end_ms = sp->rows[i].end_ms;
		if (*sp->rows[i].runtime && strcmp(s->runtime, sp->rows[i].runtime)) {
			free(s->runtime);
			s->runtime = xstrdup(sp->rows[i].runtime);
		}
		if (*sp->rows[i].accel && strcmp(s->accel, sp->rows[i].accel)) {
			free(s->accel);
			s->accel = xstrdup(sp->rows[i].accel);
		}
	}
	/* gone: listed before, not now (a sandbox attached after this list
	 * was asked for is simply not in it yet) */
	for (size_t i = 0; i < sp->nknown; i++)
		if (!row_of(sp, sp->known[i])) {
			session *s = app_find_session(a, sp->known[i]);
			if (s && s->state != SESSION_GONE)
				app_sandbox_state(a, sp->known[i], SESSION_GONE,
						  "timed out or killed outside the workbench");
		}
	for (size_t i = 0; i < sp->nknown; i++)
		free(sp->known[i]);
	sp->known = xrealloc(sp->known, (sp->n + 1) * sizeof *sp->known);
	sp->nknown = sp->n;
	for (size_t i = 0; i < sp->n; i++)
		sp->known[i] = xstrdup(sp->rows[i].id);
}

static void on_metrics(const sbx_metric *m, size_t n, const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	sbpane *sp = c->sp;
	sb_row *r = row_of(sp, c->id);
	if (!e && n && r) {
		r->have_metrics = 1;
		r->cpu_pct = m[n - 1].cpu_used_pct;
		r->mem_used = m[n - 1].mem_used;
		r->mem_total = m[n - 1].mem_total;
		app_dirty(sp->p.app);
	}
	sb_call_done(c);
}

static void fetch_metrics(sbpane *sp)
{
	for (size_t i = 0; i < sp->n; i++) {
		if (sp->rows[i].paused || sp->rows[i].dead)
			continue;
		sb_call *c = sb_call_new(sp, sp->rows[i].id, NULL);
		sbx_err e;
		if (sbx_api_metrics(app_client(sp->p.app), c->id, on_metrics, c, &c->op, &e) < 0)
			sb_call_done(c);
	}
}

/* A pause or resume in flight, or one sbxd says is running (started
 * elsewhere): the list is asked for more often. */
static int busy(sbpane *sp)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->rows[i].prog.active || !strcmp(sp->rows[i].state, "pausing") ||
		    !strcmp(sp->rows[i].state, "resuming"))
			return 1;
	sb_call *c;
	LIST_FOREACH(c, &sp->calls, link)
		if (c->slow)
			return 1;
	return 0;
}

/* "1.2G of 4.0G" or "120M" (total unknown). */
static void fmt_prog(const rt_progress *p, char *out, size_t n)
{
	char d[16], t[16];
	fmt_size(p->done, d, sizeof d);
	if (p->total) {
		fmt_size(p->total, t, sizeof t);
		snprintf(out, n, "%s of %s", d, t);
	} else {
		snprintf(out, n, "%s", d);
	}
}

/* The pause/resume calls' progress entries follow sbxd's sbxProgress. */
static void show_progress(sbpane *sp)
{
	sb_call *c;
	LIST_FOREACH(c, &sp->calls, link) {
		sb_row *r = c->slow && c->progress >= 0 ? row_of(sp, c->id) : NULL;
		if (!r || !r->prog.active)
			continue;
		char amount[48], label[128];
		fmt_prog(&r->prog, amount, sizeof amount);
		snprintf(label, sizeof label, "%s %.8s: %s", r->prog.resuming ? "resuming" : "pausing", r->id, amount);
		app_progress_set(sp->p.app, c->progress, rt_progress_frac(&r->prog), label);
	}
}

static void on_list(const sbx_info *items, size_t n, const char *next, const sbx_err *e, void *ud)
{
	(void)next;
	sbpane *sp = ud;
	app *a = sp->p.app;
	sp->list_op = NULL;
	if (e) {
		if (!sp->error || strcmp(sp->error, e->msg))
			app_error(a, "%s (start sbxd with `sbx serve`, or create a sandbox: "
				     "`sbx create` starts it)", e->msg);
		free(sp->error);
		sp->error = xstrdup(e->msg);
		app_dirty(a);
		return;
	}
	free(sp->error);
	sp->error = NULL;
	char *sel = sp->cursor < sp->n ? xstrdup(sp->rows[sp->cursor].id) : NULL;
	sb_row *rows = xcalloc(n + 1, sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		sb_row *r = &rows[i];
		r->id = xstrdup(items[i].id);
		r->template_id = xstrdup(*items[i].alias ? items[i].alias : items[i].template_id);
		r->runtime = xstrdup(items[i].runtime);
		r->accel = xstrdup(rt_accel_of(&items[i]));
		r->state = xstrdup(items[i].state);
		rt_progress_of(&items[i], &r->prog);
		r->paused = !strcmp(items[i].state, "paused");
		r->dead = !strcmp(items[i].state, "dead");
		if (r->dead) {
			const char *why = json_string_value(json_object_get(items[i].raw, "stateReason"));
			r->reason = xasprintf("its agent died: %s; x kills it", why ? why : "no reason given");
		}
		r->started_ms = items[i].started_ms;
		r->end_ms = items[i].end_ms;
		sb_row *old = row_of(sp, r->id);
		if (old && !r->paused && !r->dead) {   /* keep the last metrics until new ones come */
			r->have_metrics = old->have_metrics;
			r->cpu_pct = old->cpu_pct;
			r->mem_used = old->mem_used;
			r->mem_total = old->mem_total;
		}
		note_runtime(sp, r->runtime);
	}
	qsort(rows, n, sizeof *rows, cmp_rows);
	size_t old_cursor = sp->cursor;
	rows_free(sp->rows, sp->n);
	sp->rows = rows;
	sp->n = n;
	sp->cursor = old_cursor < n ? old_cursor : n ? n - 1 : 0;
	for (size_t i = 0; sel && i < n; i++)
		if (!strcmp(rows[i].id, sel))
			sp->cursor = i;
	free(sel);
	sp->loaded = 1;
	tell_sessions(sp);
	show_progress(sp);
	int64_t now = app_now_ms(a);
	if (!sp->last_metrics_ms || now - sp->last_metrics_ms >= METRICS_EVERY_MS) {
		sp->last_metrics_ms = now;
		fetch_metrics(sp);
	}
	if (!n && !sp->templates_ok && !sp->templates_op)
		sb_templates_fetch(sp);
	sb_events_fetch(sp, sp->cursor < sp->n ? sp->rows[sp->cursor].id : NULL);
	app_dirty(a);
}

void sb_refresh(sbpane *sp)
{
	if (sp->list_op)
		return;
	sbx_err e;
	if (sbx_api_list_all(app_client(sp->p.app), NULL, on_list, sp, &sp->list_op, &e) < 0) {
		sp->list_op = NULL;
		free(sp->error);
		sp->error = xstrdup(e.msg);
		app_dirty(sp->p.app);
	}
}

static int64_t on_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	sbpane *sp = ud;
	int64_t now = app_now_ms(sp->p.app);
	/* every 0.5 s while something is pausing or resuming, else every 2 s */
	if (now - sp->last_list_ms >= LIST_EVERY_MS || busy(sp)) {
		sp->last_list_ms = now;
		sb_refresh(sp);
	}
	return PROGRESS_EVERY_MS;
}

/* --- actions ---------------------------------------------------------------- */

static sb_row *selected(sbpane *sp)
{
	return sp->cursor < sp->n ? &sp->rows[sp->cursor] : NULL;
}

static void on_connected(const sbx_info *info, const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	sbpane *sp = c->sp;
	app *a = sp->p.app;
	if (e) {
		app_error(a, "cannot attach %s: %s (refresh the list with R; if sbxd stopped, `sbx serve` starts it)",
			  c->id, e->msg);
	} else {
		if (c->resume)
			app_info(a, "sandbox %.8s was paused: attaching resumed it", c->id);
		session *s = app_attach(a, info);
		if (s && c->then_ports)
			app_add_pane(a, s, pane_ports_new(a, s), 1);
		sb_refresh(sp);
	}
	sb_call_done(c);
}

static void on_resumed(const sbx_info *info, const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	app *a = c->sp->p.app;
	if (e) {
		app_error(a, "cannot resume %s: %s", c->id, e->msg);
	} else {
		app_info(a, "sandbox %.8s is running again", c->id);
		app_session_update(a, info);   /* new tokens for its panes */
		sb_refresh(c->sp);
	}
	sb_call_done(c);
}

static sb_call *connect_selected(sbpane *sp, int attach)
{
	sb_row *r = selected(sp);
	if (!r) {
		app_info(sp->p.app, "no sandbox selected");
		return NULL;
	}
	if (r->dead) {
		app_error(sp->p.app, "sandbox %.8s cannot be used: %s", r->id, r->reason);
		return NULL;
	}
	if (!attach && !r->paused) {
		app_info(sp->p.app, "sandbox %.8s is already running", r->id);
		return NULL;
	}
	sb_call *c = sb_call_new(sp, r->id, r->paused ? "resuming sandbox…" : attach ? "attaching…" : NULL);
	c->resume = r->paused;
	c->slow = r->paused;
	sbx_err e;
	if (sbx_api_connect(app_client(sp->p.app), r->id, 0, attach ? on_connected : on_resumed, c, &c->op, &e) < 0) {
		app_error(sp->p.app, "cannot connect to %s: %s", r->id, e.msg);
		sb_call_done(c);
		return NULL;
	}
	return c;
}

/* The ports pane lives in the sandbox's tab (it talks to its data plane):
 * there, or in a tab opened for it. */
static void ports_selected(sbpane *sp)
{
	sb_row *r = selected(sp);
	session *s = r ? app_find_session(sp->p.app, r->id) : NULL;
	if (s && s->state == SESSION_RUNNING) {
		app_show_session(sp->p.app, s);
		app_add_pane(sp->p.app, s, pane_ports_new(sp->p.app, s), 1);
		return;
	}
	sb_call *c = connect_selected(sp, 1);
	if (c)
		c->then_ports = 1;
}

static void on_paused(const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	app *a = c->sp->p.app;
	if (e) {
		app_error(a, "cannot pause %s: %s", c->id, e->msg);
	} else {
		app_info(a, "sandbox %.8s paused (its files and memory are kept; r resumes it)", c->id);
		app_sandbox_state(a, c->id, SESSION_PAUSED, NULL);
		sb_refresh(c->sp);
	}
	sb_call_done(c);
}

static void pause_selected(sbpane *sp)
{
	sb_row *r = selected(sp);
	if (!r) {
		app_info(sp->p.app, "no sandbox selected");
		return;
	}
	if (r->dead) {
		app_error(sp->p.app, "sandbox %.8s cannot be paused: %s", r->id, r->reason);
		return;
	}
	if (r->paused) {
		app_info(sp->p.app, "sandbox %.8s is already paused", r->id);
		return;
	}
	sb_call *c = sb_call_new(sp, r->id, "pausing sandbox…");
	c->slow = 1;
	sbx_err e;
	if (sbx_api_pause(app_client(sp->p.app), r->id, on_paused, c, &c->op, &e) < 0) {
		app_error(sp->p.app, "cannot pause %s: %s", r->id, e.msg);
		sb_call_done(c);
	}
}

static void on_killed(const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	app *a = c->sp->p.app;
	if (e) {
		app_error(a, "cannot kill %s: %s", c->id, e->msg);
	} else {
		app_info(a, "sandbox %.8s killed", c->id);
		app_sandbox_state(a, c->id, SESSION_GONE, "killed");
		sb_refresh(c->sp);
	}
	sb_call_done(c);
}

typedef struct id_ud {
	sbpane *sp;
	char id[64];
} id_ud;

static id_ud *id_ud_new(sbpane *sp, const char *id)
{
	id_ud *u = xcalloc(1, sizeof *u);
	u->sp = sp;
	snprintf(u->id, sizeof u->id, "%s", id);
	return u;
}

static void on_kill_confirm(app *a, int ok, void *ud)
{
	(void)a;
	id_ud *u = ud;
	if (ok) {
		sb_call *c = sb_call_new(u->sp, u->id, "killing sandbox…");
		sbx_err e;
		if (sbx_api_kill(app_client(a), u->id, on_killed, c, &c->op, &e) < 0) {
			app_error(a, "cannot kill %s: %s", u->id, e.msg);
			sb_call_done(c);
		}
	}
	free(u);
}

static void on_timeout_set(const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	if (e)
		app_error(c->sp->p.app, "cannot change the timeout of %s: %s", c->id, e->msg);
	else
		sb_refresh(c->sp);
	sb_call_done(c);
}

static void on_extend(app *a, const char *text, void *ud)
{
	id_ud *u = ud;
	if (text) {
		char *end;
		long s = strtol(text, &end, 10);
		while (*end == ' ')
			end++;
		if (end == text || *end || s <= 0 || s > 365L * 24 * 3600) {
			app_error(a, "\"%s\" is not a number of seconds; type e.g. 3600 for an hour", text);
		} else {
			sb_call *c = sb_call_new(u->sp, u->id, NULL);
			sbx_err e;
			if (sbx_api_set_timeout(app_client(a), u->id, (int)s, on_timeout_set, c, &c->op, &e) < 0) {
				app_error(a, "cannot change the timeout of %s: %s", u->id, e.msg);
				sb_call_done(c);
			} else {
				char d[32];
				fmt_duration(s, d, sizeof d);
				app_info(a, "sandbox %.8s now times out in %s", u->id, d);
			}
		}
	}
	free(u);
}

static int action_op(pane *p, ui_action act)
{
	sbpane *sp = (sbpane *)p;
	size_t page = p->rows > 2 ? (size_t)p->rows - 2 : 1;
	sb_row *r = selected(sp);
	char q[160];
	switch (act) {
	case A_LIST_UP: sp->cursor = sp->cursor ? sp->cursor - 1 : 0; break;
	case A_LIST_DOWN: sp->cursor = sp->cursor + 1 < sp->n ? sp->cursor + 1 : sp->cursor; break;
	case A_LIST_TOP: sp->cursor = 0; break;
	case A_LIST_BOTTOM: sp->cursor = sp->n ? sp->n - 1 : 0; break;
	case A_LIST_PAGE_UP: sp->cursor = sp->cursor > page ? sp->cursor - page : 0; break;
	case A_LIST_PAGE_DOWN: sp->cursor = sp->n && sp->cursor + page < sp->n ? sp->cursor + page : sp->n ? sp->n - 1 : 0; break;
	case A_SB_ATTACH: connect_selected(sp, 1); break;
	case A_SB_RESUME: connect_selected(sp, 0); break;
	case A_SB_PAUSE: pause_selected(sp); break;
	case A_SB_CREATE: sb_create_start(sp); break;
	case A_SB_SNAPSHOT:
	case A_SB_FORK:
		if (!r) {
			app_info(p->app, "no sandbox selected");
			break;
		}
		if (act == A_SB_SNAPSHOT)
			sb_snapshot_start(sp, r->id, r->dead);
		else
			sb_fork_start(sp, r->id, r->dead);
		break;
	case A_OPEN_PORTS: ports_selected(sp); break;
	case A_OPEN_CONSOLE:   /* the selected one's, below the list */
		if (!r) {
			app_info(p->app, "no sandbox selected");
			break;
		}
		app_add_pane(p->app, NULL, pane_console_new(p->app, NULL, r->id), 1);
		break;
	case A_SB_REFRESH:
		sp->last_metrics_ms = 0;
		sb_refresh(sp);
		break;
	case A_SB_EXTEND:
		if (!r) {
			app_info(p->app, "no sandbox selected");
			break;
		}
		app_prompt(p->app, p, "New timeout in seconds from now", "300", on_extend, id_ud_new(sp, r->id));
		break;
	case A_SB_KILL:
		if (!r) {
			app_info(p->app, "no sandbox selected");
			break;
		}
		snprintf(q, sizeof q, "Kill sandbox %s? Its files and processes are lost.", r->id);
		app_confirm(p->app, p, q, on_kill_confirm, id_ud_new(sp, r->id));
		break;
	default: return 0;
	}
	r = selected(sp);
	if (r && strcmp(r->id, sp->ev_id))   /* the selection moved: its events */
		sb_events_fetch(sp, r->id);
	app_dirty(p->app);
	return 1;
}

int pane_sandboxes_act_on(pane *p, ui_action act, const char *id)
{
	sbpane *sp = (sbpane *)p;
	sb_row *r = row_of(sp, id);
	if (act == A_SB_SNAPSHOT)
		sb_snapshot_start(sp, id, r && r->dead);
	else if (act == A_SB_FORK)
		sb_fork_start(sp, id, r && r->dead);
	else
		return 0;
	return 1;
}

/* --- drawing ---------------------------------------------------------------- */

enum { C_ID, C_STATE, C_TEMPLATE, C_LEFT, C_AGE, C_CPU, C_MEM, C_RUNTIME, C_N };
static const struct {
	const char *head;
	int width;
} cols[C_N] = {
	[C_ID] = { "ID", 8 }, [C_STATE] = { "STATE", 11 }, [C_TEMPLATE] = { "TEMPLATE", 16 },
	[C_LEFT] = { "LEFT", 7 }, [C_AGE] = { "AGE", 7 }, [C_CPU] = { "CPU", 5 },
	[C_MEM] = { "MEMORY", 11 }, [C_RUNTIME] = { "RUNTIME", 8 },
};
/* Left to right on screen; columns are dropped from the end of `prio`. */
static const int order[C_N] = { C_ID, C_TEMPLATE, C_RUNTIME, C_STATE, C_AGE, C_LEFT, C_CPU, C_MEM };
static const int prio[C_N] = { C_ID, C_STATE, C_TEMPLATE, C_LEFT, C_AGE, C_CPU, C_MEM, C_RUNTIME };

static void cell_text(const sb_row *r, int c, int64_t now, char *out, size_t n)
{
	char a[32], b[32];
	switch (c) {
	case C_ID: snprintf(out, n, "%.8s", r->id); break;
	case C_STATE:
		if (r->prog.active && r->prog.total)
			snprintf(out, n, "%s %d%%", r->prog.resuming ? "resume" : "pause",
				 r->prog.done >= r->prog.total ? 100
				 : r->prog.done > LLONG_MAX / 100 ? (int)(rt_progress_frac(&r->prog) * 100)
				 : (int)(r->prog.done * 100 / r->prog.total));
		else if (r->prog.active)
			snprintf(out, n, "%s", r->prog.resuming ? "resuming" : "pausing");
		else
			snprintf(out, n, "%s", r->dead ? "dead" : r->paused ? "paused" : *r->state ? r->state : "running");
		break;
	case C_TEMPLATE: snprintf(out, n, "%s", r->template_id); break;
	case C_RUNTIME:
		rt_tag(r->runtime, r->accel, out, n);
		if (!*out)
			snprintf(out, n, "-");
		break;
	case C_AGE:
		if (r->started_ms)
			fmt_duration((now - r->started_ms) / 1000, out, n);
		else
			snprintf(out, n, "-");
		break;
	case C_LEFT:
		if (r->end_ms && !r->paused && !r->dead)
			fmt_duration((r->end_ms - now) / 1000, out, n);
		else
			snprintf(out, n, "-");
		break;
	case C_CPU:
		if (r->have_metrics && !r->paused && !r->dead)
			snprintf(out, n, "%.0f%%", r->cpu_pct);
		else
			snprintf(out, n, "-");
		break;
	case C_MEM:
		if (r->have_metrics && !r->paused && !r->dead) {
			fmt_size(r->mem_used, a, sizeof a);
			fmt_size(r->mem_total, b, sizeof b);
			snprintf(out, n, "%s/%s", a, b);
		} else {
			snprintf(out, n, "-");
		}
		break;
	}
}

/* The selected sandbox's recent events, from row y0 down. */
static void draw_events(sbpane *sp, WINDOW *w, int y0, ui_attr meta, ui_attr norm)
{
	pane *p = &sp->p;
	sb_row *r = selected(sp);
	if (!r)
		return;
	char head[96];
	snprintf(head, sizeof head, "\xe2\x94\x80\xe2\x94\x80 events of %.8s \xe2\x94\x80\xe2\x94\x80", r->id);
	draw_text(w, y0 + 1, 1, p->cols - 2, head, meta);
	if (strcmp(sp->ev_id, r->id) || !sp->ev_loaded) {
		draw_text(w, y0 + 2, 1, p->cols - 2, "…", meta);
		return;
	}
	if (sp->ev_error) {
		char line[256];
		snprintf(line, sizeof line, "no events: %s", sp->ev_error);
		draw_text(w, y0 + 2, 1, p->cols - 2, line, meta);
		return;
	}
	if (!sp->ev.n)
		draw_text(w, y0 + 2, 1, p->cols - 2, "none kept yet", meta);
	for (size_t i = 0; i < sp->ev.n && i < SB_EVENTS; i++)
		draw_text(w, y0 + 2 + (int)i, 1, p->cols - 2, sp->ev.lines[i], norm);
}

static void draw_op(pane *p, WINDOW *w, int focused)
{
	sbpane *sp = (sbpane *)p;
	app *a = p->app;
	ui_attr meta = app_th(a, TH_FILES_META), norm = app_th(a, TH_NORMAL), sel = app_th(a, TH_SELECTION);
	ui_attr head = meta;
	head.flags |= UI_BOLD;
	if (sp->error) {
		draw_text(w, 0, 1, -1, "Cannot reach sbxd:", app_th(a, TH_MSG_ERROR));
		draw_text(w, 1, 1, -1, sp->error, app_th(a, TH_MSG_ERROR));
		draw_text(w, 3, 1, -1, "Start it with `sbx serve` (or `sbx create`, which starts it); retrying every 2 s.",
			  norm);
		return;
	}
	if (!sp->loaded) {
		draw_text(w, 0, 1, -1, "Loading the sandboxes…", meta);
		return;
	}
	if (!sp->n) {
		char key[32], line[512];
		app_key_hint(a, KM_SANDBOXES, A_SB_CREATE, key, sizeof key);
		sbx_buf t = SBX_BUF_INIT;
		for (size_t i = 0; i < sp->ntemplates; i++)
			buf_printf(&t, "%s%s", i ? ", " : "", sp->templates[i]);
		snprintf(line, sizeof line, "No sandboxes. Press %s to create one (templates: %s).", key,
			 t.len ? buf_cstr(&t) : sp->templates_op ? "…" : "none built");
		buf_free(&t);
		draw_text(w, 0, 1, -1, line, norm);
		return;
	}
	/* Which columns fit: by priority, each with a blank after it. */
	int show[C_N] = { 0 }, used = 1;
	for (int i = 0; i < C_N; i++) {
		int c = prio[i];
		if (used + cols[c].width + 1 <= p->cols || i == 0) {
			show[c] = 1;
			used += cols[c].width + 1;
		}
	}
	int x = 1;
	for (int i = 0; i < C_N; i++)
		if (show[order[i]]) {
			draw_text(w, 0, x, cols[order[i]].width, cols[order[i]].head, head);
			x += cols[order[i]].width + 1;
		}
	int detail = p->rows >= SB_DETAIL_MIN_ROWS ? SB_EVENTS + 2 : 0;
	int vis = p->rows - 1 - detail;
	if (vis < 1)
		return;
	if (detail)
		draw_events(sp, w, p->rows - detail, meta, norm);
	if (sp->cursor < sp->top)
		sp->top = sp->cursor;
	if (sp->cursor >= sp->top + (size_t)vis)
		sp->top = sp->cursor - (size_t)vis + 1;
	int64_t now = wall_ms();
	for (int y = 0; y < vis && sp->top + (size_t)y < sp->n; y++) {
		size_t i = sp->top + (size_t)y;
		const sb_row *r = &sp->rows[i];
		int is_sel = i == sp->cursor;
		if (is_sel)
			draw_fill(w, y + 1, 0, p->cols, 1, focused ? sel : meta);
		x = 1;
		for (int k = 0; k < C_N; k++) {
			int c = order[k];
			if (!show[c])
				continue;
			char text[64];
			cell_text(r, c, now, text, sizeof text);
			ui_attr at = c != C_STATE ? norm
				     : app_th(a, r->dead ? TH_SB_STOPPED : r->paused ? TH_SB_PAUSED : TH_SB_RUNNING);
			if (is_sel)
				at = focused ? sel : meta;
			if (c == C_ID && app_find_session(a, r->id))
				at.flags |= UI_BOLD;   /* attached */
			draw_text(w, y + 1, x, cols[c].width, text, at);
			x += cols[c].width + 1;
		}
	}
}

static int mouse_op(pane *p, const ui_mouse *m)
{
	sbpane *sp = (sbpane *)p;
	if (m->button == MOUSE_WHEEL_UP || m->button == MOUSE_WHEEL_DOWN) {
		action_op(p, m->button == MOUSE_WHEEL_UP ? A_LIST_UP : A_LIST_DOWN);
		return 1;
	}
	if (m->button != MOUSE_LEFT || !m->pressed || m->motion)
		return 0;
	size_t i = sp->top + (size_t)(m->y - 1);
	if (m->y < 1 || i >= sp->n)
		return 1;
	/* A second click on the selected row within 400 ms: attach. */
	static const int64_t dbl_ms = 400;
	int64_t now = app_now_ms(p->app);
	int dbl = i == sp->cursor && now - sp->last_click_ms < dbl_ms;
	sp->cursor = i;
	sp->last_click_ms = now;
	if (dbl)
		connect_selected(sp, 1);
	app_dirty(p->app);
	return 1;
}

/* --- the rest --------------------------------------------------------------- */

static void title_op(pane *p, char *out, size_t n)
{
	(void)p;
	snprintf(out, n, "sandboxes");
}

static keymode mode_op(pane *p)
{
	(void)p;
	return KM_SANDBOXES;
}

static void status_op(pane *p, sbx_buf *out)
{
	sbpane *sp = (sbpane *)p;
	if (sp->error) {
		buf_puts(out, "sbxd unreachable");
		return;
	}
	size_t paused = 0, dead = 0;
	for (size_t i = 0; i < sp->n; i++) {
		paused += sp->rows[i].paused;
		dead += sp->rows[i].dead;
	}
	buf_printf(out, "%zu sandbox%s", sp->n, sp->n == 1 ? "" : "es");
	if (paused)
		buf_printf(out, " (%zu paused)", paused);
	if (dead)
		buf_printf(out, " (%zu dead: their agent died)", dead);
	/* the selected one's runtime and accelerator ("qemu·tcg") */
	sb_row *r = selected(sp);
	char tag[64];
	if (r) {
		rt_tag(r->runtime, r->accel, tag, sizeof tag);
		if (*tag)
			buf_printf(out, " \xc2\xb7 %.8s %s", r->id, tag);
		/* the issue-12 actions are new: their keys */
		char k1[16], k2[16], k3[16];
		app_key_hint(p->app, KM_SANDBOXES, A_SB_SNAPSHOT, k1, sizeof k1);
		app_key_hint(p->app, KM_SANDBOXES, A_SB_FORK, k2, sizeof k2);
		app_key_hint(p->app, KM_SANDBOXES, A_OPEN_PORTS, k3, sizeof k3);
		buf_printf(out, " \xc2\xb7 %s snapshot %s fork %s ports", k1, k2, k3);
	}
}

static void free_op(pane *p)
{
	sbpane *sp = (sbpane *)p;
	if (sp->timer)
		loop_del_timer(app_loop(p->app), sp->timer);
	if (sp->list_op)
		sbx_op_cancel(sp->list_op);
	if (sp->templates_op)
		sbx_op_cancel(sp->templates_op);
	sb_call *c;
	while ((c = LIST_FIRST(&sp->calls))) {
		if (c->op)
			sbx_op_cancel(c->op);
		sb_call_done(c);
	}
	rows_free(sp->rows, sp->n);
	for (size_t i = 0; i < sp->nknown; i++)
		free(sp->known[i]);
	free(sp->known);
	for (size_t i = 0; i < sp->nruntimes; i++)
		free(sp->runtimes[i]);
	free(sp->runtimes);
	for (size_t i = 0; i < sp->ntemplates; i++)
		free(sp->templates[i]);
	free(sp->templates);
	sb_create_free(sp);
	sb_ops_free(sp);
	free(sp->error);
	free(sp);
}

static const pane_ops sandboxes_ops = {
	.kind = PANE_SANDBOXES, .title = title_op, .mode = mode_op, .draw = draw_op, .action = action_op,
	.mouse = mouse_op, .status = status_op, .free = free_op,
};

pane *pane_sandboxes_new(app *a)
{
	sbpane *sp = xcalloc(1, sizeof *sp);
	sp->p.ops = &sandboxes_ops;
	sp->p.app = a;
	sb_refresh(sp);
	sp->last_list_ms = app_now_ms(a);
	sp->timer = loop_add_timer(app_loop(a), PROGRESS_EVERY_MS, on_timer, sp);
	return &sp->p;
}
