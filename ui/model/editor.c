/* editor: the buffer, its line index and undo/redo.  Motions are in
 * editor_move.c, user-level edits in editor_edit.c.  curses-free. */
#include "editor_int.h"
#include "utf8.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define UNDO_MAX_OPS 10000 /* oldest steps are dropped beyond this */

static void rebuild_lines(editor *ed)
{
	ed->nlines = 0;
	size_t len = ed->text.len;
	const char *s = buf_cstr(&ed->text);
	for (size_t i = 0;; ) {
		if (ed->nlines == ed->lines_cap) {
			ed->lines_cap = ed->lines_cap ? ed->lines_cap * 2 : 16;
			ed->lines = xrealloc(ed->lines, ed->lines_cap * sizeof *ed->lines);
		}
		ed->lines[ed->nlines++] = i;
		const char *nl = memchr(s + i, '\n', len - i);
		if (!nl)
			break;
		i = (size_t)(nl - s) + 1;
	}
}

static void stack_clear(ed_stack *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->ops[i].text);
	st->n = 0;
}

static void stack_push(ed_stack *st, ed_op op)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		st->ops = xrealloc(st->ops, st->cap * sizeof *st->ops);
	}
	st->ops[st->n++] = op;
}

editor *ed_new(void)
{
	editor *ed = xcalloc(1, sizeof *ed);
	buf_init(&ed->text);
	buf_init(&ed->killed);
	buf_puts(&ed->text, "");
	ed->anchor = -1;
	ed->goal = -1;
	rebuild_lines(ed);
	return ed;
}

void ed_set_syntax(editor *ed, ed_syntax syn)
{
	ed->syntax = (int)syn;
}

ed_syntax ed_syntax_for(const char *language)
{
	static const char *const braces[] = { "javascript", "typescript", "java" };
	static const char *const hash[] = { "r", "bash" };
	for (size_t i = 0; language && i < sizeof braces / sizeof *braces; i++)
		if (strcmp(language, braces[i]) == 0)
			return ED_SYN_BRACES;
	for (size_t i = 0; language && i < sizeof hash / sizeof *hash; i++)
		if (strcmp(language, hash[i]) == 0)
			return ED_SYN_HASH;
	return ED_SYN_PYTHON;
}

void ed_free(editor *ed)
{
	if (!ed)
		return;
	stack_clear(&ed->undo);
	stack_clear(&ed->redo);
	free(ed->undo.ops);
	free(ed->redo.ops);
	free(ed->lines);
	buf_free(&ed->text);
	buf_free(&ed->killed);
	free(ed);
}

void ed_set_text(editor *ed, const char *s, size_t len)
{
	buf_reset(&ed->text);
	buf_append(&ed->text, s, len);
	ed->cur = 0;
	ed->anchor = -1;
	ed->goal = -1;
	ed->run = RUN_NONE;
	stack_clear(&ed->undo);
	stack_clear(&ed->redo);
	ed->version++;
	rebuild_lines(ed);
}

const char *ed_text(const editor *ed, size_t *len)
{
	if (len)
		*len = ed->text.len;
	return ed->text.data ? ed->text.data : "";
}

unsigned long ed_version(const editor *ed)
{
	return ed->version;
}

size_t ed_cursor(const editor *ed)
{
	return ed->cur;
}

size_t ed_line_count(const editor *ed)
{
	return ed->nlines;
}

