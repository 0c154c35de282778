/*
 * gfx: one picture (a notebook's base64 PNG) drawn into a pane, the best
 * way the terminal allows (app_graphics):
 *   - sixel, when the terminal has it and the cell size in pixels is
 *     known: the cells are blanked at draw time and a placement is
 *     recorded; the pane's overlay op then writes the cached sixel bytes
 *     at screen coordinates (gfx_overlay).  A picture partly inside the
 *     window is sent as the band of pixel rows that shows; one that would
 *     reach the screen's last row is not written (it would scroll it);
 *   - half blocks (two pixels per cell), with 8 colours or more;
 *   - a text placeholder ("IMAGE 640x480") otherwise.
 * Encodings are kept in app_imgcache, so redraws re-emit bytes.
 */
#ifndef SBX_UI_GFX_H
#define SBX_UI_GFX_H
#include <stddef.h>
#include "app.h"

typedef enum { GFX_SIXEL, GFX_HALFBLOCK, GFX_TEXT } gfx_mode;

typedef struct gfx_place {
	int y, x;               /* pane-inside cell of the top-left corner */
	int rows;               /* the rows it covers (a cut picture: fewer) */
	imgcache_key key;       /* the sixel bytes in app_imgcache */
} gfx_place;

typedef struct gfx_places {
	gfx_place *v;
	size_t n, cap;
} gfx_places;

gfx_mode gfx_mode_for(app *a);
/* A PNG's pixel size from its header (IHDR), without decoding it. */
int gfx_png_size_b64(const char *b64, size_t len, int *w, int *h);
/* The cells the picture takes inside max_cols x max_rows (>= 1x1). */
void gfx_measure(app *a, const char *b64, size_t len, int max_cols, int max_rows, int *cols, int *rows);
/* Draws the picture measured as cols x rows with its top-left at window
 * cell (y, x); y may be negative or the picture may run past the window's
 * bottom (only what is inside is drawn).  hash: img_hash(b64, len), which
 * the caller keeps (hashing megabytes per frame would cost more than the
 * cached encoding saves).  Sixel placements go to pl. */
void gfx_draw(app *a, WINDOW *w, int y, int x, int cols, int rows, const char *b64, size_t len, uint64_t hash,
	      gfx_places *pl);
/* From the overlay op: writes every recorded sixel (y0, x0: the inside's
 * screen position). */
void gfx_overlay(app *a, const gfx_places *pl, int y0, int x0);
void gfx_places_clear(gfx_places *pl);
void gfx_places_free(gfx_places *pl);
/* 1 when a and b place the same pictures at the same cells. */
int gfx_places_equal(const gfx_places *a, const gfx_places *b);
void gfx_places_copy(gfx_places *dst, const gfx_places *src);

#endif
