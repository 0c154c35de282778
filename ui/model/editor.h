/*
 * editor: the text buffer behind a notebook cell — multi-line UTF-8 with a
 * cursor (a byte offset always on a code point boundary), an optional
 * selection (anchor..cursor), auto-indent for the cell's language and
 * undo/redo.
 *
 * Columns are display columns (wcwidth; a tab advances to the next
 * multiple of ED_TAB_WIDTH), so the view and the editor agree on where the
 * cursor is.  Undo: every user-level call is one step, except that typed
 * characters coalesce into one step per word (a new step starts where a
 * word begins after whitespace or punctuation, and on any cursor move or
 * other edit), and runs of backspace/delete coalesce too.  Edits replace an
 * active selection.  Nothing here can fail except by OOM (which aborts).
 */
#ifndef SBX_UI_EDITOR_H
#define SBX_UI_EDITOR_H
#include <stddef.h>
#include <stdint.h>

#define ED_INDENT 4     /* Python's indent step, used by Tab/auto-indent */
#define ED_TAB_WIDTH 4  /* display width of a literal tab stop */

typedef struct editor editor;

typedef enum {
	ED_LEFT, ED_RIGHT,             /* one code point */
	ED_WORD_LEFT, ED_WORD_RIGHT,   /* start of this/previous word, end of next */
	ED_LINE_START,                 /* first non-blank, then column 0 (smart home) */
	ED_LINE_END,
	ED_UP, ED_DOWN,                /* keep the goal column across short lines */
	ED_BUF_START, ED_BUF_END,
} ed_move_kind;

editor *ed_new(void);
void ed_free(editor *ed);

/* What auto-indent knows of the language: Python (the default: ':' opens
 * a block, return/pass/... close one, '#' comments), brace languages
 * (JavaScript, TypeScript, Java: '//' comments, only brackets open) and
 * the other '#' languages (R, bash: only brackets open). */
typedef enum { ED_SYN_PYTHON, ED_SYN_BRACES, ED_SYN_HASH } ed_syntax;
void ed_set_syntax(editor *ed, ed_syntax syn);
ed_syntax ed_syntax_for(const char *language);   /* NULL or unknown: Python */

/* Replace everything; cursor to the start; clears undo history. */
void ed_set_text(editor *ed, const char *s, size_t len);
/* NUL-terminated contents. */
const char *ed_text(const editor *ed, size_t *len);
/* Bumped by every change (edits, undo, redo): cheap dirty tracking. */
unsigned long ed_version(const editor *ed);

size_t ed_cursor(const editor *ed);                 /* byte offset */
void ed_cursor_pos(const editor *ed, size_t *line, int *col);
/* Cursor to (line, display col), clamped; for mouse clicks. */
void ed_set_cursor_pos(editor *ed, size_t line, int col);
size_t ed_line_count(const editor *ed);
/* Line i without its '\n' (NULL when out of range). */
const char *ed_line(const editor *ed, size_t i, size_t *len);
/* Display column of byte offset `off` within a line of text. */
int ed_display_col(const char *line, size_t off);

/* Move; select != 0 extends the selection, 0 drops it.  Returns 0 when the
 * cursor could not move (e.g. ED_UP on the first line: the notebook then
 * moves to the previous cell), 1 otherwise. */
int ed_move(editor *ed, ed_move_kind how, int select);
void ed_select_all(editor *ed);
/* 1 with [*start, *end) when a non-empty selection exists. */
int ed_selection(const editor *ed, size_t *start, size_t *end);
char *ed_selected_text(const editor *ed);           /* NULL when none; free() */

void ed_insert_char(editor *ed, uint32_t cp);       /* typed; C0 controls but \t, \n ignored */
void ed_paste(editor *ed, const char *s, size_t len); /* literal; CRLF/CR → LF */
void ed_newline(editor *ed);      /* keep indent; +4 after an open bracket (Python:
                                     or ':'); Python: -4 after return/pass/break/
                                     continue/raise */
void ed_indent(editor *ed);       /* Tab: spaces to the next stop, or indent selected lines */
void ed_dedent(editor *ed);       /* Shift-Tab: dedent the line or the selected lines */
void ed_backspace(editor *ed);    /* in leading blanks: back to the previous indent stop */
void ed_delete(editor *ed);
void ed_delete_word_back(editor *ed);
void ed_delete_word_forward(editor *ed);
void ed_kill_line(editor *ed);    /* to end of line (the newline when already there);
                                     consecutive kills accumulate */
void ed_yank(editor *ed);         /* insert the last killed text */
const char *ed_killed(const editor *ed); /* "" when nothing was killed */

int ed_undo(editor *ed);          /* 1 when something was undone */
int ed_redo(editor *ed);

#endif
