/*
 * app: the workbench — one curses screen, one sbx_loop over stdin, PTY
 * streams and libcurl sockets, tabs (the home tab with the sandboxes pane,
 * then one per attached sandbox), and the services panes use: messages,
 * dialogs, opening and closing panes, graphics.
 *
 * Everything here runs on the loop's thread.  Dialog callbacks run exactly
 * once: with the answer, or as cancelled (ok == 0) when the user dismissed
 * it or when the pane that asked was closed first (so a pane's ud stays
 * valid for the callback).
 */
#ifndef SBX_UI_APP_H
#define SBX_UI_APP_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "pane.h"
#include "session.h"
#include "model/imgcache.h"
#include "model/theme.h"
#include "../src/client/libsbx.h"

typedef struct app_opts {
	const char *exe;          /* the sbx binary (to start sbxd) */
	const char *theme;        /* NULL: the config's, else "default" */
	const char *notebook;     /* an .ipynb to open in the first sandbox */
	const char *attach;       /* a sandbox id (prefix) to attach at start */
	int no_sixel;             /* force the text fallback */
	int no_mouse;
} app_opts;

/* Runs the workbench until the user quits; returns the exit status. */
int app_main(const app_opts *o);

/* --- services for panes ------------------------------------------------- */
sbx_client *app_client(app *a);
sbx_loop *app_loop(app *a);
ui_attr app_th(app *a, theme_elem el);          /* the theme's attribute for el */
const keytable *app_keys(app *a);
/* "F5" or "C-e": the first key bound to action in mode, for hints. */
const char *app_key_hint(app *a, keymode m, ui_action act, char *out, size_t n);
const char *app_state_dir(app *a);              /* $XDG_STATE_HOME/sbx */
const char *app_session_tag(app *a);            /* unique per run (autosave names) */
/* Milliseconds on a monotonic clock, for spinners and ages. */
int64_t app_now_ms(app *a);

/* Redraw at the next loop turn (cheap; call after any visible change). */
void app_dirty(app *a);
/* A message in the status bar until the next key (errors stay longer and
 * are kept in the message log, shown by the `messages` command). */
void app_info(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_error(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Long operations: a labelled progress entry in the status bar, updated
 * by handle (frac < 0: unknown), removed with app_progress_end. */
int app_progress_begin(app *a, const char *label);
void app_progress_set(app *a, int handle, double frac, const char *label /* NULL: keep */);
void app_progress_end(app *a, int handle);

/* Dialogs (modal, one at a time; a second one waits for the first). */
typedef void (*app_confirm_cb)(app *a, int ok, void *ud);
void app_confirm(app *a, pane *owner, const char *question, app_confirm_cb cb, void *ud);
/* text: the line typed (valid during the callback); NULL when cancelled. */
typedef void (*app_prompt_cb)(app *a, const char *text, void *ud);
void app_prompt(app *a, pane *owner, const char *title, const char *initial, app_prompt_cb cb, void *ud);
/* index: the item chosen, -1 when cancelled.  items are copied. */
typedef void (*app_pick_cb)(app *a, int index, void *ud);
void app_pick(app *a, pane *owner, const char *title, const char *const *items, size_t n, int selected,
	      app_pick_cb cb, void *ud);

/* A form: labelled fields the user tabs through. */
typedef enum { FIELD_TEXT, FIELD_TOGGLE, FIELD_CHOICE } app_field_kind;
typedef struct app_field {
	const char *label;
	app_field_kind kind;
	const char *text;                 /* TEXT: initial value */
	int value;                        /* TOGGLE: 0/1; CHOICE: index */
	const char *const *choices;       /* CHOICE */
	size_t nchoices;
	const char *hint;                 /* one line under the field, may be NULL */
	/* CHOICE, may be NULL: per choice, why it cannot be chosen (NULL: it
	 * can).  Shown under the field while chosen; OK is refused then. */
	const char *const *notes;
} app_field;
/* fields (labels, texts, choices, hints) are copied.
 * On ok, values[i] is field i's text ("0"/"1" for toggles, the chosen
 * text for choices); valid during the callback.  values NULL: cancelled. */
typedef void (*app_form_cb)(app *a, const char *const *values, void *ud);
void app_form(app *a, pane *owner, const char *title, const app_field *fields, size_t n, app_form_cb cb,
	      void *ud);

/* Panes.  app_add_pane splits the focused pane of s's tab (NULL: home)
 * and focuses the new one, taking ownership. */
void app_add_pane(app *a, session *s, pane *p, int vertical /* 1: below, 0: right */);
/* Closes (frees after the current callback returns) without asking. */
void app_close_pane(app *a, pane *p);
int app_pane_focused(app *a, pane *p);

/* Sessions.  Attach opens (or switches to) the tab of a sandbox the
 * control plane described (a notebook, a terminal and the files are
 * opened in it); info must carry the access token (sbx_api_connect's
 * answer). */
session *app_attach(app *a, const sbx_info *info);
session *app_find_session(app *a, const char *sandbox_id);
/* Switches to s's tab. */
void app_show_session(app *a, session *s);
/* Fresh facts about an attached sandbox (a Connect answer's new tokens,
 * its state, end time, runtime): updates its session and tells its panes,
 * without switching tabs.  No-op when it is not attached. */
void app_session_update(app *a, const sbx_info *info);
/* The control plane says a sandbox changed (from the sandboxes pane's
 * refresh, or an action's answer): updates its session if attached and
 * tells its panes.  reason: for GONE. */
void app_sandbox_state(app *a, const char *sandbox_id, session_state st, const char *reason);
/* Closes a session's tab and its panes. */
void app_detach(app *a, session *s);

/* Graphics. */
typedef struct app_gfx {
	int sixel;                /* the terminal draws sixel (DA1 said 4) */
	int cell_w, cell_h;       /* a cell's pixels; 0 when unknown */
	int colors;               /* curses COLORS bucket: 256, 16, 8 or 0 */
	int sixel_registers;      /* colour registers (XTSMGRAPHICS), 256 when unsaid */
} app_gfx;
const app_gfx *app_graphics(app *a);
imgcache *app_imgcache(app *a);
/* Bumped whenever the screen's cells may have been rewritten under an
 * image (resize, redraw, an overlay or dialog closed, a tab switch): an
 * overlay op re-emits its images when this changed since it last did, or
 * when an image moved. */
unsigned app_gfx_epoch(app *a);
/* Writes a sixel string at screen cell (y, x): save cursor, move, the
 * DCS, restore cursor.  Only from a pane's overlay op. */
void app_sixel(app *a, int y, int x, const void *data, size_t len);
/* Writes raw bytes to the user's terminal (OSC 52 copy, bell). */
void app_tty_write(app *a, const void *data, size_t len);

#endif
