/* http client against our own server, both on one loop in one thread: if
 * either blocked, these tests would hang (and time out). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/http/client.h"
#include "../../src/http/server.h"
#include "../../src/util/buf.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"

struct fx {
	sbx_loop *loop;
	http_server *srv;
	http_client *cl;
	char base[64];
	char sock[108];
	/* what the client saw */
	int status, done, ok, header_calls, data_calls;
	char err[256];
	char ctype[64];
	sbx_buf body;
	size_t server_got;
	void *pump;           /* test_body_back_pressure's writer */
};

struct drip {
	http_req *r;
	int left;
	int64_t timer;
	sbx_loop *loop;
};

static int64_t drip_tick(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct drip *d = ud;
	char line[16];
	snprintf(line, sizeof line, "%d\n", d->left);
	http_stream_write(d->r, line, strlen(line));
	if (--d->left)
		return 15;
	http_stream_end(d->r);
	d->timer = 0;
	return -1;
}

static void drip_closed(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	struct drip *d = ud;
	if (d->timer)
		loop_del_timer(d->loop, d->timer);
	free(d);
}

static void echo(http_req *r, const char *body, size_t len, void *ud)
{
	(void)ud;
	http_req_add_header(r, "X-Method", http_req_method(r));
	http_respond(r, 201, "text/echo", body, len);
}

static int count(http_req *r, const char *d, size_t n, void *ud)
{
	(void)r, (void)d;
	((struct fx *)ud)->server_got += n;
	return 0;
}

static void counted(http_req *r, void *ud)
{
	char msg[32];
	snprintf(msg, sizeof msg, "%zu", ((struct fx *)ud)->server_got);
	http_respond_str(r, 200, "text/plain", msg);
}

/* /slow: a body taken in bursts: paused after every chunk, unpaused 2 ms
 * later; a chunk while paused is counted as a violation. */
struct slow {
	struct fx *f;
	http_req *r;
	int paused, violations;
	int64_t timer;
};

static int64_t slow_unpause(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct slow *s = ud;
	s->timer = 0;
	s->paused = 0;
	http_req_pause_body(s->r, 0);
	return -1;
}

static int slow_chunk(http_req *r, const char *d, size_t n, void *ud)
{
	(void)d;
	struct slow *s = ud;
	if (s->paused)
		s->violations++;
	s->f->server_got += n;
	s->paused = 1;
	http_req_pause_body(r, 1);
	s->timer = loop_add_timer(s->f->loop, 2, slow_unpause, s);
	return 0;
}

static void slow_end(http_req *r, void *ud)
{
	struct slow *s = ud;
	char msg[64];
	snprintf(msg, sizeof msg, "%zu %d", s->f->server_got, s->violations);
	http_respond_str(r, 200, "text/plain", msg);
}

static void slow_closed(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	struct slow *s = ud;
	if (s->timer)
		loop_del_timer(s->f->loop, s->timer);
	free(s);
}

/* /flood: 4 MiB in 64 KiB writes, each made only when the socket has taken
 * the queue down to 128 KiB (http_stream_notify_low drives it alone). */
struct flood {
	size_t sent;
};

static void flood_closed(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	free(ud);
}

static void flood_more(http_req *r, void *ud)
{
	struct flood *fl = ud;
	char blk[64 * 1024];
	while (fl->sent < (4u << 20) && http_stream_pending(r) <= 128 * 1024) {
		for (size_t i = 0; i < sizeof blk; i++)
			blk[i] = (char)('a' + (fl->sent + i) % 26);
		http_stream_write(r, blk, sizeof blk);
		fl->sent += sizeof blk;
	}
	if (fl->sent < (4u << 20))
		http_stream_notify_low(r, 128 * 1024, flood_more, fl);
	else
		http_stream_end(r);
}

