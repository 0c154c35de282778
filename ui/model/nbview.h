/*
 * nbview: the notebook pane's vertical geometry, without curses — each
 * cell's span of rows in the whole document, the scroll offset that keeps
 * the selected cell (or the editor's cursor line) on screen, and which
 * cell and part a row of the viewport shows.
 *
 * A cell is laid out as: a top border row, its source lines, a bottom
 * border row, its output rows (text lines plus image rows, possibly cut to
 * a window the user scrolls), then one blank gap row.  Rows are counted in
 * document coordinates from 0; the viewport shows [scroll, scroll + h).
 */
#ifndef SBX_UI_NBVIEW_H
#define SBX_UI_NBVIEW_H
#include <stddef.h>

typedef struct nbview_cell {
	int src_lines;      /* source lines (0 is shown as 1) */
	int out_rows;       /* output rows shown (text lines + image rows) */
} nbview_cell;

typedef enum {
	NBV_NONE,           /* below the last cell */
	NBV_TOP,            /* the top border (prompt row) */
	NBV_SOURCE,         /* a source line: *sub is the line */
	NBV_BOTTOM,         /* the bottom border */
	NBV_OUTPUT,         /* an output row: *sub is the row */
	NBV_GAP,            /* the blank row after a cell */
} nbview_part;

typedef struct nbview {
	size_t n;
	int *top;           /* first document row of each cell */
	int *height;        /* rows of each cell, gap included */
	int *src;           /* source rows of each cell (>= 1) */
	int total;          /* rows of the whole document */
	int scroll;         /* first document row on screen */
} nbview;

void nbview_init(nbview *v);
void nbview_free(nbview *v);
/* Lays out n cells (keeps the scroll, clamped by the next call that
 * takes a viewport height). */
void nbview_layout(nbview *v, const nbview_cell *cells, size_t n);
/* The largest useful scroll for a viewport of h rows. */
int nbview_max_scroll(const nbview *v, int h);
/* Sets the scroll, clamped to 0..max. */
void nbview_set_scroll(nbview *v, int scroll, int h);
/* Scrolls the least so that document rows [first, last] are visible; when
 * they do not fit, `first` wins. */
void nbview_show_rows(nbview *v, int first, int last, int h);
/* Keeps cell i visible: its top border and source when the cell is taller
 * than the viewport, the whole cell otherwise. */
void nbview_show_cell(nbview *v, size_t i, int h);
/* Keeps source line `line` of cell i visible, with its prompt row when it
 * fits (the editor's cursor). */
void nbview_show_source_line(nbview *v, size_t i, int line, int h);
/* The cell shown at viewport row y (0-based): returns its index, or -1
 * (below the last cell, or y < 0); *part and *sub say which part. */
long nbview_hit(const nbview *v, int y, nbview_part *part, int *sub);
/* The viewport row where document row `row` appears (may be outside 0..h). */
int nbview_screen_row(const nbview *v, int row);

/* Lazy output layout.  Laying out a cell's outputs (wrapping every line,
 * measuring pictures) costs as much as the outputs are long, so the pane
 * keeps each cell's layout and says whether it is still right (`held`:
 * nothing it depends on changed — the cell's out_version, the width...).
 * A cell is laid out again only when its layout is not held; one that is
 * off screen only up to cap + 1 rows (its height shows at most cap output
 * rows), and in full once it comes into the viewport.  So a cell that
 * printed 200,000 lines costs nothing while another cell is edited. */
typedef struct nbview_lay {
	int held;           /* the layout held is right for the cell now */
	int rows;           /* rows held */
	int complete;       /* they are all the rows (else cut at a limit) */
} nbview_lay;

typedef struct nbview_src {
	int (*src_lines)(size_t i, void *ud);
	/* Lays out cell i's outputs (replacing what was held), at most limit
	 * rows (0: all); returns the rows made, *complete 0 when cut. */
	int (*lay_out)(size_t i, int limit, int *complete, void *ud);
	void *ud;
} nbview_src;

/* Lays out n cells whose outputs show at most cap rows (as nbview_layout,
 * the scroll kept), laying out outputs as said above; lay[i] is updated. */
void nbview_measure(nbview *v, nbview_lay *lay, size_t n, int cap, const nbview_src *s);
/* Completes the layouts of the cells in the viewport of h rows. */
void nbview_complete(const nbview *v, nbview_lay *lay, int h, const nbview_src *s);

#endif
