/*
 * pane_notebook: the notebook pane (its constructor is in pane.h) and the
 * offer to bring back notebooks an earlier run did not save.
 */
#ifndef SBX_UI_PANE_NOTEBOOK_H
#define SBX_UI_PANE_NOTEBOOK_H
#include "app.h"

/* Lists the autosaves and, when there are any, asks (app_pick) which to
 * restore into a new notebook pane of s, or to discard them all. */
void notebook_offer_restore(app *a, session *s);

#endif
