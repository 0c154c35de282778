/*
 * sixel: an image as a sixel string (DCS ... ST) with libsixel — the
 * image flattened onto the pane's background, quantised to an adaptive
 * palette of at most `colors` registers (2..256; flat charts come out far
 * smaller), encoded into memory so the view can cache the bytes and
 * re-emit them on every redraw.  The caller sizes the image first
 * (img_fit/img_scale to the cells' pixel box).
 */
#ifndef SBX_UI_SIXEL_H
#define SBX_UI_SIXEL_H
#include "image.h"
#include "../../src/util/buf.h"

int img_sixel_encode(const ui_image *img, int colors, ui_rgb bg, sbx_buf *out, sbx_err *e);

#endif
