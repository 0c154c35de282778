/* ui/model aichat: the AI pane's transcript — streamed text joining one
 * entry per turn, tool lines replaced in place, the status line last,
 * wrapping at blanks, hostile bytes (split across deltas too) never
 * reaching a row as controls, the layout cache following changes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <locale.h>
#include <string.h>
#include "../../ui/model/aichat.h"
#include "../../src/util/buf.h"
#include "../../src/util/xalloc.h"

static const char kinds[] = { [AIC_USER] = 'U', [AIC_TEXT] = 'T', [AIC_TOOL] = 'C', [AIC_NOTE] = 'N',
			      [AIC_ERROR] = 'E', [AIC_STATUS] = 'S', [AIC_BLANK] = 'B' };

/* Every row as "K:text", joined by '|'. */
static char *dump(aichat *c, int width)
{
	const aic_row *r;
	size_t n = aichat_layout(c, width, &r);
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%c:%s", i ? "|" : "", kinds[r[i].kind], r[i].text);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

static void expect_dump(aichat *c, int width, const char *want)
{
	char *got = dump(c, width);
	assert_string_equal(got, want);
	free(got);
}

static void test_stream_joins_a_turn(void **state)
{
	(void)state;
	aichat *c = aichat_new();
	aichat_add(c, AIC_USER, "how many r");
	aichat_text(c, "Let me ", 7);
	aichat_text(c, "count.", 6);
	assert_int_equal(aichat_count(c), 2);
	aichat_turn_end(c);
	size_t t = aichat_add(c, AIC_TOOL, "running cell");
	aichat_text(c, "There are 3.", 12);
	expect_dump(c, 40, "U:> how many r|T:Let me count.|C:running cell|T:There are 3.");
	aichat_set(c, t, "ran cell [1]");
	aichat_add(c, AIC_USER, "thanks");
	expect_dump(c, 40, "U:> how many r|T:Let me count.|C:ran cell [1]|T:There are 3.|B:|U:> thanks");
	aic_kind k;
	assert_string_equal(aichat_entry(c, 2, &k), "ran cell [1]");
	assert_int_equal(k, AIC_TOOL);
	assert_null(aichat_entry(c, 9, &k));
	aichat_free(c);
}

static void test_turn_end_splits(void **state)
{
	(void)state;
	aichat *c = aichat_new();
	aichat_text(c, "one", 3);
	aichat_turn_end(c);
	aichat_text(c, "two", 3);
	assert_int_equal(aichat_count(c), 2);
	expect_dump(c, 10, "T:one|T:two");
	aichat_free(c);
}

static void test_wrap(void **state)
{
	(void)state;
	aichat *c = aichat_new();
	aichat_add(c, AIC_USER, "count the letters please");
	aichat_text(c, "abcdefghijklmn\nsecond line\n", 27);
	/* the user's rows are indented under "> "; a word longer than the
	 * width is cut; the trailing newline opens no row */
	expect_dump(c, 10, "U:> count|U:  the|U:  letters|U:  please|T:abcdefghij|T:klmn|T:second|T:line");
	/* a wide character is never split over the edge */
	aichat_clear(c);
	aichat_text(c, "ab\xe4\xb8\xad\xe4\xb8\xad", 8);
	expect_dump(c, 5, "T:ab\xe4\xb8\xad|T:\xe4\xb8\xad");
	aichat_free(c);
}

static void test_hostile(void **state)
{
	(void)state;
	aichat *c = aichat_new();
	/* an escape sequence split between two deltas, a bell, a C1 CSI, a
	 * carriage return overwriting, invalid UTF-8 */
	aichat_text(c, "red\x1b[3", 7);
	aichat_text(c, "1mX\x07Y\xc2\x9b" "2J", 9);
	aichat_text(c, "\nold\rnew \xff!", 11);
	expect_dump(c, 40, "T:redX?Y?2J|T:new \xef\xbf\xbd!");
	const aic_row *r;
	size_t n = aichat_layout(c, 40, &r);
	for (size_t i = 0; i < n; i++)
		for (const unsigned char *p = (const unsigned char *)r[i].text; *p; p++)
			assert_true(*p >= 0x20 && *p != 0x7f);
	/* a tool line and a status line are sanitised likewise */
	aichat_add(c, AIC_TOOL, "$ ls\x1b]0;pwned\x07");
	aichat_status(c, "retrying\x1b[2J in 3 s");
	expect_dump(c, 40, "T:redX?Y?2J|T:new \xef\xbf\xbd!|C:$ ls|S:retrying in 3 s");
	aichat_free(c);
}

static void test_status_last_and_cleared(void **state)
{
	(void)state;
	aichat *c = aichat_new();
	aichat_add(c, AIC_USER, "hi");
	aichat_status(c, "retrying in 1 s: 429 Too Many Requests");
	expect_dump(c, 80, "U:> hi|S:retrying in 1 s: 429 Too Many Requests");
	assert_string_equal(aichat_status_text(c), "retrying in 1 s: 429 Too Many Requests");
	aichat_text(c, "hello", 5);
	expect_dump(c, 80, "U:> hi|T:hello|S:retrying in 1 s: 429 Too Many Requests");
	aichat_status(c, NULL);
	assert_null(aichat_status_text(c));
	expect_dump(c, 80, "U:> hi|T:hello");
	aichat_status(c, "");
	assert_null(aichat_status_text(c));
	aichat_free(c);
}

static void test_cache_follows_changes(void **state)
{
	(void)state;
	aichat *c = aichat_new();
	aichat_text(c, "abc def", 7);
	unsigned long v = aichat_version(c);
	const aic_row *r1, *r2;
	size_t n1 = aichat_layout(c, 4, &r1);
	assert_int_equal(n1, 2);
	n1 = aichat_layout(c, 4, &r2);
	assert_int_equal(n1, 2);
	assert_ptr_equal(r1[0].text, r2[0].text);   /* cached: the same rows */
	assert_int_equal(aichat_layout(c, 10, &r1), 1);   /* a new width */
	aichat_text(c, " ghi", 4);
	assert_true(aichat_version(c) > v);
	expect_dump(c, 10, "T:abc def|T:ghi");
	/* a width below the user's indent still lays out */
	aichat_add(c, AIC_USER, "xy");
	expect_dump(c, 1, "T:a|T:b|T:c|T:d|T:e|T:f|T:g|T:h|T:i|B:|U:x|U:y");
	aichat_free(c);
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");   /* wide characters as the workbench measures them */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_joins_a_turn), cmocka_unit_test(test_turn_end_splits),
		cmocka_unit_test(test_wrap),                cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_status_last_and_cleared), cmocka_unit_test(test_cache_follows_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
