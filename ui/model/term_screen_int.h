/* term_screen internals shared by term_screen*.c (not for other modules). */
#ifndef SBX_UI_TERM_SCREEN_INT_H
#define SBX_UI_TERM_SCREEN_INT_H
#include <vterm.h>
#include "term_screen.h"

/* A scrollback line: trailing default blanks are not stored. */
typedef struct sb_line {
	int ncells;
	VTermScreenCell cells[];
} sb_line;

typedef struct term_copy {
	int active;
	long line, top;
	int col;
	int selecting, has_sel;          /* in progress / fixed */
	long anchor_line, end_line;      /* end_*: where a fixed selection ends */
	int anchor_col, end_col;
	char *needle;
	int backward;
} term_copy;

struct term_screen {
	VTerm *vt;
	VTermScreen *vts;
	VTermState *state;
	int rows, cols, colors;
	sbx_buf out;
	int dirty, bells;
	/* ring: sb[(sb_head + i) % sb_cap] is line i, oldest first */
	sb_line **sb;
	size_t sb_cap, sb_head, sb_count;
	char title[256];
	int altscreen, mouse, cursor_shape, cursor_visible;
	VTermPos cursor;
	term_copy copy;
};

/* term_screen.c: line's text appended to out; colmap (may be NULL) gets
 * one int per byte: the column the byte came from. */
void term_line_text_map(term_screen *t, long line, sbx_buf *out, sbx_buf *colmap);

/* term_screen_copy.c: the ring forgot its oldest line / the size changed. */
void term_copy_dropped(term_screen *t);
void term_copy_clamp(term_screen *t);

#endif
