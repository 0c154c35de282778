/*
 * notebook_priv: what the notebook pane's files share — the pane's state
 * and the functions one file offers the others.  pane_notebook.c: ops,
 * actions, modes, the cell editor; notebook_draw.c: rendering and the
 * layout of outputs; notebook_run.c: the execution queue and the kernel
 * (contexts); notebook_io.c: save, autosave, restore, saving outputs.
 */
#ifndef SBX_UI_NOTEBOOK_PRIV_H
#define SBX_UI_NOTEBOOK_PRIV_H
#include <stdint.h>
#include "app.h"
#include "gfx.h"
#include "pane_notebook.h"
#include "model/editor.h"
#include "model/nbview.h"
#include "model/notebook.h"

#define NBP_GUTTER 7          /* "[123]: " */
#define NBP_UNDO_MAX 16       /* deleted cells kept for undo */

typedef enum { KERNEL_IDLE, KERNEL_BUSY, KERNEL_DEAD } nbp_kernel;
/* The sandbox's languages (GET /languages): not asked yet, on the way,
 * known, or not to be had (an older agent, an error: langs_err says). */
typedef enum { NBP_LANGS_NONE, NBP_LANGS_LOADING, NBP_LANGS_OK, NBP_LANGS_FAILED } nbp_langs_state;
typedef struct nbp_lang {
	char *language, *kernel, *display_name;
} nbp_lang;

/* One row of a cell's output area, as notebook_out.c lays it out. */
typedef enum { OROW_TEXT, OROW_IMAGE } orow_kind;
typedef struct orow {
	orow_kind kind;
	theme_elem el;
	int ansi;                     /* the line may hold SGR colour escapes */
	const char *line;             /* TEXT: the whole logical line... */
	size_t line_len;
	size_t off, len;              /* ...and this row's part of it */
	int prompt;                   /* >= 0: an Out prompt on this row */
	const char *b64;              /* IMAGE: the PNG */
	size_t b64_len;
	uint64_t hash;                /* img_hash of it, computed once per layout */
	int cols, rows, r;            /* the picture's cells; r: which of its rows */
} orow;

typedef struct orows {
	orow *v;
	size_t n, cap;
	size_t limit;                 /* lay out at most this many rows (0: all) */
	char **owned;                 /* texts made for this layout */
	size_t nowned;
	/* Where laying out resumes when the outputs only grew: after output
	 * res_out, or, when it is a stream, at its last unfinished line
	 * (byte res_off; rows and owned texts before it: res_row, res_owned;
	 * its rows start at res_first and point into res_base). */
	int res_any, res_stream;
	size_t res_out, res_off, res_row, res_owned, res_first;
	const char *res_base;
} orows;

/* What a cell's output layout depends on (besides the cell itself). */
typedef struct nbp_laykey {
	const nb_cell *cell;
	unsigned long out_version;
	int width, img_max, show_data;
	int gfx_mode, cell_w, cell_h;
} nbp_laykey;

/* View state of one cell, by id (cells move and get deleted), with its
 * output layout kept while its key holds (see nbview_measure). */
typedef struct nbp_cellview {
	char *id;
	int out_scroll;       /* first output row shown when the output is cut */
	int show_data;        /* chart/table text instead of the picture */
	nbp_laykey key;       /* of `rows` */
	orows rows;
	nbview_lay lay;
} nbp_cellview;

typedef struct nbp_deleted {
	nb_cell *cell;
	size_t index;
} nbp_deleted;

/* Someone waiting for a cell to finish (notebook_add_cell's done). */
typedef struct nbp_watch {
	char *id;
	notebook_cell_cb cb;
	void *ud;
	int ended, ran;               /* ended: due to be told (from the loop) */
} nbp_watch;

