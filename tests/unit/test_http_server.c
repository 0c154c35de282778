/* http server: real sockets against a server whose loop runs in a thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>
#include "../../src/http/server.h"
#include "../../src/util/buf.h"
#include "../../src/util/xalloc.h"

struct fixture {
	sbx_loop *loop;
	http_server *srv;
	pthread_t thr;
	int port;
	char sock[108];
	int stop_pipe[2];
	/* observations, written by the loop thread */
	int closed_ok, closed_fail;
	int trickle_answered;
	size_t chunks, streamed_bytes;
	int stalled, released;       /* /stall: the loop thread waits in the body */
	pthread_cond_t cv;
	pthread_mutex_t mu;
};

struct streamer {
	http_req *r;
	int left;
	int cut;                     /* end with http_stream_abort */
	int64_t timer;
	struct fixture *f;
};

static int64_t stream_tick(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct streamer *s = ud;
	char line[32];
	snprintf(line, sizeof line, "line %d\n", s->left);
	http_stream_write(s->r, line, strlen(line));
	if (--s->left == 0) {
		if (s->cut)
			http_stream_abort(s->r);
		else
			http_stream_end(s->r);
		s->timer = 0;
		return -1;
	}
	return 20;
}

static void stream_closed(http_req *r, int ok, void *ud)
{
	(void)r;
	struct streamer *s = ud;
	pthread_mutex_lock(&s->f->mu);
	if (ok)
		s->f->closed_ok++;
	else
		s->f->closed_fail++;
	pthread_mutex_unlock(&s->f->mu);
	if (s->timer)
		loop_del_timer(s->f->loop, s->timer);
	free(s);
}

static void echo_body(http_req *r, const char *body, size_t len, void *ud)
{
	(void)ud;
	http_respond(r, 200, "text/plain", body, len);
}

static int64_t late_answer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	http_respond_str(ud, 202, "text/plain", "later");
	return -1;
}

static int count_chunk(http_req *r, const char *d, size_t n, void *ud)
{
	(void)r, (void)d;
	struct fixture *f = ud;
	f->chunks++;
	f->streamed_bytes += n;
	return 0;
}

static void chunks_done(http_req *r, void *ud)
{
	struct fixture *f = ud;
	char msg[64];
	snprintf(msg, sizeof msg, "%zu", f->streamed_bytes);
	http_respond_str(r, 200, "text/plain", msg);
}

/* Refuses the body at its first bytes, as a handler does on bad input. */
static int refuse_chunk(http_req *r, const char *d, size_t n, void *ud)
{
	(void)d, (void)n;
	struct fixture *f = ud;
	http_respond_str(r, 400, "text/plain", "no thanks");
	pthread_mutex_lock(&f->mu);
	f->trickle_answered = 1;
	pthread_mutex_unlock(&f->mu);
	return -1;
}

static void count_close(http_req *r, int ok, void *ud)
{
	(void)r;
	struct fixture *f = ud;
	pthread_mutex_lock(&f->mu);
	if (ok)
		f->closed_ok++;
	else
		f->closed_fail++;
	pthread_mutex_unlock(&f->mu);
}

/* Holds the loop thread in the first body chunk until the test releases it
 * (at most 10 s), as a busy server would be: what the client sends and its
 * FIN meanwhile all wait for one epoll_wait. */
