#include "ch_vsock.h"
#include "../../src/util/timeutil.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int ch_vsock_parse_ok(const char *buf, size_t len, unsigned *host_port, size_t *used)
{
	/* "OK " + up to 10 digits + "\n"; anything longer is not an OK line. */
	const char *nl = memchr(buf, '\n', len);
	if (!nl)
		return len > 32 ? -1 : 0;
	size_t n = (size_t)(nl - buf);
	if (n < 4 || memcmp(buf, "OK ", 3))
		return -1;
	unsigned long v = 0;
	size_t i = 3;
	for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
		v = v * 10 + (unsigned)(buf[i] - '0');
		if (v > 0xffffffffUL)
			return -1;
	}
	if (i == 3)
		return -1;
	if (i < n && !(i + 1 == n && buf[i] == '\r'))
		return -1;
	*host_port = (unsigned)v;
	*used = n + 1;
	return 1;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* One attempt: 1 connected, 0 refused by the guest (retry), -1 hard error. */
static int try_connect(const char *sock, unsigned port, int64_t end, int *out, sbx_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof sa.sun_path)
		return sbx_error(e, "vsock socket path too long: %s", sock);
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sbx_error_errno(e, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = errno;
		close(fd);
		/* Not there yet (VMM starting, restoring): retry. */
		if (err == ENOENT || err == ECONNREFUSED)
			return 0;
		errno = err;
		return sbx_error_errno(e, "cannot connect to the VM's vsock socket %s", sock);
	}
	char cmd[32];
	int n = snprintf(cmd, sizeof cmd, "CONNECT %u\n", port);
	if (write(fd, cmd, (size_t)n) != n) {
		close(fd);
		return 0;
	}
	char rep[40];
	size_t have = 0;
	for (;;) {
		int left = (int)(end - now_ms());
		if (left <= 0)
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, left) <= 0)
			break;
		/* Byte by byte: the stream's first bytes must stay in the socket. */
		ssize_t r = read(fd, rep + have, 1);
		if (r <= 0)
			break;
		have++;
		unsigned hp;
		size_t used;
		int ok = ch_vsock_parse_ok(rep, have, &hp, &used);
		if (ok == 1) {
			*out = fd;
			return 1;
		}
		if (ok < 0 || have == sizeof rep) {
			close(fd);
			return sbx_error(e, "the VM's vsock socket %s answered CONNECT %u with '%.*s', not OK", sock,
					 port, (int)have, rep);
		}
	}
	close(fd);
	return 0;
}

int ch_vsock_connect(const char *sock, unsigned port, int timeout_ms, int *fd, sbx_err *e)
{
	int64_t end = now_ms() + timeout_ms;
	long delay = 10;
	for (;;) {
		int r = try_connect(sock, port, end, fd, e);
		if (r != 0)
			return r > 0 ? 0 : -1;
		if (now_ms() + delay >= end)
			break;
		pause_ms(delay);
		if (delay < 200)
			delay *= 2;
	}
	return sbx_error(e, "nothing in the VM accepted vsock port %u through %s within %d s (the guest's "
			    "agent did not start; see the sandbox's serial.log)", port, sock, timeout_ms / 1000);
}

/* One request on an established stream: its status (0 when none came).
 * Reads to EOF (Connection: close): /execute streams its result.  The
 * answer, headers included, goes to out (may be NULL), up to 1 MB. */
static long request_once(int fd, const char *req, size_t n, int64_t end, sbx_buf *out)
{
	if (write(fd, req, n) != (ssize_t)n)
		return 0;
	char rep[4096], head[12];
	size_t have = 0;
	for (;;) {
		int left = (int)(end - now_ms());
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return 0;
		ssize_t r = read(fd, rep, sizeof rep);
		if (r < 0)
			return 0;
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r && have + (size_t)i < sizeof head; i++)
			head[have + (size_t)i] = rep[i];
		if (out && out->len + (size_t)r <= (1u << 20))
			buf_append(out, rep, (size_t)r);
		have += (size_t)r;
	}
	if (have < sizeof head || memcmp(head, "HTTP/1.", 7) || head[8] != ' ')
		return 0;
	return (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
}

int ch_vsock_http(const char *sock, unsigned port, const char *method, const char *path, const char *token,
		  const char *body, int timeout_ms, long *status, sbx_buf *out, sbx_err *e)
{
	int64_t end = now_ms() + timeout_ms;
	int fd;
	if (ch_vsock_connect(sock, port, timeout_ms, &fd, e) < 0)
		return -1;
	char *req;
	size_t blen = body ? strlen(body) : 0;
	if (asprintf(&req, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s%s%s"
			   "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		     method, path, token ? "X-Access-Token: " : "", token ? token : "", token ? "\r\n" : "", blen,
		     body ? body : "") < 0) {
		close(fd);
		return sbx_error(e, "out of memory");
	}
	long st = request_once(fd, req, strlen(req), end, out);
	free(req);
	close(fd);
	if (status)
		*status = st;
	if (st >= 200 && st < 300)
		return 0;
	if (st)
		return sbx_error(e, "the VM's agent answered %s %s through vsock with %ld", method, path, st);
	return sbx_error(e, "the VM's agent did not answer %s %s through vsock within %d s", method, path,
			 timeout_ms / 1000);
}

int ch_vsock_health(const char *sock, unsigned port, int timeout_ms, sbx_err *e)
{
	int64_t end = now_ms() + timeout_ms;
	for (;;) {
		int left = (int)(end - now_ms());
		if (left <= 0)
			break;
		if (ch_vsock_http(sock, port, "GET", "/health", NULL, NULL, left, NULL, NULL, e) == 0)
			return 0;
		pause_ms(50);
	}
	return sbx_error(e, "the VM's agent did not answer /health on vsock port %u within %d s; see the "
			    "sandbox's serial.log", port, timeout_ms / 1000);
}
