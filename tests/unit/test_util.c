/* util: buffers, base64, the event loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/util/b64.h"
#include "../../src/util/buf.h"
#include "../../src/util/err.h"
#include "../../src/util/loop.h"
#include "../../src/util/path.h"
#include "../../src/util/rand.h"
#include "../../src/util/timeutil.h"

static void test_buf(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	assert_string_equal(buf_cstr(&b), "");
	buf_puts(&b, "hello");
	buf_printf(&b, " %d %s", 42, "x");
	assert_string_equal(buf_cstr(&b), "hello 42 x");
	buf_consume(&b, 6);
	assert_string_equal(buf_cstr(&b), "42 x");
	assert_int_equal(b.len, 4);
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, 'a');
	assert_int_equal(b.len, 1004);
	buf_consume(&b, 5000);
	assert_int_equal(b.len, 0);
	char *s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
	buf_free(&b);
}

static void test_b64_vectors(void **state)
{
	(void)state;
	const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < 7; i++) {
		char *e = b64_encode(plain[i], strlen(plain[i]));
		assert_string_equal(e, enc[i]);
		free(e);
		size_t n;
		unsigned char *d = b64_decode(enc[i], strlen(enc[i]), &n);
		assert_non_null(d);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(d, plain[i], n);
		free(d);
	}
}

static void test_b64_variants(void **state)
{
	(void)state;
	size_t n;
	/* Captured from the SDK: bytes ff fe ff as standard "+/8=" and URL-safe, unpadded. */
	unsigned char *d = b64_decode("+/8=", 4, &n);
	assert_int_equal(n, 2);
	assert_int_equal(d[0], 0xfb);
	assert_int_equal(d[1], 0xff);
	free(d);
	d = b64_decode("-_8", 3, &n);
	assert_int_equal(n, 2);
	assert_int_equal(d[0], 0xfb);
	free(d);
	/* Line breaks inside (Jupyter's b2a_base64 / encodebytes output). */
	d = b64_decode("Zm9v\nYmFy\n", 10, &n);
	assert_non_null(d);
	assert_int_equal(n, 6);
	assert_memory_equal(d, "foobar", 6);
	free(d);
	assert_null(b64_decode("Zg==Zg==", 8, &n));
	assert_null(b64_decode("a", 1, &n));
	assert_null(b64_decode("ab!d", 4, &n));
}

static void test_err(void **state)
{
	(void)state;
	sbx_err e;
	assert_int_equal(sbx_error(&e, "cannot %s", "frob"), -1);
	assert_string_equal(e.msg, "cannot frob");
	assert_int_equal(sbx_error(NULL, "ignored"), -1);
}

static void test_rand(void **state)
{
	(void)state;
	char a[37], b[37], h[17];
	rand_uuid(a);
	rand_uuid(b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '4');
	assert_string_not_equal(a, b);
	rand_hex(h, 16);
	assert_int_equal(strlen(h), 16);
	assert_int_equal(strspn(h, "0123456789abcdef"), 16);
}

static void expect_path(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

static void test_path(void **state)
{
	(void)state;
	expect_path(path_join("/home/user/", "/a/b"), "/home/user/a/b");
	expect_path(path_join("/", "x"), "/x");
	expect_path(path_join("/w", ""), "/w");
	expect_path(path_clean("a//b/./c/.."), "a/b");
	expect_path(path_clean("/../x"), "/x");
	expect_path(path_clean(""), ".");
	expect_path(path_clean("a/.."), ".");
	expect_path(path_clean("../../a"), "../../a");
	expect_path(path_clean("/home/user/../../etc/"), "/etc");
	expect_path(path_clean("//"), "/");
}

struct counts {
	int fired, reads, rounds;
	int fds[2];
	int64_t self_delete_id;
};

static int64_t tick(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct counts *c = ud;
	return ++c->fired < 3 ? 1 : -1;
}

static int64_t deleter(sbx_loop *l, int64_t id, void *ud)
{
	struct counts *c = ud;
	loop_del_timer(l, id);   /* deleting oneself must be safe */
	c->fired += 100;
	return 5;
}

static void on_read(sbx_loop *l, int fd, int ev, void *ud)
{
	struct counts *c = ud;
	char x;
	assert_true(ev & LOOP_READ);
	assert_int_equal(read(fd, &x, 1), 1);
	c->reads++;
	loop_del_fd(l, fd);      /* and deleting one's own fd inside the callback */
}

static void test_loop_timers_and_fds(void **state)
{
	(void)state;
	sbx_loop *l = loop_new();
	struct counts c = { 0 };
	loop_add_timer(l, 1, tick, &c);
	int64_t before = now_ms();
	while (c.fired < 3 && now_ms() - before < 2000)
		loop_once(l, 100);
	assert_int_equal(c.fired, 3);

	c.fired = 0;
	loop_add_timer(l, 0, deleter, &c);
	loop_once(l, 10);
	loop_once(l, 20);
	assert_int_equal(c.fired, 100);

	assert_int_equal(pipe(c.fds), 0);
	loop_add_fd(l, c.fds[0], LOOP_READ, on_read, &c);
	assert_int_equal(write(c.fds[1], "ab", 2), 2);
	loop_once(l, 100);
	loop_once(l, 10);   /* removed: the second byte is not read */
	assert_int_equal(c.reads, 1);
	close(c.fds[0]);
	close(c.fds[1]);
	loop_free(l);
}

static int prep_calls;
static int prep(sbx_loop *l, void *ud)
{
	(void)l, (void)ud;
	prep_calls++;
	return 0;   /* bound the poll: loop_once must not block */
}

static void test_loop_prepare_bounds_poll(void **state)
{
	(void)state;
	sbx_loop *l = loop_new();
	loop_add_prepare(l, prep, NULL);
	int64_t t0 = now_ms();
	loop_once(l, -1);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(prep_calls, 1);
	loop_del_prepare(l, prep, NULL);
	loop_once(l, 0);
	assert_int_equal(prep_calls, 1);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_b64_variants),
		cmocka_unit_test(test_err),
		cmocka_unit_test(test_rand),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_loop_timers_and_fds),
		cmocka_unit_test(test_loop_prepare_bounds_poll),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
