/*
 * keytable: named actions, their key bindings per mode, lookup of typed
 * key sequences, rebinding from a config file, and the help text.
 *
 * Modes: global (always consulted after the focused mode, except in
 * terminal mode, where every key but the escape chord goes to the program),
 * notebook (Jupyter command mode), edit (a cell's editor), terminal (keys
 * go to the program), copy (a terminal's scrollback), files, sandboxes,
 * ai (the AI pane: typed keys go to its request line), ports (a sandbox's
 * listening ports).
 * A binding is a sequence of 1..KT_MAX_SEQ keys ("d d"); the focused mode
 * wins over global.  Binding a sequence in a mode removes the bindings of
 * that mode it would shadow or be shadowed by (equal, prefix or extension).
 *
 * Config file (e.g. ~/.config/sbx/keys.conf), one command per line, lines
 * whose first non-blank is '#' are comments, tokens are separated by blanks:
 *     bind   MODE KEY [KEY...] ACTION     bind notebook C-Enter nb.run
 *     unbind MODE KEY [KEY...]            unbind edit C-k
 * MODE is a name from keymode_name(); KEY a name from keys.h; ACTION a
 * name from ui_action_info() (the help overlay and palette show them).
 */
#ifndef SBX_UI_KEYTABLE_H
#define SBX_UI_KEYTABLE_H
#include <stddef.h>
#include "keys.h"
#include "../../src/util/buf.h"
#include "../../src/util/err.h"

#define KT_MAX_SEQ 4

typedef enum {
	KM_GLOBAL, KM_NOTEBOOK, KM_EDIT, KM_TERMINAL, KM_COPY, KM_FILES, KM_SANDBOXES, KM_AI, KM_PORTS,
	KM_COUNT
} keymode;

typedef enum {
	A_NONE,
	/* global */
	A_QUIT, A_HELP, A_PALETTE, A_REDRAW, A_CANCEL,
	A_FOCUS_NEXT, A_FOCUS_PREV, A_FOCUS_LEFT, A_FOCUS_RIGHT, A_FOCUS_UP, A_FOCUS_DOWN,
	A_SPLIT_RIGHT, A_SPLIT_DOWN, A_PANE_CLOSE, A_PANE_ZOOM,
	A_RESIZE_LEFT, A_RESIZE_RIGHT, A_RESIZE_UP, A_RESIZE_DOWN,
	A_NEW_NOTEBOOK, A_NEW_TERMINAL, A_OPEN_FILES, A_OPEN_CONSOLE, A_SHOW_SANDBOXES, A_OPEN_NOTEBOOK,
	A_OPEN_AI,
	A_TAB_NEXT, A_TAB_PREV, A_THEME_NEXT,
	/* lists (notebook cells, files, sandboxes, scrollback) */
	A_LIST_UP, A_LIST_DOWN, A_LIST_TOP, A_LIST_BOTTOM, A_LIST_PAGE_UP, A_LIST_PAGE_DOWN,
	/* notebook */
	A_NB_EDIT, A_NB_COMMAND_MODE, A_NB_RUN, A_NB_RUN_ADVANCE, A_NB_RUN_INSERT, A_NB_RUN_ALL,
	A_NB_INSERT_ABOVE, A_NB_INSERT_BELOW, A_NB_DELETE, A_NB_UNDO_DELETE,
	A_NB_CUT, A_NB_COPY, A_NB_PASTE, A_NB_MOVE_UP, A_NB_MOVE_DOWN,
	A_NB_TO_MARKDOWN, A_NB_TO_CODE, A_NB_CLEAR_OUTPUT, A_NB_CLEAR_ALL,
	A_NB_INTERRUPT, A_NB_RESTART, A_NB_SAVE, A_NB_SAVE_AS, A_NB_KERNEL, A_NB_CELL_LANGUAGE,
	A_NB_CHART_DATA, A_NB_SAVE_OUTPUT, A_NB_SCROLL_OUTPUT_UP, A_NB_SCROLL_OUTPUT_DOWN,
	/* cell editor */
	A_ED_LEFT, A_ED_RIGHT, A_ED_UP, A_ED_DOWN, A_ED_WORD_LEFT, A_ED_WORD_RIGHT,
	A_ED_LINE_START, A_ED_LINE_END, A_ED_BUF_START, A_ED_BUF_END,
	A_ED_SEL_LEFT, A_ED_SEL_RIGHT, A_ED_SEL_UP, A_ED_SEL_DOWN, A_ED_SEL_WORD_LEFT,
	A_ED_SEL_WORD_RIGHT, A_ED_SEL_LINE_START, A_ED_SEL_LINE_END, A_ED_SELECT_ALL,
	A_ED_NEWLINE, A_ED_INDENT, A_ED_DEDENT, A_ED_BACKSPACE, A_ED_DELETE,
	A_ED_DELETE_WORD_BACK, A_ED_DELETE_WORD_FORWARD, A_ED_KILL_LINE,
	A_ED_COPY, A_ED_CUT, A_ED_PASTE, A_ED_UNDO, A_ED_REDO,
	/* terminal and copy mode */
	A_TERM_LEAVE, A_TERM_RESUME, A_COPY_SEARCH, A_COPY_SEARCH_BACK, A_COPY_NEXT,
	A_COPY_PREV, A_COPY_SELECT, A_COPY_YANK, A_COPY_SAVE,
	/* files */
	A_FILES_OPEN, A_FILES_PARENT, A_FILES_UPLOAD, A_FILES_DOWNLOAD, A_FILES_MKDIR,
	A_FILES_RENAME, A_FILES_DELETE, A_FILES_GOTO, A_FILES_HIDDEN, A_FILES_REFRESH,
	/* sandboxes */
	A_SB_ATTACH, A_SB_CREATE, A_SB_PAUSE, A_SB_RESUME, A_SB_EXTEND, A_SB_KILL, A_SB_REFRESH,
	A_SB_SNAPSHOT, A_SB_FORK, A_OPEN_PORTS,
	/* ports */
	A_PORTS_FORWARD, A_PORTS_STOP, A_PORTS_REFRESH,
	/* AI pane */
	A_AI_SEND, A_AI_STOP, A_AI_PROVIDER, A_AI_MODEL, A_AI_SAVE, A_AI_NEW,
	A_COUNT
} ui_action;

