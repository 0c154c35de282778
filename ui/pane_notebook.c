/*
 * pane_notebook: a Jupyter-style notebook on a sandbox's code interpreter.
 *
 * Command mode (KM_NOTEBOOK) moves between cells and edits the notebook's
 * structure; edit mode (KM_EDIT) types into one cell through the editor
 * model, whose text is copied back into the cell on leaving, before runs,
 * saves and autosaves (so typed text is never lost).  Cells run one at a
 * time through a queue (notebook_run.c); outputs stream in as they come.
 * The notebook is saved as .ipynb (notebook_io.c) and autosaved every few
 * seconds while it has unsaved changes.
 */
#include "notebook_priv.h"
#include "model/ipynb.h"
#include "model/nblang.h"
#include "../src/util/b64.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const pane_ops nb_ops;

nb_cell *nbp_cell(nb_pane *np)
{
	if (np->nb->ncells == 0)
		nb_insert(np->nb, 0, NB_CODE);
	if (np->sel >= np->nb->ncells)
		np->sel = np->nb->ncells - 1;
	return np->nb->cells[np->sel];
}

nbp_cellview *nbp_view_of(nb_pane *np, const nb_cell *c)
{
	for (size_t i = 0; i < np->ncv; i++)
		if (strcmp(np->cv[i].id, c->id) == 0)
			return &np->cv[i];
	np->cv = xrealloc(np->cv, (np->ncv + 1) * sizeof *np->cv);
	nbp_cellview *v = &np->cv[np->ncv++];
	memset(v, 0, sizeof *v);
	v->id = xstrdup(c->id);
	return v;
}

void nbp_sync_editor(nb_pane *np)
{
	if (!np->editing || !np->ed || ed_version(np->ed) == np->ed_synced)
		return;
	nb_cell *c = nbp_cell(np);
	size_t len;
	const char *t = ed_text(np->ed, &len);
	if (strlen(c->source) != len || memcmp(c->source, t, len) != 0)
		nb_cell_set_source(np->nb, c, t, len);
	np->ed_synced = ed_version(np->ed);
}

int nbp_dirty(nb_pane *np)
{
	nbp_sync_editor(np);
	return np->nb->version != np->saved_version;
}

void nbp_set_path(nb_pane *np, const char *path)
{
	/* path may be np->path itself */
	char *copy = path ? xstrdup(path) : NULL;
	free(np->path);
	free(np->name);
	np->path = copy;
	if (path) {
		path = copy;
		const char *slash = strrchr(path, '/');
		np->name = xstrdup(slash ? slash + 1 : path);
	} else {
		np->name = xstrdup("untitled");
	}
}

/* --- modes ------------------------------------------------------------- */

static void enter_edit(nb_pane *np, int at_end)
{
	nb_cell *c = nbp_cell(np);
	if (!np->ed)
		np->ed = ed_new();
	char lang[NB_LANG_MAX];
	ed_set_syntax(np->ed, ed_syntax_for(nb_lang_cell(np->nb, c, lang)));
	ed_set_text(np->ed, c->source, strlen(c->source));
	if (at_end)
		ed_move(np->ed, ED_BUF_END, 0);
	np->ed_synced = ed_version(np->ed);
	np->editing = 1;
	np->hscroll = 0;
	np->follow = 2;
}

static void leave_edit(nb_pane *np)
{
	nbp_sync_editor(np);
	np->editing = 0;
	np->follow = 1;
}

static void select_cell(nb_pane *np, size_t i)
{
	if (np->editing)
		leave_edit(np);
	if (np->nb->ncells == 0)
		nbp_cell(np);
	np->sel = i < np->nb->ncells ? i : np->nb->ncells - 1;
	np->follow = 1;
}

/* --- structure --------------------------------------------------------- */

static void push_undo(nb_pane *np, nb_cell *c, size_t index)
{
	if (np->nundo == NBP_UNDO_MAX) {
		nb_cell_free(np->undo[0].cell);
		memmove(np->undo, np->undo + 1, (NBP_UNDO_MAX - 1) * sizeof *np->undo);
		np->nundo--;
	}
	np->undo[np->nundo++] = (nbp_deleted){ c, index };
}

