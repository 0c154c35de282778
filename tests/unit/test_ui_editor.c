/* ui/model editor: typing, UTF-8 motions, auto-indent, indent/dedent,
 * kills, paste, selection, undo/redo coalescing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/editor.h"

static void type(editor *ed, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			ed_newline(ed);
		else
			ed_insert_char(ed, (unsigned char)*s);
	}
}

static void assert_text(editor *ed, const char *want)
{
	assert_string_equal(ed_text(ed, NULL), want);
}

static void assert_pos(editor *ed, size_t line, int col)
{
	size_t l;
	int c;
	ed_cursor_pos(ed, &l, &c);
	assert_int_equal(l, line);
	assert_int_equal(c, col);
}

static void test_typing_and_lines(void **state)
{
	(void)state;
	editor *ed = ed_new();
	assert_text(ed, "");
	assert_int_equal(ed_line_count(ed), 1);
	type(ed, "x = 1");
	ed_insert_char(ed, '\n');
	type(ed, "y");
	ed_insert_char(ed, 0x07); /* BEL: ignored */
	assert_text(ed, "x = 1\ny");
	assert_int_equal(ed_line_count(ed), 2);
	size_t len;
	const char *l = ed_line(ed, 0, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(l, "x = 1", 5);
	assert_null(ed_line(ed, 2, &len));
	assert_pos(ed, 1, 1);
	unsigned long v = ed_version(ed);
	ed_delete(ed); /* at the end: nothing */
	assert_text(ed, "x = 1\ny");
	ed_move(ed, ED_BUF_START, 0);
	ed_delete(ed);
	assert_text(ed, " = 1\ny");
	assert_true(ed_version(ed) > v);
	ed_free(ed);
}

static void test_utf8_motion(void **state)
{
	(void)state;
	editor *ed = ed_new();
	ed_insert_char(ed, 0xe9);   /* é */
	ed_insert_char(ed, 0x4e2d); /* 中, two columns */
	ed_insert_char(ed, 'a');
	assert_text(ed, "\xc3\xa9\xe4\xb8\xad" "a");
	assert_pos(ed, 0, 4);
	ed_move(ed, ED_LEFT, 0);
	assert_pos(ed, 0, 3);
	ed_move(ed, ED_LEFT, 0);
	assert_int_equal(ed_cursor(ed), 2);
	assert_pos(ed, 0, 1);
	ed_backspace(ed);
	assert_text(ed, "\xe4\xb8\xad" "a");
	ed_move(ed, ED_RIGHT, 0);
	assert_int_equal(ed_cursor(ed), 3);
	/* A click inside the wide character lands on its start. */
	ed_set_cursor_pos(ed, 0, 1);
	assert_int_equal(ed_cursor(ed), 0);
	ed_set_cursor_pos(ed, 9, 99);
	assert_int_equal(ed_cursor(ed), 4);
	/* Invalid bytes move one at a time and survive editing. */
	ed_set_text(ed, "a\xff\xfe" "b", 4);
	ed_move(ed, ED_RIGHT, 0);
	ed_move(ed, ED_RIGHT, 0);
	assert_int_equal(ed_cursor(ed), 2);
	ed_delete(ed);
	assert_text(ed, "a\xff" "b");
	assert_int_equal(ed_display_col("\tx", 1), ED_TAB_WIDTH);
	ed_free(ed);
}

static void test_goal_column(void **state)
{
	(void)state;
	editor *ed = ed_new();
	ed_paste(ed, "abcdef\nab\n\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\nabcdef", strlen("abcdef\nab\n\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\nabcdef"));
	ed_move(ed, ED_BUF_START, 0);
	assert_int_equal(ed_move(ed, ED_UP, 0), 0);
	for (int i = 0; i < 5; i++)
		ed_move(ed, ED_RIGHT, 0);
	assert_int_equal(ed_move(ed, ED_DOWN, 0), 1);
	assert_pos(ed, 1, 2);
	ed_move(ed, ED_DOWN, 0);
	assert_pos(ed, 2, 4); /* column 5 is inside the third wide char */
	ed_move(ed, ED_DOWN, 0);
	assert_pos(ed, 3, 5);
	assert_int_equal(ed_move(ed, ED_DOWN, 0), 0);
	ed_move(ed, ED_LEFT, 0); /* resets the goal */
	ed_move(ed, ED_UP, 0);
	assert_pos(ed, 2, 4);
	ed_move(ed, ED_BUF_END, 0);
	assert_pos(ed, 3, 6);
	ed_free(ed);
}