typedef struct nb_pane {
	pane base;
	notebook *nb;
	char *path;                   /* NULL: untitled */
	char *name;                   /* for the title */
	char *restored_from;          /* the autosave this came from (discarded on save) */
	unsigned long saved_version;  /* nb->version at the last save or load */
	unsigned long autosaved_version;
	int64_t autosave_timer;

	size_t sel;
	int editing;
	editor *ed;                   /* the selected cell's text while editing */
	unsigned long ed_synced;      /* ed_version last copied into the cell */
	char *ed_clip;                /* text copied or cut in the editor */
	int ed_clip_own;              /* paste that rather than the editor's last kill */
	int hscroll;                  /* the editor's horizontal scroll */
	int follow;                   /* next draw: 1 keep the cell, 2 the cursor visible */

	nbview view;
	int out_cap;                  /* output rows shown per cell before cutting */
	nbp_cellview *cv;
	size_t ncv;
	nbview_lay *lay;              /* per cell, this frame (from cv) */
	size_t *lay_cv;               /* per cell, this frame: its index in cv */
	size_t lay_n, lay_known;      /* allocated; set by the last frame */

	nb_cell *clip;                /* cut/copied cell */
	nbp_deleted undo[NBP_UNDO_MAX];
	size_t nundo;

	/* execution */
	char **queue;                 /* cell ids waiting */
	size_t nqueue;
	char *running;                /* id of the cell running */
	sbx_op *exec_op;
	int run_failed;               /* the running cell raised: the queue stops */
	nbp_kernel kernel;
	char *context_id;             /* NULL: the default context of the notebook's language */
	sbx_op *ctx_op;
	nbp_lang *langs;              /* what the sandbox's template has */
	size_t nlangs;
	nbp_langs_state langs_state;
	char *langs_err;
	sbx_op *lang_op;
	int64_t run_started_ms;
	nbp_watch *watch;             /* cells others wait for */
	size_t nwatch;
	int64_t watch_timer;          /* tells the ended ones from the loop */
	int closing;                  /* being freed: no new cells */

	char *banner;                 /* sandbox gone */
	int banner_rows;              /* rows the banner takes at the top (0 or 1) */
	gfx_places places, shown;     /* sixel placements of the last draw / overlay */
	gfx_places emitted;           /* what the terminal shows now (written at emitted_epoch) */
	unsigned emitted_epoch;
	int emitted_y0, emitted_x0;
} nb_pane;

/* notebook_out.c: the rows of cell c's outputs for a width (columns) and
 * the largest picture height (rows), at most out->limit rows (0: all);
 * returns 1 when complete, 0 when cut at the limit. */
int nbp_output_rows(nb_pane *np, const nb_cell *c, int width, int max_img_rows, int show_data, orows *out);
/* The same for a complete layout of c whose outputs only grew since
 * (c->out_reset older than it): lays out what is new. */
int nbp_output_rows_more(nb_pane *np, const nb_cell *c, int width, int max_img_rows, int show_data, orows *out);
void orows_free(orows *o);
/* SGR escapes: applies the escape at s[i] (ESC) to *st; returns the index
 * after it.  base: the attribute SGR 0 returns to. */
size_t nbp_ansi_escape(const char *s, size_t len, size_t i, ui_attr *st, ui_attr base, int colors);

/* pane_notebook.c */
nb_cell *nbp_cell(nb_pane *np);             /* the selected cell (never NULL) */
nbp_cellview *nbp_view_of(nb_pane *np, const nb_cell *c);
void nbp_sync_editor(nb_pane *np);          /* editor text → the cell */
int nbp_dirty(nb_pane *np);
void nbp_set_path(nb_pane *np, const char *path);
pane *nbp_new_with(app *a, session *s, notebook *nb, const char *path, sbx_err *e);

/* notebook_draw.c */
void nbp_draw(nb_pane *np, WINDOW *w, int focused);
/* The editor's cursor on screen (pane-inside), when editing and visible. */
int nbp_cursor(nb_pane *np, int *y, int *x);
/* An output's picture (base64 PNG) or NULL. */
const char *nbp_output_png(const nb_output *o, size_t *len);

/* notebook_run.c */
void nbp_run_cells(nb_pane *np, size_t from, size_t to);   /* [from, to) */
void nbp_interrupt(nb_pane *np);
void nbp_restart(nb_pane *np);
void nbp_sandbox_gone(nb_pane *np);
/* Whether cells can run now; if not, says why (app_error). */
int nbp_can_run(nb_pane *np);
int nbp_is_running(nb_pane *np, const nb_cell *c);
int nbp_is_queued(nb_pane *np, const nb_cell *c);
void nbp_run_free(nb_pane *np);
/* Cell id ended (ran: to its end); its watchers are told from the loop. */
void nbp_watch_end(nb_pane *np, const char *id, int ran);
/* Stops cell id only: running (a note in its output) or queued. */
void nbp_stop_cell(nb_pane *np, const char *id);

/* notebook_kernel.c: the context and language pickers */
void nbp_pick_kernel(nb_pane *np);          /* the notebook's (C-k) */
void nbp_pick_cell_language(nb_pane *np);   /* the selected cell's (L) */
void nbp_langs_load(nb_pane *np);           /* asks the sandbox once (nbp_langs_free: again) */
void nbp_langs_free(nb_pane *np);

/* notebook_io.c */
int nbp_save(nb_pane *np, const char *path);   /* errors go to app_error */
void nbp_save_as(nb_pane *np);
void nbp_autosave_start(nb_pane *np);
void nbp_autosave_now(nb_pane *np);
void nbp_autosave_stop(nb_pane *np);
void nbp_autosave_discard(nb_pane *np);
void nbp_save_output(nb_pane *np);

#endif
