/*
 * ipynb: .ipynb files (nbformat 4) ↔ notebook.
 *
 * Load accepts nbformat 4.x: sources and text outputs as a string or a
 * list of lines, cells without ids (4.0–4.4: ids are generated), unknown
 * keys (kept).  It refuses nbformat 3 and older with how to convert.
 * Save writes nbformat 4.5 the way nbformat itself does — sources, stream
 * text and text (text/..., SVG, JavaScript) values split into lines, keys
 * sorted, one-space indent, a final newline, cell metadata "trusted" and
 * notebook "signature" dropped — so a file written by Jupyter that we load
 * and save comes back byte for byte.  Saving is atomic (temp file, fsync,
 * rename), so a crash never leaves half a notebook.
 */
#ifndef SBX_UI_IPYNB_H
#define SBX_UI_IPYNB_H
#include <stddef.h>
#include "notebook.h"

notebook *ipynb_parse(const char *text, size_t len, sbx_err *e);
notebook *ipynb_load(const char *path, sbx_err *e);
/* The file's text (NUL-terminated; *len without the NUL). */
char *ipynb_dump(const notebook *nb, size_t *len);
int ipynb_save(const notebook *nb, const char *path, sbx_err *e);

/* Writes data to path atomically (an existing file's mode is kept, a new
 * file gets 0644). */
int ipynb_write_atomic(const char *path, const char *data, size_t len, sbx_err *e);

#endif