static void test_words_and_home(void **state)
{
	(void)state;
	editor *ed = ed_new();
	const char *s = "    foo_bar(baz, qux) # c";
	ed_paste(ed, s, strlen(s));
	ed_move(ed, ED_BUF_START, 0);
	size_t stops[] = { 11, 12, 15, 16, 20, 21, 23, 25, 25 };
	for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
		ed_move(ed, ED_WORD_RIGHT, 0);
		assert_int_equal(ed_cursor(ed), stops[i]);
	}
	size_t back[] = { 24, 22, 20, 17, 15, 12, 11, 4, 0 };
	for (size_t i = 0; i < sizeof back / sizeof *back; i++) {
		ed_move(ed, ED_WORD_LEFT, 0);
		assert_int_equal(ed_cursor(ed), back[i]);
	}
	/* Smart home: first non-blank, then column 0, then back. */
	ed_move(ed, ED_LINE_END, 0);
	ed_move(ed, ED_LINE_START, 0);
	assert_int_equal(ed_cursor(ed), 4);
	ed_move(ed, ED_LINE_START, 0);
	assert_int_equal(ed_cursor(ed), 0);
	ed_move(ed, ED_LINE_START, 0);
	assert_int_equal(ed_cursor(ed), 4);
	/* Non-ASCII letters are identifier characters. */
	ed_set_text(ed, "\xc3\xa9t\xc3\xa9 = 1", 10);
	ed_move(ed, ED_WORD_RIGHT, 0);
	assert_int_equal(ed_cursor(ed), 5);
	ed_free(ed);
}

static void test_auto_indent(void **state)
{
	(void)state;
	editor *ed = ed_new();
	type(ed, "def f(x):\nif x:  # note: a comment\nreturn 1\nfor i in y:\npass\ny = [\n1,\n");
	assert_text(ed, "def f(x):\n    if x:  # note: a comment\n        return 1\n    for i in y:\n"
			"        pass\n    y = [\n        1,\n        ");
	/* ':' inside a string or a comment does not indent. */
	ed_set_text(ed, "", 0);
	type(ed, "s = 'a:'\nt = 1 # x:\n");
	assert_text(ed, "s = 'a:'\nt = 1 # x:\n");
	/* Newline in the middle of a line drops the blanks after the cursor. */
	ed_set_text(ed, "if a:   b", 9);
	ed_move(ed, ED_BUF_START, 0);
	for (int i = 0; i < 5; i++)
		ed_move(ed, ED_RIGHT, 0);
	ed_newline(ed);
	assert_text(ed, "if a:\n    b");
	assert_pos(ed, 1, 4);
	/* returning / passing are not keywords. */
	ed_set_text(ed, "    returning = 1", 17);
	ed_move(ed, ED_BUF_END, 0);
	ed_newline(ed);
	assert_text(ed, "    returning = 1\n    ");
	/* Tab indentation is kept and dedented by one tab. */
	ed_set_text(ed, "\t\treturn", 8);
	ed_move(ed, ED_BUF_END, 0);
	ed_newline(ed);
	assert_text(ed, "\t\treturn\n\t");
	ed_free(ed);
}

/* Other languages: only brackets open a block, comments are theirs. */
static void test_autoindent_languages(void **state)
{
	(void)state;
	assert_int_equal(ed_syntax_for("javascript"), ED_SYN_BRACES);
	assert_int_equal(ed_syntax_for("r"), ED_SYN_HASH);
	assert_int_equal(ed_syntax_for("python"), ED_SYN_PYTHON);
	assert_int_equal(ed_syntax_for(NULL), ED_SYN_PYTHON);
	editor *ed = ed_new();
	ed_set_syntax(ed, ED_SYN_BRACES);
	type(ed, "function f(x) {\nreturn x ? a : b\n");
	assert_text(ed, "function f(x) {\n    return x ? a : b\n    ");
	ed_set_text(ed, "", 0);
	type(ed, "const o = { // {\n");
	assert_text(ed, "const o = { // {\n    ");
	ed_set_text(ed, "", 0);
	type(ed, "x = `{`\nlabel:\n");   /* a brace in a template string, a label */
	assert_text(ed, "x = `{`\nlabel:\n");
	ed_set_text(ed, "", 0);
	type(ed, "s = '#{'\n");            /* '#' is no comment in JavaScript */
	assert_text(ed, "s = '#{'\n");
	ed_set_syntax(ed, ED_SYN_HASH);
	ed_set_text(ed, "", 0);
	type(ed, "f <- function(x) {\nx[1:2] # {\n");
	assert_text(ed, "f <- function(x) {\n    x[1:2] # {\n    ");
	ed_free(ed);
}

