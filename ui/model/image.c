/* image: PNG decoding (libpng's simplified API), fitting, resampling and
 * flattening; see image.h.  curses-free. */
#include "image.h"
#include "../../src/util/b64.h"
#include "../../src/util/xalloc.h"
#include <png.h>
#include <stdlib.h>
#include <string.h>

int img_png_decode(const void *png, size_t len, ui_image *out, sbx_err *e)
{
	png_image im;
	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	out->w = out->h = 0;
	out->rgba = NULL;
	if (!png_image_begin_read_from_memory(&im, png, len))
		return sbx_error(e, "not a PNG image: %s", im.message);
	if ((uint64_t)im.width * im.height > IMG_MAX_PIXELS) {
		png_image_free(&im);
		return sbx_error(e, "PNG image too large to show (%ux%u)", im.width, im.height);
	}
	im.format = PNG_FORMAT_RGBA;
	uint8_t *px = xmalloc(PNG_IMAGE_SIZE(im));
	if (!png_image_finish_read(&im, NULL, px, 0, NULL)) {
		free(px);
		return sbx_error(e, "cannot decode the PNG image: %s", im.message);
	}
	out->w = (int)im.width;
	out->h = (int)im.height;
	out->rgba = px;
	return 0;
}

int img_png_decode_b64(const char *b64, size_t len, ui_image *out, sbx_err *e)
{
	char *clean = xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (b64[i] != '\n' && b64[i] != '\r' && b64[i] != ' ' && b64[i] != '\t')
			clean[n++] = b64[i];
	size_t blen;
	unsigned char *bytes = b64_decode(clean, n, &blen);
	free(clean);
	if (!bytes) {
		out->w = out->h = 0;
		out->rgba = NULL;
		return sbx_error(e, "the image's base64 is corrupt");
	}
	int rc = img_png_decode(bytes, blen, out, e);
	free(bytes);
	return rc;
}

void img_free(ui_image *img)
{
	free(img->rgba);
	img->rgba = NULL;
	img->w = img->h = 0;
}

void img_fit(int src_w, int src_h, int max_w, int max_h, int upscale, int *w, int *h)
{
	if (src_w < 1)
		src_w = 1;
	if (src_h < 1)
		src_h = 1;
	if (max_w < 1)
		max_w = 1;
	if (max_h < 1)
		max_h = 1;
	if (!upscale) {
		if (max_w > src_w)
			max_w = src_w;
		if (max_h > src_h)
			max_h = src_h;
	}
	/* Width-bound or height-bound, whichever is tighter (integers only). */
	long long fw = max_w, fh = (long long)src_h * max_w / src_w;
	if (fh > max_h) {
		fh = max_h;
		fw = (long long)src_w * max_h / src_h;
	}
	*w = fw < 1 ? 1 : (int)fw;
	*h = fh < 1 ? 1 : (int)fh;
}

/* Alpha-weighted sum of a pixel into acc[4], weight wgt. */
static void accumulate(double *acc, const uint8_t *p, double wgt)
{
	double a = p[3] / 255.0 * wgt;
	acc[0] += p[0] * a;
	acc[1] += p[1] * a;
	acc[2] += p[2] * a;
	acc[3] += a;
}

static void store(uint8_t *d, const double *acc, double total)
{
	if (acc[3] <= 0) {
		memset(d, 0, 4);
		return;
	}
	for (int c = 0; c < 3; c++) {
		double v = acc[c] / acc[3];
		d[c] = (uint8_t)(v > 255 ? 255 : v + 0.5);
	}
	double a = acc[3] / total * 255.0;
	d[3] = (uint8_t)(a > 255 ? 255 : a + 0.5);
}

static void scale_down(const ui_image *s, ui_image *d)
{
	double sx = (double)s->w / d->w, sy = (double)s->h / d->h;
	for (int y = 0; y < d->h; y++) {
		double y0 = y * sy, y1 = y0 + sy;
		for (int x = 0; x < d->w; x++) {
			double x0 = x * sx, x1 = x0 + sx, acc[4] = { 0, 0, 0, 0 }, total = 0;
			for (int yy = (int)y0; yy < s->h && yy < y1; yy++) {
				double wy = (yy + 1 < y1 ? yy + 1 : y1) - (yy > y0 ? yy : y0);
				for (int xx = (int)x0; xx < s->w && xx < x1; xx++) {
					double wx = (xx + 1 < x1 ? xx + 1 : x1) - (xx > x0 ? xx : x0);
					accumulate(acc, s->rgba + ((size_t)yy * s->w + xx) * 4, wx * wy);
					total += wx * wy;
				}
			}
			store(d->rgba + ((size_t)y * d->w + x) * 4, acc, total);
		}
	}
}

static void scale_up(const ui_image *s, ui_image *d)
{
	for (int y = 0; y < d->h; y++) {
		double fy = (y + 0.5) * s->h / d->h - 0.5;
		int y0 = fy < 0 ? 0 : (int)fy, y1 = y0 + 1 < s->h ? y0 + 1 : y0;
		double ty = fy - y0 < 0 ? 0 : fy - y0;
		for (int x = 0; x < d->w; x++) {
			double fx = (x + 0.5) * s->w / d->w - 0.5;
			int x0 = fx < 0 ? 0 : (int)fx, x1 = x0 + 1 < s->w ? x0 + 1 : x0;
			double tx = fx - x0 < 0 ? 0 : fx - x0, acc[4] = { 0, 0, 0, 0 };
			accumulate(acc, s->rgba + ((size_t)y0 * s->w + x0) * 4, (1 - tx) * (1 - ty));
			accumulate(acc, s->rgba + ((size_t)y0 * s->w + x1) * 4, tx * (1 - ty));
			accumulate(acc, s->rgba + ((size_t)y1 * s->w + x0) * 4, (1 - tx) * ty);
			accumulate(acc, s->rgba + ((size_t)y1 * s->w + x1) * 4, tx * ty);
			store(d->rgba + ((size_t)y * d->w + x) * 4, acc, 1.0);
		}
	}
}

void img_scale(const ui_image *src, int w, int h, ui_image *dst)
{
	dst->w = w < 1 ? 1 : w;
	dst->h = h < 1 ? 1 : h;
	dst->rgba = xmalloc((size_t)dst->w * dst->h * 4);
	if (dst->w == src->w && dst->h == src->h)
		memcpy(dst->rgba, src->rgba, (size_t)dst->w * dst->h * 4);
	else if (dst->w <= src->w && dst->h <= src->h)
		scale_down(src, dst);
	else
		scale_up(src, dst);
}

uint8_t *img_flatten(const ui_image *img, ui_rgb bg)
{
	size_t n = (size_t)img->w * img->h;
	uint8_t *rgb = xmalloc(n * 3 + 1);
	const uint8_t bgc[3] = { bg.r, bg.g, bg.b };
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = img->rgba + i * 4;
		for (int c = 0; c < 3; c++)
			rgb[i * 3 + c] = (uint8_t)((p[c] * p[3] + bgc[c] * (255 - p[3]) + 127) / 255);
	}
	return rgb;
}

uint64_t img_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}
