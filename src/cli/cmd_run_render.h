/* cmd_run_render: how `sbx run` shows a result — text, images saved as
 * files, a chart's summary, a table's shape. */
#ifndef SBX_CLI_RUN_RENDER_H
#define SBX_CLI_RUN_RENDER_H
#include <stdio.h>
#include "../client/code.h"

typedef struct run_render {
	const char *out_dir;      /* NULL: images are described, not saved */
	int exec_count;           /* from the COUNT event, for file names */
	int nfiles;               /* files written for this cell */
	FILE *out;
} run_render;

/* Prints (and saves) one result; -1 when an image could not be written
 * (said on stderr). */
int render_result(run_render *r, const sbx_result *res);
/* "bar chart 'Sales': x 'month', y 'units'; 3 bars: a=1, b=2, c=3" */
void render_chart(const json_t *chart, char *out, size_t n);
/* Width and height of a PNG, 0 when it is not one. */
int render_png_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h);

#endif