static void test_backspace_indent(void **state)
{
	(void)state;
	editor *ed = ed_new();
	ed_paste(ed, "      ", 6);
	ed_backspace(ed);
	assert_int_equal(ed_cursor(ed), 4);
	ed_backspace(ed);
	assert_text(ed, "");
	ed_paste(ed, "  x ", 4);
	ed_backspace(ed);
	assert_text(ed, "  x");
	/* At a line start backspace joins lines. */
	ed_set_text(ed, "a\nb", 3);
	ed_move(ed, ED_BUF_END, 0);
	ed_move(ed, ED_LEFT, 0);
	ed_backspace(ed);
	assert_text(ed, "ab");
	ed_move(ed, ED_BUF_START, 0);
	ed_backspace(ed);
	assert_text(ed, "ab");
	ed_free(ed);
}

static void test_indent_dedent(void **state)
{
	(void)state;
	editor *ed = ed_new();
	ed_insert_char(ed, 'x');
	ed_indent(ed);
	assert_text(ed, "x   ");
	ed_set_text(ed, "a\n\n  b\nc", 8);
	ed_move(ed, ED_BUF_START, 0);
	ed_move(ed, ED_DOWN, 1);
	ed_move(ed, ED_DOWN, 1);
	ed_move(ed, ED_RIGHT, 1);
	ed_indent(ed);
	assert_text(ed, "    a\n\n      b\nc");
	size_t s, e;
	assert_int_equal(ed_selection(ed, &s, &e), 1);
	assert_int_equal(s, 4);
	assert_int_equal(e, 12);
	ed_dedent(ed);
	assert_text(ed, "a\n\n    b\nc");
	ed_dedent(ed);
	assert_text(ed, "a\n\nb\nc");
	assert_int_equal(ed_undo(ed), 1);
	assert_text(ed, "a\n\n    b\nc");
	/* Dedent of the cursor line only. */
	ed_set_text(ed, "      x", 7);
	ed_move(ed, ED_BUF_END, 0);
	ed_dedent(ed);
	assert_text(ed, "    x");
	assert_int_equal(ed_cursor(ed), 5);
	ed_free(ed);
}

static void test_kill_yank(void **state)
{
	(void)state;
	editor *ed = ed_new();
	ed_paste(ed, "one two\nthree", 13);
	ed_move(ed, ED_BUF_START, 0);
	ed_move(ed, ED_WORD_RIGHT, 0);
	ed_kill_line(ed);
	assert_text(ed, "one\nthree");
	ed_kill_line(ed);
	assert_text(ed, "onethree");
	assert_string_equal(ed_killed(ed), " two\n");
	ed_move(ed, ED_BUF_END, 0);
	ed_yank(ed);
	assert_text(ed, "onethree two\n");
	assert_int_equal(ed_undo(ed), 1);
	assert_int_equal(ed_undo(ed), 1); /* both kills are one step */
	assert_text(ed, "one two\nthree");
	ed_move(ed, ED_BUF_END, 0);
	ed_delete_word_back(ed);
	assert_text(ed, "one two\n");
	assert_string_equal(ed_killed(ed), "three");
	ed_move(ed, ED_BUF_START, 0);
	ed_delete_word_forward(ed);
	assert_text(ed, " two\n");
	ed_free(ed);
}

static void test_paste(void **state)
{
	(void)state;
	editor *ed = ed_new();
	type(ed, "ab");
	ed_move(ed, ED_LEFT, 0);
	const char *p = "x\r\n  y\rz\x01";
	ed_paste(ed, p, strlen(p));
	assert_text(ed, "ax\n  y\nzb");
	assert_pos(ed, 2, 1);
	assert_int_equal(ed_line_count(ed), 3);
	ed_undo(ed);
	assert_text(ed, "ab");
	assert_int_equal(ed_cursor(ed), 1);
	ed_redo(ed);
	assert_text(ed, "ax\n  y\nzb");
	assert_int_equal(ed_cursor(ed), 8);
	ed_free(ed);
}

