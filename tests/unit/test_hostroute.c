/* getHost's pieces: the Host/E2b-Sandbox-Port parsers (daemon/hostroute),
 * the agent's /proc/net/tcp parser (agent/ports) and the byte pump
 * (util/pump) on a pair of socketpairs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../../src/agent/ports.h"
#include "../../src/daemon/hostroute.h"
#include "../../src/util/loop.h"
#include "../../src/util/pump.h"

static void test_parse_host(void **state)
{
	(void)state;
	char id[65];
	int port = 0;
	assert_int_equal(hostroute_parse_host("8000-abc123.localhost:49982", id, sizeof id, &port), 1);
	assert_string_equal(id, "abc123");
	assert_int_equal(port, 8000);
	assert_int_equal(hostroute_parse_host("49999-ABC.e2b.app", id, sizeof id, &port), 1);
	assert_string_equal(id, "abc");   /* host names are case-insensitive */
	assert_int_equal(port, 49999);
	/* not the form: sbxd's own name, other names, bad ports or ids */
	const char *no[] = {
		"localhost:49982", "127.0.0.1:49982", "my-host.example", "8000-abc", "8000-abc.", "8000-abc.:80",
		"0-abc.localhost", "65536-abc.localhost", "08000-abc.localhost", "-abc.localhost", "8000-.localhost",
		"8000-ab_c.localhost", "8000-ab%2e.localhost", "123456-abc.localhost", "",
		"8000-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.localhost",   /* 65 chars */
	};
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		assert_int_equal(hostroute_parse_host(no[i], id, sizeof id, &port), 0);
	assert_int_equal(hostroute_parse_host(NULL, id, sizeof id, &port), 0);
	char small[4];
	assert_int_equal(hostroute_parse_host("80-abcd.x", small, sizeof small, &port), 0);   /* no room */
}

static void test_parse_port(void **state)
{
	(void)state;
	int port = 0;
	assert_int_equal(hostroute_parse_port("8000", &port), 1);
	assert_int_equal(port, 8000);
	assert_int_equal(hostroute_parse_port("65535", &port), 1);
	const char *no[] = { "0", "65536", "", "80a", " 80", "-1", "999999" };
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		assert_int_equal(hostroute_parse_port(no[i], &port), 0);
	assert_int_equal(hostroute_parse_port(NULL, &port), 0);
}

static void test_parse_proc(void **state)
{
	(void)state;
	const char *tcp =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5493084 1 0\n"
		"   1: 0100007F:C34F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0\n"
		"   2: 0100007F:1F40 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 78 1 0\n"
		"garbage line\n"
		"   3: 0100007F:ZZZZ 00000000:0000 0A\n";
	json_t *out = json_array();
	ports_parse_proc(tcp, 0, out);
	assert_int_equal(json_array_size(out), 2);   /* LISTEN only; the malformed lines skipped */
	json_t *e = json_array_get(out, 0);
	assert_int_equal(json_integer_value(json_object_get(e, "port")), 8000);
	assert_string_equal(json_string_value(json_object_get(e, "address")), "0.0.0.0");
	assert_string_equal(json_string_value(json_object_get(e, "proto")), "tcp");
	assert_int_equal(json_integer_value(json_object_get(e, "inode")), 5493084);
	e = json_array_get(out, 1);
	assert_string_equal(json_string_value(json_object_get(e, "address")), "127.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(e, "port")), 49999);
	json_decref(out);

	const char *tcp6 =
		"  sl  local_address                         remote_address                        st\n"
		"   0: 00000000000000000000000001000000:1F41 00000000000000000000000000000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000  1000        0 91 1 0\n"
		"   1: 00000000000000000000000000000000:1F42 00000000000000000000000000000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000  1000        0 92 1 0\n";
	out = json_array();
	ports_parse_proc(tcp6, 1, out);
	assert_int_equal(json_array_size(out), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "address")), "::1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 1), "address")), "::");
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 1), "proto")), "tcp6");
	json_decref(out);
}

struct pumped {
	int done;
};

static void on_done(sbx_pump *p, void *ud)
{
	(void)p;
	((struct pumped *)ud)->done = 1;
}

/* client ⇄ [a | pump | b] ⇄ server: both directions, the pre-read bytes
 * first, EOF passed on as a half-close, done once both ended. */
static void test_pump(void **state)
{
	(void)state;
	int ca[2], bs[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, ca), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, bs), 0);
	sbx_loop *l = loop_new();
	struct pumped st = { 0 };
	sbx_pump *p = pump_new(l, ca[1], bs[0], "pre-a ", 6, "pre-b ", 6, on_done, &st);
	assert_int_equal(st.done, 0);   /* never from pump_new */
	static char big[1 << 20];
	memset(big, 'x', sizeof big);
	/* 1 MiB client → server while the server does not read: bounded, then flows */
	size_t sent = 0, got = 0;
	char buf[65536];
	int srv = bs[1], cli = ca[0];
	fcntl(srv, F_SETFL, fcntl(srv, F_GETFL) | O_NONBLOCK);
	fcntl(cli, F_SETFL, fcntl(cli, F_GETFL) | O_NONBLOCK);
	for (int it = 0; it < 100000 && got < sizeof big + 6; it++) {
		if (sent < sizeof big) {
			ssize_t n = write(cli, big + sent, sizeof big - sent);
			if (n > 0)
				sent += (size_t)n;
			if (sent == sizeof big)
				shutdown(cli, SHUT_WR);
		}
		loop_once(l, 10);
		ssize_t n = read(srv, buf, sizeof buf);
		if (n > 0) {
			if (got == 0)
				assert_memory_equal(buf, "pre-a ", 6);
			got += (size_t)n;
		}
	}
	assert_int_equal(got, sizeof big + 6);
	/* the client's EOF reached the server */
	for (int it = 0; it < 200; it++) {
		loop_once(l, 10);
		ssize_t n = read(srv, buf, sizeof buf);
		if (n == 0)
			break;
	}
	assert_int_equal(read(srv, buf, sizeof buf), 0);
	/* server → client, then its EOF: both directions over, done */
	assert_int_equal(write(srv, "pong", 4), 4);
	shutdown(srv, SHUT_WR);
	char back[64] = { 0 };
	size_t bl = 0;
	for (int it = 0; it < 500 && !st.done; it++) {
		loop_once(l, 10);
		ssize_t n = read(cli, back + bl, sizeof back - 1 - bl);
		if (n > 0)
			bl += (size_t)n;
	}
	assert_int_equal(st.done, 1);
	ssize_t n = read(cli, back + bl, sizeof back - 1 - bl);
	if (n > 0)
		bl += (size_t)n;
	assert_string_equal(back, "pre-b pong");
	pump_free(p);
	for (int i = 0; i < 2; i++) {
		close(ca[i]);
		close(bs[i]);
	}
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_host),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_proc),
		cmocka_unit_test(test_pump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
