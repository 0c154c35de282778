/*
 * image: pictures for notebook outputs — PNG bytes (from a kernel's
 * image/png, base64 in the notebook) decoded to RGBA, fitted into a pixel
 * box keeping the aspect ratio, flattened onto a background colour.
 * Encoders for the terminal are sixel.h and halfblock.h; placeholder.h is
 * the text fallback; imgcache.h keeps their results per size.
 */
#ifndef SBX_UI_IMAGE_H
#define SBX_UI_IMAGE_H
#include <stddef.h>
#include <stdint.h>
#include "colour.h"
#include "../../src/util/err.h"

#define IMG_MAX_PIXELS (16u * 1024 * 1024) /* larger PNGs are refused */

typedef struct ui_image {
	int w, h;
	uint8_t *rgba;          /* w * h * 4 bytes, row-major, not premultiplied */
} ui_image;

int img_png_decode(const void *png, size_t len, ui_image *out, sbx_err *e);
/* Base64 as notebooks store it (line breaks and blanks allowed). */
int img_png_decode_b64(const char *b64, size_t len, ui_image *out, sbx_err *e);
void img_free(ui_image *img);

/* The largest w x h (>= 1x1) inside max_w x max_h with the aspect of
 * src_w x src_h; never larger than the source unless upscale. */
void img_fit(int src_w, int src_h, int max_w, int max_h, int upscale, int *w, int *h);
/* src resampled to w x h: area averaging when shrinking, bilinear when
 * growing (alpha-weighted, so transparent pixels do not darken edges). */
void img_scale(const ui_image *src, int w, int h, ui_image *dst);
/* RGB bytes (w * h * 3) of img composited over bg; caller frees. */
uint8_t *img_flatten(const ui_image *img, ui_rgb bg);

/* FNV-1a 64: cache keys for image bytes. */
uint64_t img_hash(const void *data, size_t len);

#endif