static void test_undo_coalescing(void **state)
{
	(void)state;
	editor *ed = ed_new();
	type(ed, "hello world");
	ed_undo(ed);
	assert_text(ed, "hello ");
	ed_undo(ed);
	assert_text(ed, "");
	assert_int_equal(ed_undo(ed), 0);
	ed_redo(ed);
	assert_text(ed, "hello ");
	ed_redo(ed);
	assert_text(ed, "hello world");
	assert_int_equal(ed_redo(ed), 0);
	/* A move breaks the run; backspaces coalesce. */
	ed_move(ed, ED_LEFT, 0);
	ed_move(ed, ED_RIGHT, 0);
	ed_backspace(ed);
	ed_backspace(ed);
	ed_backspace(ed);
	assert_text(ed, "hello wo");
	ed_undo(ed);
	assert_text(ed, "hello world");
	assert_int_equal(ed_cursor(ed), 11);
	/* A new edit clears redo. */
	ed_undo(ed);
	type(ed, "!");
	assert_int_equal(ed_redo(ed), 0);
	assert_text(ed, "hello !");
	/* set_text drops history. */
	ed_set_text(ed, "z", 1);
	assert_int_equal(ed_undo(ed), 0);
	ed_free(ed);
}

static void test_selection(void **state)
{
	(void)state;
	editor *ed = ed_new();
	type(ed, "alpha beta");
	ed_move(ed, ED_WORD_LEFT, 1);
	char *sel = ed_selected_text(ed);
	assert_string_equal(sel, "beta");
	free(sel);
	type(ed, "gamma");
	assert_text(ed, "alpha gamma");
	ed_undo(ed);
	assert_text(ed, "alpha beta");
	ed_select_all(ed);
	ed_backspace(ed);
	assert_text(ed, "");
	assert_null(ed_selected_text(ed));
	ed_undo(ed);
	assert_text(ed, "alpha beta");
	ed_move(ed, ED_BUF_START, 0);
	ed_move(ed, ED_RIGHT, 1);
	ed_move(ed, ED_RIGHT, 0); /* a plain move drops it */
	size_t s, e;
	assert_int_equal(ed_selection(ed, &s, &e), 0);
	ed_free(ed);
}

/* Random edits keep the invariants, and undoing everything gives the
 * start back, redoing everything the end. */
static void test_random_edits(void **state)
{
	(void)state;
	static const char *const pastes[] = { "x", "\xe4\xb8\xad", "if a:\n  b", "\r\n", "", "\xc3" };
	unsigned seed = 12345;
	editor *ed = ed_new();
	ed_set_text(ed, "def f():\n    return 1\n", 22);
	char *start = strdup(ed_text(ed, NULL));
	for (int i = 0; i < 3000; i++) {
		seed = seed * 1103515245 + 12345;
		unsigned r = seed >> 16;
		switch (r % 14) {
		case 0: ed_insert_char(ed, "ab :(_\t"[r / 14 % 8]); break;
		case 1: ed_insert_char(ed, 0x4e2d); break;
		case 2: ed_newline(ed); break;
		case 3: ed_backspace(ed); break;
		case 4: ed_delete(ed); break;
		case 5: ed_move(ed, (ed_move_kind)(r / 14 % 10), (int)(r / 140 % 2)); break;
		case 6: ed_delete_word_back(ed); break;
		case 7: ed_kill_line(ed); break;
		case 8: ed_yank(ed); break;
		case 9: ed_indent(ed); break;
		case 10: ed_dedent(ed); break;
		case 11: ed_paste(ed, pastes[r / 14 % 6], strlen(pastes[r / 14 % 6])); break;
		case 12: ed_undo(ed); break;
		default: ed_redo(ed); break;
		}
		size_t len, lines = 1;
		const char *t = ed_text(ed, &len);
		for (size_t k = 0; k < len; k++)
			lines += t[k] == '\n';
		assert_int_equal(ed_line_count(ed), lines);
		assert_true(ed_cursor(ed) <= len);
		assert_int_equal(strlen(t), len);
	}
	char *end = strdup(ed_text(ed, NULL));
	while (ed_undo(ed))
		;
	assert_string_equal(ed_text(ed, NULL), start);
	while (ed_redo(ed))
		;
	assert_string_equal(ed_text(ed, NULL), end);
	free(start);
	free(end);
	ed_free(ed);
}

int main(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_and_lines),
		cmocka_unit_test(test_utf8_motion),
		cmocka_unit_test(test_goal_column),
		cmocka_unit_test(test_words_and_home),
		cmocka_unit_test(test_auto_indent),
		cmocka_unit_test(test_autoindent_languages),
		cmocka_unit_test(test_backspace_indent),
		cmocka_unit_test(test_indent_dedent),
		cmocka_unit_test(test_kill_yank),
		cmocka_unit_test(test_paste),
		cmocka_unit_test(test_undo_coalescing),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_random_edits),
	};
	return cmocka_run_group_tests_name("ui_editor", tests, NULL, NULL);
}
