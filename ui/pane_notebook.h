/*
 * pane_notebook: the notebook pane (its constructor is in pane.h) and the
 * offer to bring back notebooks an earlier run did not save.
 */
#ifndef SBX_UI_PANE_NOTEBOOK_H
#define SBX_UI_PANE_NOTEBOOK_H
#include "app.h"
#include "model/notebook.h"

/* Lists the autosaves and, when there are any, asks (app_pick) which to
 * restore into a new notebook pane of s, or to discard them all. */
void notebook_offer_restore(app *a, session *s);

/* --- cells written by another pane (the AI pane) -------------------------
 * p must be a notebook pane (PANE_NOTEBOOK); the functions refuse others. */

/* Runs exactly once, from the loop, when the watched cell finished (ran:
 * 1, it ran to its end — outputs and count in c — whatever it raised) or
 * will not (ran 0: interrupted, failed to start, deleted, the kernel
 * restarted; c may be NULL).  When the notebook pane closes it runs, during
 * the close, with c NULL and ran 0: the pane must not be used after. */
typedef void (*notebook_cell_cb)(pane *p, const nb_cell *c, int ran, void *ud);

/* Appends a cell with that source (a trailing empty code cell nobody is
 * editing is reused), selects it when the user is not editing, and when
 * run is set (code cells) queues it on the notebook's runner with done
 * (may be NULL) watching it.  Code cells are Python (what the AI pane
 * writes): in a notebook of another language they get Python as their own
 * language.  Returns the cell's id (heap), or NULL with e (not a notebook,
 * closing). */
char *notebook_add_cell(pane *p, nb_cell_type type, const char *source, int run, notebook_cell_cb done,
			void *ud, sbx_err *e);
/* The document and one of its cells by id (NULL when deleted), to append
 * outputs to a cell the runner does not run; call notebook_changed after. */
notebook *notebook_doc(pane *p);
nb_cell *notebook_cell(pane *p, const char *id);
void notebook_changed(pane *p);
/* Stops the cell if it runs or waits (its watchers then see ran 0, unless
 * forgotten first); the user's other queued cells keep their turn. */
void notebook_stop_cell(pane *p, const char *id);
/* Drops every watch ud has, without calling them. */
void notebook_forget(pane *p, void *ud);

#endif
