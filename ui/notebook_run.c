/*
 * notebook_run: executing cells — a queue of cell ids run one at a time
 * with sbx_code_exec on the session's sandbox, outputs appended as the
 * NDJSON lines arrive; a cell that raises stops the queue (as Jupyter's
 * run-all does).  Also the kernel: interrupting (cancelling the exec; the
 * agent interrupts the kernel when its client goes away) and restarting;
 * choosing it is notebook_kernel.c's.
 * Other panes may watch a cell (notebook_add_cell): when it ends, its
 * watchers are told from a loop timer, never from inside the runner, so
 * they may queue the next cell at once.
 */
#include "notebook_priv.h"
#include "model/nblang.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static void run_next(nb_pane *np);

static nb_cell *find(nb_pane *np, const char *id)
{
	long i = id ? nb_find(np->nb, id) : -1;
	return i < 0 ? NULL : np->nb->cells[i];
}

int nbp_is_running(nb_pane *np, const nb_cell *c)
{
	return np->running && strcmp(np->running, c->id) == 0;
}

int nbp_is_queued(nb_pane *np, const nb_cell *c)
{
	for (size_t i = 0; i < np->nqueue; i++)
		if (strcmp(np->queue[i], c->id) == 0)
			return 1;
	return 0;
}

/* --- watchers ------------------------------------------------------------ */

static int64_t tell_watchers(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	nb_pane *np = ud;
	np->watch_timer = 0;
	/* one at a time from the start: a callback may add or forget watches */
	for (;;) {
		size_t i = 0;
		while (i < np->nwatch && !np->watch[i].ended)
			i++;
		if (i == np->nwatch)
			break;
		nbp_watch w = np->watch[i];
		memmove(np->watch + i, np->watch + i + 1, (np->nwatch - i - 1) * sizeof *np->watch);
		np->nwatch--;
		w.cb(&np->base, find(np, w.id), w.ran, w.ud);
		free(w.id);
	}
	return -1;
}

void nbp_watch_end(nb_pane *np, const char *id, int ran)
{
	int any = 0;
	for (size_t i = 0; id && i < np->nwatch; i++)
		if (!np->watch[i].ended && strcmp(np->watch[i].id, id) == 0) {
			np->watch[i].ended = 1;
			np->watch[i].ran = ran;
			any = 1;
		}
	if (any && !np->watch_timer)
		np->watch_timer = loop_add_timer(app_loop(np->base.app), 0, tell_watchers, np);
}

static void clear_queue(nb_pane *np)
{
	for (size_t i = 0; i < np->nqueue; i++) {
		nbp_watch_end(np, np->queue[i], 0);
		free(np->queue[i]);
	}
	np->nqueue = 0;
}

