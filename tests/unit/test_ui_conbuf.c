/* ui/model conbuf: the console pane's lines from repeated logs answers —
 * only what is new is appended, the last line waits until it is whole,
 * a log that slid past the window or restarted, hostile bytes, the cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/conbuf.h"
#include "../../src/util/xalloc.h"

static size_t feed(conbuf *cb, const char *s) { return conbuf_feed(cb, s, strlen(s)); }

/* Every kept line, "H:" for headers and "N:" for notes, joined by '|'. */
static char *dump(const conbuf *cb)
{
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; i < conbuf_count(cb); i++) {
		con_kind k;
		const char *l = conbuf_line(cb, i, &k);
		buf_printf(&b, "%s%s%s", i ? "|" : "", k == CON_HEADER ? "H:" : k == CON_NOTE ? "N:" : "", l);
	}
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

#define H(name) "H:\xe2\x94\x80\xe2\x94\x80 " name " \xe2\x94\x80\xe2\x94\x80"

static void expect_dump(const conbuf *cb, const char *want)
{
	char *got = dump(cb);
	assert_string_equal(got, want);
	free(got);
}

static void test_appends_only_new(void **state)
{
	(void)state;
	conbuf *cb = conbuf_new(100);
	/* the first answer is history: all of it */
	assert_int_equal(feed(cb, "==> sbxd <==\ncreated\n==> serial.log <==\nboot 1\n"), 4);
	expect_dump(cb, H("sbxd") "|created|" H("serial.log") "|boot 1");
	/* the same again: nothing */
	assert_int_equal(feed(cb, "==> sbxd <==\ncreated\n==> serial.log <==\nboot 1\n"), 0);
	/* more: the new last line waits for the next answer (it may be unfinished) */
	assert_int_equal(feed(cb, "==> sbxd <==\ncreated\n==> serial.log <==\nboot 1\nboot 2\nboot 3\n"), 1);
	expect_dump(cb, H("sbxd") "|created|" H("serial.log") "|boot 1|boot 2");
	assert_int_equal(feed(cb, "==> sbxd <==\ncreated\n==> serial.log <==\nboot 1\nboot 2\nboot 3\n"), 1);
	/* a new source's lines come under its header, the old one's under its own again */
	feed(cb, "==> sbxd <==\ncreated\npaused\nresumed\n==> serial.log <==\nboot 1\nboot 2\nboot 3\nboot 4\n");
	expect_dump(cb, H("sbxd") "|created|" H("serial.log") "|boot 1|boot 2|boot 3|" H("sbxd") "|paused");
	conbuf_free(cb);
}

static void test_unfinished_line(void **state)
{
	(void)state;
	conbuf *cb = conbuf_new(100);
	feed(cb, "==> serial.log <==\nfirst\n");
	/* "Linux vers" was still being written; sbxd added the newline */
	feed(cb, "==> serial.log <==\nfirst\nLinux vers\n");
	feed(cb, "==> serial.log <==\nfirst\nLinux version 6.1\n");
	expect_dump(cb, H("serial.log") "|first");
	feed(cb, "==> serial.log <==\nfirst\nLinux version 6.1\nnext\n");
	expect_dump(cb, H("serial.log") "|first|Linux version 6.1");
	/* one taken unfinished (the first answer takes all): its rest is a line */
	conbuf *cb2 = conbuf_new(100);
	feed(cb2, "==> serial.log <==\nLinux vers\n");
	feed(cb2, "==> serial.log <==\nLinux version 6.1\nok\n");
	expect_dump(cb2, H("serial.log") "|Linux vers|ion 6.1");
	conbuf_free(cb2);
	conbuf_free(cb);
}

static void test_window_slides_and_restart(void **state)
{
	(void)state;
	conbuf *cb = conbuf_new(100);
	feed(cb, "==> agent.log <==\na\nb\nc\nd\ne\nf\n");
	expect_dump(cb, H("agent.log") "|a|b|c|d|e|f");
	/* the log grew past sbxd's window: its start is cut off */
	feed(cb, "==> agent.log <==\nc\nd\ne\nf\ng\nh\n");
	expect_dump(cb, H("agent.log") "|a|b|c|d|e|f|g");
	/* a new log (the sandbox restarted it): a note, then all of it */
	feed(cb, "==> agent.log <==\nx\ny\n");
	expect_dump(cb, H("agent.log") "|a|b|c|d|e|f|g|N:(agent.log restarted or lost lines between two reads)|" H("agent.log")
		    "|x");
	conbuf_free(cb);
}

