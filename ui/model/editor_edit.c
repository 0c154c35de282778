/* editor edits: typing with undo coalescing, paste, Python auto-indent,
 * indent/dedent, backspace over indent, word and line kills.
 * curses-free. */
#include "editor_int.h"
#include "utf8.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char *T(const editor *ed)
{
	return ed_text(ed, NULL);
}

static void insert_at_cursor(editor *ed, const char *s, size_t len)
{
	ed_do_insert(ed, ed->cur, s, len);
	ed->cur += len;
}

void ed_insert_char(editor *ed, uint32_t cp)
{
	if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f)
		return;
	/* A word typed after a blank or an operator starts a new undo step. */
	uint32_t prev = ' ';
	if (ed->cur > 0) {
		size_t p = utf8_prev(T(ed), ed->cur);
		utf8_decode(T(ed) + p, ed->cur - p, &prev);
	}
	int word_start = ed_char_class(cp) == 1 && ed_char_class(prev) != 1;
	ed_begin(ed, word_start || cp == '\n' ? RUN_NONE : RUN_TYPE);
	ed->run = cp == '\n' ? RUN_NONE : RUN_TYPE;
	ed_delete_selection(ed);
	char b[4];
	insert_at_cursor(ed, b, utf8_encode(cp, b));
	ed_end(ed);
}

void ed_paste(editor *ed, const char *s, size_t len)
{
	sbx_buf clean = SBX_BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				continue;
			c = '\n';
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			continue;
		buf_putc(&clean, (char)c);
	}
	ed_begin(ed, RUN_NONE);
	ed_delete_selection(ed);
	insert_at_cursor(ed, clean.data ? clean.data : "", clean.len);
	ed_end(ed);
	buf_free(&clean);
}

/* Length of a line's code: without a trailing comment ('#', or '//' in
 * brace languages; inside a string literal it does not count) and
 * trailing blanks. */
static size_t code_len(const char *s, size_t len, int syntax)
{
	char q = 0;
	size_t i = 0;
	for (; i < len; i++) {
		char c = s[i];
		if (q) {
			if (c == '\\')
				i++;
			else if (c == q)
				q = 0;
		} else if (syntax == ED_SYN_BRACES ? c == '/' && i + 1 < len && s[i + 1] == '/' : c == '#') {
			break;
		} else if (c == '"' || c == '\'' || (syntax == ED_SYN_BRACES && c == '`')) {
			q = c;
		}
	}
	if (i > len)
		i = len;
	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
		i--;
	return i;
}

static int starts_with_word(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);
	if (len < n || memcmp(s, w, n) != 0)
		return 0;
	return len == n || ed_char_class((unsigned char)s[n]) != 1;
}

static int ends_block(const char *s, size_t len)
{
	static const char *const words[] = { "return", "pass", "break", "continue", "raise" };
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (starts_with_word(s, len, words[i]))
			return 1;
	return 0;
}

void ed_newline(editor *ed)
{
	ed_begin(ed, RUN_NONE);
	ed_delete_selection(ed);
	size_t start = ed->lines[ed_line_of(ed, ed->cur)], p = start;
	while (p < ed->cur && (T(ed)[p] == ' ' || T(ed)[p] == '\t'))
		p++;
	sbx_buf ins = SBX_BUF_INIT;
	buf_putc(&ins, '\n');
	buf_append(&ins, T(ed) + start, p - start);
	size_t code = code_len(T(ed) + p, ed->cur - p, ed->syntax);
	char last = code ? T(ed)[p + code - 1] : 0;
	int python = ed->syntax == ED_SYN_PYTHON;
	if ((python && last == ':') || last == '(' || last == '[' || last == '{') {
		buf_puts(&ins, "    ");
	} else if (python && ends_block(T(ed) + p, code)) {
		if (ins.len > 1 && ins.data[ins.len - 1] == '\t')
			ins.len--;
		else
			for (int k = 0; k < ED_INDENT && ins.len > 1 && ins.data[ins.len - 1] == ' '; k++)
				ins.len--;
		ins.data[ins.len] = '\0';
	}
	/* Blanks after the cursor would add to the new indent: drop them. */
	size_t q = ed->cur, end = ed_line_end(ed, ed_line_of(ed, ed->cur));
	while (q < end && (T(ed)[q] == ' ' || T(ed)[q] == '\t'))
		q++;
	ed_do_delete(ed, ed->cur, q - ed->cur);
	insert_at_cursor(ed, ins.data, ins.len);
	buf_free(&ins);
	ed_end(ed);
}

/* The lines an indent/dedent applies to: the selected ones or the
 * cursor's. */
static void line_span(const editor *ed, size_t *first, size_t *last)
{
	size_t s, e;
	if (ed_selection(ed, &s, &e)) {
		*first = ed_line_of(ed, s);
		*last = ed_line_of(ed, e);
		if (*last > *first && ed->lines[*last] == e)
			(*last)--; /* selection ending at a line start excludes it */
	} else {
		*first = *last = ed_line_of(ed, ed->cur);
	}
}