static nb_cell *detach_sel(nb_pane *np)
{
	if (np->editing)
		leave_edit(np);
	nb_cell *c = nb_detach(np->nb, np->sel);
	if (np->nb->ncells == 0)
		nb_insert(np->nb, 0, NB_CODE);
	if (np->sel >= np->nb->ncells)
		np->sel = np->nb->ncells - 1;
	np->follow = 1;
	return c;
}

static void insert_new(nb_pane *np, size_t at)
{
	if (np->editing)
		leave_edit(np);
	/* (in the notebook's language: the selected cell's own may be one
	 * the notebook left behind, kept for the outputs it made) */
	nb_insert(np->nb, at, NB_CODE);
	np->sel = at;
	np->follow = 1;
}

static void move_sel(nb_pane *np, int delta)
{
	size_t to = np->sel;
	if (delta < 0 && np->sel == 0)
		return;
	if (delta > 0 && np->sel + 1 >= np->nb->ncells)
		return;
	to = delta < 0 ? np->sel - 1 : np->sel + 1;
	nbp_sync_editor(np);
	if (nb_move(np->nb, np->sel, to, NULL) == 0)
		np->sel = to;
	np->follow = 1;
}

static void scroll_output(nb_pane *np, int delta)
{
	nbp_cellview *v = nbp_view_of(np, nbp_cell(np));
	v->out_scroll += delta;
	if (v->out_scroll < 0)
		v->out_scroll = 0;   /* the draw clamps the top end */
	np->follow = 1;
}

static void toggle_chart_data(nb_pane *np)
{
	nb_cell *c = nbp_cell(np);
	for (size_t i = 0; i < c->noutputs; i++) {
		const nb_output *o = &c->outputs[i];
		if (nb_output_json(o, NB_MIME_E2B_CHART) || nb_output_json(o, NB_MIME_E2B_DATA)) {
			nbp_cellview *v = nbp_view_of(np, c);
			v->show_data = !v->show_data;
			v->out_scroll = 0;
			app_info(np->base.app, v->show_data ? "showing the chart's data" : "showing the chart");
			return;
		}
	}
	app_info(np->base.app, "this cell has no chart or table output");
}

/* --- running ------------------------------------------------------------ */

static void run_sel(nb_pane *np, int then /* 0 stay, 1 next, 2 insert below */)
{
	nb_cell *c = nbp_cell(np);
	if (np->editing)
		leave_edit(np);
	size_t i = np->sel;
	if (c->type == NB_CODE)
		nbp_run_cells(np, i, i + 1);
	if (then == 1) {
		if (i + 1 >= np->nb->ncells) {
			insert_new(np, i + 1);
			enter_edit(np, 0);
		} else {
			select_cell(np, i + 1);
		}
	} else if (then == 2) {
		insert_new(np, i + 1);
		enter_edit(np, 0);
	}
}

/* --- the editor ---------------------------------------------------------- */

