/* halfblock: image → two-pixel text cells; see halfblock.h.  curses-free. */
#include "halfblock.h"
#include <stdlib.h>

static int16_t pixel(const ui_image *img, int x, int y, int colors)
{
	if (y >= img->h)
		return -1;
	const uint8_t *p = img->rgba + ((size_t)y * img->w + x) * 4;
	if (p[3] < 128)
		return -1;
	return (int16_t)colour_nearest((ui_rgb){ p[0], p[1], p[2] }, colors);
}

void img_halfblock(const ui_image *img, int cols, int rows, int colors, hb_cell *out, int *used_cols,
		   int *used_rows)
{
	for (int i = 0; i < cols * rows; i++)
		out[i] = (hb_cell){ -1, -1 };
	*used_cols = *used_rows = 0;
	if (cols < 1 || rows < 1 || img->w < 1 || img->h < 1)
		return;
	int w, h;
	img_fit(img->w, img->h, cols, rows * 2, 0, &w, &h);
	ui_image scaled;
	img_scale(img, w, h, &scaled);
	*used_cols = w;
	*used_rows = (h + 1) / 2;
	for (int y = 0; y < *used_rows; y++)
		for (int x = 0; x < w; x++)
			out[y * cols + x] = (hb_cell){ pixel(&scaled, x, 2 * y, colors), pixel(&scaled, x, 2 * y + 1, colors) };
	img_free(&scaled);
}

void hb_glyph(hb_cell c, uint32_t *ch, ui_attr *attr)
{
	*attr = UI_ATTR_DEFAULT;
	if (c.top == c.bottom) {
		*ch = ' ';
		attr->bg = c.top;
	} else if (c.top < 0) {
		*ch = HB_LOWER;
		attr->fg = c.bottom;
	} else {
		*ch = HB_UPPER;
		attr->fg = c.top;
		attr->bg = c.bottom;
	}
}
