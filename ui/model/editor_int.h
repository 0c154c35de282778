/* editor internals shared by editor.c (buffer, lines, undo),
 * editor_move.c (motions) and editor_edit.c (user-level edits). */
#ifndef SBX_UI_EDITOR_INT_H
#define SBX_UI_EDITOR_INT_H
#include "editor.h"
#include "../../src/util/buf.h"

typedef struct ed_op {
	int insert;               /* 1: text was inserted at pos; 0: deleted */
	size_t pos;
	char *text;
	size_t len;
	unsigned long group;      /* ops of one undo step share a group */
	size_t cur_before, cur_after;
} ed_op;

typedef struct ed_stack {
	ed_op *ops;
	size_t n, cap;
} ed_stack;

enum ed_run { RUN_NONE, RUN_TYPE, RUN_BACKSPACE, RUN_DELETE, RUN_KILL };

struct editor {
	sbx_buf text;
	size_t cur;
	long anchor;              /* selection anchor, -1 when none */
	int goal;                 /* goal column for up/down, -1 when unset */
	size_t *lines;            /* start offset of each line */
	size_t nlines, lines_cap;
	ed_stack undo, redo;
	unsigned long group, version;
	enum ed_run run;          /* what the last edit was, for coalescing */
	size_t run_end;           /* cursor after that edit */
	sbx_buf killed;
	int syntax;               /* ed_syntax */
};

/* Primitive edits: change the text, record the op in the current group,
 * keep lines and version up to date.  Cursor is the caller's job. */
void ed_do_insert(editor *ed, size_t pos, const char *s, size_t len);
void ed_do_delete(editor *ed, size_t pos, size_t len);
/* Starts a new undo step unless `run` continues the previous edit. */
void ed_begin(editor *ed, enum ed_run run);
/* Ends an edit: records the cursor after it. */
void ed_end(editor *ed);
size_t ed_line_of(const editor *ed, size_t off);
size_t ed_line_end(const editor *ed, size_t line);
/* Word motions and classes (0 blank, 1 identifier, 2 other). */
size_t ed_word_right(const editor *ed, size_t pos);
size_t ed_word_left(const editor *ed, size_t pos);
int ed_char_class(uint32_t cp);
/* Deletes the selection (inside the current step); 1 if there was one. */
int ed_delete_selection(editor *ed);

#endif