static int edit_action(nb_pane *np, ui_action act)
{
	editor *ed = np->ed;
	np->follow = 2;
	switch (act) {
	case A_ED_LEFT: ed_move(ed, ED_LEFT, 0); break;
	case A_ED_RIGHT: ed_move(ed, ED_RIGHT, 0); break;
	case A_ED_UP:
		if (!ed_move(ed, ED_UP, 0) && np->sel > 0) {
			select_cell(np, np->sel - 1);
			enter_edit(np, 1);
		}
		break;
	case A_ED_DOWN:
		if (!ed_move(ed, ED_DOWN, 0) && np->sel + 1 < np->nb->ncells) {
			select_cell(np, np->sel + 1);
			enter_edit(np, 0);
		}
		break;
	case A_ED_WORD_LEFT: ed_move(ed, ED_WORD_LEFT, 0); break;
	case A_ED_WORD_RIGHT: ed_move(ed, ED_WORD_RIGHT, 0); break;
	case A_ED_LINE_START: ed_move(ed, ED_LINE_START, 0); break;
	case A_ED_LINE_END: ed_move(ed, ED_LINE_END, 0); break;
	case A_ED_BUF_START: ed_move(ed, ED_BUF_START, 0); break;
	case A_ED_BUF_END: ed_move(ed, ED_BUF_END, 0); break;
	case A_ED_SEL_LEFT: ed_move(ed, ED_LEFT, 1); break;
	case A_ED_SEL_RIGHT: ed_move(ed, ED_RIGHT, 1); break;
	case A_ED_SEL_UP: ed_move(ed, ED_UP, 1); break;
	case A_ED_SEL_DOWN: ed_move(ed, ED_DOWN, 1); break;
	case A_ED_SEL_WORD_LEFT: ed_move(ed, ED_WORD_LEFT, 1); break;
	case A_ED_SEL_WORD_RIGHT: ed_move(ed, ED_WORD_RIGHT, 1); break;
	case A_ED_SEL_LINE_START: ed_move(ed, ED_LINE_START, 1); break;
	case A_ED_SEL_LINE_END: ed_move(ed, ED_LINE_END, 1); break;
	case A_ED_SELECT_ALL: ed_select_all(ed); break;
	case A_ED_NEWLINE: ed_newline(ed); break;
	case A_ED_INDENT: ed_indent(ed); break;
	case A_ED_DEDENT: ed_dedent(ed); break;
	case A_ED_BACKSPACE: ed_backspace(ed); break;
	case A_ED_DELETE: ed_delete(ed); break;
	case A_ED_DELETE_WORD_BACK: ed_delete_word_back(ed); np->ed_clip_own = 0; break;
	case A_ED_DELETE_WORD_FORWARD: ed_delete_word_forward(ed); np->ed_clip_own = 0; break;
	case A_ED_KILL_LINE: ed_kill_line(ed); np->ed_clip_own = 0; break;
	case A_ED_COPY:
	case A_ED_CUT: {
		char *t = ed_selected_text(ed);
		if (!t) {
			app_info(np->base.app, "select text first (Shift with the arrows, M-a for all)");
			break;
		}
		free(np->ed_clip);
		np->ed_clip = t;
		np->ed_clip_own = 1;
		/* also to the user's terminal clipboard (OSC 52), where supported */
		char *b = b64_encode(t, strlen(t));
		sbx_buf osc = SBX_BUF_INIT;
		buf_printf(&osc, "\033]52;c;%s\a", b);
		app_tty_write(np->base.app, osc.data, osc.len);
		buf_free(&osc);
		free(b);
		if (act == A_ED_CUT)
			ed_delete(ed);
		break;
	}
	case A_ED_PASTE:
		if (np->ed_clip_own && np->ed_clip)
			ed_paste(ed, np->ed_clip, strlen(np->ed_clip));
		else
			ed_yank(ed);
		break;
	case A_ED_UNDO: ed_undo(ed); break;
	case A_ED_REDO: ed_redo(ed); break;
	default: np->follow = 0; return 0;
	}
	return 1;
}

/* --- ops ---------------------------------------------------------------- */

static void nbo_title(pane *p, char *out, size_t n)
{
	nb_pane *np = (nb_pane *)p;
	/* the notebook's language, as Jupyter shows its kernel at the top;
	 * a Python notebook's title stays as it was */
	char lang[NB_LANG_MAX];
	int py = strcmp(nb_lang_notebook(np->nb, lang), "python") == 0;
	snprintf(out, n, "notebook %s%s%s%s%s", np->name, nbp_dirty(np) ? "*" : "", py ? "" : " [", py ? "" : lang,
		 py ? "" : "]");
}

static keymode nbo_mode(pane *p)
{
	return ((nb_pane *)p)->editing ? KM_EDIT : KM_NOTEBOOK;
}

static void nbo_draw(pane *p, WINDOW *w, int focused)
{
	nbp_draw((nb_pane *)p, w, focused);
}

static int page_rows(nb_pane *np)
{
	return np->base.rows > 3 ? np->base.rows - 2 : 1;
}

static void select_row(nb_pane *np, int y)
{
	nbview_part part;
	int sub;
	long i = nbview_hit(&np->view, y, &part, &sub);
	if (i < 0 && np->nb->ncells)
		i = y < 0 ? 0 : (long)np->nb->ncells - 1;
	if (i >= 0)
		select_cell(np, (size_t)i);
}

