/* editor motions: code points, Python-ish words, lines with a goal
 * column, buffer ends; selection by anchor.  curses-free. */
#include "editor_int.h"
#include "utf8.h"

/* Word classes: blanks, identifier characters (non-ASCII counts as
 * identifier, as Python 3 allows), everything else (operators, brackets). */
int ed_char_class(uint32_t cp)
{
	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r')
		return 0;
	if (cp == '_' || cp >= 0x80 || (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z'))
		return 1;
	return 2;
}

static uint32_t cp_at(const editor *ed, size_t pos)
{
	uint32_t cp;
	utf8_decode(ed->text.data + pos, ed->text.len - pos, &cp);
	return cp;
}

static size_t next_pos(const editor *ed, size_t pos)
{
	uint32_t cp;
	return pos + utf8_decode(ed->text.data + pos, ed->text.len - pos, &cp);
}

static uint32_t cp_before(const editor *ed, size_t pos)
{
	return cp_at(ed, utf8_prev(ed->text.data, pos));
}

static size_t word_right(const editor *ed, size_t pos)
{
	size_t len = ed->text.len;
	while (pos < len && ed_char_class(cp_at(ed, pos)) == 0)
		pos = next_pos(ed, pos);
	if (pos < len) {
		int c = ed_char_class(cp_at(ed, pos));
		while (pos < len && ed_char_class(cp_at(ed, pos)) == c)
			pos = next_pos(ed, pos);
	}
	return pos;
}

static size_t word_left(const editor *ed, size_t pos)
{
	while (pos > 0 && ed_char_class(cp_before(ed, pos)) == 0)
		pos = utf8_prev(ed->text.data, pos);
	if (pos > 0) {
		int c = ed_char_class(cp_before(ed, pos));
		while (pos > 0 && ed_char_class(cp_before(ed, pos)) == c)
			pos = utf8_prev(ed->text.data, pos);
	}
	return pos;
}

size_t ed_word_right(const editor *ed, size_t pos)
{
	return word_right(ed, pos);
}

size_t ed_word_left(const editor *ed, size_t pos)
{
	return word_left(ed, pos);
}

/* Byte offset in `line` of the code point covering display column col
 * (never inside a wide character). */
static size_t offset_for_col(const editor *ed, size_t line, int col)
{
	size_t len, i = 0;
	const char *s = ed_line(ed, line, &len);
	int c = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		int w = cp == '\t' ? ED_TAB_WIDTH - c % ED_TAB_WIDTH : utf8_cp_width(cp);
		if (c + w > col)
			break;
		c += w;
		i += n;
	}
	return ed->lines[line] + i;
}

void ed_cursor_pos(const editor *ed, size_t *line, int *col)
{
	size_t l = ed_line_of(ed, ed->cur);
	if (line)
		*line = l;
	if (col)
		*col = ed_display_col(ed_text(ed, NULL) + ed->lines[l], ed->cur - ed->lines[l]);
}

void ed_set_cursor_pos(editor *ed, size_t line, int col)
{
	if (line >= ed->nlines)
		line = ed->nlines - 1;
	ed->cur = offset_for_col(ed, line, col < 0 ? 0 : col);
	ed->anchor = -1;
	ed->goal = -1;
	ed->run = RUN_NONE;
}

void ed_select_all(editor *ed)
{
	ed->anchor = 0;
	ed->cur = ed->text.len;
	ed->goal = -1;
	ed->run = RUN_NONE;
}

static size_t first_nonblank(const editor *ed, size_t line)
{
	size_t p = ed->lines[line], end = ed_line_end(ed, line);
	while (p < end && (ed->text.data[p] == ' ' || ed->text.data[p] == '\t'))
		p++;
	return p;
}

int ed_move(editor *ed, ed_move_kind how, int select)
{
	size_t old = ed->cur, len = ed->text.len;
	size_t line = ed_line_of(ed, ed->cur);
	if (select && ed->anchor < 0)
		ed->anchor = (long)ed->cur;
	else if (!select)
		ed->anchor = -1;
	ed->run = RUN_NONE;
	if (how != ED_UP && how != ED_DOWN)
		ed->goal = -1;
	switch (how) {
	case ED_LEFT:
		ed->cur = utf8_prev(ed_text(ed, NULL), ed->cur);
		break;
	case ED_RIGHT:
		if (ed->cur < len)
			ed->cur = next_pos(ed, ed->cur);
		break;
	case ED_WORD_LEFT:
		ed->cur = word_left(ed, ed->cur);
		break;
	case ED_WORD_RIGHT:
		ed->cur = word_right(ed, ed->cur);
		break;
	case ED_LINE_START: {
		size_t fnb = first_nonblank(ed, line);
		ed->cur = ed->cur == fnb ? ed->lines[line] : fnb;
		break;
	}
	case ED_LINE_END:
		ed->cur = ed_line_end(ed, line);
		break;
	case ED_UP:
	case ED_DOWN:
		if (how == ED_UP ? line == 0 : line + 1 >= ed->nlines)
			return 0;
		if (ed->goal < 0)
			ed_cursor_pos(ed, NULL, &ed->goal);
		ed->cur = offset_for_col(ed, how == ED_UP ? line - 1 : line + 1, ed->goal);
		return 1;
	case ED_BUF_START:
		ed->cur = 0;
		break;
	case ED_BUF_END:
		ed->cur = len;
		break;
	}
	return ed->cur != old;
}