static void test_hostile_bytes(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	/* colours and a title change dropped, a bell and a C1 CSI shown as '?' */
	const char in[] = "\033[31mred\033[0m \033]0;pwned\a\a\xc2\x9b" "2J";
	conbuf_sanitize(in, sizeof in - 1, &b);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "red ??2J");
	buf_reset(&b);
	/* invalid UTF-8 → U+FFFD; a bidi override → '?'; tab to column 8 */
	const char in2[] = "a\xff\tb\xe2\x80\xaex";
	conbuf_sanitize(in2, sizeof in2 - 1, &b);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "a\xef\xbf\xbd      b?x");
	buf_reset(&b);
	/* a progress bar redrawn with \r: what was drawn last */
	conbuf_sanitize("10%\r55%\r100%", 12, &b);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "100%");
	buf_reset(&b);
	/* an unfinished escape at the end swallows nothing else */
	conbuf_sanitize("ok\033[", 4, &b);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "ok");
	buf_free(&b);
}

static void test_forged_header(void **state)
{
	(void)state;
	conbuf *cb = conbuf_new(100);
	/* the agent's log holds a line that looks like sbxd's section header */
	const char *a = "==> sbxd <==\ncreated\n==> agent.log <==\nx\n==> sbxd <==\nforged\n";
	feed(cb, a);
	assert_int_equal(feed(cb, a), 0);   /* the same answer: nothing new, no restart */
	expect_dump(cb, H("sbxd") "|created|" H("agent.log") "|x|==> sbxd <==|forged");
	conbuf_free(cb);
}

static void test_long_line_cut(void **state)
{
	(void)state;
	char *big = xmalloc(CONBUF_LINE_MAX * 3);
	memset(big, 'z', CONBUF_LINE_MAX * 3);
	sbx_buf b = SBX_BUF_INIT;
	conbuf_sanitize(big, CONBUF_LINE_MAX * 3, &b);
	assert_true(b.len <= CONBUF_LINE_MAX + 3);
	assert_memory_equal(b.data + b.len - 3, "\xe2\x80\xa6", 3);
	buf_free(&b);
	free(big);
}

static void test_cap(void **state)
{
	(void)state;
	conbuf *cb = conbuf_new(10);
	sbx_buf t = SBX_BUF_INIT;
	buf_puts(&t, "==> serial.log <==\n");
	for (int i = 0; i < 100; i++)
		buf_printf(&t, "line %d\n", i);
	conbuf_feed(cb, t.data, t.len);
	assert_int_equal(conbuf_count(cb), 10);
	assert_string_equal(conbuf_line(cb, 9, NULL), "line 99");
	assert_string_equal(conbuf_line(cb, 0, NULL), "line 90");
	assert_int_equal(conbuf_dropped(cb), 91);   /* the header and lines 0..89 */
	assert_null(conbuf_line(cb, 10, NULL));
	buf_free(&t);
	conbuf_free(cb);
}

static void test_no_headers_and_empty(void **state)
{
	(void)state;
	conbuf *cb = conbuf_new(10);
	assert_int_equal(feed(cb, ""), 0);
	assert_int_equal(feed(cb, "==> sbxd <==\n"), 0);
	assert_int_equal(conbuf_count(cb), 0);
	/* E2B's cloud: lines without sections */
	feed(cb, "one\ntwo\n");
	expect_dump(cb, H("log") "|one|two");
	conbuf_free(cb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appends_only_new),   cmocka_unit_test(test_unfinished_line),
		cmocka_unit_test(test_window_slides_and_restart), cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_long_line_cut),     cmocka_unit_test(test_cap),
		cmocka_unit_test(test_no_headers_and_empty), cmocka_unit_test(test_forged_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