static int nbo_action(pane *p, ui_action act)
{
	nb_pane *np = (nb_pane *)p;
	app *a = p->app;
	int r = 1;
	if (np->editing && act >= A_ED_LEFT && act <= A_ED_REDO) {
		r = edit_action(np, act);
		app_dirty(a);
		return r;
	}
	switch (act) {
	case A_NB_EDIT:
		enter_edit(np, 0);
		break;
	case A_NB_COMMAND_MODE:
		if (np->editing)
			leave_edit(np);
		break;
	case A_NB_RUN: run_sel(np, 0); break;
	case A_NB_RUN_ADVANCE: run_sel(np, 1); break;
	case A_NB_RUN_INSERT: run_sel(np, 2); break;
	case A_NB_RUN_ALL:
		if (np->editing)
			leave_edit(np);
		nbp_run_cells(np, 0, np->nb->ncells);
		break;
	case A_NB_INSERT_ABOVE: insert_new(np, np->sel); break;
	case A_NB_INSERT_BELOW: insert_new(np, np->sel + 1); break;
	case A_NB_DELETE: {
		size_t at = np->sel;
		push_undo(np, detach_sel(np), at);
		break;
	}
	case A_NB_UNDO_DELETE:
		if (np->nundo == 0) {
			app_info(a, "no deleted cell to bring back");
			break;
		}
		np->nundo--;
		if (np->editing)
			leave_edit(np);
		nb_insert_cell(np->nb, np->undo[np->nundo].index, np->undo[np->nundo].cell);
		np->sel = np->undo[np->nundo].index < np->nb->ncells ? np->undo[np->nundo].index
								      : np->nb->ncells - 1;
		np->follow = 1;
		break;
	case A_NB_CUT:
		if (np->clip)
			nb_cell_free(np->clip);
		np->clip = detach_sel(np);
		break;
	case A_NB_COPY:
		nbp_sync_editor(np);
		if (np->clip)
			nb_cell_free(np->clip);
		np->clip = nb_cell_clone(nbp_cell(np));
		app_info(a, "cell copied");
		break;
	case A_NB_PASTE:
		if (!np->clip) {
			app_info(a, "nothing to paste: cut (x) or copy (c) a cell first");
			break;
		}
		if (np->editing)
			leave_edit(np);
		nb_insert_cell(np->nb, np->sel + 1, nb_cell_clone(np->clip));
		np->sel++;
		np->follow = 1;
		break;
	case A_NB_MOVE_UP: move_sel(np, -1); break;
	case A_NB_MOVE_DOWN: move_sel(np, 1); break;
	case A_NB_TO_MARKDOWN:
		nbp_sync_editor(np);
		nb_cell_set_type(np->nb, nbp_cell(np), NB_MARKDOWN);
		break;
	case A_NB_TO_CODE:
		nbp_sync_editor(np);
		nb_cell_set_type(np->nb, nbp_cell(np), NB_CODE);
		break;
	case A_NB_CLEAR_OUTPUT:
		nb_cell_clear_outputs(np->nb, nbp_cell(np));
		break;
	case A_NB_CLEAR_ALL:
		for (size_t i = 0; i < np->nb->ncells; i++)
			if (np->nb->cells[i]->noutputs)
				nb_cell_clear_outputs(np->nb, np->nb->cells[i]);
		break;
	case A_NB_INTERRUPT: nbp_interrupt(np); break;
	case A_NB_RESTART: nbp_restart(np); break;
	case A_NB_SAVE:
		if (np->path)
			nbp_save(np, np->path);
		else
			nbp_save_as(np);
		break;
	case A_NB_SAVE_AS: nbp_save_as(np); break;
	case A_NB_KERNEL: nbp_pick_kernel(np); break;
	case A_NB_CELL_LANGUAGE: nbp_pick_cell_language(np); break;
	case A_NB_CHART_DATA: toggle_chart_data(np); break;
	case A_NB_SAVE_OUTPUT: nbp_save_output(np); break;
	case A_NB_SCROLL_OUTPUT_UP: scroll_output(np, -3); break;
	case A_NB_SCROLL_OUTPUT_DOWN: scroll_output(np, 3); break;
	case A_LIST_UP:
		if (np->sel > 0)
			select_cell(np, np->sel - 1);
		break;
	case A_LIST_DOWN:
		if (np->sel + 1 < np->nb->ncells)
			select_cell(np, np->sel + 1);
		break;
	case A_LIST_TOP: select_cell(np, 0); break;
	case A_LIST_BOTTOM: select_cell(np, np->nb->ncells ? np->nb->ncells - 1 : 0); break;
	case A_LIST_PAGE_UP:
		nbview_set_scroll(&np->view, np->view.scroll - page_rows(np), p->rows);
		select_row(np, 0);
		np->follow = 0;
		break;
	case A_LIST_PAGE_DOWN:
		nbview_set_scroll(&np->view, np->view.scroll + page_rows(np), p->rows);
		select_row(np, 0);
		np->follow = 0;
		break;
	default:
		r = 0;
		break;
	}
	if (r)
		app_dirty(a);
	return r;
}