static void handler(http_req *r, void *ud)
{
	struct fx *f = ud;
	const char *p = http_req_path(r);
	if (!strcmp(p, "/slow")) {
		struct slow *s = xcalloc(1, sizeof *s);
		s->f = f;
		s->r = r;
		f->server_got = 0;
		http_req_on_close(r, slow_closed, s);
		http_req_stream_body(r, slow_chunk, slow_end, s);
		return;
	}
	if (!strcmp(p, "/flood")) {
		struct flood *fl = xcalloc(1, sizeof *fl);
		http_req_on_close(r, flood_closed, fl);
		http_stream_begin(r, 200, "text/plain");
		flood_more(r, fl);
		return;
	}
	if (!strcmp(p, "/echo")) {
		http_req_read_body(r, 1 << 20, echo, f);
	} else if (!strcmp(p, "/drip")) {
		struct drip *d = xcalloc(1, sizeof *d);
		d->r = r;
		d->left = 3;
		d->loop = f->loop;
		http_req_on_close(r, drip_closed, d);
		http_stream_begin(r, 200, "application/x-ndjson");
		d->timer = loop_add_timer(f->loop, 15, drip_tick, d);
	} else if (!strcmp(p, "/count")) {
		f->server_got = 0;
		http_req_stream_body(r, count, counted, f);
	} else if (!strcmp(p, "/empty")) {
		http_respond(r, 204, NULL, "", 0);
	} else {
		http_respond_str(r, 404, "text/plain", "nope");
	}
}

static void on_headers(http_call *c, int status, void *ud)
{
	struct fx *f = ud;
	f->status = status;
	f->header_calls++;
	const char *ct = http_call_header(c, "content-type");
	snprintf(f->ctype, sizeof f->ctype, "%s", ct ? ct : "");
}

static void on_data(http_call *c, const char *d, size_t n, void *ud)
{
	(void)c;
	struct fx *f = ud;
	f->data_calls++;
	buf_append(&f->body, d, n);
}

static void on_done(http_call *c, int ok, const char *err, void *ud)
{
	(void)c;
	struct fx *f = ud;
	f->done = 1;
	f->ok = ok;
	snprintf(f->err, sizeof f->err, "%s", err ? err : "");
}

static void wait_done(struct fx *f)
{
	int64_t t0 = now_ms();
	while (!f->done && now_ms() - t0 < 10000)
		loop_once(f->loop, 50);
	assert_true(f->done);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	sbx_err e;
	f->loop = loop_new();
	f->srv = http_server_new(f->loop, handler, f);
	assert_int_equal(http_server_listen(f->srv, "tcp:127.0.0.1:0", &e), 0);
	snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", http_server_port(f->srv));
	snprintf(f->sock, sizeof f->sock, "/tmp/sbx-client-test-%d.sock", getpid());
	char addr[128];
	snprintf(addr, sizeof addr, "unix:%s", f->sock);
	assert_int_equal(http_server_listen(f->srv, addr, &e), 0);
	f->cl = http_client_new(f->loop);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	http_client_free(f->cl);
	http_server_free(f->srv);
	loop_free(f->loop);
	buf_free(&f->body);
	free(f);
	return 0;
}

static http_call_opts opts(struct fx *f, const char *url)
{
	return (http_call_opts){ .url = url, .on_headers = on_headers, .on_data = on_data,
				 .on_done = on_done, .ud = f, .timeout_ms = 10000 };
}

static void test_post_body(void **state)
{
	struct fx *f = *state;
	char url[128];
	snprintf(url, sizeof url, "%s/echo", f->base);
	http_call_opts o = opts(f, url);
	o.method = "PUT";
	o.body = "payload";
	o.body_len = 7;
	http_call_start(f->cl, &o);
	wait_done(f);
	assert_true(f->ok);
	assert_int_equal(f->status, 201);
	assert_string_equal(f->ctype, "text/echo");
	assert_string_equal(buf_cstr(&f->body), "payload");
	assert_int_equal(f->header_calls, 1);
}

static void test_streamed_response(void **state)
{
	struct fx *f = *state;
	char url[128];
	snprintf(url, sizeof url, "%s/drip", f->base);
	http_call_opts o = opts(f, url);
	http_call_start(f->cl, &o);
	wait_done(f);
	assert_true(f->ok);
	assert_string_equal(buf_cstr(&f->body), "3\n2\n1\n");
	assert_true(f->data_calls >= 3);   /* each line arrived on its own */
}

struct feeder {
	http_call *c;
	int left;
};

static int64_t feed(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct feeder *fd = ud;
	char blk[5000];
	memset(blk, 'q', sizeof blk);
	http_call_write(fd->c, blk, sizeof blk);
	if (--fd->left)
		return 5;
	http_call_end_body(fd->c);
	return -1;
}

