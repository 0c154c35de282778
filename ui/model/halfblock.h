/*
 * halfblock: an image as text cells when the terminal has no sixel — each
 * cell shows two vertically stacked pixels with U+2580 UPPER HALF BLOCK,
 * the top pixel as foreground and the bottom one as background, colours
 * reduced to the terminal's count.  Transparent pixels (alpha < 128) are
 * -1, the pane's default background.  Below 8 colours there is nothing
 * to show: the caller uses the placeholder instead.
 */
#ifndef SBX_UI_HALFBLOCK_H
#define SBX_UI_HALFBLOCK_H
#include "attr.h"
#include "image.h"

#define HB_UPPER 0x2580u
#define HB_LOWER 0x2584u

typedef struct hb_cell {
	int16_t top, bottom;    /* palette index or -1 */
} hb_cell;

/* Fits img (keeping aspect, never enlarging) into cols x 2*rows pixels
 * and fills out (cols * rows cells, row-major); *used_cols, *used_rows
 * get the part the picture covers (the rest is -1). */
void img_halfblock(const ui_image *img, int cols, int rows, int colors, hb_cell *out, int *used_cols,
		   int *used_rows);
/* What to draw for a cell: a glyph and its attribute (upper half block
 * with fg/bg, lower half block when only the bottom shows, a space with a
 * background when both halves match or neither shows). */
void hb_glyph(hb_cell c, uint32_t *ch, ui_attr *attr);

#endif
