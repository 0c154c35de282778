/*
 * nblang: the languages of a notebook and of its code cells.
 *
 * The notebook's is Jupyter's: metadata kernelspec.language, else
 * language_info.name, else python.  A code cell may run in another one
 * (as E2B's per-call language does): it is kept in the cell's metadata as
 * {"sbx": {"language": "r"}}, a key Jupyter keeps and ignores; without
 * it the cell follows the notebook.  Names are canonical — lower case
 * (IRkernel writes "R"), the agent's aliases folded (js → javascript,
 * ts → typescript, sh → bash), at most NB_LANG_MAX - 1 bytes of
 * [a-z0-9+#._-] (a file's metadata is not trusted) — and "" is never one.
 */
#ifndef SBX_UI_NBLANG_H
#define SBX_UI_NBLANG_H
#include "notebook.h"

#define NB_LANG_MAX 32

/* in made canonical into out (NB_LANG_MAX bytes); NULL when in is NULL or
 * has nothing usable. */
const char *nb_lang_canon(const char *in, char out[NB_LANG_MAX]);
/* The notebook's language (never NULL). */
const char *nb_lang_notebook(const notebook *nb, char out[NB_LANG_MAX]);
/* The cell's own language, or NULL when it follows the notebook's. */
const char *nb_lang_cell_own(const nb_cell *c, char out[NB_LANG_MAX]);
/* The language the cell runs in (never NULL). */
const char *nb_lang_cell(const notebook *nb, const nb_cell *c, char out[NB_LANG_MAX]);
/* Gives c its own language; NULL, or the notebook's: it follows the notebook. */
void nb_lang_set_cell(notebook *nb, nb_cell *c, const char *lang);
/* The notebook now runs in `lang` (kernelspec name, display name): code
 * cells that ran (an execution count) and follow the notebook keep the
 * language their outputs came from; cells whose own language is the new
 * one follow the notebook again. */
void nb_lang_set_notebook(notebook *nb, const char *lang, const char *kernel, const char *display_name);
/* Whether a cell's language is worth showing: every code cell's, except
 * python cells in a python notebook (the common case stays as it was). */
int nb_lang_shown(const notebook *nb, const nb_cell *c);

#endif