size_t ed_line_of(const editor *ed, size_t off)
{
	size_t lo = 0, hi = ed->nlines; /* last line start <= off */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (ed->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

size_t ed_line_end(const editor *ed, size_t line)
{
	return line + 1 < ed->nlines ? ed->lines[line + 1] - 1 : ed->text.len;
}

const char *ed_line(const editor *ed, size_t i, size_t *len)
{
	if (i >= ed->nlines)
		return NULL;
	*len = ed_line_end(ed, i) - ed->lines[i];
	return ed_text(ed, NULL) + ed->lines[i];
}

static void raw_insert(editor *ed, size_t pos, const char *s, size_t len)
{
	sbx_buf *b = &ed->text;
	buf_grow(b, len);
	memmove(b->data + pos + len, b->data + pos, b->len - pos);
	memcpy(b->data + pos, s, len);
	b->len += len;
	b->data[b->len] = '\0';
	ed->version++;
	rebuild_lines(ed);
}

static void raw_delete(editor *ed, size_t pos, size_t len)
{
	sbx_buf *b = &ed->text;
	memmove(b->data + pos, b->data + pos + len, b->len - pos - len);
	b->len -= len;
	b->data[b->len] = '\0';
	ed->version++;
	rebuild_lines(ed);
}

static void record(editor *ed, int insert, size_t pos, const char *s, size_t len)
{
	/* memcpy, not strndup: the text may hold NUL bytes. */
	char *copy = xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	ed_op op = { insert, pos, copy, len, ed->group, ed->cur, ed->cur };
	stack_push(&ed->undo, op);
	if (ed->undo.n > UNDO_MAX_OPS) {
		/* Drop the oldest whole step. */
		size_t k = 0;
		unsigned long g = ed->undo.ops[0].group;
		while (k < ed->undo.n && ed->undo.ops[k].group == g)
			free(ed->undo.ops[k++].text);
		memmove(ed->undo.ops, ed->undo.ops + k, (ed->undo.n - k) * sizeof *ed->undo.ops);
		ed->undo.n -= k;
	}
}

void ed_do_insert(editor *ed, size_t pos, const char *s, size_t len)
{
	if (!len)
		return;
	record(ed, 1, pos, s, len);
	raw_insert(ed, pos, s, len);
}

void ed_do_delete(editor *ed, size_t pos, size_t len)
{
	if (!len)
		return;
	record(ed, 0, pos, ed->text.data + pos, len);
	raw_delete(ed, pos, len);
}

void ed_begin(editor *ed, enum ed_run run)
{
	if (run == RUN_NONE || run != ed->run || ed->cur != ed->run_end || ed->anchor >= 0)
		ed->group++;
	ed->run = run;
	ed->goal = -1;
	stack_clear(&ed->redo);
}

void ed_end(editor *ed)
{
	if (ed->undo.n && ed->undo.ops[ed->undo.n - 1].group == ed->group)
		ed->undo.ops[ed->undo.n - 1].cur_after = ed->cur;
	ed->run_end = ed->cur;
	ed->anchor = -1;
}

int ed_undo(editor *ed)
{
	if (!ed->undo.n)
		return 0;
	unsigned long g = ed->undo.ops[ed->undo.n - 1].group;
	while (ed->undo.n && ed->undo.ops[ed->undo.n - 1].group == g) {
		ed_op op = ed->undo.ops[--ed->undo.n];
		if (op.insert)
			raw_delete(ed, op.pos, op.len);
		else
			raw_insert(ed, op.pos, op.text, op.len);
		ed->cur = op.cur_before;
		stack_push(&ed->redo, op);
	}
	ed->run = RUN_NONE;
	ed->anchor = -1;
	ed->goal = -1;
	return 1;
}

int ed_redo(editor *ed)
{
	if (!ed->redo.n)
		return 0;
	unsigned long g = ed->redo.ops[ed->redo.n - 1].group;
	while (ed->redo.n && ed->redo.ops[ed->redo.n - 1].group == g) {
		ed_op op = ed->redo.ops[--ed->redo.n];
		if (op.insert)
			raw_insert(ed, op.pos, op.text, op.len);
		else
			raw_delete(ed, op.pos, op.len);
		ed->cur = op.cur_after;
		stack_push(&ed->undo, op);
	}
	ed->run = RUN_NONE;
	ed->anchor = -1;
	ed->goal = -1;
	return 1;
}

int ed_selection(const editor *ed, size_t *start, size_t *end)
{
	if (ed->anchor < 0 || (size_t)ed->anchor == ed->cur)
		return 0;
	size_t a = (size_t)ed->anchor;
	*start = a < ed->cur ? a : ed->cur;
	*end = a < ed->cur ? ed->cur : a;
	return 1;
}

char *ed_selected_text(const editor *ed)
{
	size_t s, e;
	if (!ed_selection(ed, &s, &e))
		return NULL;
	return xstrndup(ed->text.data + s, e - s);
}

int ed_delete_selection(editor *ed)
{
	size_t s, e;
	if (!ed_selection(ed, &s, &e))
		return 0;
	ed->cur = e; /* undo puts the cursor back where the selection ended */
	ed_do_delete(ed, s, e - s);
	ed->cur = s;
	ed->anchor = -1;
	return 1;
}

const char *ed_killed(const editor *ed)
{
	return ed->killed.data ? ed->killed.data : "";
}

int ed_display_col(const char *line, size_t off)
{
	int col = 0;
	size_t i = 0;
	while (i < off) {
		uint32_t cp;
		i += utf8_decode(line + i, off - i, &cp);
		if (cp == '\t')
			col += ED_TAB_WIDTH - col % ED_TAB_WIDTH;
		else
			col += utf8_cp_width(cp);
	}
	return col;
}
