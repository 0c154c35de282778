#include "tunnel.h"
#include "api.h"
#include "proxy.h"
#include "sandbox.h"
#include "../http/relay.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/pump.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HEAD_MAX (16 * 1024)
#define BODY_MAX (64 * 1024)

typedef struct tun {
	sbxd *d;
	http_req *req;           /* NULL once answered or gone */
	char id[SBXD_ID_MAX + 1];
	int port;
	char *token;             /* the client's X-Access-Token, or NULL */
	sbox *waiting;
	int fd;                  /* to the agent; -1 */
	int connecting;
	sbx_buf in;              /* the agent's answer so far */
	size_t head_len;         /* its headers' length (0: not all in) */
	int status;
	long long body_len;      /* Content-Length, -1: none */
	http_upgraded *up;
	sbx_pump *pump;
	char *inner;             /* an upgrade to a sandbox's port: the client's
				    request, sent once the agent's tunnel is up */
	int server;              /* the answer being read is the server's */
} tun;

static void ready(sbox *sb, int ok, const char *err, void *ud);

static void tun_free(tun *t)
{
	if (t->waiting)
		sbox_unwait(t->waiting, ready, t);
	pump_free(t->pump);
	if (t->fd >= 0) {
		if (!t->pump)
			loop_del_fd(t->d->loop, t->fd);
		close(t->fd);
	}
	if (t->up)
		http_upgraded_close(t->up);
	buf_free(&t->in);
	free(t->token);
	free(t->inner);
	free(t);
}

static void fail(tun *t, const char *why)
{
	if (t->fd >= 0) {
		loop_del_fd(t->d->loop, t->fd);
		close(t->fd);
		t->fd = -1;
	}
	if (t->req) {
		http_req *r = t->req;
		t->req = NULL;
		proxy_not_running(r, t->id, why);
	}
}

static void pumped(sbx_pump *p, void *ud)
{
	(void)p;
	tun_free(ud);
}

static void up_abort(void *ud)
{
	tun *t = ud;
	t->up = NULL;
	tun_free(t);
}

static void upgraded(http_upgraded *u, int fd, const char *extra, size_t len, void *ud)
{
	tun *t = ud;
	t->up = u;
	loop_del_fd(t->d->loop, t->fd);
	t->pump = pump_new(t->d->loop, fd, t->fd, extra, len, t->in.data + t->head_len, t->in.len - t->head_len,
			   pumped, t);
}

/* The client's request ends.  At the 101 going out (ok = 1), upgraded()
 * follows and the tunnel lives on; else (answered, or the client left) it
 * is over. */
static void req_closed(http_req *r, int ok, void *ud)
{
	(void)r;
	tun *t = ud;
	t->req = NULL;
	if (ok && t->status == 101 && !t->pump)
		return;
	tun_free(t);
}

/* A header of the answer's head (t->in up to head_len), or NULL. */
static const char *header_of(const tun *t, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = t->in.data, *stop = t->in.data + t->head_len;
	const char *l = memmem(p, (size_t)(stop - p), "\r\n", 2);
	while (l && l + 2 < stop) {
		const char *s = l + 2, *e = memmem(s, (size_t)(stop - s), "\r\n", 2);
		if (!e)
			break;
		if ((size_t)(e - s) > nl && !strncasecmp(s, name, nl) && s[nl] == ':') {
			s += nl + 1;
			s += strspn(s, " \t");
			size_t k = (size_t)(e - s);
			snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), s);
			return out;
		}
		l = e;
	}
	return NULL;
}

/* The agent said no before a 101: its answer goes to the client as it is. */
static void pass_answer(tun *t)
{
	char ctype[128];
	http_req *r = t->req;
	t->req = NULL;
	const char *ct = header_of(t, "Content-Type", ctype, sizeof ctype);
	size_t body = t->in.len - t->head_len;
	if (t->body_len >= 0 && (size_t)t->body_len < body)
		body = (size_t)t->body_len;
	http_respond(r, t->status, ct, t->in.data + t->head_len, body);
	loop_del_fd(t->d->loop, t->fd);
	close(t->fd);
	t->fd = -1;
}

/* The 101 to the client: for sbx port, ours; for a WebSocket (or any
 * upgrade) to a sandbox's port, the server's, with its headers. */
