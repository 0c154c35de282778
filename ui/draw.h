/*
 * draw: putting model cells (ui_attr, UTF-8, code points) into curses
 * windows.  Colour pairs come from ncurses' alloc_pair and are passed as
 * extended pairs (the int `opts` pointer), never COLOR_PAIR(), so any of
 * 65536 fg x bg combinations works; on terminals without colours only the
 * attribute flags show.  Every function clips to the window: callers may
 * pass text longer than the space left, or coordinates outside.
 */
#ifndef SBX_UI_DRAW_H
#define SBX_UI_DRAW_H
#include <stddef.h>
#include <stdint.h>
#include "curses_inc.h"
#include "model/attr.h"

/* The curses attribute and extended pair for a. */
void draw_attr(ui_attr a, attr_t *at, int *pair);

/* UTF-8 text at (y, x), at most maxw columns (maxw < 0: to the window's
 * right edge); control characters show as '?'.  Returns columns used. */
int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, ui_attr a);
/* The same for the first len bytes. */
int draw_textn(WINDOW *w, int y, int x, int maxw, const char *s, size_t len, ui_attr a);
/* Like draw_text, then pads with blanks to exactly width columns. */
void draw_text_pad(WINDOW *w, int y, int x, int width, const char *s, ui_attr a);
/* One cell's code points (NUL-terminated, base + combining). */
void draw_cell(WINDOW *w, int y, int x, const uint32_t *chars, ui_attr a);
/* Blanks over a rectangle. */
void draw_fill(WINDOW *w, int y, int x, int width, int height, ui_attr a);
/* A box frame (line drawing characters) around the rectangle, and an
 * optional title on its top edge. */
void draw_box(WINDOW *w, int y, int x, int width, int height, ui_attr a, const char *title, ui_attr ta);
/* A progress bar of `width` columns, frac 0..1 (< 0: unknown: an
 * indeterminate bar that moves with `tick`). */
void draw_progress(WINDOW *w, int y, int x, int width, double frac, unsigned tick, ui_attr done, ui_attr rest);

/* Human sizes and durations for lists: "1.5K", "3.2M"; "45s", "12m", "3h". */
void fmt_size(int64_t bytes, char *out, size_t n);
void fmt_duration(int64_t seconds, char *out, size_t n);

#endif