static int nbo_key(pane *p, ui_key k)
{
	nb_pane *np = (nb_pane *)p;
	if (!np->editing)
		return 0;
	if (k.code >= UK_BASE || (k.mods & (KEY_CTRL | KEY_ALT)) || k.code < 0x20 || k.code == 0x7f)
		return 0;
	ed_insert_char(np->ed, k.code);
	np->follow = 2;
	app_dirty(p->app);
	return 1;
}

static void nbo_paste(pane *p, const char *s, size_t len)
{
	nb_pane *np = (nb_pane *)p;
	/* pasted text is never dropped: in command mode it goes into the
	 * selected cell at its end */
	if (!np->editing)
		enter_edit(np, 1);
	ed_paste(np->ed, s, len);
	np->follow = 2;
	app_dirty(p->app);
}

static int nbo_mouse(pane *p, const ui_mouse *m)
{
	nb_pane *np = (nb_pane *)p;
	if (m->button == MOUSE_WHEEL_UP || m->button == MOUSE_WHEEL_DOWN) {
		nbview_set_scroll(&np->view, np->view.scroll + (m->button == MOUSE_WHEEL_UP ? -3 : 3), p->rows);
		np->follow = 0;
		app_dirty(p->app);
		return 1;
	}
	if (m->button != MOUSE_LEFT || !m->pressed || m->motion)
		return 0;
	nbview_part part;
	int sub;
	long i = nbview_hit(&np->view, m->y - np->banner_rows, &part, &sub);
	if (i < 0)
		return 1;
	nb_cell *c = np->nb->cells[i];
	int in_source = part == NBV_SOURCE && m->x >= NBP_GUTTER;
	if ((size_t)i != np->sel || !np->editing)
		select_cell(np, (size_t)i);
	if (in_source && c->type != NB_RAW) {
		if (!np->editing)
			enter_edit(np, 0);
		ed_set_cursor_pos(np->ed, (size_t)sub, m->x - NBP_GUTTER - 1 + np->hscroll);
		np->follow = 2;
	}
	app_dirty(p->app);
	return 1;
}

static void nbo_resize(pane *p, int cols, int rows)
{
	(void)cols;
	nb_pane *np = (nb_pane *)p;
	np->follow = np->editing ? 2 : 1;
	nbview_set_scroll(&np->view, np->view.scroll, rows);
}

static int nbo_cursor(pane *p, int *y, int *x)
{
	return nbp_cursor((nb_pane *)p, y, x);
}

static void nbo_overlay(pane *p, int y0, int x0)
{
	nb_pane *np = (nb_pane *)p;
	/* pixels stay on screen until cells are rewritten under them: emit
	 * again only when the pictures moved or the app repainted (epoch) */
	unsigned epoch = app_gfx_epoch(p->app);
	if (np->emitted_epoch == epoch && gfx_places_equal(&np->places, &np->emitted) && np->emitted_y0 == y0 &&
	    np->emitted_x0 == x0)
		return;
	gfx_overlay(p->app, &np->places, y0, x0);
	gfx_places_copy(&np->emitted, &np->places);
	np->emitted_epoch = epoch;
	np->emitted_y0 = y0, np->emitted_x0 = x0;
}

static void nbo_status(pane *p, sbx_buf *out)
{
	nb_pane *np = (nb_pane *)p;
	static const char *const names[] = { "idle", "busy", "dead" };
	buf_printf(out, "kernel: %s", names[np->kernel]);
	if (np->nqueue)
		buf_printf(out, " (%zu queued)", np->nqueue);
	if (np->context_id)
		buf_printf(out, " ctx %.8s", np->context_id);
}

