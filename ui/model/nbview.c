/* nbview: pure notebook geometry (see nbview.h).  curses-free. */
#include "nbview.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>

void nbview_init(nbview *v)
{
	v->n = 0;
	v->top = v->height = v->src = NULL;
	v->total = v->scroll = 0;
}

void nbview_free(nbview *v)
{
	free(v->top);
	free(v->height);
	free(v->src);
	nbview_init(v);
}

static int cell_src(const nbview_cell *c)
{
	return c->src_lines > 0 ? c->src_lines : 1;
}

void nbview_layout(nbview *v, const nbview_cell *cells, size_t n)
{
	free(v->top);
	free(v->height);
	free(v->src);
	v->n = n;
	v->src = n ? xmalloc(n * sizeof *v->src) : NULL;
	v->top = n ? xmalloc(n * sizeof *v->top) : NULL;
	v->height = n ? xmalloc(n * sizeof *v->height) : NULL;
	int row = 0;
	for (size_t i = 0; i < n; i++) {
		int out = cells[i].out_rows > 0 ? cells[i].out_rows : 0;
		v->top[i] = row;
		v->src[i] = cell_src(&cells[i]);
		/* top border, source, bottom border, output, gap */
		v->height[i] = 1 + cell_src(&cells[i]) + 1 + out + 1;
		row += v->height[i];
	}
	v->total = row;
}

int nbview_max_scroll(const nbview *v, int h)
{
	if (h < 1)
		h = 1;
	return v->total > h ? v->total - h : 0;
}

void nbview_set_scroll(nbview *v, int scroll, int h)
{
	int max = nbview_max_scroll(v, h);
	v->scroll = scroll < 0 ? 0 : scroll > max ? max : scroll;
}

void nbview_show_rows(nbview *v, int first, int last, int h)
{
	if (h < 1)
		h = 1;
	if (last < first)
		last = first;
	int s = v->scroll;
	if (last >= s + h)
		s = last - h + 1;
	if (first < s || last - first + 1 > h)
		s = first;
	nbview_set_scroll(v, s, h);
}

void nbview_show_cell(nbview *v, size_t i, int h)
{
	if (i >= v->n)
		return;
	/* the gap row need not show */
	nbview_show_rows(v, v->top[i], v->top[i] + v->height[i] - 2, h);
}

void nbview_show_source_line(nbview *v, size_t i, int line, int h)
{
	if (i >= v->n)
		return;
	int row = v->top[i] + 1 + (line < 0 ? 0 : line);
	int first = v->top[i];
	if (row - first + 1 > h)
		first = row;
	nbview_show_rows(v, first, row, h);
}

long nbview_hit(const nbview *v, int y, nbview_part *part, int *sub)
{
	*part = NBV_NONE;
	*sub = 0;
	if (y < 0)
		return -1;
	int row = v->scroll + y;
	if (row >= v->total || v->n == 0)
		return -1;
	/* binary search for the last cell whose top <= row */
	size_t lo = 0, hi = v->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (v->top[mid] <= row)
			lo = mid;
		else
			hi = mid;
	}
	int r = row - v->top[lo];
	int h = v->height[lo];
	int src = v->src[lo];
	if (r == 0) {
		*part = NBV_TOP;
	} else if (r <= src) {
		*part = NBV_SOURCE;
		*sub = r - 1;
	} else if (r == src + 1) {
		*part = NBV_BOTTOM;
	} else if (r == h - 1) {
		*part = NBV_GAP;
	} else {
		*part = NBV_OUTPUT;
		*sub = r - src - 2;
	}
	return (long)lo;
}

int nbview_screen_row(const nbview *v, int row)
{
	return row - v->scroll;
}

static void lay_out(nbview_lay *l, size_t i, int limit, const nbview_src *s)
{
	int complete = 1;
	l->rows = s->lay_out(i, limit, &complete, s->ud);
	l->complete = complete;
	l->held = 1;
}

void nbview_measure(nbview *v, nbview_lay *lay, size_t n, int cap, const nbview_src *s)
{
	if (cap < 1)
		cap = 1;
	nbview_cell *cells = xcalloc(n ? n : 1, sizeof *cells);
	for (size_t i = 0; i < n; i++) {
		nbview_lay *l = &lay[i];
		/* a cut layout still tells the height while it has more than cap rows */
		if (!l->held || (!l->complete && l->rows <= cap))
			lay_out(l, i, cap + 1, s);
		cells[i].src_lines = s->src_lines(i, s->ud);
		cells[i].out_rows = l->rows > cap ? cap : l->rows;
	}
	nbview_layout(v, cells, n);
	free(cells);
}

void nbview_complete(const nbview *v, nbview_lay *lay, int h, const nbview_src *s)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->top[i] >= v->scroll + h)
			break;
		if (v->top[i] + v->height[i] > v->scroll && (!lay[i].held || !lay[i].complete))
			lay_out(&lay[i], i, 0, s);
	}
}