static void test_streamed_request(void **state)
{
	struct fx *f = *state;
	char url[128];
	snprintf(url, sizeof url, "%s/count", f->base);
	http_call_opts o = opts(f, url);
	o.stream_body = 1;
	struct feeder fd = { http_call_start(f->cl, &o), 10 };
	loop_add_timer(f->loop, 5, feed, &fd);
	wait_done(f);
	assert_true(f->ok);
	assert_string_equal(buf_cstr(&f->body), "50000");
}

/* The client keeps at most send_low + one block queued: it writes only
 * from on_send_low; the server takes the body in paused bursts. */
struct pump {
	http_call *c;
	size_t left, max_pending;
	int lows;
};

static void pump_more(struct pump *p)
{
	char blk[100000];
	memset(blk, 'z', sizeof blk);
	while (p->left && http_call_pending(p->c) <= 64 * 1024) {
		size_t n = p->left < sizeof blk ? p->left : sizeof blk;
		http_call_write(p->c, blk, n);
		p->left -= n;
		if (http_call_pending(p->c) > p->max_pending)
			p->max_pending = http_call_pending(p->c);
	}
	if (!p->left)
		http_call_end_body(p->c);
}

static void on_low(http_call *c, void *ud)
{
	(void)c;
	struct pump *p = ((struct fx *)ud)->pump;
	p->lows++;
	pump_more(p);
}

static void test_body_back_pressure(void **state)
{
	struct fx *f = *state;
	char url[128];
	snprintf(url, sizeof url, "%s/slow", f->base);
	http_call_opts o = opts(f, url);
	o.stream_body = 1;
	o.send_low = 64 * 1024;
	o.on_send_low = on_low;
	struct pump p = { NULL, 3000000, 0, 0 };
	f->pump = &p;
	p.c = http_call_start(f->cl, &o);
	pump_more(&p);
	wait_done(f);
	assert_true(f->ok);
	assert_string_equal(buf_cstr(&f->body), "3000000 0");   /* all of it, nothing while paused */
	assert_true(p.lows > 0);
	assert_true(p.max_pending <= 64 * 1024 + 100000);
}

static void test_answer_notify_low(void **state)
{
	struct fx *f = *state;
	char url[128];
	snprintf(url, sizeof url, "%s/flood", f->base);
	http_call_opts o = opts(f, url);
	http_call_start(f->cl, &o);
	wait_done(f);
	assert_true(f->ok);
	assert_int_equal(f->body.len, 4u << 20);
	for (size_t i = 0; i < f->body.len; i += 4099)
		assert_int_equal(f->body.data[i], 'a' + i % 26);
}

static void test_unix_socket_and_204(void **state)
{
	struct fx *f = *state;
	http_call_opts o = opts(f, "http://sandbox/empty");
	o.unix_socket = f->sock;
	http_call_start(f->cl, &o);
	wait_done(f);
	assert_true(f->ok);
	assert_int_equal(f->status, 204);
	assert_int_equal(f->header_calls, 1);
	assert_int_equal(f->body.len, 0);
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	http_call_opts o = opts(f, "http://sandbox/x");
	o.unix_socket = "/tmp/sbx-no-such-socket";
	http_call_start(f->cl, &o);
	wait_done(f);
	assert_false(f->ok);
	assert_true(strlen(f->err) > 0);
	assert_int_equal(f->header_calls, 0);
}

static void test_cancel(void **state)
{
	struct fx *f = *state;
	char url[128];
	snprintf(url, sizeof url, "%s/drip", f->base);
	http_call_opts o = opts(f, url);
	http_call *c = http_call_start(f->cl, &o);
	loop_once(f->loop, 5);
	http_call_cancel(c);
	assert_true(f->done);
	assert_false(f->ok);
	assert_string_equal(f->err, "cancelled");
	/* The server notices on its next write and cleans up (no leak under ASan). */
	for (int i = 0; i < 10; i++)
		loop_once(f->loop, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_post_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_streamed_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_streamed_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_back_pressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_notify_low, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_socket_and_204, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	};
	return cmocka_run_group_tests_name("http_client", tests, NULL, NULL);
}
