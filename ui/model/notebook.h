/*
 * notebook: the notebook pane's document — cells (code, markdown, raw)
 * with their sources, execution counts and outputs, in the shape of
 * nbformat 4 so ipynb.c can load and save it without loss.
 *
 * Outputs: stream (name + text, consecutive chunks of one stream merge as
 * Jupyter shows them), error (ename, evalue, traceback lines with their
 * ANSI colours), execute_result / display_data (a MIME bundle: text
 * values are joined strings, application/json and application/...+json
 * values are JSON).  E2B charts live in the bundle as
 * NB_MIME_E2B_CHART (the chart JSON E2B's `chart` field carries; a valid
 * nbformat key, ignored by Jupyter, shown by us), DataFrame data as
 * NB_MIME_E2B_DATA, next to the image/png of the same figure.
 * Unknown keys of cells and outputs are kept in `extra` and written back.
 *
 * Every mutation goes through a function taking the notebook, which bumps
 * nb->version (dirty tracking and autosave compare versions); a change
 * of a cell's outputs or execution count also stamps c->out_version (and
 * c->out_reset unless it only appended).
 */
#ifndef SBX_UI_NOTEBOOK_H
#define SBX_UI_NOTEBOOK_H
#include <jansson.h>
#include <stddef.h>
#include "../../src/util/buf.h"
#include "../../src/util/err.h"

#define NB_MIME_E2B_CHART "application/vnd.e2b.chart+json"
#define NB_MIME_E2B_DATA "application/vnd.e2b.data+json"

typedef enum { NB_CODE, NB_MARKDOWN, NB_RAW } nb_cell_type;
typedef enum { NB_OUT_STREAM, NB_OUT_RESULT, NB_OUT_DISPLAY, NB_OUT_ERROR } nb_output_type;

typedef struct nb_output {
	nb_output_type type;
	char *name;             /* stream: "stdout" / "stderr" */
	sbx_buf text;           /* stream text */
	char *ename, *evalue;   /* error */
	json_t *traceback;      /* error: array of strings */
	json_t *data;           /* result/display: MIME bundle object */
	json_t *metadata;       /* result/display: object */
	int execution_count;    /* result: -1 for null */
	json_t *extra;          /* object of keys not modelled */
} nb_output;

typedef struct nb_cell {
	char *id;               /* nbformat 4.5 cell id */
	nb_cell_type type;
	char *source;
	int execution_count;    /* code: -1 for null */
	nb_output *outputs;
	size_t noutputs, outputs_cap;
	json_t *metadata;       /* object */
	json_t *extra;          /* object (e.g. markdown attachments) */
	unsigned long out_version;  /* stamp of the outputs' last change (from
				     * nb->stamps): views cache their layout by it */
	unsigned long out_reset;    /* stamp of the last change that was not an
				     * append (a new output, more stream text):
				     * a layout newer than this may be extended */
} nb_cell;

typedef struct notebook {
	nb_cell **cells;
	size_t ncells, cap;
	json_t *metadata;       /* object: kernelspec, language_info, ... */
	int nbformat_minor;     /* as loaded; saved as max(this, 5) */
	unsigned long version;
	unsigned long stamps;   /* out_version stamps given (never reset) */
} notebook;

/* An empty notebook (no cells) for the python3 kernel. */
notebook *nb_new(void);
void nb_free(notebook *nb);

/* A new, detached cell with a fresh id (insert it with nb_insert_cell). */
nb_cell *nb_cell_new(nb_cell_type type);
/* A new cell with a fresh id at index (clamped to ncells). */
nb_cell *nb_insert(notebook *nb, size_t index, nb_cell_type type);
/* Puts a detached cell (from nb_detach or nb_cell_clone) at index. */
void nb_insert_cell(notebook *nb, size_t index, nb_cell *c);
/* Removes cell index and returns it (undo-delete, cut); NULL if out of range. */
nb_cell *nb_detach(notebook *nb, size_t index);
int nb_delete(notebook *nb, size_t index, sbx_err *e);
int nb_move(notebook *nb, size_t from, size_t to, sbx_err *e);
/* A deep copy with a new id (copy/paste). */
nb_cell *nb_cell_clone(const nb_cell *c);
void nb_cell_free(nb_cell *c);
/* The index of the cell with that id, or -1. */
long nb_find(const notebook *nb, const char *id);

void nb_cell_set_source(notebook *nb, nb_cell *c, const char *s, size_t len);
/* Leaving code drops outputs and the execution count. */
void nb_cell_set_type(notebook *nb, nb_cell *c, nb_cell_type type);
void nb_cell_clear_outputs(notebook *nb, nb_cell *c);
void nb_cell_set_count(notebook *nb, nb_cell *c, int execution_count);

/* An empty output of that type appended to c (for loaders). */
nb_output *nb_cell_add_output(notebook *nb, nb_cell *c, nb_output_type type);
nb_output *nb_cell_add_stream(notebook *nb, nb_cell *c, const char *name, const char *text, size_t len);
/* traceback: n lines (copied). */
nb_output *nb_cell_add_error(notebook *nb, nb_cell *c, const char *ename, const char *evalue,
			     const char *const *traceback, size_t n);
/* data (a MIME bundle) is stolen; is_result: execute_result vs display_data. */
nb_output *nb_cell_add_data(notebook *nb, nb_cell *c, int is_result, json_t *data, int execution_count);
/* An execute_result / display_data from a Jupyter MIME bundle and its
 * metadata (NULL: {}); e2b/chart and e2b/data become NB_MIME_E2B_CHART and
 * NB_MIME_E2B_DATA, every other key is kept as is.  Values are shared with
 * bundle (referenced, not copied: a picture is not duplicated). */
nb_output *nb_cell_add_bundle(notebook *nb, nb_cell *c, int is_result, const json_t *bundle,
			      const json_t *metadata, int execution_count);
/* One event of libsbx's /execute stream (stdout, stderr, result, error,
 * count; the others are ignored): appends the output it means, from the
 * event's typed fields — a result's Jupyter bundle and metadata, an
 * error's traceback entries — so what the agent sent reaches the file
 * unchanged.  -1 when the event is unusable. */
struct sbx_code_event;
int nb_cell_add_event(notebook *nb, nb_cell *c, const struct sbx_code_event *ev, sbx_err *e);

/* A string value of the bundle (NULL when absent or not a string). */
const char *nb_output_text(const nb_output *o, const char *mime);
/* A JSON value of the bundle (NULL when absent). */
const json_t *nb_output_json(const nb_output *o, const char *mime);

const char *nb_kernel_name(const notebook *nb);     /* "python3" when unset */
const char *nb_language(const notebook *nb);        /* "python" when unset */
void nb_set_kernel(notebook *nb, const char *name, const char *display_name, const char *language);

/* Shared by ipynb.c: a fresh random cell id (8 hex digits, as nbformat). */
char *nb_new_id(void);

#endif