static void note(nb_pane *np, nb_cell *c, const char *msg)
{
	if (c)
		nb_cell_add_stream(np->nb, c, "stderr", msg, strlen(msg));
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

int nbp_can_run(nb_pane *np)
{
	session *s = np->base.session;
	if (!s) {
		app_error(np->base.app, "this notebook has no sandbox: open it from a sandbox's tab to run cells");
		return 0;
	}
	if (s->state == SESSION_GONE || np->kernel == KERNEL_DEAD) {
		app_error(np->base.app, "cannot run: the sandbox is gone (%s); save the notebook with C-s and "
					"open it in another sandbox",
			  s->gone_reason ? s->gone_reason : "it no longer exists");
		return 0;
	}
	if (s->state == SESSION_PAUSED) {
		app_error(np->base.app, "cannot run: the sandbox is paused; resume it from the sandboxes pane");
		return 0;
	}
	return 1;
}

void nbp_run_cells(nb_pane *np, size_t from, size_t to)
{
	if (!nbp_can_run(np))
		return;
	for (size_t i = from; i < to && i < np->nb->ncells; i++) {
		nb_cell *c = np->nb->cells[i];
		if (c->type != NB_CODE || blank(c->source) || nbp_is_running(np, c) || nbp_is_queued(np, c))
			continue;
		np->queue = xrealloc(np->queue, (np->nqueue + 1) * sizeof *np->queue);
		np->queue[np->nqueue++] = xstrdup(c->id);
	}
	if (!np->running)
		run_next(np);
	app_dirty(np->base.app);
}

static void on_event(const sbx_code_event *ev, void *ud)
{
	nb_pane *np = ud;
	nb_cell *c = find(np, np->running);
	if (ev->type == SBX_CODE_ERROR)
		np->run_failed = 1;
	if (!c || ev->type == SBX_CODE_END)
		return;
	sbx_err e;
	if (nb_cell_add_event(np->nb, c, ev, &e) < 0)
		note(np, c, e.msg);
	/* the output of the selected cell comes into view as it grows */
	if (np->sel < np->nb->ncells && np->nb->cells[np->sel] == c && !np->editing)
		np->follow = 1;
	app_dirty(np->base.app);
}

static void on_done(const sbx_err *e, void *ud)
{
	nb_pane *np = ud;
	np->exec_op = NULL;
	nb_cell *c = find(np, np->running);
	if (e) {
		char msg[1200];
		snprintf(msg, sizeof msg, "execution failed: %s\n", e->msg);
		note(np, c, msg);
		app_error(np->base.app, "running a cell failed: %s", e->msg);
	}
	nbp_watch_end(np, np->running, !e);
	free(np->running);
	np->running = NULL;
	if (e || np->run_failed)
		clear_queue(np);
	run_next(np);
	app_dirty(np->base.app);
}

static void run_next(nb_pane *np)
{
	while (np->nqueue) {
		char *id = np->queue[0];
		memmove(np->queue, np->queue + 1, (np->nqueue - 1) * sizeof *np->queue);
		np->nqueue--;
		nb_cell *c = find(np, id);
		if (!c || c->type != NB_CODE) {
			nbp_watch_end(np, id, 0);
			free(id);
			continue;
		}
		nb_cell_clear_outputs(np->nb, c);
		/* a cell in another language than the notebook's runs in that
		 * language's default context (E2B's per-call language) */
		char nl[NB_LANG_MAX], cl[NB_LANG_MAX];
		const char *own = nb_lang_cell_own(c, cl), *lang = nb_lang_notebook(np->nb, nl);
		sbx_exec_opts o = { 0 };
		o.code = c->source;
		if (own && strcmp(own, lang) != 0) {
			o.language = own;
		} else {
			o.context_id = np->context_id;
			o.language = np->context_id || strcmp(lang, "python") == 0 ? NULL : lang;
		}
		sbx_code_handler h = { on_event, on_done, np };
		sbx_err e;
		if (sbx_code_exec(app_client(np->base.app), &np->base.session->sb, &o, &h, &np->exec_op, &e) < 0) {
			char msg[1200];
			snprintf(msg, sizeof msg, "could not start: %s\n", e.msg);
			note(np, c, msg);
			app_error(np->base.app, "running a cell failed: %s", e.msg);
			nbp_watch_end(np, id, 0);
			free(id);
			clear_queue(np);
			break;
		}
		np->running = id;
		np->run_failed = 0;
		np->kernel = KERNEL_BUSY;
		np->run_started_ms = app_now_ms(np->base.app);
		return;
	}
	if (np->kernel != KERNEL_DEAD)
		np->kernel = KERNEL_IDLE;
}

/* Stops the running cell (with a note in its output) and the queue. */
static void stop_all(nb_pane *np, const char *why)
{
	if (np->exec_op) {
		sbx_op_cancel(np->exec_op);
		np->exec_op = NULL;
	}
	if (np->running) {
		note(np, find(np, np->running), why);
		nbp_watch_end(np, np->running, 0);
		free(np->running);
		np->running = NULL;
	}
	clear_queue(np);
}

void nbp_stop_cell(nb_pane *np, const char *id)
{
	if (np->running && strcmp(np->running, id) == 0) {
		if (np->exec_op) {
			sbx_op_cancel(np->exec_op);
			np->exec_op = NULL;
		}
		note(np, find(np, id), "KeyboardInterrupt: stopped from the AI pane\n");
		nbp_watch_end(np, id, 0);
		free(np->running);
		np->running = NULL;
		run_next(np);
	}
	for (size_t i = 0; i < np->nqueue; i++)
		if (strcmp(np->queue[i], id) == 0) {
			nbp_watch_end(np, id, 0);
			free(np->queue[i]);
			memmove(np->queue + i, np->queue + i + 1, (np->nqueue - i - 1) * sizeof *np->queue);
			np->nqueue--;
			break;
		}
	if (!np->editing)
		np->follow = 1;   /* the note comes into view */
	app_dirty(np->base.app);
}

void nbp_interrupt(nb_pane *np)
{
	if (!np->running) {
		app_info(np->base.app, "nothing is running");
		return;
	}
	size_t q = np->nqueue;
	stop_all(np, "KeyboardInterrupt: interrupted from the workbench\n");
	if (np->kernel != KERNEL_DEAD)
		np->kernel = KERNEL_IDLE;
	app_info(np->base.app, "interrupted%s", q ? "; the queued cells will not run" : "");
	app_dirty(np->base.app);
}

void nbp_sandbox_gone(nb_pane *np)
{
	stop_all(np, "the sandbox is gone: this cell did not finish\n");
	if (np->ctx_op) {
		sbx_op_cancel(np->ctx_op);
		np->ctx_op = NULL;
	}
	if (np->lang_op) {
		sbx_op_cancel(np->lang_op);
		np->lang_op = NULL;
		np->langs_state = NBP_LANGS_NONE;
	}
	np->kernel = KERNEL_DEAD;
}

/* --- restart ------------------------------------------------------------- */

static void restarted(const sbx_err *e, void *ud)
{
	nb_pane *np = ud;
	np->ctx_op = NULL;
	if (e) {
		app_error(np->base.app, "restarting the kernel failed: %s", e->msg);
	} else {
		if (np->kernel != KERNEL_DEAD)
			np->kernel = KERNEL_IDLE;
		app_info(np->base.app, "kernel restarted: variables and imports are gone");
	}
	app_dirty(np->base.app);
}

static void restart_id(nb_pane *np, const char *id)
{
	sbx_err e;
	if (sbx_context_restart(app_client(np->base.app), &np->base.session->sb, id, restarted, np, &np->ctx_op,
				&e) < 0) {
		np->ctx_op = NULL;
		app_error(np->base.app, "restarting the kernel failed: %s", e.msg);
	}
}

static void restart_listed(const sbx_context *ctx, size_t n, const sbx_err *e, void *ud)
{
	nb_pane *np = ud;
	np->ctx_op = NULL;
	if (e) {
		app_error(np->base.app, "restarting the kernel failed: cannot list contexts: %s", e->msg);
		return;
	}
	char want[NB_LANG_MAX];
	nb_lang_notebook(np->nb, want);
	for (size_t i = 0; i < n; i++)
		if (ctx[i].language && strcmp(ctx[i].language, want) == 0) {
			restart_id(np, ctx[i].id);
			return;
		}
	app_error(np->base.app, "no %s context is running yet: run a cell first (nothing to restart)", want);
}

static void restart_answer(app *a, int ok, void *ud)
{
	(void)a;
	nb_pane *np = ud;
	if (!ok || !nbp_can_run(np))
		return;
	if (np->ctx_op) {
		app_info(np->base.app, "the kernel is busy with another request; try again in a moment");
		return;
	}
	stop_all(np, "interrupted: the kernel was restarted\n");
	np->kernel = KERNEL_BUSY;
	if (np->context_id) {
		restart_id(np, np->context_id);
		return;
	}
	sbx_err e;
	if (sbx_context_list(app_client(np->base.app), &np->base.session->sb, restart_listed, np, &np->ctx_op,
			     &e) < 0) {
		np->ctx_op = NULL;
		np->kernel = KERNEL_IDLE;
		app_error(np->base.app, "restarting the kernel failed: %s", e.msg);
	}
	app_dirty(np->base.app);
}

void nbp_restart(nb_pane *np)
{
	if (!nbp_can_run(np))
		return;
	app_confirm(np->base.app, &np->base, "Restart the kernel? Variables and imports will be lost.",
		    restart_answer, np);
}

void nbp_run_free(nb_pane *np)
{
	/* watchers hear of the close now (ud must not outlive this pane) */
	np->closing = 1;
	if (np->watch_timer)
		loop_del_timer(app_loop(np->base.app), np->watch_timer);
	np->watch_timer = 0;
	nbp_watch *w = np->watch;
	size_t nw = np->nwatch;
	np->watch = NULL;
	np->nwatch = 0;
	for (size_t i = 0; i < nw; i++) {
		w[i].cb(&np->base, NULL, 0, w[i].ud);
		free(w[i].id);
	}
	free(w);
	if (np->exec_op)
		sbx_op_cancel(np->exec_op);
	if (np->ctx_op)
		sbx_op_cancel(np->ctx_op);
	np->exec_op = np->ctx_op = NULL;
	nbp_langs_free(np);
	clear_queue(np);
	free(np->queue);
	free(np->running);
	free(np->context_id);
}
