/*
 * vtattr: libvterm 0.1.4 screen cells → ui_attr cells for a terminal
 * with a given colour count (curses COLORS).
 *
 * Colours: libvterm's default fg/bg (flag bits on an RGB value, tested
 * before anything else) stay -1 so the user's terminal colours show
 * through; indexed colours keep their index when the terminal has it and
 * are otherwise reduced by nearest RGB match (bright 8..15 → 0..7 on
 * 8-colour terminals); true colour goes to the nearest of xterm's 256, 16
 * or 8 (colour.h).  Below 8 colours everything is -1 and only the
 * attributes remain.  Attributes: bold, underline (any style), italic,
 * reverse, blink, strike.  A wide character's cell has width 2 and the
 * cell after it width 0 (draw nothing there).
 */
#ifndef SBX_UI_VTATTR_H
#define SBX_UI_VTATTR_H
#include <vterm.h>
#include "attr.h"

typedef struct vt_cell {
	uint32_t chars[VTERM_MAX_CHARS_PER_CELL + 1]; /* NUL-terminated; " " when erased */
	int width;                                     /* 1, 2, or 0 after a wide char */
	ui_attr attr;
} vt_cell;

int vtattr_color(const VTermColor *col, int colors);
void vtattr_cell(const VTermScreenCell *c, int colors, vt_cell *out);
/* Row `row` of the screen, cols cells into out. */
void vtattr_row(VTermScreen *s, int row, int cols, int colors, vt_cell *out);

#endif
