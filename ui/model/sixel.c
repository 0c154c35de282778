/* sixel: libsixel's low-level encoder writing into a buffer; see sixel.h.
 * curses-free. */
#include "sixel.h"
#include <sixel.h>
#include <stdlib.h>

static int sink(char *data, int size, void *priv)
{
	buf_append(priv, data, (size_t)size);
	return size;
}

int img_sixel_encode(const ui_image *img, int colors, ui_rgb bg, sbx_buf *out, sbx_err *e)
{
	if (img->w < 1 || img->h < 1)
		return sbx_error(e, "cannot encode an empty image as sixel");
	if (colors < 2)
		colors = 2;
	if (colors > SIXEL_PALETTE_MAX)
		colors = SIXEL_PALETTE_MAX;
	uint8_t *rgb = img_flatten(img, bg);
	sixel_output_t *o = NULL;
	sixel_dither_t *d = NULL;
	size_t start = out->len;
	SIXELSTATUS st = sixel_output_new(&o, sink, out, NULL);
	if (SIXEL_SUCCEEDED(st))
		st = sixel_dither_new(&d, colors, NULL);
	if (SIXEL_SUCCEEDED(st))
		st = sixel_dither_initialize(d, rgb, img->w, img->h, SIXEL_PIXELFORMAT_RGB888, SIXEL_LARGE_AUTO,
					     SIXEL_REP_AUTO, SIXEL_QUALITY_AUTO);
	if (SIXEL_SUCCEEDED(st))
		st = sixel_encode(rgb, img->w, img->h, 3, d, o);
	if (d)
		sixel_dither_unref(d);
	if (o)
		sixel_output_unref(o);
	free(rgb);
	if (SIXEL_FAILED(st)) {
		out->len = start; /* no half-written image */
		if (out->data)
			out->data[start] = '\0';
		return sbx_error(e, "sixel encoding failed: %s", sixel_helper_format_error(st));
	}
	return 0;
}
