/* layout geometry: rectangles for a screen size, splitter moves, hit-tests
 * and directional focus.  See layout.h for the contract.  curses-free. */
#include "layout_int.h"
#include "../../src/util/xalloc.h"
#include <math.h>
#include <stdlib.h>

static int min_size(const lnode *n, int kind)
{
	if (n->kind == LNODE_LEAF)
		return 1;
	int a = min_size(n->a, kind), b = min_size(n->b, kind);
	if (n->kind == kind)
		return a + 1 + b;
	return a > b ? a : b;
}

static void place(layout *l, lnode *n, layout_rect r, int vis);

static void hide(layout *l, lnode *n)
{
	place(l, n, (layout_rect){ 0, 0, 0, 0 }, 0);
}

/* Size of the first child for an axis of S cells (S >= 3): the ratio,
 * kept off both edges and, when both fit, above each side's minimum. */
static int first_size(const lnode *n, int S, double ratio)
{
	int sa = (int)lround(ratio * (S - 1));
	int ma = min_size(n->a, n->kind), mb = min_size(n->b, n->kind);
	if (ma + 1 + mb <= S) {
		if (sa < ma)
			sa = ma;
		if (S - 1 - sa < mb)
			sa = S - 1 - mb;
	}
	if (sa < 1)
		sa = 1;
	if (sa > S - 2)
		sa = S - 2;
	return sa;
}

static void place(layout *l, lnode *n, layout_rect r, int vis)
{
	n->visible = vis;
	n->r = vis ? r : (layout_rect){ 0, 0, 0, 0 };
	if (n->kind == LNODE_LEAF)
		return;
	if (!vis) {
		hide(l, n->a);
		hide(l, n->b);
		return;
	}
	int lr = n->kind == LAYOUT_LEFTRIGHT;
	int S = lr ? r.w : r.h;
	if (S < 3) {
		/* No room for two panes and a splitter: show the focus's side. */
		lnode *keep = layout_find(n->b, l->focus) ? n->b : n->a;
		n->visible = 0;
		place(l, keep, r, 1);
		hide(l, keep == n->a ? n->b : n->a);
		return;
	}
	int sa = first_size(n, S, n->ratio), sb = S - 1 - sa;
	if (lr) {
		place(l, n->a, (layout_rect){ r.x, r.y, sa, r.h }, 1);
		place(l, n->b, (layout_rect){ r.x + sa + 1, r.y, sb, r.h }, 1);
	} else {
		place(l, n->a, (layout_rect){ r.x, r.y, r.w, sa }, 1);
		place(l, n->b, (layout_rect){ r.x, r.y + sa + 1, r.w, sb }, 1);
	}
}

static void collect(layout *l, const lnode *n)
{
	if (n->kind == LNODE_LEAF) {
		l->boxes[l->nboxes++] = (layout_box){ n->id, n->visible, n->r };
		return;
	}
	collect(l, n->a);
	if (n->visible) {
		layout_rect s = n->r;
		if (n->kind == LAYOUT_LEFTRIGHT)
			s = (layout_rect){ n->a->r.x + n->a->r.w, n->r.y, 1, n->r.h };
		else
			s = (layout_rect){ n->r.x, n->a->r.y + n->a->r.h, n->r.w, 1 };
		l->splitters[l->nsplitters++] = (layout_splitter){ n->id, (layout_split_kind)n->kind, s };
	}
	collect(l, n->b);
}

void layout_relayout(layout *l)
{
	size_t leaves = layout_count(l);
	if (leaves > l->cap) {
		l->cap = leaves * 2;
		l->boxes = xrealloc(l->boxes, l->cap * sizeof *l->boxes);
		l->splitters = xrealloc(l->splitters, l->cap * sizeof *l->splitters);
	}
	int vis = l->cols > 0 && l->rows > 0;
	layout_rect all = { 0, 0, l->cols, l->rows };
	lnode *z = l->zoom ? layout_find(l->root, l->zoom) : NULL;
	if (z) {
		hide(l, l->root);
		place(l, z, all, vis);
	} else {
		place(l, l->root, all, vis);
	}
	l->nboxes = l->nsplitters = 0;
	collect(l, l->root);
}

const layout_box *layout_boxes(const layout *l, size_t *n)
{
	*n = l->nboxes;
	return l->boxes;
}

const layout_splitter *layout_splitters(const layout *l, size_t *n)
{
	*n = l->nsplitters;
	return l->splitters;
}

int layout_pane_rect(const layout *l, int pane, layout_rect *r)
{
	for (size_t i = 0; i < l->nboxes; i++) {
		if (l->boxes[i].pane != pane)
			continue;
		*r = l->boxes[i].r;
		return l->boxes[i].visible;
	}
	return -1;
}

