/*
 * colour: the xterm palette and reduction of colours to what a terminal has.
 *
 * Colours are palette indices 0..255 (xterm's: 16 ANSI, a 6x6x6 cube,
 * a 24-step grey ramp) or -1 for "the terminal's default".  A terminal's
 * colour count (curses COLORS) is bucketed: >= 256 → 256, 16..255 → 16,
 * 8..15 → 8, below 8 → none (everything becomes -1).  Reduction picks the
 * nearest palette entry by squared RGB distance, using xterm's default RGB
 * values for 0..15; RGB → 256 only ever picks 16..255, because 0..15 are
 * whatever the user's terminal theme made them.
 */
#ifndef SBX_UI_COLOUR_H
#define SBX_UI_COLOUR_H
#include <stdint.h>

typedef struct ui_rgb {
	uint8_t r, g, b;
} ui_rgb;

/* 256, 16, 8 or 0 for a terminal reporting `colors`. */
int colour_bucket(int colors);
/* xterm's default RGB for index 0..255 (out of range → black). */
ui_rgb colour_index_rgb(int idx);
/* Nearest 16..255 entry (tmux's cube/grey-ramp search). */
int colour_rgb_to_256(ui_rgb c);
/* Nearest index a terminal with `colors` colours can show, -1 if none. */
int colour_nearest(ui_rgb c, int colors);
/* An index (or -1) reduced to `colors`; indices it has are kept. */
int colour_reduce(int idx, int colors);
/* Squared distance, for callers choosing contrast. */
int colour_dist(ui_rgb a, ui_rgb b);

#endif
