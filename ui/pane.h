/*
 * pane: what every pane of the workbench implements (sandboxes, notebook,
 * terminal, files, viewer, console, AI).  The app owns the layout, the borders, the
 * status bar, overlays and key lookup; a pane draws its inside and handles
 * what the key table resolved for its mode.
 *
 * A pane embeds `pane` as its first member.  Every op may be NULL except
 * title, mode, draw and free.  Coordinates given to a pane are relative to
 * its inside (the area within its border), sizes are that area's.
 * Panes never block: everything slow goes through libsbx on the app's loop,
 * and a pane that changed what it shows calls app_dirty().
 */
#ifndef SBX_UI_PANE_H
#define SBX_UI_PANE_H
#include <stddef.h>
#include "curses_inc.h"
#include "model/keys.h"
#include "model/keytable.h"
#include "../src/util/buf.h"

typedef struct app app;
typedef struct session session;
typedef struct pane pane;

typedef enum { PANE_SANDBOXES, PANE_NOTEBOOK, PANE_TERMINAL, PANE_FILES, PANE_VIEWER, PANE_CONSOLE,
	       PANE_AI, PANE_PORTS } pane_kind;

enum { MOUSE_LEFT = 1, MOUSE_MIDDLE = 2, MOUSE_RIGHT = 3, MOUSE_WHEEL_UP = 4, MOUSE_WHEEL_DOWN = 5 };

typedef struct ui_mouse {
	int x, y;           /* pane-inside cells; may be outside while dragging */
	int button;         /* MOUSE_*; 0 for motion */
	int pressed;        /* 1 press, 0 release (wheel: always 1) */
	int motion;         /* movement with `button` held (a drag) */
	unsigned mods;      /* KEY_CTRL | KEY_ALT | KEY_SHIFT */
	int screen_x, screen_y; /* the same in screen cells (for programs asking for mouse) */
	int clicks;         /* presses: 2 for a double click at the same cell */
} ui_mouse;

typedef struct pane_ops {
	pane_kind kind;
	/* Border title, e.g. "notebook untitled-1*" (n >= 64). */
	void (*title)(pane *p, char *out, size_t n);
	/* The key-table mode keys are looked up in (the app adds global). */
	keymode (*mode)(pane *p);
	/* Draw the inside: w is exactly the pane's inside, already erased
	 * with the theme's normal colours. */
	void (*draw)(pane *p, WINDOW *w, int focused);
	/* A bound action of the pane's mode, or a global one the app leaves
	 * to panes.  Returns 1 when it meant something here. */
	int (*action)(pane *p, ui_action a);
	/* A key no binding took: typed text in edit mode, everything for the
	 * program in terminal mode.  Returns 1 when used. */
	int (*key)(pane *p, ui_key k);
	/* Bracketed paste from the user's terminal. */
	void (*paste)(pane *p, const char *s, size_t len);
	/* 1 when used. */
	int (*mouse)(pane *p, const ui_mouse *m);
	/* The inside got this size (also before the first draw). */
	void (*resize)(pane *p, int cols, int rows);
	/* 1 with (y, x) inside the pane when the hardware cursor should show
	 * there (editing, terminal); 0 hides it. */
	int (*cursor)(pane *p, int *y, int *x);
	/* The cursor's shape as DECSCUSR numbers (2 block, 4 underline, 6
	 * bar; 0 the terminal's default), for programs that set it. */
	int (*cursor_style)(pane *p);
	/* After the screen was updated: write out-of-band graphics (sixel)
	 * with app_sixel(); origin is the inside's screen position. */
	void (*overlay)(pane *p, int y0, int x0);
	/* A short status-bar fragment ("kernel: busy", "PTY 80x24"). */
	void (*status)(pane *p, sbx_buf *out);
	/* The session's sandbox changed state (paused, resumed, gone). */
	void (*sandbox_state)(pane *p);
	/* 1 when the pane can close without losing anything; 0 when it asked
	 * the user (it then calls app_close_pane itself). */
	int (*can_close)(pane *p);
	void (*free)(pane *p);
} pane_ops;

struct pane {
	const pane_ops *ops;
	app *app;
	session *session;   /* the sandbox tab it belongs to; NULL on the home tab */
	int id;             /* layout id; set by the app */
	int cols, rows;     /* the inside's size, set before resize() is called */
	WINDOW *win;        /* the app's; panes draw only through the draw op */
};

/* Constructors (each module's contract is in its .c header comment). */
pane *pane_sandboxes_new(app *a);
/* A tab's snapshot or fork (M-S, M-F) of sandbox id, run by the
 * sandboxes pane p (it owns the calls); 0 when act is neither. */
int pane_sandboxes_act_on(pane *p, ui_action act, const char *id);
pane *pane_notebook_new(app *a, session *s, const char *ipynb_path, sbx_err *e);
/* cmd NULL: a login shell. */
pane *pane_terminal_new(app *a, session *s, const char *cmd, sbx_err *e);
pane *pane_files_new(app *a, session *s, const char *dir, sbx_err *e);
/* A read-only text view (a sandbox file, chart data, a log); title shown
 * in the border; text is copied. */
pane *pane_viewer_new(app *a, session *s, const char *title, const char *text, size_t len);
/* A sandbox's console (its logs, live); s may be NULL (the home tab). */
pane *pane_console_new(app *a, session *s, const char *sandbox_id);
/* A model working in s's sandbox through s's notebook (pane_ai.c). */
pane *pane_ai_new(app *a, session *s, sbx_err *e);
/* The TCP ports listening in s's sandbox; forwards to local ports (pane_ports.c). */
pane *pane_ports_new(app *a, session *s);

#endif