static int inside(layout_rect r, int x, int y)
{
	return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

layout_hit layout_hit_test(const layout *l, int x, int y)
{
	for (size_t i = 0; i < l->nboxes; i++)
		if (l->boxes[i].visible && inside(l->boxes[i].r, x, y))
			return (layout_hit){ LAYOUT_HIT_PANE, l->boxes[i].pane };
	for (size_t i = 0; i < l->nsplitters; i++)
		if (inside(l->splitters[i].r, x, y))
			return (layout_hit){ LAYOUT_HIT_SPLITTER, l->splitters[i].id };
	return (layout_hit){ LAYOUT_HIT_NONE, 0 };
}

/* Moves a split's splitter so its first child is `sa` cells. */
static int set_first(layout *l, lnode *n, int sa, sbx_err *e)
{
	int S = n->kind == LAYOUT_LEFTRIGHT ? n->r.w : n->r.h;
	if (!n->visible || S < 3)
		return sbx_error(e, "the panes are too small to resize; enlarge the window");
	/* Clamp here so the stored ratio matches what is shown. */
	n->ratio = (double)sa / (S - 1);
	n->ratio = (double)first_size(n, S, n->ratio) / (S - 1);
	layout_relayout(l);
	return 0;
}

int layout_resize(layout *l, int pane, layout_dir dir, int cells, sbx_err *e)
{
	lnode *leaf = layout_find(l->root, pane);
	if (!leaf)
		return sbx_error(e, "no pane %d to resize", pane);
	if (l->cols <= 0 || l->rows <= 0)
		return sbx_error(e, "the layout has no size yet");
	if (l->zoom)
		return sbx_error(e, "pane %d is zoomed; unzoom it to resize panes", l->zoom);
	int kind = dir == LAYOUT_LEFT || dir == LAYOUT_RIGHT ? LAYOUT_LEFTRIGHT : LAYOUT_TOPBOTTOM;
	int sign = dir == LAYOUT_RIGHT || dir == LAYOUT_DOWN ? 1 : -1;
	/* The pane's border on the dir side is the nearest split of that kind
	 * where the pane is in the first child (for right/down). */
	for (int pass = 0; pass < 2; pass++) {
		int want_a = (sign > 0) == (pass == 0);
		for (lnode *c = leaf, *p = leaf->parent; p; c = p, p = p->parent) {
			if (p->kind != kind || (p->a == c) != want_a)
				continue;
			int sa = kind == LAYOUT_LEFTRIGHT ? p->a->r.w : p->a->r.h;
			return set_first(l, p, sa + sign * cells, e);
		}
	}
	return sbx_error(e, "pane %d has no %s neighbour to resize against", pane,
			 kind == LAYOUT_LEFTRIGHT ? "left or right" : "upper or lower");
}

static lnode *find_split(lnode *n, int id)
{
	if (n->kind == LNODE_LEAF)
		return NULL;
	if (n->id == id)
		return n;
	lnode *f = find_split(n->a, id);
	return f ? f : find_split(n->b, id);
}

int layout_drag(layout *l, int splitter, int x, int y, sbx_err *e)
{
	lnode *n = find_split(l->root, splitter);
	if (!n)
		return sbx_error(e, "no splitter %d", splitter);
	int sa = n->kind == LAYOUT_LEFTRIGHT ? x - n->r.x : y - n->r.y;
	return set_first(l, n, sa, e);
}

static int overlap(int a0, int alen, int b0, int blen)
{
	int lo = a0 > b0 ? a0 : b0, hi = a0 + alen < b0 + blen ? a0 + alen : b0 + blen;
	return hi - lo;
}

int layout_focus_dir(layout *l, layout_dir dir)
{
	layout_rect cur;
	if (layout_pane_rect(l, l->focus, &cur) != 1)
		return 0;
	int best = 0, best_ov = 0;
	for (size_t i = 0; i < l->nboxes; i++) {
		const layout_box *b = &l->boxes[i];
		if (!b->visible || b->pane == l->focus)
			continue;
		layout_rect r = b->r;
		int adj, ov;
		switch (dir) {
		case LAYOUT_LEFT: adj = r.x + r.w + 1 == cur.x; ov = overlap(r.y, r.h, cur.y, cur.h); break;
		case LAYOUT_RIGHT: adj = cur.x + cur.w + 1 == r.x; ov = overlap(r.y, r.h, cur.y, cur.h); break;
		case LAYOUT_UP: adj = r.y + r.h + 1 == cur.y; ov = overlap(r.x, r.w, cur.x, cur.w); break;
		default: adj = cur.y + cur.h + 1 == r.y; ov = overlap(r.x, r.w, cur.x, cur.w); break;
		}
		if (adj && ov > best_ov)
			best = b->pane, best_ov = ov;
	}
	if (best)
		layout_set_focus(l, best, NULL);
	return best;
}
