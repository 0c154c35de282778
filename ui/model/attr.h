/*
 * attr: a cell's look, independent of curses — foreground and background
 * as a palette index 0..255 or -1 for the terminal's default colour, and
 * attribute flags.  The view turns it into a curses pair and attr_t; the
 * terminal mapping (vtattr) and themes produce it.
 */
#ifndef SBX_UI_ATTR_H
#define SBX_UI_ATTR_H
#include <stdint.h>

enum {
	UI_BOLD = 1 << 0,
	UI_UNDERLINE = 1 << 1,
	UI_ITALIC = 1 << 2,
	UI_REVERSE = 1 << 3,
	UI_BLINK = 1 << 4,
	UI_STRIKE = 1 << 5,   /* curses has none; the view may ignore it */
	UI_DIM = 1 << 6,
};

typedef struct ui_attr {
	int16_t fg, bg;       /* -1: default */
	uint16_t flags;
} ui_attr;

#define UI_ATTR_DEFAULT ((ui_attr){ -1, -1, 0 })

#endif
