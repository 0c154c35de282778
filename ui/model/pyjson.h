/*
 * pyjson: JSON text exactly as Python's json.dumps(v, indent=1,
 * sort_keys=True, ensure_ascii=False) writes it — what nbformat (and so
 * Jupyter) writes — so a notebook we load and save unchanged is byte for
 * byte the file Jupyter wrote.  Floats use Python's repr (shortest text
 * that reads back to the same double).
 */
#ifndef SBX_UI_PYJSON_H
#define SBX_UI_PYJSON_H
#include <jansson.h>
#include "../../src/util/buf.h"

void pyjson_dump(const json_t *v, sbx_buf *out);
/* Python's repr of a finite double into out (>= 32 bytes). */
void pyjson_float(double d, char *out, size_t n);

#endif
