/*
 * notebook_cells: what other panes may do to a notebook pane — append a
 * cell and have the notebook's own runner run it (same kernel context,
 * same queue, outputs and charts shown as for the user's cells), watch it
 * finish, stop it, add outputs to a cell (pane_notebook.h).  The AI pane
 * writes its cells through here.
 */
#include "notebook_priv.h"
#include "model/nblang.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static nb_pane *as_nb(pane *p)
{
	return p && p->ops->kind == PANE_NOTEBOOK ? (nb_pane *)p : NULL;
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

char *notebook_add_cell(pane *p, nb_cell_type type, const char *source, int run, notebook_cell_cb done,
			void *ud, sbx_err *e)
{
	nb_pane *np = as_nb(p);
	if (!np || np->closing) {
		sbx_error(e, "the notebook is closing: open another with M-n");
		return NULL;
	}
	size_t n = np->nb->ncells;
	nb_cell *last = n ? np->nb->cells[n - 1] : NULL;
	nb_cell *c;
	size_t at;
	/* a fresh notebook's empty first cell (or one left at the end) is used */
	if (last && last->type == NB_CODE && blank(last->source) && !last->noutputs && !nbp_is_running(np, last) &&
	    !nbp_is_queued(np, last) && !(np->editing && np->sel == n - 1)) {
		c = last;
		at = n - 1;
		if (type != NB_CODE)
			nb_cell_set_type(np->nb, c, type);
	} else {
		at = n;
		c = nb_insert(np->nb, at, type);
	}
	nb_cell_set_source(np->nb, c, source, strlen(source));
	nb_lang_set_cell(np->nb, c, "python");
	if (!np->editing)
		np->sel = at;
	np->follow = 1;
	char *id = xstrdup(c->id);
	if (run && type == NB_CODE) {
		if (done) {
			np->watch = xrealloc(np->watch, (np->nwatch + 1) * sizeof *np->watch);
			np->watch[np->nwatch++] = (nbp_watch){ xstrdup(id), done, ud, 0, 0 };
		}
		nbp_run_cells(np, at, at + 1);
		/* refused (no sandbox, paused, gone): its watcher hears at once */
		if (done && !nbp_is_running(np, c) && !nbp_is_queued(np, c))
			nbp_watch_end(np, id, 0);
	}
	app_dirty(p->app);
	return id;
}

notebook *notebook_doc(pane *p)
{
	nb_pane *np = as_nb(p);
	return np ? np->nb : NULL;
}

nb_cell *notebook_cell(pane *p, const char *id)
{
	nb_pane *np = as_nb(p);
	long i = np && id ? nb_find(np->nb, id) : -1;
	return i < 0 ? NULL : np->nb->cells[i];
}

void notebook_changed(pane *p)
{
	nb_pane *np = as_nb(p);
	if (!np)
		return;
	if (!np->editing)
		np->follow = 1;
	app_dirty(p->app);
}

void notebook_stop_cell(pane *p, const char *id)
{
	nb_pane *np = as_nb(p);
	if (np && id)
		nbp_stop_cell(np, id);
}

void notebook_forget(pane *p, void *ud)
{
	nb_pane *np = as_nb(p);
	if (!np)
		return;
	size_t k = 0;
	for (size_t i = 0; i < np->nwatch; i++) {
		if (np->watch[i].ud == ud)
			free(np->watch[i].id);
		else
			np->watch[k++] = np->watch[i];
	}
	np->nwatch = k;
}