static void upgrade_client(tun *t)
{
	char proto[128] = "sbx-tcp";
	if (t->server) {
		header_of(t, "Upgrade", proto, sizeof proto);
		const char *stop = t->in.data + t->head_len;
		const char *l = memmem(t->in.data, t->head_len, "\r\n", 2);
		while (l && l + 4 < stop) {
			const char *s = l + 2, *e = memmem(s, (size_t)(stop - s), "\r\n", 2);
			if (!e)
				break;
			const char *colon = memchr(s, ':', (size_t)(e - s));
			if (colon) {
				char *name = xstrndup(s, (size_t)(colon - s));
				const char *v = colon + 1 + strspn(colon + 1, " \t");
				char *val = xstrndup(v, (size_t)(e - v));
				if (strcasecmp(name, "Upgrade") && strcasecmp(name, "Connection") &&
				    strcasecmp(name, "Content-Length") && strcasecmp(name, "Transfer-Encoding") &&
				    strcasecmp(name, "Date"))
					http_req_add_header(t->req, name, val);
				free(name);
				free(val);
			}
			l = e;
		}
	}
	http_respond_upgrade(t->req, proto, upgraded, up_abort, t);
}

static void on_agent(sbx_loop *l, int fd, int events, void *ud);

static void send_request(tun *t)
{
	char *req = xasprintf("GET /sbx/tunnel/%d HTTP/1.1\r\nHost: sbx\r\nE2b-Sandbox-Id: %s\r\n%s%s%s"
			      "Connection: Upgrade\r\nUpgrade: sbx-tcp\r\n\r\n", t->port, t->id,
			      t->token ? "X-Access-Token: " : "", t->token ? t->token : "", t->token ? "\r\n" : "");
	size_t n = strlen(req);
	ssize_t w = send(t->fd, req, n, MSG_NOSIGNAL);   /* a fresh socket takes a few hundred bytes */
	free(req);
	if (w != (ssize_t)n) {
		fail(t, "the agent did not take the tunnel request");
		return;
	}
	loop_add_fd(t->d->loop, t->fd, LOOP_READ, on_agent, t);
}

static void on_agent(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)events;
	tun *t = ud;
	if (t->connecting) {
		int err = 0;
		socklen_t sl = sizeof err;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		t->connecting = 0;
		if (err) {
			fail(t, strerror(err));
			return;
		}
		send_request(t);
		return;
	}
	char chunk[4096];
	ssize_t n = recv(fd, chunk, sizeof chunk, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		buf_append(&t->in, chunk, (size_t)n);
	while (!t->head_len) {
		char *end = t->in.len ? memmem(t->in.data, t->in.len, "\r\n\r\n", 4) : NULL;
		if (!end) {
			if (n <= 0 || t->in.len > HEAD_MAX)
				fail(t, n <= 0 ? "the agent closed the tunnel before answering" : "the agent's answer is malformed");
			return;
		}
		t->head_len = (size_t)(end - t->in.data) + 4;
		char v[32];
		if (t->head_len < 12 || strncmp(t->in.data, "HTTP/1.", 7) || sscanf(t->in.data + 9, "%3d", &t->status) != 1) {
			fail(t, "the agent's answer is malformed");
			return;
		}
		t->body_len = header_of(t, "Content-Length", v, sizeof v) ? atoll(v) : -1;
		if (t->status == 101 && t->inner) {
			/* The agent's tunnel is up: now the client's own request,
			 * whose answer comes next on the same bytes. */
			ssize_t w = send(t->fd, t->inner, strlen(t->inner), MSG_NOSIGNAL);
			if (w != (ssize_t)strlen(t->inner)) {
				fail(t, "the agent did not take the request");
				return;
			}
			free(t->inner);
			t->inner = NULL;
			t->server = 1;
			buf_consume(&t->in, t->head_len);
			t->head_len = 0;
			t->status = 0;
			continue;
		}
		if (t->status == 101) {
			loop_set_mask(t->d->loop, t->fd, 0);
			if (t->req)
				upgrade_client(t);
			return;
		}
	}
	size_t body = t->in.len - t->head_len;
	if (n <= 0 || (t->body_len >= 0 && body >= (size_t)t->body_len) || body > BODY_MAX) {
		if (t->req)
			pass_answer(t);
	}
}

