/*
 * term_screen: one terminal emulated by libvterm 0.1.4, curses-free.
 *
 * Bytes from the program's PTY go in with term_screen_feed; what the
 * program must receive (key encodings, pastes, mouse reports, DA/DSR
 * replies) collects in an output queue the owner drains with
 * term_screen_take_output — libvterm's output callback only appends, so
 * nothing ever re-enters libvterm.  Lines scrolled off the top of the main
 * screen go to a scrollback ring (cells, so colours survive; capped, oldest
 * dropped); the alternate screen never adds to it.  Shrinking pushes rows
 * to the ring, growing pops them back.
 *
 * Lines are numbered 0..term_screen_lines()-1: the scrollback oldest
 * first, then the screen's rows.  A content's number stays the same while
 * output arrives, except that it drops by one each time the full ring
 * forgets its oldest line (copy-mode positions are adjusted for that).
 *
 * Copy mode is a cursor over those lines with a view top, search
 * (substring, forward/backward, wrapping), a stream selection from an
 * anchor to the cursor, and text extraction as UTF-8 (trailing blanks of
 * each line trimmed, lines joined with '\n').
 */
#ifndef SBX_UI_TERM_SCREEN_H
#define SBX_UI_TERM_SCREEN_H
#include <stddef.h>
#include "keys.h"
#include "vtattr.h"
#include "../../src/util/buf.h"

typedef struct term_screen term_screen;

enum { TERM_MOUSE_NONE, TERM_MOUSE_CLICK, TERM_MOUSE_DRAG, TERM_MOUSE_MOVE };
enum { TERM_CURSOR_BLOCK = 1, TERM_CURSOR_UNDERLINE, TERM_CURSOR_BAR };
enum { TERM_MARK_SELECTION = 1, TERM_MARK_MATCH = 2 };

/* colors: the curses colour count cells are reduced to (vtattr);
 * sb_cap: scrollback lines kept (0: none). */
term_screen *term_screen_new(int rows, int cols, int colors, size_t sb_cap);
void term_screen_free(term_screen *t);

void term_screen_feed(term_screen *t, const void *data, size_t len);
/* Sizes below 1x1 are raised to 1x1. */
void term_screen_resize(term_screen *t, int rows, int cols);
int term_screen_rows(const term_screen *t);
int term_screen_cols(const term_screen *t);
/* Clears the screen, the scrollback and every mode (a restarted program). */
void term_screen_reset(term_screen *t);

/* Appends the bytes queued for the program to dst and empties the queue;
 * returns how many. */
size_t term_screen_take_output(term_screen *t, sbx_buf *dst);
/* 1 when something visible changed since the last call (then cleared). */
int term_screen_take_dirty(term_screen *t);
/* Bells rung since the last call (then cleared). */
int term_screen_take_bells(term_screen *t);

/* Properties the program set. */
const char *term_screen_title(const term_screen *t);   /* "" when none */
int term_screen_altscreen(const term_screen *t);
int term_screen_mouse_mode(const term_screen *t);      /* TERM_MOUSE_* */
int term_screen_cursor_shape(const term_screen *t);    /* TERM_CURSOR_* */
/* The cursor's screen position; returns 1 when the program shows it. */
int term_screen_cursor(const term_screen *t, int *row, int *col);

/* Input for the program, queued as output.  key: 1 when it had an
 * encoding.  Ctrl with a letter or @[\]^_? sends the C0 byte (bash does
 * not read CSI u), Alt prefixes ESC. */
int term_screen_key(term_screen *t, ui_key k);
/* Pasted text: inside ESC[200~ ... ESC[201~ when the program enabled
 * bracketed paste (mode 2004); newlines become CR; an embedded end marker
 * is dropped so a paste cannot end itself early. */
void term_screen_paste(term_screen *t, const char *s, size_t len);
/* A mouse event at screen (row, col); button 1..3 press/release, 4/5
 * wheel, 0 motion.  Returns 1 when forwarded (the program asked for the
 * mouse), 0 when the caller may use it. */
int term_screen_mouse(term_screen *t, int row, int col, int button, int pressed, unsigned mods);

/* --- lines (scrollback + screen) --------------------------------------- */
long term_screen_lines(const term_screen *t);
long term_screen_sb_lines(const term_screen *t);
/* Line `line` as exactly `cols` cells (blank-padded or cut). */
void term_screen_line(term_screen *t, long line, vt_cell *out, int cols);
/* The line's text, trailing blanks trimmed, appended to out. */
void term_screen_line_text(term_screen *t, long line, sbx_buf *out);
/* Every line (trailing empty lines dropped), '\n'-terminated. */
void term_screen_text(term_screen *t, sbx_buf *out);

/* --- copy mode ---------------------------------------------------------- */
/* Starts at the terminal's cursor with the live screen in view. */
void term_copy_enter(term_screen *t);
void term_copy_leave(term_screen *t);
int term_copy_active(const term_screen *t);
void term_copy_cursor(const term_screen *t, long *line, int *col);
/* The first line shown (the view is term_screen_rows() tall). */
long term_copy_top(const term_screen *t);
/* Moves the cursor (clamped), scrolling the view to keep it shown. */
void term_copy_move(term_screen *t, long dlines, int dcols);
void term_copy_goto(term_screen *t, long line, int col);
/* Scrolls the view (clamped), keeping the cursor inside it. */
void term_copy_scroll(term_screen *t, long dlines);
/* Finds needle after (or before) the cursor, wrapping around; moves
 * there and returns 1, or 0 when it is nowhere.  Remembers needle and
 * direction for term_copy_next. */
int term_copy_search(term_screen *t, const char *needle, int backward);
/* The next match in the search's direction (reverse: the other way);
 * -1 when nothing was searched yet. */
int term_copy_next(term_screen *t, int reverse);
const char *term_copy_needle(const term_screen *t);   /* NULL: none */
/* Starts a selection at the cursor, or ends (fixes) the one in progress. */
void term_copy_select(term_screen *t);
int term_copy_selecting(const term_screen *t);
/* Appends the selected text (or, with no selection, the cursor's line);
 * returns the number of bytes appended. */
size_t term_copy_text(term_screen *t, sbx_buf *out);
void term_copy_clear_selection(term_screen *t);
/* Per column of `line`: TERM_MARK_* bits for selection and matches. */
void term_copy_marks(term_screen *t, long line, unsigned char *marks, int cols);

#endif