static int stall_chunk(http_req *r, const char *d, size_t n, void *ud)
{
	struct fixture *f = ud;
	pthread_mutex_lock(&f->mu);
	if (!f->stalled) {
		f->stalled = 1;
		pthread_cond_broadcast(&f->cv);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		while (!f->released && pthread_cond_timedwait(&f->cv, &f->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&f->mu);
	return count_chunk(r, d, n, ud);
}

static void handler(http_req *r, void *ud)
{
	struct fixture *f = ud;
	const char *p = http_req_path(r);
	if (!strcmp(p, "/echo")) {
		http_req_read_body(r, 64, echo_body, f);
	} else if (!strcmp(p, "/query")) {
		const char *v = http_req_query(r, "path");
		http_respond_str(r, 200, "text/plain", v ? v : "(none)");
	} else if (!strcmp(p, "/header")) {
		const char *v = http_req_header(r, "x-thing");
		http_respond_str(r, 200, NULL, v ? v : "(none)");
	} else if (!strcmp(p, "/later")) {
		loop_add_timer(f->loop, 30, late_answer, r);
	} else if (!strcmp(p, "/stream")) {
		struct streamer *s = xcalloc(1, sizeof *s);
		s->r = r;
		s->f = f;
		s->left = !strcmp(http_req_query(r, "n") ? http_req_query(r, "n") : "", "many") ? 1000 : 3;
		s->cut = http_req_query(r, "cut") != NULL;
		http_req_on_close(r, stream_closed, s);
		http_stream_begin(r, 200, "application/x-ndjson");
		s->timer = loop_add_timer(f->loop, 20, stream_tick, s);
	} else if (!strcmp(p, "/never")) {
		/* An answer that never comes: only EOF detection can end it. */
		struct streamer *s = xcalloc(1, sizeof *s);
		s->r = r;
		s->f = f;
		http_req_on_close(r, stream_closed, s);
	} else if (!strcmp(p, "/hang")) {
		/* A stream with nothing to say: only EOF detection can end it. */
		struct streamer *s = xcalloc(1, sizeof *s);
		s->r = r;
		s->f = f;
		http_req_on_close(r, stream_closed, s);
		http_stream_begin(r, 200, "application/x-ndjson");
		http_stream_write(r, "{}\n", 3);
	} else if (!strcmp(p, "/nullbody")) {
		http_respond_str(r, 200, "text/plain", NULL);   /* a caller's bug must not crash */
	} else if (!strcmp(p, "/refuse")) {
		http_req_stream_body(r, refuse_chunk, NULL, f);
	} else if (!strcmp(p, "/stall")) {
		f->streamed_bytes = 0;
		http_req_on_close(r, count_close, f);
		http_req_stream_body(r, stall_chunk, chunks_done, f);
	} else if (!strcmp(p, "/chunks")) {
		f->streamed_bytes = 0;
		http_req_stream_body(r, count_chunk, chunks_done, f);
	} else {
		http_respond_str(r, 404, "text/plain", "nope");
	}
}

static void on_stop(sbx_loop *l, int fd, int ev, void *ud)
{
	(void)fd, (void)ev, (void)ud;
	loop_stop(l);
}

static void *run(void *ud)
{
	struct fixture *f = ud;
	loop_run(f->loop);
	return NULL;
}

/* idle_timeout_s / max_conns: 0 keeps the server's default. */
static int setup_with(void **state, unsigned idle_timeout_s, unsigned max_conns)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	sbx_err e;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->loop = loop_new();
	f->srv = http_server_new(f->loop, handler, f);
	if (idle_timeout_s || max_conns)
		http_server_set_limits(f->srv, idle_timeout_s ? idle_timeout_s : HTTP_IDLE_TIMEOUT_S,
				       max_conns ? max_conns : 1024);
	assert_int_equal(http_server_listen(f->srv, "tcp:127.0.0.1:0", &e), 0);
	f->port = http_server_port(f->srv);
	snprintf(f->sock, sizeof f->sock, "/tmp/sbx-http-test-%d.sock", getpid());
	char addr[128];
	snprintf(addr, sizeof addr, "unix:%s", f->sock);
	assert_int_equal(http_server_listen(f->srv, addr, &e), 0);
	assert_int_equal(pipe(f->stop_pipe), 0);
	loop_add_fd(f->loop, f->stop_pipe[0], LOOP_READ, on_stop, f);
	pthread_create(&f->thr, NULL, run, f);
	*state = f;
	return 0;
}

static int setup(void **state) { return setup_with(state, 0, 0); }
static int setup_small(void **state) { return setup_with(state, 0, 16); }
static int setup_short_idle(void **state) { return setup_with(state, 1, 0); }

static int teardown(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(write(f->stop_pipe[1], "x", 1), 1);
	pthread_join(f->thr, NULL);
	http_server_free(f->srv);
	loop_free(f->loop);
	close(f->stop_pipe[0]);
	close(f->stop_pipe[1]);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
	return 0;
}

static int dial_tcp(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	/* No read may hang the test: a server that does not answer fails it. */
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* 1 when the server has closed fd within ms, 0 when it is still open. */
static int closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;
	return poll(&p, 1, ms) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

static void send_all(int fd, const char *s)
{
	size_t n = strlen(s);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
}

/* Read until the peer closes (requests send Connection: close) or `until` is seen. */
static char *read_until(int fd, const char *until)
{
	sbx_buf b = SBX_BUF_INIT;
	char tmp[4096];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0) {
		buf_append(&b, tmp, (size_t)n);
		if (until && strstr(buf_cstr(&b), until))
			break;
	}
	return buf_detach(&b);
}

static char *roundtrip(int fd, const char *req)
{
	send_all(fd, req);
	char *resp = read_until(fd, NULL);
	close(fd);
	return resp;
}

static void test_echo_body(void **state)
{
	struct fixture *f = *state;
	char *r = roundtrip(dial_tcp(f->port),
			    "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
	assert_non_null(strstr(r, "HTTP/1.1 200"));
	assert_non_null(strstr(r, "\r\n\r\nhello"));
	free(r);
}

static void test_chunked_request_body(void **state)
{
	struct fixture *f = *state;
	char *r = roundtrip(dial_tcp(f->port),
			    "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
	assert_non_null(strstr(r, "\r\n\r\nabcde"));
	free(r);
}

static void test_body_limit(void **state)
{
	struct fixture *f = *state;
	char req[512];
	char body[101];
	memset(body, 'x', 100);
	body[100] = '\0';
	snprintf(req, sizeof req,
		 "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 100\r\n\r\n%s", body);
	char *r = roundtrip(dial_tcp(f->port), req);
	assert_non_null(strstr(r, "HTTP/1.1 413"));
	assert_non_null(strstr(r, "larger than 64 bytes"));
	free(r);
}

static void test_query_decoding(void **state)
{
	struct fixture *f = *state;
	char *r = roundtrip(dial_tcp(f->port),
			    "GET /query?path=%2Fhome%2Fa+b%20c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "\r\n\r\n/home/a b c"));
	free(r);
}

static void test_header_lookup(void **state)
{
	struct fixture *f = *state;
	char *r = roundtrip(dial_tcp(f->port),
			    "GET /header HTTP/1.1\r\nHost: x\r\nX-THING: v1\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "\r\n\r\nv1"));
	free(r);
}

static void test_async_answer_and_keepalive(void **state)
{
	struct fixture *f = *state;
	int fd = dial_tcp(f->port);
	send_all(fd, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
	char *r = read_until(fd, "later");
	assert_non_null(strstr(r, "HTTP/1.1 202"));
	free(r);
	/* Same connection, second request. */
	send_all(fd, "GET /query?path=two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	r = read_until(fd, NULL);
	assert_non_null(strstr(r, "two"));
	free(r);
	close(fd);
}

static void test_stream_response(void **state)
{
	struct fixture *f = *state;
	char *r = roundtrip(dial_tcp(f->port), "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "Transfer-Encoding: chunked") ? strstr(r, "Transfer-Encoding: chunked")
								 : strstr(r, "transfer-encoding: chunked"));
	char *a = strstr(r, "line 3"), *b = strstr(r, "line 2"), *c = strstr(r, "line 1");
	assert_true(a && b && c && a < b && b < c);
	free(r);
	usleep(50000);
	pthread_mutex_lock(&f->mu);
	assert_int_equal(f->closed_ok, 1);
	pthread_mutex_unlock(&f->mu);
}

/* An aborted stream: what was written arrives, then the connection closes
 * (keep-alive or not) without the chunked body's last chunk. */
static void test_stream_abort(void **state)
{
	struct fixture *f = *state;
	int fd = dial_tcp(f->port);
	send_all(fd, "GET /stream?cut=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	char *r = read_until(fd, NULL);   /* to EOF: the server must close */
	close(fd);
	char *a = strstr(r, "line 3"), *c = strstr(r, "line 1");
	assert_true(a && c && a < c);
	assert_null(strstr(r, "\r\n0\r\n\r\n"));
	free(r);
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&f->mu);
		int n = f->closed_fail + f->closed_ok;
		pthread_mutex_unlock(&f->mu);
		if (n)
			break;
		usleep(20000);
	}
	pthread_mutex_lock(&f->mu);
	int ok = f->closed_ok, fail = f->closed_fail;
	pthread_mutex_unlock(&f->mu);
	assert_int_equal(ok, 0);
	assert_int_equal(fail, 1);
}

/* Polls (tries x 20 ms) until the close callback has reported a failure. */
static void wait_closed_fail(struct fixture *f, int tries)
{
	for (int i = 0; i < tries; i++) {
		pthread_mutex_lock(&f->mu);
		int n = f->closed_fail;
		pthread_mutex_unlock(&f->mu);
		if (n)
			break;
		usleep(20000);
	}
	pthread_mutex_lock(&f->mu);
	int n = f->closed_fail;
	pthread_mutex_unlock(&f->mu);
	assert_int_equal(n, 1);   /* not under the lock: teardown takes it */
}

static void test_stream_client_gone(void **state)
{
	struct fixture *f = *state;
	int fd = dial_tcp(f->port);
	send_all(fd, "GET /stream?n=many HTTP/1.1\r\nHost: x\r\n\r\n");
	char *r = read_until(fd, "line 999");
	free(r);
	close(fd);
	/* The next writes fail and the close callback reports it. */
	wait_closed_fail(f, 100);
}

static void test_waiting_client_gone(void **state)
{
	struct fixture *f = *state;
	int fd = dial_tcp(f->port);
	send_all(fd, "GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
	usleep(100000);
	close(fd);
	/* No answer is ever written, so only watching the socket can tell. */
	wait_closed_fail(f, 250);
}

static void test_idle_stream_client_gone(void **state)
{
	struct fixture *f = *state;
	int fd = dial_tcp(f->port);
	send_all(fd, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
	free(read_until(fd, "{}"));
	close(fd);
	/* Nothing is written any more, so only watching the socket can tell. */
	wait_closed_fail(f, 250);
}

static void test_streamed_request_body(void **state)
{
	struct fixture *f = *state;
	int fd = dial_tcp(f->port);
	send_all(fd, "POST /chunks HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 300000\r\n\r\n");
	char blk[10000];
	memset(blk, 'z', sizeof blk);
	for (int i = 0; i < 30; i++)
		assert_int_equal(write(fd, blk, sizeof blk), (ssize_t)sizeof blk);
	char *r = read_until(fd, NULL);
	close(fd);
	assert_non_null(strstr(r, "\r\n\r\n300000"));
	free(r);
}

/* Sends `head` to /stall, and while the loop thread is held in the body
 * sends `tail` and shuts down the sending side; then lets the loop go on.
 * Returns the socket. */
static int stall_then_send(struct fixture *f, const char *head, const char *tail)
{
	pthread_mutex_lock(&f->mu);
	f->stalled = f->released = 0;
	f->closed_ok = f->closed_fail = 0;
	pthread_mutex_unlock(&f->mu);
	int fd = dial_tcp(f->port);
	send_all(fd, head);
	pthread_mutex_lock(&f->mu);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	while (!f->stalled && pthread_cond_timedwait(&f->cv, &f->mu, &until) == 0)
		;
	int stalled = f->stalled;
	pthread_mutex_unlock(&f->mu);
	assert_true(stalled);
	if (*tail)
		send_all(fd, tail);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	/* Our FIN is acknowledged: it is queued behind `tail` at the server. */
	for (int i = 0;; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof ti;
		assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
		if (ti.tcpi_state == TCP_FIN_WAIT2)
			break;
		assert_true(i < 500);
		usleep(10000);
	}
	pthread_mutex_lock(&f->mu);
	f->released = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return fd;
}

/* A client that leaves mid-body while the server is busy: its last bytes
 * and its EOF arrive together, and the request must still end at once
 * (MHD alone reads the bytes and never the EOF).  Whether the last bytes
 * are body or only chunk framing. */
static void test_body_client_gone_while_busy(void **state)
{
	struct fixture *f = *state;
	static const char *const cases[][2] = {
		{ "POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", "defgh" },
		{ "POST /stall HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc", "\r\n" },
		{ "POST /stall HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc", "\r\n5\r\ndefgh\r\n" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int fd = stall_then_send(f, cases[i][0], cases[i][1]);
		wait_closed_fail(f, 250);
		assert_true(closed_within(fd, 5000));
		close(fd);
	}
}

/* The same timing with a complete body: a client that half-closes after
 * sending it still gets its answer. */
static void test_body_half_close_while_busy(void **state)
{
	struct fixture *f = *state;
	static const char *const cases[][2] = {
		{ "POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\nabc", "defgh" },
		{ "POST /stall HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc",
		  "\r\n5\r\ndefgh\r\n0\r\n\r\n" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int fd = stall_then_send(f, cases[i][0], cases[i][1]);
		char *r = read_until(fd, "\r\n\r\n8");
		assert_non_null(strstr(r, "HTTP/1.1 200"));
		assert_non_null(strstr(r, "\r\n\r\n8"));
		free(r);
		close(fd);
	}
}

static void test_unix_socket(void **state)
{
	struct fixture *f = *state;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	strcpy(sun.sun_path, f->sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	char *r = roundtrip(fd, "GET /query?path=unix HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "\r\n\r\nunix"));
	free(r);
}

static void test_null_body_is_500(void **state)
{
	struct fixture *f = *state;
	char *r = roundtrip(dial_tcp(f->port), "GET /nullbody HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 500"));
	assert_non_null(strstr(r, "\"code\":500"));
	free(r);
}

/* More idle connections than the server takes (max 16): the ones idle
 * longest and one trickling a body nobody reads are closed to make room, a
 * busy stream is kept, and a new client is answered. */
static void test_idle_flood(void **state)
{
	struct fixture *f = *state;
	int stream = dial_tcp(f->port);
	send_all(stream, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
	free(read_until(stream, "{}"));
	/* Answered at its first body bytes, but the rest trickles in: nobody
	 * waits for it. */
	int trickle = dial_tcp(f->port);
	send_all(trickle, "POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab");
	for (int i = 0, done = 0; !done; i++) {
		assert_true(i < 500);
		pthread_mutex_lock(&f->mu);
		done = f->trickle_answered;
		pthread_mutex_unlock(&f->mu);
		usleep(10000);
	}
	enum { N = 40 };
	int idle[N];
	for (int i = 0; i < N; i++)
		idle[i] = dial_tcp(f->port);
	char *r = roundtrip(dial_tcp(f->port), "GET /query?path=alive HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "\r\n\r\nalive"));
	free(r);
	assert_true(closed_within(trickle, 5000));   /* a body nobody reads made room */
	assert_true(closed_within(idle[0], 5000));   /* the oldest idle one too */
	assert_false(closed_within(idle[N - 1], 0));  /* the newest is still served */
	assert_false(closed_within(stream, 0));       /* a request in progress is never evicted */
	for (int i = 0; i < N; i++)
		close(idle[i]);
	close(trickle);
	close(stream);
	wait_closed_fail(f, 250);
}

/* Idle timeout 1 s: an idle connection is closed, a silent stream is not. */
static void test_idle_timeout(void **state)
{
	struct fixture *f = *state;
	int stream = dial_tcp(f->port);
	send_all(stream, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
	free(read_until(stream, "{}"));
	int idle = dial_tcp(f->port);
	assert_true(closed_within(idle, 5000));
	/* The stream went silent before the idle connection opened. */
	assert_false(closed_within(stream, 1500));
	close(idle);
	close(stream);
	wait_closed_fail(f, 250);
}

static void test_bad_listen_addresses(void **state)
{
	(void)state;
	sbx_loop *l = loop_new();
	http_server *s = http_server_new(l, handler, NULL);
	sbx_err e;
	assert_int_equal(http_server_listen(s, "carrier-pigeon:1", &e), -1);
	assert_non_null(strstr(e.msg, "tcp:HOST:PORT"));
	assert_int_equal(http_server_listen(s, "tcp:127.0.0.1", &e), -1);
	assert_int_equal(http_server_listen(s, "vsock:abc", &e), -1);
	http_server_free(s);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chunked_request_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_decoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_answer_and_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_client_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_stream_client_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiting_client_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_streamed_request_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_client_gone_while_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_half_close_while_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_body_is_500, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_flood, setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup_short_idle, teardown),
		cmocka_unit_test(test_bad_listen_addresses),
	};
	return cmocka_run_group_tests_name("http_server", tests, NULL, NULL);
}
