/* ui/model portlist: the ports pane's rows from a hostile listing (ports
 * out of range, duplicates, escapes in commands, huge strings), the
 * cursor across listings, forwards, typed ports and the local URL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "../../ui/model/portlist.h"

static void test_listing_hostile(void **state)
{
	(void)state;
	char huge[5000];
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	pl_port_in in[] = {
		{ .port = 8000, .address = "0.0.0.0", .proto = "tcp", .cmd = NULL, .pid = -1 },
		{ .port = 70000, .address = "0.0.0.0", .cmd = "bad" },
		{ .port = 0, .cmd = "zero" },
		{ .port = -5, .cmd = "negative" },
		{ .port = 22, .address = "\x1b[2J::", .cmd = "sshd\x1b]0;pwned\x07 -D\n\r", .pid = 7 },
		{ .port = 8000, .address = "::", .cmd = "python3 -m http.server", .pid = 99 },
		{ .port = 3000, .address = NULL, .cmd = huge, .pid = 0 },
	};
	portlist pl;
	portlist_init(&pl);
	portlist_set(&pl, in, sizeof in / sizeof *in);
	assert_int_equal(pl.n, 3);
	assert_int_equal(pl.rows[0].port, 22);
	assert_int_equal(pl.rows[1].port, 3000);
	assert_int_equal(pl.rows[2].port, 8000);
	/* escapes gone, controls shown as '?' */
	assert_null(strchr(pl.rows[0].cmd, 0x1b));
	assert_null(strchr(pl.rows[0].address, 0x1b));
	assert_string_equal(pl.rows[0].cmd, "sshd -D?");
	/* the v6 twin brought the process the v4 entry did not know */
	assert_string_equal(pl.rows[2].cmd, "python3 -m http.server");
	assert_int_equal(pl.rows[2].pid, 99);
	assert_string_equal(pl.rows[2].address, "0.0.0.0");
	/* cut, not kept whole */
	assert_true(strlen(pl.rows[1].cmd) <= PL_TEXT_MAX + 4);
	assert_string_equal(pl.rows[1].address, "");
	char line[128];
	pl_row_text(&pl.rows[2], line, sizeof line);
	assert_string_equal(line, "8000   0.0.0.0          python3 -m http.server (pid 99)");
	pl_row_text(&pl.rows[1], line, sizeof line);
	assert_int_equal(strncmp(line, "3000   -                aaaa", 28), 0);
	portlist_free(&pl);
}

static void test_cursor_follows_port(void **state)
{
	(void)state;
	portlist pl;
	portlist_init(&pl);
	assert_int_equal(portlist_selected(&pl), 0);
	portlist_move(&pl, 1);   /* nothing to move on */
	pl_port_in a[] = { { .port = 80 }, { .port = 443 }, { .port = 8080 } };
	portlist_set(&pl, a, 3);
	assert_true(pl.loaded);
	portlist_move(&pl, 1);
	assert_int_equal(portlist_selected(&pl), 443);
	/* a new port before it: the cursor stays on 443 */
	pl_port_in b[] = { { .port = 8080 }, { .port = 443 }, { .port = 22 }, { .port = 80 } };
	portlist_set(&pl, b, 4);
	assert_int_equal(portlist_selected(&pl), 443);
	portlist_move(&pl, 100);
	assert_int_equal(portlist_selected(&pl), 8080);
	portlist_move(&pl, -100);
	assert_int_equal(portlist_selected(&pl), 22);
	/* 22 gone: the cursor stays in range */
	portlist_move(&pl, 3);
	pl_port_in c[] = { { .port = 80 } };
	portlist_set(&pl, c, 1);
	assert_int_equal(portlist_selected(&pl), 80);
	portlist_set(&pl, NULL, 0);
	assert_int_equal(portlist_selected(&pl), 0);
	portlist_free(&pl);
}

static void test_forwards(void **state)
{
	(void)state;
	portlist pl;
	portlist_init(&pl);
	assert_int_equal(portlist_forward_of(&pl, 8000), 0);
	portlist_forward_set(&pl, 8000, 18000);
	portlist_forward_set(&pl, 22, 2222);
	assert_int_equal(portlist_forward_of(&pl, 8000), 18000);
	portlist_forward_set(&pl, 8000, 18001);   /* forwarded again: the new one */
	assert_int_equal(portlist_forward_of(&pl, 8000), 18001);
	assert_int_equal(pl.nfwds, 2);
	portlist_forward_set(&pl, 8000, 0);
	assert_int_equal(portlist_forward_of(&pl, 8000), 0);
	assert_int_equal(portlist_forward_of(&pl, 22), 2222);
	portlist_forward_set(&pl, 9999, 0);       /* forgetting none: fine */
	assert_int_equal(pl.nfwds, 1);
	/* a forward outlives its port's listing */
	pl_port_in a[] = { { .port = 80 } };
	portlist_set(&pl, a, 1);
	assert_int_equal(portlist_forward_of(&pl, 22), 2222);
	portlist_free(&pl);
}

static void test_parse_port(void **state)
{
	(void)state;
	assert_int_equal(pl_parse_port("8000", 0), 8000);
	assert_int_equal(pl_parse_port(" 65535 ", 0), 65535);
	assert_int_equal(pl_parse_port("0", 1), 0);
	assert_int_equal(pl_parse_port("0", 0), -1);
	assert_int_equal(pl_parse_port("65536", 0), -1);
	assert_int_equal(pl_parse_port("99999999999999999999", 0), -1);
	assert_int_equal(pl_parse_port("-1", 1), -1);
	assert_int_equal(pl_parse_port("80x", 0), -1);
	assert_int_equal(pl_parse_port("", 1), -1);
	assert_int_equal(pl_parse_port(NULL, 1), -1);
}

static void test_urls(void **state)
{
	(void)state;
	char u[128];
	pl_local_url(18000, u, sizeof u);
	assert_string_equal(u, "http://127.0.0.1:18000/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing_hostile),
		cmocka_unit_test(test_cursor_follows_port),
		cmocka_unit_test(test_forwards),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