static void shift(size_t *p, size_t pos, size_t n, int inserted)
{
	if (inserted) {
		if (*p >= pos)
			*p += n;
	} else if (*p >= pos + n) {
		*p -= n;
	} else if (*p > pos) {
		*p = pos;
	}
}

/* Indent (+) or dedent (-) lines first..last, keeping the cursor and
 * the selection anchor on the same text. */
static void reindent(editor *ed, size_t first, size_t last, int in)
{
	int had_sel = ed->anchor >= 0;
	size_t anchor = had_sel ? (size_t)ed->anchor : 0, cur = ed->cur;
	ed_begin(ed, RUN_NONE);
	for (size_t l = last + 1; l-- > first;) {
		size_t pos = ed->lines[l], n;
		if (in) {
			if (pos == ed_line_end(ed, l) && first != last)
				continue; /* leave empty lines empty */
			ed_do_insert(ed, pos, "    ", ED_INDENT);
			n = ED_INDENT;
		} else {
			size_t lead = 0, end = ed_line_end(ed, l);
			if (pos < end && T(ed)[pos] == '\t') {
				n = 1;
			} else {
				while (pos + lead < end && T(ed)[pos + lead] == ' ')
					lead++;
				n = lead ? (lead - 1) % ED_INDENT + 1 : 0;
			}
			ed_do_delete(ed, pos, n);
		}
		shift(&cur, pos, n, in);
		shift(&anchor, pos, n, in);
	}
	ed->cur = cur;
	ed_end(ed);
	if (had_sel)
		ed->anchor = (long)anchor;
}

void ed_indent(editor *ed)
{
	size_t first, last;
	line_span(ed, &first, &last);
	if (first != last) {
		reindent(ed, first, last, 1);
		return;
	}
	ed_begin(ed, RUN_NONE);
	ed_delete_selection(ed);
	int col;
	ed_cursor_pos(ed, NULL, &col);
	insert_at_cursor(ed, "    ", (size_t)(ED_INDENT - col % ED_INDENT));
	ed_end(ed);
}

void ed_dedent(editor *ed)
{
	size_t first, last;
	line_span(ed, &first, &last);
	reindent(ed, first, last, 0);
}

void ed_backspace(editor *ed)
{
	ed_begin(ed, RUN_BACKSPACE);
	if (!ed_delete_selection(ed) && ed->cur > 0) {
		size_t start = ed->lines[ed_line_of(ed, ed->cur)], p = start;
		while (p < ed->cur && T(ed)[p] == ' ')
			p++;
		size_t n;
		if (p == ed->cur && ed->cur > start)
			n = (ed->cur - start - 1) % ED_INDENT + 1; /* back to the indent stop */
		else
			n = ed->cur - utf8_prev(T(ed), ed->cur);
		ed_do_delete(ed, ed->cur - n, n);
		ed->cur -= n;
	}
	ed_end(ed);
}

void ed_delete(editor *ed)
{
	ed_begin(ed, RUN_DELETE);
	size_t len;
	const char *s = ed_text(ed, &len);
	if (!ed_delete_selection(ed) && ed->cur < len) {
		uint32_t cp;
		ed_do_delete(ed, ed->cur, utf8_decode(s + ed->cur, len - ed->cur, &cp));
	}
	ed_end(ed);
}

static void kill_range(editor *ed, size_t from, size_t to, int append)
{
	if (!append)
		buf_reset(&ed->killed);
	buf_append(&ed->killed, T(ed) + from, to - from);
	ed_do_delete(ed, from, to - from);
	ed->cur = from;
}

void ed_delete_word_back(editor *ed)
{
	ed_begin(ed, RUN_NONE);
	if (!ed_delete_selection(ed)) {
		size_t from = ed_word_left(ed, ed->cur);
		if (from < ed->cur)
			kill_range(ed, from, ed->cur, 0);
	}
	ed_end(ed);
}

void ed_delete_word_forward(editor *ed)
{
	ed_begin(ed, RUN_NONE);
	if (!ed_delete_selection(ed)) {
		size_t to = ed_word_right(ed, ed->cur);
		if (to > ed->cur)
			kill_range(ed, ed->cur, to, 0);
	}
	ed_end(ed);
}

void ed_kill_line(editor *ed)
{
	int append = ed->run == RUN_KILL && ed->cur == ed->run_end;
	ed->anchor = -1;
	ed_begin(ed, RUN_KILL);
	size_t end = ed_line_end(ed, ed_line_of(ed, ed->cur));
	if (end == ed->cur && end < ed->text.len)
		end++;
	if (end > ed->cur)
		kill_range(ed, ed->cur, end, append);
	ed_end(ed);
}

void ed_yank(editor *ed)
{
	if (!ed->killed.len)
		return;
	/* Copy: the kill buffer may hold NULs and must survive the insert. */
	size_t n = ed->killed.len;
	char *copy = xmalloc(n);
	memcpy(copy, ed->killed.data, n);
	ed_begin(ed, RUN_NONE);
	ed_delete_selection(ed);
	insert_at_cursor(ed, copy, n);
	ed_end(ed);
	free(copy);
}
