/* layout: the split tree — split, close, zoom, focus cycling.  Geometry is
 * in layout_geom.c.  curses-free. */
#include "layout_int.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>

static lnode *leaf_new(int pane)
{
	lnode *n = xcalloc(1, sizeof *n);
	n->kind = LNODE_LEAF;
	n->id = pane;
	return n;
}

static void node_free(lnode *n)
{
	if (!n)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n);
}

lnode *layout_find(lnode *n, int pane)
{
	if (!n)
		return NULL;
	if (n->kind == LNODE_LEAF)
		return n->id == pane ? n : NULL;
	lnode *f = layout_find(n->a, pane);
	return f ? f : layout_find(n->b, pane);
}

static size_t count_leaves(const lnode *n)
{
	return n->kind == LNODE_LEAF ? 1 : count_leaves(n->a) + count_leaves(n->b);
}

layout *layout_new(int first_pane)
{
	layout *l = xcalloc(1, sizeof *l);
	l->root = leaf_new(first_pane);
	l->focus = first_pane;
	l->next_split_id = 1;
	layout_relayout(l);
	return l;
}

void layout_free(layout *l)
{
	if (!l)
		return;
	node_free(l->root);
	free(l->boxes);
	free(l->splitters);
	free(l);
}

void layout_set_size(layout *l, int cols, int rows)
{
	l->cols = cols > 0 ? cols : 0;
	l->rows = rows > 0 ? rows : 0;
	layout_relayout(l);
}

size_t layout_count(const layout *l)
{
	return count_leaves(l->root);
}

int layout_split(layout *l, int pane, int new_pane, layout_split_kind kind, int before, sbx_err *e)
{
	lnode *leaf = layout_find(l->root, pane);
	if (!leaf)
		return sbx_error(e, "no pane %d to split", pane);
	if (new_pane <= 0 || layout_find(l->root, new_pane))
		return sbx_error(e, "pane id %d is invalid or already in the layout", new_pane);
	if (kind != LAYOUT_LEFTRIGHT && kind != LAYOUT_TOPBOTTOM)
		return sbx_error(e, "unknown split kind %d", (int)kind);
	/* The leaf turns into the split in place, so parent links stay valid. */
	lnode *old = leaf_new(pane), *fresh = leaf_new(new_pane);
	leaf->kind = kind;
	leaf->id = l->next_split_id++;
	leaf->ratio = 0.5;
	leaf->a = before ? fresh : old;
	leaf->b = before ? old : fresh;
	old->parent = fresh->parent = leaf;
	l->zoom = 0;
	layout_relayout(l);
	return 0;
}

static lnode *first_leaf(lnode *n)
{
	while (n->kind != LNODE_LEAF)
		n = n->a;
	return n;
}

int layout_close(layout *l, int pane, sbx_err *e)
{
	lnode *leaf = layout_find(l->root, pane);
	if (!leaf)
		return sbx_error(e, "no pane %d to close", pane);
	if (leaf == l->root)
		return sbx_error(e, "pane %d is the last one; it cannot be closed", pane);
	lnode *parent = leaf->parent;
	lnode *sib = parent->a == leaf ? parent->b : parent->a;
	/* The sibling's contents move into the parent node. */
	lnode *grand = parent->parent;
	sib->parent = grand;
	if (!grand)
		l->root = sib;
	else if (grand->a == parent)
		grand->a = sib;
	else
		grand->b = sib;
	free(leaf);
	free(parent);
	if (l->zoom == pane)
		l->zoom = 0;
	if (l->focus == pane)
		l->focus = first_leaf(sib)->id;
	layout_relayout(l);
	return 0;
}

int layout_zoom(layout *l, int pane, sbx_err *e)
{
	if (pane && !layout_find(l->root, pane))
		return sbx_error(e, "no pane %d to zoom", pane);
	l->zoom = pane;
	if (pane)
		l->focus = pane;
	layout_relayout(l);
	return 0;
}

int layout_zoomed(const layout *l)
{
	return l->zoom;
}

int layout_focus(const layout *l)
{
	return l->focus;
}

int layout_set_focus(layout *l, int pane, sbx_err *e)
{
	if (!layout_find(l->root, pane))
		return sbx_error(e, "no pane %d to focus", pane);
	l->focus = pane;
	if (l->zoom)
		l->zoom = pane;
	layout_relayout(l);
	return 0;
}

static int focus_step(layout *l, int step)
{
	size_t n = l->nboxes, i = 0;
	while (i < n && l->boxes[i].pane != l->focus)
		i++;
	if (i == n)
		return l->focus;
	size_t j = (i + n + (size_t)(step > 0 ? 1 : n - 1)) % n;
	layout_set_focus(l, l->boxes[j].pane, NULL);
	return l->focus;
}

int layout_focus_next(layout *l)
{
	return focus_step(l, 1);
}

int layout_focus_prev(layout *l)
{
	return focus_step(l, -1);
}
