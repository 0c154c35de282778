/* term_screen internals shared by term_screen*.c (not for other modules). */
#ifndef SBX_UI_TERM_SCREEN_INT_H
#define SBX_UI_TERM_SCREEN_INT_H
#include <vterm.h>
#include "term_screen.h"

/* A scrollback line: trailing default blanks are not stored. */
typedef struct sb_line {
	int ncells;
	int cap;      /* cells allocated */
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

/* term_screen_bulk.c: what the byte stream set that libvterm does not
 * tell (see there). */
#define TERM_SCAN_ARGS 8
typedef struct term_charsets {
	int g0, g1;      /* 1: not US-ASCII */
	int shift;       /* SO: G1 in GL */
} term_charsets;
typedef struct term_scan {
	int st;
	int esc_inter, esc_ninter;
	int csi_priv, csi_inter, nargs, have_arg;
	long args[TERM_SCAN_ARGS];   /* -1: missing */
	int region;                  /* DECSTBM set a partial region */
	int lrmm;                    /* DECLRMM: left/right margins */
	int unsure;                  /* something we do not follow: path off */
	term_charsets cs, saved;
} term_scan;

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
	term_scan scan;
	size_t bulk_lines;   /* lines that went to the scrollback by the bulk path */
};

/* term_screen.c: a line for the scrollback, as libvterm hands them over. */
int term_sb_push(term_screen *t, int cols, const VTermScreenCell *cells);
/* 1: a cell the scrollback does not keep at the end of a line. */
int term_cell_blank(const VTermScreenCell *c);
/* term_screen_bulk.c */
void term_scan_reset(term_scan *s);
void term_scan_bytes(term_scan *s, int rows, const unsigned char *p, size_t n);

/* term_screen.c: line's text appended to out; colmap (may be NULL) gets
 * one int per byte: the column the byte came from. */
void term_line_text_map(term_screen *t, long line, sbx_buf *out, sbx_buf *colmap);

/* term_screen_copy.c: the ring forgot its oldest line / the size changed. */
void term_copy_dropped(term_screen *t);
void term_copy_clamp(term_screen *t);

#endif