static void nbo_sandbox_state(pane *p)
{
	nb_pane *np = (nb_pane *)p;
	if (p->session && p->session->state == SESSION_GONE) {
		free(np->banner);
		sbx_buf b = SBX_BUF_INIT;
		buf_printf(&b, "sandbox gone: %s \xe2\x80\x94 outputs kept; save with C-s",
			   p->session->gone_reason ? p->session->gone_reason : "it no longer exists");
		np->banner = buf_detach(&b);
		nbp_sandbox_gone(np);
	}
	app_dirty(p->app);
}

static void close_answer(app *a, int ok, void *ud)
{
	nb_pane *np = ud;
	if (!ok)
		return;
	nbp_autosave_discard(np);
	np->saved_version = np->nb->version;   /* nothing left to keep */
	app_close_pane(a, &np->base);
}

static int nbo_can_close(pane *p)
{
	nb_pane *np = (nb_pane *)p;
	if (!nbp_dirty(np))
		return 1;
	char q[512];
	snprintf(q, sizeof q, "Discard unsaved changes to %s?", np->path ? np->path : np->name);
	app_confirm(p->app, p, q, close_answer, np);
	return 0;
}

static void nbo_free(pane *p)
{
	nb_pane *np = (nb_pane *)p;
	/* closing with unsaved changes (quit, detach) keeps them as an autosave */
	if (nbp_dirty(np))
		nbp_autosave_now(np);
	nbp_autosave_stop(np);
	nbp_run_free(np);
	if (np->ed)
		ed_free(np->ed);
	nbview_free(&np->view);
	for (size_t i = 0; i < np->ncv; i++) {
		free(np->cv[i].id);
		orows_free(&np->cv[i].rows);
	}
	free(np->cv);
	free(np->lay);
	free(np->lay_cv);
	if (np->clip)
		nb_cell_free(np->clip);
	for (size_t i = 0; i < np->nundo; i++)
		nb_cell_free(np->undo[i].cell);
	gfx_places_free(&np->places);
	gfx_places_free(&np->shown);
	gfx_places_free(&np->emitted);
	nb_free(np->nb);
	free(np->path);
	free(np->name);
	free(np->restored_from);
	free(np->banner);
	free(np->ed_clip);
	free(np);
}

static const pane_ops nb_ops = {
	.kind = PANE_NOTEBOOK,
	.title = nbo_title,
	.mode = nbo_mode,
	.draw = nbo_draw,
	.action = nbo_action,
	.key = nbo_key,
	.paste = nbo_paste,
	.mouse = nbo_mouse,
	.resize = nbo_resize,
	.cursor = nbo_cursor,
	.overlay = nbo_overlay,
	.status = nbo_status,
	.sandbox_state = nbo_sandbox_state,
	.can_close = nbo_can_close,
	.free = nbo_free,
};

pane *nbp_new_with(app *a, session *s, notebook *nb, const char *path, sbx_err *e)
{
	(void)e;
	nb_pane *np = xcalloc(1, sizeof *np);
	np->base.ops = &nb_ops;
	np->base.app = a;
	np->base.session = s;
	np->nb = nb;
	if (nb->ncells == 0) {
		nb_insert(nb, 0, NB_CODE);
	}
	np->saved_version = nb->version;
	np->autosaved_version = nb->version;
	nbp_set_path(np, path);
	nbview_init(&np->view);
	np->follow = 1;
	np->kernel = s && s->state == SESSION_GONE ? KERNEL_DEAD : KERNEL_IDLE;
	nbp_autosave_start(np);
	nbp_langs_load(np);   /* for the pickers, before they are wanted */
	if (s && s->state == SESSION_GONE)
		nbo_sandbox_state(&np->base);
	return &np->base;
}

pane *pane_notebook_new(app *a, session *s, const char *ipynb_path, sbx_err *e)
{
	notebook *nb;
	struct stat st;
	if (ipynb_path && stat(ipynb_path, &st) == 0) {
		nb = ipynb_load(ipynb_path, e);
		if (!nb)
			return NULL;
	} else if (ipynb_path && errno != ENOENT) {
		sbx_error_errno(e, "cannot open the notebook %s", ipynb_path);
		return NULL;
	} else {
		nb = nb_new();
	}
	return nbp_new_with(a, s, nb, ipynb_path, e);
}
