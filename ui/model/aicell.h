/*
 * aicell: what a notebook cell the model asked for tells the model — its
 * outputs as a tool result (stdout, stderr, the error with its traceback,
 * each result's text/plain, a line per picture or chart) built with
 * ai_toolres, exactly what `sbx ai` sends for the same cell.  Curses-free.
 */
#ifndef SBX_UI_AICELL_H
#define SBX_UI_AICELL_H
#include "notebook.h"

/* The tool result's text (heap); *is_error set when the cell raised.
 * ran 0: the cell did not run to its end (why says what stopped it),
 * which is an error whatever it printed. */
char *aicell_result(const nb_cell *c, int ran, const char *why, int *is_error);

#endif