typedef struct ui_action_desc {
	const char *name;   /* "nb.run": what config files and the palette use */
	const char *desc;   /* one line for help and palette */
} ui_action_desc;

typedef enum { KT_NONE, KT_PREFIX, KT_MATCH } kt_match;

typedef struct keytable keytable;

const ui_action_desc *ui_action_info(ui_action a);
/* A_NONE when unknown. */
ui_action ui_action_by_name(const char *name);
const char *keymode_name(keymode m);          /* "notebook" */
const char *keymode_title(keymode m);         /* "Notebook (command mode)" */
int keymode_by_name(const char *name);        /* -1 when unknown */

/* A table holding the default bindings. */
keytable *keytable_new(void);
void keytable_free(keytable *kt);

int keytable_bind(keytable *kt, keymode m, const ui_key *seq, size_t n, ui_action a, sbx_err *e);
/* Removes the binding of exactly seq; -1 when there is none. */
int keytable_unbind(keytable *kt, keymode m, const ui_key *seq, size_t n, sbx_err *e);
/* Looks up the keys typed so far: KT_MATCH sets *a, KT_PREFIX means wait
 * for another key, KT_NONE means the keys mean nothing here (in edit and
 * terminal modes the caller then types/forwards them). */
kt_match keytable_lookup(const keytable *kt, keymode m, const ui_key *seq, size_t n, ui_action *a);

/* Applies config text; on error nothing after the bad line is applied and
 * e names origin:line. */
int keytable_load(keytable *kt, const char *text, const char *origin, sbx_err *e);
int keytable_load_file(keytable *kt, const char *path, sbx_err *e);

/* "C-Enter, F5": the keys bound to a in mode m (not global), "" if none. */
void keytable_keys_for(const keytable *kt, keymode m, ui_action a, sbx_buf *out);
/* The help overlay: for mode m (or every mode when m == KM_COUNT), a
 * title line per mode then "  KEYS<pad>description" lines. */
void keytable_help(const keytable *kt, keymode m, sbx_buf *out);

#endif
