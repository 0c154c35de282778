/* gfx: a notebook picture as sixel, half blocks or a placeholder (see
 * gfx.h). */
#include "gfx.h"
#include "draw.h"
#include "model/halfblock.h"
#include "model/image.h"
#include "model/placeholder.h"
#include "model/sixel.h"
#include "../src/util/b64.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

enum { KIND_SIXEL = 1, KIND_HALFBLOCK = 2 };

gfx_mode gfx_mode_for(app *a)
{
	const app_gfx *g = app_graphics(a);
	if (g->sixel && g->cell_w > 0 && g->cell_h > 0)
		return GFX_SIXEL;
	if (g->colors >= 8)
		return GFX_HALFBLOCK;
	return GFX_TEXT;
}

int gfx_png_size_b64(const char *b64, size_t len, int *w, int *h)
{
	/* the signature (8) + IHDR length/type (8) + width/height (8) = 24
	 * bytes: 32 base64 characters, skipping blanks a notebook may hold */
	char head[33];
	size_t n = 0;
	for (size_t i = 0; i < len && n < 32; i++)
		if (b64[i] != '\n' && b64[i] != '\r' && b64[i] != ' ')
			head[n++] = b64[i];
	head[n] = '\0';
	size_t got;
	unsigned char *d = n == 32 ? b64_decode(head, n, &got) : NULL;
	if (!d || got < 24 || memcmp(d, "\x89PNG", 4) != 0 || memcmp(d + 12, "IHDR", 4) != 0) {
		free(d);
		return -1;
	}
	*w = (int)((unsigned)d[16] << 24 | (unsigned)d[17] << 16 | (unsigned)d[18] << 8 | d[19]);
	*h = (int)((unsigned)d[20] << 24 | (unsigned)d[21] << 16 | (unsigned)d[22] << 8 | d[23]);
	free(d);
	return *w > 0 && *h > 0 ? 0 : -1;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void gfx_measure(app *a, const char *b64, size_t len, int max_cols, int max_rows, int *cols, int *rows)
{
	if (max_cols < 1)
		max_cols = 1;
	if (max_rows < 1)
		max_rows = 1;
	int pw, ph;
	if (gfx_png_size_b64(b64, len, &pw, &ph) < 0) {
		*cols = clampi(30, 1, max_cols);
		*rows = clampi(3, 1, max_rows);
		return;
	}
	const app_gfx *g = app_graphics(a);
	int fw, fh;
	switch (gfx_mode_for(a)) {
	case GFX_SIXEL:
		img_fit(pw, ph, max_cols * g->cell_w, max_rows * g->cell_h, 0, &fw, &fh);
		*cols = clampi((fw + g->cell_w - 1) / g->cell_w, 1, max_cols);
		*rows = clampi((fh + g->cell_h - 1) / g->cell_h, 1, max_rows);
		break;
	case GFX_HALFBLOCK:
		img_fit(pw, ph, max_cols, max_rows * 2, 1, &fw, &fh);
		*cols = clampi(fw, 1, max_cols);
		*rows = clampi((fh + 1) / 2, 1, max_rows);
		break;
	default:
		*cols = clampi(40, 1, max_cols);
		*rows = clampi(5, 1, max_rows);
		break;
	}
}

static void placeholder(app *a, WINDOW *w, int y, int x, int cols, int rows, const char *b64, size_t len,
			const char *label)
{
	int pw = 0, ph = 0;
	char lab[64];
	if (!label) {
		if (gfx_png_size_b64(b64, len, &pw, &ph) == 0)
			snprintf(lab, sizeof lab, "IMAGE %dx%d", pw, ph);
		else
			snprintf(lab, sizeof lab, "IMAGE (not a PNG)");
		label = lab;
	}
	sbx_buf b = SBX_BUF_INIT;
	img_placeholder(pw, ph, cols, rows, label, &b);
	const char *p = buf_cstr(&b);
	ui_attr at = app_th(a, TH_OUT_PLACEHOLDER);
	for (int r = 0; r < rows && *p; r++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (y + r >= 0 && y + r < getmaxy(w))
			draw_textn(w, y + r, x, cols, p, n, at);
		p = nl ? nl + 1 : p + n;
	}
	buf_free(&b);
}

static ui_rgb pane_bg(app *a)
{
	int bg = app_th(a, TH_NORMAL).bg;
	return bg >= 0 ? colour_index_rgb(bg) : (ui_rgb){ 0, 0, 0 };
}

static int decode(const char *b64, size_t len, ui_image *img)
{
	return img_png_decode_b64(b64, len, img, NULL);
}

/* The rows [r0, r1) of a picture scaled to fw x fh, as sixel bytes. */
static int encode_band(app *a, const char *b64, size_t len, int cols, int rows, int r0, int r1, int regs,
		       sbx_buf *out)
{
	const app_gfx *g = app_graphics(a);
	ui_image img, scaled;
	if (decode(b64, len, &img) < 0)
		return -1;
	int fw, fh;
	img_fit(img.w, img.h, cols * g->cell_w, rows * g->cell_h, 0, &fw, &fh);
	img_scale(&img, fw, fh, &scaled);
	img_free(&img);
	int top = r0 * g->cell_h, bottom = r1 * g->cell_h < fh ? r1 * g->cell_h : fh;
	int rc = -1;
	if (bottom > top) {
		/* a band of whole rows: the picture's pixels under the visible cells */
		ui_image band = { scaled.w, bottom - top, scaled.rgba + (size_t)top * scaled.w * 4 };
		rc = img_sixel_encode(&band, regs, pane_bg(a), out, NULL);
	}
	img_free(&scaled);
	return rc;
}

static void draw_sixel(app *a, WINDOW *w, int y, int x, int cols, int rows, const char *b64, size_t len,
		       uint64_t hash, gfx_places *pl)
{
	const app_gfx *g = app_graphics(a);
	/* only the rows inside the window: a picture cut by the pane's edge
	 * is sent as the band of pixels that shows */
	int wrows = getmaxy(w);
	int r0 = y < 0 ? -y : 0, r1 = y + rows > wrows ? wrows - y : rows;
	if (r1 <= r0)
		return;
	int regs = g->sixel_registers > 1 ? (g->sixel_registers > 256 ? 256 : g->sixel_registers) : 256;
	/* the kind carries the band, so each crop is cached on its own */
	imgcache_key k = { hash, KIND_SIXEL | r0 << 8 | r1 << 19, cols, rows, g->cell_w, g->cell_h,
			   regs };
	size_t n;
	if (!imgcache_get(app_imgcache(a), &k, &n)) {
		sbx_buf out = SBX_BUF_INIT;
		if (encode_band(a, b64, len, cols, rows, r0, r1, regs, &out) < 0) {
			buf_free(&out);
			placeholder(a, w, y, x, cols, rows, b64, len, "IMAGE (cannot decode)");
			return;
		}
		imgcache_put(app_imgcache(a), &k, out.data, out.len);
		buf_free(&out);
	}
	draw_fill(w, y + r0, x, cols, r1 - r0, app_th(a, TH_NORMAL));
	if (pl->n == pl->cap)
		pl->v = xrealloc(pl->v, (pl->cap = pl->cap ? pl->cap * 2 : 4) * sizeof *pl->v);
	pl->v[pl->n++] = (gfx_place){ y + r0, x, r1 - r0, k };
}

static void draw_halfblock(app *a, WINDOW *w, int y, int x, int cols, int rows, const char *b64, size_t len,
			   uint64_t hash)
{
	int colors = app_graphics(a)->colors;
	imgcache_key k = { hash, KIND_HALFBLOCK, cols, rows, 0, 0, colors };
	size_t n;
	const hb_cell *cells = imgcache_get(app_imgcache(a), &k, &n);
	if (!cells || n != (size_t)cols * rows * sizeof *cells) {
		ui_image img;
		if (decode(b64, len, &img) < 0) {
			placeholder(a, w, y, x, cols, rows, b64, len, "IMAGE (cannot decode)");
			return;
		}
		hb_cell *grid = xmalloc((size_t)cols * rows * sizeof *grid);
		int uc, ur;
		img_halfblock(&img, cols, rows, colors, grid, &uc, &ur);
		img_free(&img);
		imgcache_put(app_imgcache(a), &k, grid, (size_t)cols * rows * sizeof *grid);
		free(grid);
		cells = imgcache_get(app_imgcache(a), &k, &n);
		if (!cells)
			return;
	}
	int wrows = getmaxy(w);
	for (int r = 0; r < rows; r++) {
		if (y + r < 0 || y + r >= wrows)
			continue;
		for (int c = 0; c < cols; c++) {
			uint32_t ch[2] = { 0, 0 };
			ui_attr at;
			hb_glyph(cells[r * cols + c], &ch[0], &at);
			draw_cell(w, y + r, x + c, ch, at);
		}
	}
}

void gfx_draw(app *a, WINDOW *w, int y, int x, int cols, int rows, const char *b64, size_t len, uint64_t hash,
	      gfx_places *pl)
{
	switch (gfx_mode_for(a)) {
	case GFX_SIXEL:
		draw_sixel(a, w, y, x, cols, rows, b64, len, hash, pl);
		break;
	case GFX_HALFBLOCK:
		draw_halfblock(a, w, y, x, cols, rows, b64, len, hash);
		break;
	default:
		placeholder(a, w, y, x, cols, rows, b64, len, NULL);
		break;
	}
}

void gfx_overlay(app *a, const gfx_places *pl, int y0, int x0)
{
	for (size_t i = 0; i < pl->n; i++) {
		const gfx_place *p = &pl->v[i];
		/* a sixel reaching the last row would scroll the whole screen */
		if (y0 + p->y + p->rows >= LINES || x0 + p->x + p->key.cols > COLS)
			continue;
		size_t n;
		const void *d = imgcache_get(app_imgcache(a), &p->key, &n);
		if (d)
			app_sixel(a, y0 + p->y, x0 + p->x, d, n);
	}
}

void gfx_places_clear(gfx_places *pl)
{
	pl->n = 0;
}

void gfx_places_free(gfx_places *pl)
{
	free(pl->v);
	pl->v = NULL;
	pl->n = pl->cap = 0;
}

int gfx_places_equal(const gfx_places *a, const gfx_places *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const gfx_place *p = &a->v[i], *q = &b->v[i];
		/* field by field: the struct has padding */
		if (p->y != q->y || p->x != q->x || p->rows != q->rows || memcmp(&p->key, &q->key, sizeof p->key))
			return 0;
	}
	return 1;
}

void gfx_places_copy(gfx_places *dst, const gfx_places *src)
{
	if (dst->cap < src->n)
		dst->v = xrealloc(dst->v, (dst->cap = src->n) * sizeof *dst->v);
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof *src->v);
	dst->n = src->n;
}
