/*
 * chartdata: E2B's rich data as readable text, for the notebook's "chart
 * data" view and for terminals that cannot show the picture.
 *
 * chartdata_text: a chart object (E2B's `chart` field: line, scatter, bar,
 * pie, box_and_whisker, superchart, unknown; schema in
 * docs/protocol.md §7) → a heading with the type and title, the
 * axes (label, unit, scale), then every element with its values, one per
 * line.  Numbers are printed with 10 significant digits, so matplotlib's
 * binary noise (0.4000000000000001) reads 0.4.  An empty object (the
 * extractor found nothing) or a non-object is refused.
 *
 * chartdata_table: a DataFrame as E2B sends it (`data`: {column: [values]},
 * pandas' to_dict(orient="list")) → an aligned table with a row index,
 * like pandas prints it.
 */
#ifndef SBX_UI_CHARTDATA_H
#define SBX_UI_CHARTDATA_H
#include <jansson.h>
#include <stddef.h>
#include "../../src/util/buf.h"
#include "../../src/util/err.h"

int chartdata_text(const json_t *chart, sbx_buf *out, sbx_err *e);
/* At most max_rows rows (0: all); a last line says how many were left out.
 * Cells wider than 30 columns are cut with "…". */
int chartdata_table(const json_t *data, size_t max_rows, sbx_buf *out, sbx_err *e);
/* One JSON scalar as the text above uses it (strings bare, numbers with
 * 10 significant digits, null as "", others as compact JSON). */
void chartdata_value(const json_t *v, sbx_buf *out);

#endif