/* Non-blocking connect to the agent's unix socket or TCP address. */
static int agent_connect(tun *t, sbox *sb)
{
	if (sb->agent_sock) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sb->agent_sock);
		t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&sun, sizeof sun) < 0)
			return -1;
		return 0;
	}
	const char *hp = strstr(sb->agent_base, "://");
	hp = hp ? hp + 3 : sb->agent_base;
	const char *colon = strrchr(hp, ':');
	if (!colon)
		return -1;
	char host[256];
	snprintf(host, sizeof host, "%.*s", (int)(colon - hp), hp);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		return -1;
	t->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = t->fd < 0 ? -1 : connect(t->fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc < 0 && errno == EINPROGRESS) {
		t->connecting = 1;
		loop_add_fd(t->d->loop, t->fd, LOOP_WRITE, on_agent, t);
		return 0;
	}
	return rc;
}

static void ready(sbox *sb, int ok, const char *err, void *ud)
{
	tun *t = ud;
	t->waiting = NULL;
	if (!ok) {
		fail(t, err);
		return;
	}
	if (agent_connect(t, sb) < 0) {
		char why[256];
		snprintf(why, sizeof why, "cannot reach its agent: %s", strerror(errno));
		if (t->fd >= 0)
			close(t->fd);
		t->fd = -1;
		fail(t, why);
		return;
	}
	if (!t->connecting)
		send_request(t);
}

int tunnel_handle(sbxd *d, http_req *r)
{
	const char *path = http_req_path(r), *sid = http_req_header(r, "E2b-Sandbox-Id");
	if (strncmp(path, "/sbx/tunnel/", 12) || !sid)
		return 0;
	char *end;
	long port = strtol(path + 12, &end, 10);
	const char *upg = http_req_header(r, "Upgrade");
	if (*end || port < 1 || port > 65535) {
		api_error(r, 400, "%s: want /sbx/tunnel/PORT with PORT 1-65535", path);
		return 1;
	}
	if (strcmp(http_req_method(r), "GET") || !upg || strcasecmp(upg, "sbx-tcp")) {
		api_error(r, 400, "/sbx/tunnel/%ld wants GET with Connection: Upgrade and Upgrade: sbx-tcp", port);
		return 1;
	}
	sbox *sb = proxy_admit(d, r, sid, 0);
	if (!sb)
		return 1;
	tun *t = xcalloc(1, sizeof *t);
	t->d = d;
	t->req = r;
	t->fd = -1;
	t->port = (int)port;
	snprintf(t->id, sizeof t->id, "%s", sid);
	const char *tok = http_req_header(r, "X-Access-Token");
	t->token = tok ? xstrdup(tok) : NULL;
	http_req_on_close(r, req_closed, t);
	t->waiting = sb;
	sbox_when_ready(sb, ready, t);
	return 1;
}

/* --- an upgrade (WebSocket) to a sandbox's port ------------------------------------ */

struct inner_ctx {
	sbx_buf *b;
};

static void inner_header(const char *k, const char *v, void *ud)
{
	sbx_buf *b = ud;
	static const char *const drop[] = { "X-Access-Token", "E2B-Traffic-Access-Token", "E2b-Sandbox-Id",
					    "E2b-Sandbox-Port", NULL };
	for (const char *const *x = drop; *x; x++)
		if (!strcasecmp(k, *x))
			return;
	buf_printf(b, "%s: %s\r\n", k, v);
}

int tunnel_is_upgrade(http_req *r)
{
	const char *c = http_req_header(r, "Connection"), *u = http_req_header(r, "Upgrade");
	return u && *u && c && strcasestr(c, "upgrade");
}

void tunnel_upgrade(sbxd *d, http_req *r, sbox *sb, int port)
{
	tun *t = xcalloc(1, sizeof *t);
	t->d = d;
	t->req = r;
	t->fd = -1;
	t->port = port;
	snprintf(t->id, sizeof t->id, "%s", sb->rec.id);
	t->token = xstrdup(sb->rec.token);   /* ours, never the client's */
	sbx_buf b = SBX_BUF_INIT;
	buf_printf(&b, "%s ", http_req_method(r));
	http_relay_append_target(&b, r, http_req_path(r));
	buf_puts(&b, " HTTP/1.1\r\n");
	http_req_foreach_header(r, inner_header, &b);
	buf_puts(&b, "\r\n");
	t->inner = b.data;
	http_req_on_close(r, req_closed, t);
	t->waiting = sb;
	sbox_when_ready(sb, ready, t);
}
