/*
 * placeholder: the last-resort picture — an ASCII frame filling the
 * image's cells with a centred label such as "IMAGE 640x480" (tmux's
 * "SIXEL IMAGE (WxH)" idea), for terminals without sixel and colours or
 * while an image is still decoding.  Any size down to 1x1.
 */
#ifndef SBX_UI_PLACEHOLDER_H
#define SBX_UI_PLACEHOLDER_H
#include "../../src/util/buf.h"

/* rows lines of exactly cols ASCII bytes, each ended by '\n'.  label NULL:
 * "IMAGE WxH" from the pixel size. */
void img_placeholder(int w_px, int h_px, int cols, int rows, const char *label, sbx_buf *out);

#endif
