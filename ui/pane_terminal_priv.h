/* pane_terminal internals shared by pane_terminal.c (process, input,
 * drawing) and pane_terminal_copy.c (copy mode). */
#ifndef SBX_UI_PANE_TERMINAL_PRIV_H
#define SBX_UI_PANE_TERMINAL_PRIV_H
#include "app.h"
#include "model/term_screen.h"

#define TERM_SCROLLBACK 10000
#define TERM_WHEEL_LINES 3

typedef struct term_pane {
	pane p;
	app *a;
	session *s;
	char *cmd;                 /* NULL: a login shell */
	term_screen *ts;
	int started;               /* a start was requested for the current run */
	uint32_t pid;              /* 0 until START */
	sbx_op *proc_op;           /* the process's event stream */
	int exited, exit_code;
	char err[600];             /* shown inline when non-empty */
	/* input: one send in flight, the rest waits here (keeps key order) */
	sbx_buf pending;
	sbx_op *send_op;
	/* output: what one loop turn delivered is fed to the emulator at once */
	sbx_buf feed;
	int64_t feed_timer;
	/* the PTY size told to the sandbox, and the debounce timer */
	unsigned sent_cols, sent_rows;
	int64_t resize_timer;
	sbx_op *resize_op;
	/* copy mode */
	int copy;
	int copy_by_wheel;         /* entered by scrolling: a typed key resumes */
	int search_back;           /* the prompt asked for a backward search */
	int drag;                  /* a left drag selects */
	long press_line;
	int press_col;
} term_pane;

/* pane_terminal.c: queue bytes for the program and send when idle. */
void term_pane_send(term_pane *t, const void *data, size_t len);
/* pane_terminal_copy.c */
void term_copy_begin(term_pane *t, int by_wheel);
void term_copy_end(term_pane *t);
int term_copy_action(term_pane *t, ui_action act);
int term_copy_key(term_pane *t, ui_key k);
int term_copy_mouse(term_pane *t, const ui_mouse *m);

#endif
