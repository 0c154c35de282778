/* vtattr: VTermScreenCell → vt_cell; see vtattr.h.  curses-free. */
#include "vtattr.h"
#include "colour.h"

int vtattr_color(const VTermColor *col, int colors)
{
	if (VTERM_COLOR_IS_DEFAULT_FG(col) || VTERM_COLOR_IS_DEFAULT_BG(col))
		return -1;
	if (VTERM_COLOR_IS_INDEXED(col))
		return colour_reduce(col->indexed.idx, colors);
	return colour_nearest((ui_rgb){ col->rgb.red, col->rgb.green, col->rgb.blue }, colors);
}

void vtattr_cell(const VTermScreenCell *c, int colors, vt_cell *out)
{
	int n = 0;
	/* chars[] is not NUL-terminated when full; (uint32_t)-1 marks the
	 * right half of a wide character. */
	if (c->chars[0] == (uint32_t)-1) {
		out->chars[0] = 0;
		out->width = 0;
	} else {
		for (; n < VTERM_MAX_CHARS_PER_CELL && c->chars[n]; n++)
			out->chars[n] = c->chars[n];
		if (n == 0)
			out->chars[n++] = ' ';
		out->chars[n] = 0;
		out->width = c->width > 1 ? 2 : 1;
	}
	out->attr.fg = (int16_t)vtattr_color(&c->fg, colors);
	out->attr.bg = (int16_t)vtattr_color(&c->bg, colors);
	out->attr.flags = (uint16_t)((c->attrs.bold ? UI_BOLD : 0) | (c->attrs.underline ? UI_UNDERLINE : 0) |
				     (c->attrs.italic ? UI_ITALIC : 0) | (c->attrs.reverse ? UI_REVERSE : 0) |
				     (c->attrs.blink ? UI_BLINK : 0) | (c->attrs.strike ? UI_STRIKE : 0));
}

void vtattr_row(VTermScreen *s, int row, int cols, int colors, vt_cell *out)
{
	for (int col = 0; col < cols; col++) {
		VTermScreenCell c;
		if (!vterm_screen_get_cell(s, (VTermPos){ .row = row, .col = col }, &c)) {
			out[col] = (vt_cell){ { ' ', 0 }, 1, UI_ATTR_DEFAULT };
			continue;
		}
		vtattr_cell(&c, colors, &out[col]);
	}
}
