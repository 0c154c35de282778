/* layout internals shared by layout.c (the tree) and layout_geom.c
 * (rectangles, hit-testing, resizing). */
#ifndef SBX_UI_LAYOUT_INT_H
#define SBX_UI_LAYOUT_INT_H
#include "layout.h"

enum { LNODE_LEAF = -1 }; /* else a layout_split_kind */

typedef struct lnode {
	int kind;
	int id;                   /* pane id (leaf) or splitter id */
	double ratio;             /* split: first child's share of size - 1 */
	struct lnode *parent, *a, *b;
	layout_rect r;            /* last computed; 0x0 when hidden */
	int visible;
} lnode;

struct layout {
	lnode *root;
	int focus, zoom, next_split_id;
	int cols, rows;
	layout_box *boxes;        /* leaves in reading order */
	layout_splitter *splitters;
	size_t nboxes, nsplitters, cap;
};

lnode *layout_find(lnode *n, int pane);
void layout_relayout(layout *l);

#endif
