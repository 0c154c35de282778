/*
 * layout: the workbench's tiling — a binary tree of splits whose leaves are
 * pane ids (> 0, chosen by the caller) and whose splits keep the first
 * child's share as a ratio, so panes keep their proportions when the screen
 * is resized.
 *
 * Geometry is recomputed by every call that changes the tree, the focus,
 * the zoom or the screen size, and kept for the view (boxes, splitters),
 * for resizing by cells and for mouse hit-testing.  A split draws a
 * one-cell splitter line between its children (a column for LEFTRIGHT, a
 * row for TOPBOTTOM).  Contract of the geometry, for any screen size:
 * visible rects never overlap each other or a splitter and lie inside the
 * screen; every visible pane has >= 1 cell; when a split has fewer than 3
 * cells along its axis only the child holding the focus is shown, so the
 * focused pane is visible whenever the screen is at least 1x1.  A zoomed
 * pane gets the whole screen and the rest are hidden.
 */
#ifndef SBX_UI_LAYOUT_H
#define SBX_UI_LAYOUT_H
#include <stddef.h>
#include "../../src/util/err.h"

typedef struct layout layout;

typedef enum { LAYOUT_LEFTRIGHT, LAYOUT_TOPBOTTOM } layout_split_kind;
typedef enum { LAYOUT_LEFT, LAYOUT_RIGHT, LAYOUT_UP, LAYOUT_DOWN } layout_dir;

typedef struct layout_rect {
	int x, y, w, h;
} layout_rect;

typedef struct layout_box {
	int pane;
	int visible;
	layout_rect r;          /* 0x0 when hidden */
} layout_box;

typedef struct layout_splitter {
	int id;                 /* > 0; stable while the split exists */
	layout_split_kind kind; /* LEFTRIGHT: a vertical line (w == 1) */
	layout_rect r;
} layout_splitter;

typedef enum { LAYOUT_HIT_NONE, LAYOUT_HIT_PANE, LAYOUT_HIT_SPLITTER } layout_hit_kind;
typedef struct layout_hit {
	layout_hit_kind kind;
	int id;                 /* pane id or splitter id */
} layout_hit;

layout *layout_new(int first_pane);
void layout_free(layout *l);

/* The screen area the panes share; any size (0x0 hides everything). */
void layout_set_size(layout *l, int cols, int rows);

/* Split `pane` in two; new_pane goes right/below (before: left/above),
 * each side gets half.  Unzooms.  Focus stays.  -1: unknown pane, bad or
 * duplicate new id. */
int layout_split(layout *l, int pane, int new_pane, layout_split_kind kind, int before, sbx_err *e);
/* Remove a pane; its sibling takes its place.  Focus moves to the
 * neighbour that took the space.  -1: unknown pane or the last one. */
int layout_close(layout *l, int pane, sbx_err *e);

/* Move the splitter on the `dir` side of pane by `cells` in direction
 * dir (the one on the opposite side when it has none), keeping >= 1 cell on
 * each side.  -1: unknown pane, no splitter in that axis, or no geometry
 * yet (layout_set_size not called). */
int layout_resize(layout *l, int pane, layout_dir dir, int cells, sbx_err *e);
/* Put a splitter at screen column x (LEFTRIGHT) or row y (TOPBOTTOM), as
 * a mouse drag does.  -1: unknown splitter. */
int layout_drag(layout *l, int splitter, int x, int y, sbx_err *e);

/* Zoom pane (0: unzoom).  -1: unknown pane. */
int layout_zoom(layout *l, int pane, sbx_err *e);
int layout_zoomed(const layout *l);            /* zoomed pane or 0 */

int layout_focus(const layout *l);
int layout_set_focus(layout *l, int pane, sbx_err *e);
/* Cycle through panes in reading order (a zoom follows the focus);
 * return the new focus. */
int layout_focus_next(layout *l);
int layout_focus_prev(layout *l);
/* Focus the visible pane across the splitter in direction dir that
 * shares the most rows/columns with the focused one; returns its id, or 0
 * (focus unchanged) when there is none. */
int layout_focus_dir(layout *l, layout_dir dir);

size_t layout_count(const layout *l);
/* Every pane in reading order, with its rect. */
const layout_box *layout_boxes(const layout *l, size_t *n);
/* Every visible splitter. */
const layout_splitter *layout_splitters(const layout *l, size_t *n);
/* 1 and *r filled: visible; 0: hidden; -1: unknown pane. */
int layout_pane_rect(const layout *l, int pane, layout_rect *r);
layout_hit layout_hit_test(const layout *l, int x, int y);

#endif
