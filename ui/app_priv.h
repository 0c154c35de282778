/*
 * app_priv: the workbench's insides shared by app*.c — the app struct,
 * dialogs and overlays, and the functions the input, draw and dialog
 * files call on each other.  Panes never include this.
 */
#ifndef SBX_UI_APP_PRIV_H
#define SBX_UI_APP_PRIV_H
#include "app.h"
#include "model/editor.h"
#include "model/keytable.h"
#include "model/tprobe.h"

typedef enum { DLG_CONFIRM, DLG_PROMPT, DLG_PICK, DLG_FORM, DLG_HELP, DLG_PALETTE, DLG_MESSAGES } dlg_kind;

typedef struct dialog {
	dlg_kind kind;
	pane *owner;
	char *title;
	void *cb, *ud;
	int yes;                    /* confirm: the button under focus */
	editor *ed;                 /* prompt, palette and pick filter */
	char **items;               /* pick, palette, help and messages lines */
	size_t nitems;
	int *values;                /* palette: what each item runs */
	size_t *order;              /* items matching the filter, best first */
	size_t nmatch;
	int sel, top;
	/* form */
	app_field *fields;
	size_t nfields;
	editor **eds;
	int *fvals;
	int fsel;
} dialog;

/* Where the shown dialog was drawn, for the mouse. */
typedef struct dlg_geom {
	int y, x, h, w;
	int list_y, list_h;  /* screen rows of the list, if any */
	int yes_x0, yes_x1, no_x0, no_x1, btn_y;
} dlg_geom;

typedef struct progress_entry {
	int handle;
	char *label;
	double frac;
} progress_entry;

typedef struct tab_hit {
	int x0, x1;
	size_t tab;
} tab_hit;

struct app {
	app_opts o;
	sbx_loop *loop;
	sbx_client *client;
	sbx_starter *starter;
	keytable *keys;
	theme theme;
	char *theme_dirs[2];
	size_t nthemedirs;
	char *state_dir, *config_dir;
	char tag[48];
	app_gfx gfx;
	imgcache *imgcache;
	unsigned epoch, tick;
	int dirty, quit, curses_on;
	int64_t last_frame_ms;      /* frames are paced to FRAME_MS (app.c) */
	int cursor_style;           /* DECSCUSR last sent (0: the terminal's own) */
	int cols, rows;
	WINDOW *frame, *dlgwin;
	int signal_fd[2];           /* on_signal() → the loop */
	int64_t tick_timer;

	session home;               /* tab 0: the sandboxes pane */
	session **sessions;         /* tabs 1..n */
	size_t nsessions;
	size_t tab;
	tab_hit tabs[32];
	size_t ntabs;

	struct { int code; ui_key key; } modmap[80];  /* kLFT5 & co → keys */
	size_t nmodmap;
	ui_key seq[KT_MAX_SEQ];     /* keys of a binding typed so far */
	size_t nseq;
	int in_paste;
	sbx_buf paste;
	int drag_splitter;          /* splitter being dragged, 0 none */
	pane *mouse_grab;           /* pane that got the press of a drag */
	int64_t last_click_ms;
	int last_click_x, last_click_y, clicks;

	char msg[512];
	int msg_error;
	int64_t msg_until;
	char **log;                 /* every message, for the messages view */
	size_t nlog;
	progress_entry *prog;
	size_t nprog;
	int next_prog;

	dialog **dlgs;              /* the first one is shown */
	dlg_geom geom;
	size_t ndlgs;
	pane **doomed;              /* closed, freed at the end of the turn */
	size_t ndoomed;
	session **doomed_sessions;  /* detached, freed after their panes */
	size_t ndoomed_sessions;
};

/* app.c */
session *app_cur(app *a);
pane *app_focused(app *a);
pane *session_pane(session *s, int id);
void app_run_action(app *a, pane *p, ui_action act);
void app_switch_tab(app *a, size_t tab);
void app_set_theme(app *a, const char *name);
void app_quit(app *a);

/* app_input.c */
void app_input_init(app *a);
void app_on_stdin(sbx_loop *l, int fd, int events, void *ud);

/* app_draw.c */
void app_render(app *a);

/* app_dialog.c */
void dialog_push(app *a, dialog *d);
void dialog_cancel_owner(app *a, pane *p);  /* every dialog p asked */
void dialog_free_all(app *a);
void dialog_key(app *a, ui_key k);
void dialog_paste(app *a, const char *s, size_t len);
void dialog_mouse(app *a, const ui_mouse *m);
/* Draws the shown dialog into a->dlgwin; 1 with the cursor when it has one. */
int dialog_draw(app *a, int *cy, int *cx);
void app_help(app *a);
void app_palette(app *a);
void app_messages(app *a);

#endif
