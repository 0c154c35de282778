/* ports: listening ports, their URLs, and the local forwarder. */
#include "ports.h"
#include "client_int.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define PIPE_BUF_SIZE (64 * 1024)
#define HANDSHAKE_MAX 8192
#define HTTP_HEAD_MAX 16384
/* sbxd may first resume a paused sandbox (autoResume): seconds, more under TCG */
#define HANDSHAKE_TIMEOUT_MS 120000

/* --- pure ------------------------------------------------------------------- */

static const char *str(const json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	return s ? s : "";
}

int sbx_ports_parse(const json_t *j, sbx_port **out, size_t *n, sbx_err *e)
{
	*out = NULL;
	*n = 0;
	if (!json_is_array(j))
		return sbx_error(e, "the list of ports is not a JSON array");
	sbx_port *p = xcalloc(json_array_size(j) + 1, sizeof *p);
	size_t i, k = 0;
	json_t *v;
	json_array_foreach(j, i, v) {
		json_t *port = json_object_get(v, "port"), *pid = json_object_get(v, "pid");
		if (!json_is_integer(port) || json_integer_value(port) < 1 || json_integer_value(port) > 65535)
			continue;
		p[k].port = (int)json_integer_value(port);
		p[k].address = str(v, "address");
		p[k].proto = str(v, "proto");
		p[k].pid = json_is_integer(pid) && json_integer_value(pid) > 0 && json_integer_value(pid) < 1 << 30
				   ? (int)json_integer_value(pid) : 0;
		p[k].cmd = str(v, "cmd");
		k++;
	}
	*out = p;
	*n = k;
	return 0;
}

int sbx_url_host_port(const char *url, char **host, int *port, sbx_err *e)
{
	*host = NULL;
	*port = 0;
	if (!url || strncmp(url, "http://", 7))
		return sbx_error(e, "'%s' is not an http:// URL: port forwarding goes through a local sbxd "
				    "(E2B's cloud has no raw tunnel; open the sandbox's https://PORT-ID.DOMAIN/ URL)",
				 url ? url : "");
	const char *h = url + 7, *end = h + strcspn(h, "/?#");
	const char *colon = NULL;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (!rb)
			return sbx_error(e, "'%s': an IPv6 address without its ']'", url);
		*host = xstrndup(h + 1, (size_t)(rb - h - 1));
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		*host = xstrndup(h, (size_t)((colon ? colon : end) - h));
	}
	if (!**host) {
		free(*host);
		*host = NULL;
		return sbx_error(e, "'%s' has no host", url);
	}
	*port = 80;
	if (colon) {
		char *stop;
		long v = strtol(colon + 1, &stop, 10);
		if (stop != end || v < 1 || v > 65535) {
			free(*host);
			*host = NULL;
			return sbx_error(e, "'%s' has no valid port", url);
		}
		*port = (int)v;
	}
	return 0;
}

char *sbx_port_url(const sbx_config *cfg, const sbx_sandbox *sb, const char *domain, int port)
{
	char *host;
	int sport;
	if (cfg->sandbox_url && sbx_url_host_port(cfg->sandbox_url, &host, &sport, NULL) == 0) {
		free(host);
		return xasprintf("http://%d-%s.localhost:%d/", port, sb->id, sport);
	}
	const char *d = domain && *domain ? domain : cfg->domain ? cfg->domain : "e2b.app";
	return xasprintf("https://%d-%s.%s/", port, sb->id, d);
}

/* --- list ------------------------------------------------------------------- */

typedef struct ports_ud {
	sbx_ports_cb cb;
	void *ud;
} ports_ud;

static void fin_ports(sbx_op *op, const sbx_err *e)
{
	ports_ud *u = op->ctx;
	sbx_err pe;
	json_t *j = e ? NULL : op_json(op, &pe);
	sbx_port *p = NULL;
	size_t n = 0;
	if (!e && !j)
		e = &pe;
	if (!e && sbx_ports_parse(j, &p, &n, &pe) < 0) {
		sbx_err e2;
		sbx_error(&e2, "cannot %s: %s", op->what, pe.msg);
		u->cb(NULL, 0, &e2, u->ud);
	} else {
		u->cb(e ? NULL : p, n, e, u->ud);
	}
	free(p);
	json_decref(j);
}

int sbx_ports_list(sbx_client *c, const sbx_sandbox *sb, sbx_ports_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	(void)e;
	char *url = xasprintf("%s/sbx/ports", sb->envd_url), what[160];
	char **h = sbx_sandbox_headers(sb, SBX_PORT_ENVD, NULL);
	snprintf(what, sizeof what, "list the listening ports of sandbox %s", sb->id);
	op_spec sp = { .what = what, .kind = OP_PLAIN, .method = "GET", .url = url,
		       .headers = (const char *const *)h, .timeout_ms = 30000 };
	sbx_op *op = op_start(c, &sp);
	ports_ud *u = xcalloc(1, sizeof *u);
	u->cb = cb;
	u->ud = ud;
	op->ctx = u;
	op->ctx_free = free;
	op->on_finish = fin_ports;
	free(url);
	sbx_strv_free(h);
	op_out(out, op);
	return 0;
}

/* --- forwarder -------------------------------------------------------------- */

/* C_HTTP_HEAD: sbxd has no raw tunnel; the client's request header is read
 * to send it to sbxd's port route instead (HTTP only). */
enum { C_HTTP_HEAD, C_CONNECTING, C_HANDSHAKE, C_REFUSED, C_PUMP };

typedef struct fwd_conn fwd_conn;

struct sbx_forward {
	sbx_loop *loop;
	int lfd, local_port, port;
	struct sockaddr_storage sbxd;
	socklen_t sbxd_len;
	char *request;                   /* the upgrade request, the same for every connection */
	char *sandbox_id;
	int http_only;                   /* sbxd refused the upgrade: HTTP through its port route */
	char *route_host;                /* that route's Host: PORT-ID.localhost:SBXDPORT */
	char *traffic_token;             /* for sandboxes whose ports are not public; NULL: none */
	sbx_forward_cb on_error;
	void *ud;
	fwd_conn *conns;
	int open, total;
};

struct fwd_conn {
	sbx_forward *f;
	fwd_conn *next, *prev;
	int cfd, ufd, state;
	int64_t timer;
	int upgrade;                     /* req asks for the tunnel (else it is the client's own request) */
	sbx_buf req;                     /* what goes to sbxd first */
	size_t req_off;
	sbx_buf hdr;                     /* the answer to the upgrade / the client's request header */
	char c2u[PIPE_BUF_SIZE], u2c[PIPE_BUF_SIZE];
	size_t c2u_len, c2u_off, u2c_len, u2c_off;
	int c_eof, u_eof, c_shut, u_shut;
};

static void conn_close(fwd_conn *k)
{
	sbx_forward *f = k->f;
	if (k->timer)
		loop_del_timer(f->loop, k->timer);
	loop_del_fd(f->loop, k->cfd);
	close(k->cfd);
	if (k->ufd >= 0) {
		loop_del_fd(f->loop, k->ufd);
		close(k->ufd);
	}
	buf_free(&k->hdr);
	buf_free(&k->req);
	if (k->prev)
		k->prev->next = k->next;
	else
		f->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	f->open--;
	free(k);
}

static void conn_fail(fwd_conn *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_fail(fwd_conn *k, const char *fmt, ...)
{
	sbx_forward *f = k->f;
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	conn_close(k);
	if (f->on_error)
		f->on_error(msg, f->ud);
}

/* Each fd watches what it can do now. */
static void conn_arm(fwd_conn *k)
{
	int cm = 0, um = 0;
	switch (k->state) {
	case C_HTTP_HEAD: cm = LOOP_READ; break;
	case C_CONNECTING: um = LOOP_WRITE; break;
	case C_HANDSHAKE: um = (k->upgrade ? LOOP_READ : 0) | (k->req_off < k->req.len ? LOOP_WRITE : 0); break;
	case C_REFUSED: um = LOOP_READ; break;
	case C_PUMP:
		if (!k->c_eof && !k->c2u_len)
			cm |= LOOP_READ;
		if (k->u2c_len)
			cm |= LOOP_WRITE;
		if (!k->u_eof && !k->u2c_len)
			um |= LOOP_READ;
		if (k->c2u_len)
			um |= LOOP_WRITE;
		break;
	}
	loop_set_mask(k->f->loop, k->cfd, cm);
	if (k->ufd >= 0)
		loop_set_mask(k->f->loop, k->ufd, um);
}

static void conn_http_start(fwd_conn *k);
static void http_head_read(fwd_conn *k);

/* "… (HTTP 502)" from a refused upgrade: the JSON body's message when it came. */
static void refused(fwd_conn *k, int status, const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *m = json_string_value(json_object_get(j, "message"));
	char msg[600];
	snprintf(msg, sizeof msg, "%s", m ? m : len ? "" : "no reason given");
	if (!m && len)
		snprintf(msg, sizeof msg, "%.*s", (int)strcspn(body, "\r\n"), body);
	json_decref(j);
	/* an sbxd (or agent) without the tunnel: its port route carries HTTP */
	if ((status == 404 && strstr(msg, "no such endpoint")) || status == 400 || status == 405 || status == 426 ||
	    status == 501) {
		if (!k->f->http_only && k->f->on_error) {
			char note[300];
			snprintf(note, sizeof note, "this sbxd has no raw tunnel (HTTP %d): forwarding HTTP only, one "
				 "request per connection (update sbx for any TCP protocol)", status);
			k->f->on_error(note, k->f->ud);
		}
		k->f->http_only = 1;
		conn_http_start(k);
		return;
	}
	const char *hint = status == 404 ? " (is the sandbox still there? `sbx ls`)"
			   : status == 401 || status == 403 ? " (the sandbox refused its token)" : "";
	conn_fail(k, "cannot forward a connection to port %d of sandbox %s: %s (HTTP %d)%s", k->f->port,
		  k->f->sandbox_id, msg, status, hint);
}

/* A chunked body (HTTP/1.1) joined: 0 once its last chunk came, -1 while
 * it is incomplete (or malformed: then EOF or the size bound ends it). */
static int dechunk(const char *p, size_t n, char **out, size_t *len)
{
	sbx_buf b = SBX_BUF_INIT;
	const char *end = p + n;
	for (;;) {
		const char *nl = memmem(p, (size_t)(end - p), "\r\n", 2);
		char *stop;
		if (!nl)
			break;
		unsigned long size = strtoul(p, &stop, 16);
		if (stop == p || size > HANDSHAKE_MAX)
			break;
		p = nl + 2;
		if (!size) {
			*len = b.len;
			*out = buf_detach(&b);
			return 0;
		}
		if ((size_t)(end - p) < size + 2)
			break;
		buf_append(&b, p, size);
		p += size + 2;
	}
	buf_free(&b);
	return -1;
}

/* The answer to the upgrade: 101 → pump (bytes past the header go to the
 * client); anything else is read to its end (or 8 KiB) and reported. */
static void handshake_read(fwd_conn *k)
{
	char tmp[4096];
	ssize_t n = recv(k->ufd, tmp, sizeof tmp, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || k->hdr.len + (size_t)n > HANDSHAKE_MAX) {
		if (k->state == C_REFUSED || (n == 0 && k->hdr.len)) {
			const char *h = buf_cstr(&k->hdr), *end = strstr(h, "\r\n\r\n");
			int st = 0;
			sscanf(h, "HTTP/%*d.%*d %d", &st);
			if (end)
				refused(k, st, end + 4, k->hdr.len - (size_t)(end + 4 - h));
			else
				conn_fail(k, "cannot forward a connection to port %d of sandbox %s: sbxd's answer "
					     "was cut short", k->f->port, k->f->sandbox_id);
		} else {
			conn_fail(k, "cannot forward a connection to port %d of sandbox %s: sbxd closed the tunnel "
				     "before answering%s%s", k->f->port, k->f->sandbox_id, n < 0 ? ": " : "",
				  n < 0 ? strerror(errno) : "");
		}
		return;
	}
	buf_append(&k->hdr, tmp, (size_t)n);
	const char *h = buf_cstr(&k->hdr), *end = strstr(h, "\r\n\r\n");
	if (!end)
		return;
	int st = 0;
	if (sscanf(h, "HTTP/%*d.%*d %d", &st) != 1) {
		conn_fail(k, "cannot forward a connection to port %d of sandbox %s: sbxd's answer is not HTTP",
			  k->f->port, k->f->sandbox_id);
		return;
	}
	size_t body = (size_t)(end + 4 - h), rest = k->hdr.len - body;
	if (st == 101) {
		memcpy(k->u2c, h + body, rest);   /* rest < HANDSHAKE_MAX < PIPE_BUF_SIZE */
		k->u2c_len = rest;
		k->u2c_off = 0;
		k->state = C_PUMP;
		loop_del_timer(k->f->loop, k->timer);
		k->timer = 0;
		buf_free(&k->hdr);
		conn_arm(k);
		return;
	}
	/* the error's body: complete when Content-Length or the last chunk says
	 * so (the connection stays open: HTTP/1.1), else at EOF */
	k->state = C_REFUSED;
	const char *cl = strcasestr(h, "\r\ncontent-length:"), *te = strcasestr(h, "\r\ntransfer-encoding:");
	if (cl && cl < end && rest >= (size_t)strtoul(cl + 17, NULL, 10)) {
		refused(k, st, h + body, rest);
	} else if (te && te < end) {
		char *text = NULL;
		size_t len = 0;
		if (dechunk(h + body, rest, &text, &len) == 0) {
			refused(k, st, text, len);
			free(text);
		} else {
			conn_arm(k);
		}
	} else {
		conn_arm(k);
	}
}

/* -1: k was closed. */
static int pump_out(fwd_conn *k, int fd, char *buf, size_t *off, size_t *len)
{
	ssize_t n = send(fd, buf + *off, *len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		/* the peer is gone: nothing more can be delivered */
		conn_close(k);
		return -1;
	}
	*off += (size_t)n;
	*len -= (size_t)n;
	if (!*len)
		*off = 0;
	return 0;
}

static int pump_in(fwd_conn *k, int fd, char *buf, size_t *len, int *eof)
{
	ssize_t n = recv(fd, buf, PIPE_BUF_SIZE, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		conn_close(k);
		return -1;
	}
	if (n == 0)
		*eof = 1;
	*len = (size_t)n;
	return 0;
}

/* Half-closes pass through; both directions done ends the connection. */
static int pump_settle(fwd_conn *k)
{
	if (k->c_eof && !k->c2u_len && !k->u_shut) {
		shutdown(k->ufd, SHUT_WR);
		k->u_shut = 1;
	}
	if (k->u_eof && !k->u2c_len && !k->c_shut) {
		shutdown(k->cfd, SHUT_WR);
		k->c_shut = 1;
	}
	if (k->u_shut && k->c_shut) {
		conn_close(k);
		return -1;
	}
	conn_arm(k);
	return 0;
}

static void on_client(sbx_loop *l, int fd, int ev, void *ud)
{
	(void)l, (void)fd;
	fwd_conn *k = ud;
	if (k->state == C_HTTP_HEAD) {
		http_head_read(k);
		return;
	}
	if (k->state != C_PUMP)
		return;
	if ((ev & LOOP_WRITE) && k->u2c_len && pump_out(k, k->cfd, k->u2c, &k->u2c_off, &k->u2c_len) < 0)
		return;
	if ((ev & (LOOP_READ | LOOP_ERROR)) && !k->c_eof && !k->c2u_len) {
		if (pump_in(k, k->cfd, k->c2u, &k->c2u_len, &k->c_eof) < 0)
			return;
	}
	pump_settle(k);
}

static void on_upstream(sbx_loop *l, int fd, int ev, void *ud)
{
	(void)l, (void)fd;
	fwd_conn *k = ud;
	sbx_forward *f = k->f;
	if (k->state == C_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof err;
		getsockopt(k->ufd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			conn_fail(k, "cannot forward a connection to port %d of sandbox %s: cannot reach sbxd: %s "
				     "(is it running? `sbx ls` starts it)", f->port, f->sandbox_id, strerror(err));
			return;
		}
		k->state = C_HANDSHAKE;
	}
	if (k->state == C_HANDSHAKE && k->req_off < k->req.len && (ev & LOOP_WRITE)) {
		ssize_t n = send(k->ufd, k->req.data + k->req_off, k->req.len - k->req_off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			conn_fail(k, "cannot forward a connection to port %d of sandbox %s: writing to sbxd failed: %s",
				  f->port, f->sandbox_id, strerror(errno));
			return;
		}
		if (n > 0)
			k->req_off += (size_t)n;
		if (!k->upgrade && k->req_off == k->req.len) {
			/* HTTP only: the request went; the rest is bytes both ways */
			k->state = C_PUMP;
			loop_del_timer(f->loop, k->timer);
			k->timer = 0;
			conn_arm(k);
			return;
		}
	}
	if (k->state == C_HANDSHAKE || k->state == C_REFUSED) {
		if (ev & (LOOP_READ | LOOP_ERROR))
			handshake_read(k);
		else
			conn_arm(k);
		return;
	}
	/* C_PUMP */
	if ((ev & LOOP_WRITE) && k->c2u_len && pump_out(k, k->ufd, k->c2u, &k->c2u_off, &k->c2u_len) < 0)
		return;
	if ((ev & (LOOP_READ | LOOP_ERROR)) && !k->u_eof && !k->u2c_len) {
		if (pump_in(k, k->ufd, k->u2c, &k->u2c_len, &k->u_eof) < 0)
			return;
	}
	pump_settle(k);
}

static int64_t on_handshake_timeout(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	fwd_conn *k = ud;
	k->timer = 0;
	if (k->state == C_HTTP_HEAD) {
		conn_close(k);   /* an idle client (browsers connect ahead): nothing to report */
		return -1;
	}
	conn_fail(k, "cannot forward a connection to port %d of sandbox %s: sbxd did not answer in %d s",
		  k->f->port, k->f->sandbox_id, HANDSHAKE_TIMEOUT_MS / 1000);
	return -1;
}

/* Starts k's connection to sbxd (k->req is what goes first). */
static void conn_connect(fwd_conn *k)
{
	sbx_forward *f = k->f;
	k->ufd = socket(f->sbxd.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->ufd < 0) {
		conn_fail(k, "cannot forward a connection to port %d of sandbox %s: no socket for sbxd: %s", f->port,
			  f->sandbox_id, strerror(errno));
		return;
	}
	loop_add_fd(f->loop, k->ufd, 0, on_upstream, k);
	if (connect(k->ufd, (struct sockaddr *)&f->sbxd, f->sbxd_len) == 0)
		k->state = C_HANDSHAKE;
	else if (errno == EINPROGRESS)
		k->state = C_CONNECTING;
	else {
		conn_fail(k, "cannot forward a connection to port %d of sandbox %s: cannot reach sbxd: %s "
			     "(is it running? `sbx ls` starts it)", f->port, f->sandbox_id, strerror(errno));
		return;
	}
	conn_arm(k);
}

/* HTTP only: read the client's request header first (conn_arm watches it). */
static void conn_http_start(fwd_conn *k)
{
	if (k->ufd >= 0) {
		loop_del_fd(k->f->loop, k->ufd);
		close(k->ufd);
		k->ufd = -1;
	}
	buf_reset(&k->hdr);
	buf_reset(&k->req);
	k->req_off = 0;
	k->upgrade = 0;
	k->state = C_HTTP_HEAD;
	conn_arm(k);
}

static int header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && line[n] == ':' && !strncasecmp(line, name, n);
}

/* The client's request header, with sbxd's port route as its Host and
 * Connection: close (so each further request comes on a connection of its
 * own, routed again); the bytes after the header follow as they are. */
static void http_head_read(fwd_conn *k)
{
	sbx_forward *f = k->f;
	char tmp[4096];
	ssize_t n = recv(k->cfd, tmp, sizeof tmp, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(k);   /* the client left before asking anything */
		return;
	}
	buf_append(&k->hdr, tmp, (size_t)n);
	const char *h = buf_cstr(&k->hdr), *end = strstr(h, "\r\n\r\n");
	if (!end) {
		if (k->hdr.len > HTTP_HEAD_MAX)
			conn_fail(k, "cannot forward a connection to port %d of sandbox %s: without sbxd's raw tunnel "
				     "only HTTP passes, and this did not start with an HTTP request header", f->port,
				  f->sandbox_id);
		return;
	}
	const char *line = h, *stop = end + 2;
	int first = 1;
	while (line < stop) {
		const char *eol = strstr(line, "\r\n");
		size_t len = (size_t)(eol - line);
		if (first) {
			buf_append(&k->req, line, len);
			buf_printf(&k->req, "\r\nHost: %s\r\nConnection: close\r\n", f->route_host);
			if (f->traffic_token)
				buf_printf(&k->req, "E2B-Traffic-Access-Token: %s\r\n", f->traffic_token);
		} else if (!header_is(line, len, "Host") && !header_is(line, len, "Connection") &&
			   !header_is(line, len, "Keep-Alive") && !header_is(line, len, "Proxy-Connection") &&
			   !header_is(line, len, "E2B-Traffic-Access-Token")) {
			buf_append(&k->req, line, len);
			buf_puts(&k->req, "\r\n");
		}
		first = 0;
		line = eol + 2;
	}
	buf_puts(&k->req, "\r\n");
	buf_append(&k->req, end + 4, k->hdr.len - (size_t)(end + 4 - h));
	buf_free(&k->hdr);
	conn_connect(k);
}

static void on_accept(sbx_loop *l, int fd, int ev, void *ud)
{
	(void)ev;
	sbx_forward *f = ud;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;   /* EAGAIN, or the client gave up already */
	fwd_conn *k = xcalloc(1, sizeof *k);
	k->f = f;
	k->cfd = cfd;
	k->ufd = -1;
	k->next = f->conns;
	if (f->conns)
		f->conns->prev = k;
	f->conns = k;
	f->open++;
	f->total++;
	loop_add_fd(l, cfd, 0, on_client, k);
	k->timer = loop_add_timer(l, HANDSHAKE_TIMEOUT_MS, on_handshake_timeout, k);
	if (f->http_only) {
		conn_http_start(k);
		return;
	}
	k->upgrade = 1;
	buf_puts(&k->req, f->request);
	conn_connect(k);
}

static char *upgrade_request(const sbx_sandbox *sb, const char *host, int sport, int port)
{
	sbx_buf b = SBX_BUF_INIT;
	buf_printf(&b, "GET /sbx/tunnel/%d HTTP/1.1\r\nHost: %s:%d\r\n", port, host, sport);
	char **h = sbx_sandbox_headers(sb, SBX_PORT_ENVD, NULL);
	for (char **x = h; *x; x++)
		buf_printf(&b, "%s\r\n", *x);
	sbx_strv_free(h);
	buf_puts(&b, "Connection: Upgrade\r\nUpgrade: sbx-tcp\r\n\r\n");
	return buf_detach(&b);
}

int sbx_port_forward(sbx_client *c, const sbx_sandbox *sb, int port, int local_port, sbx_forward_cb on_error,
		     void *ud, sbx_forward **out, sbx_err *e)
{
	*out = NULL;
	if (port < 1 || port > 65535)
		return sbx_error(e, "cannot forward port %d: a port is 1 to 65535", port);
	if (local_port < 0 || local_port > 65535)
		return sbx_error(e, "cannot forward to local port %d: a port is 0 (any) to 65535", local_port);
	char *host;
	int sport;
	if (sbx_url_host_port(sb->envd_url, &host, &sport, e) < 0)
		return -1;
	/* sbxd's address once (a literal or a hosts-file name: no waiting on the loop) */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char ps[16];
	snprintf(ps, sizeof ps, "%d", sport);
	int gr = getaddrinfo(host, ps, &hints, &ai);
	struct addrinfo *pick = ai;
	for (struct addrinfo *a = ai; a; a = a->ai_next)
		if (a->ai_family == AF_INET) {   /* sbxd listens on IPv4 loopback */
			pick = a;
			break;
		}
	if (gr || !ai) {
		sbx_error(e, "cannot forward port %d: cannot resolve sbxd's host '%s': %s", port, host, gai_strerror(gr));
		free(host);
		return -1;
	}
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons((uint16_t)local_port) };
	la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd >= 0)
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&la, sizeof la) < 0 || listen(lfd, 64) < 0) {
		int err = errno;
		if (lfd >= 0)
			close(lfd);
		freeaddrinfo(ai);
		free(host);
		errno = err;
		if (err == EADDRINUSE)
			return sbx_error(e, "cannot forward port %d: local port %d is in use; pick another with "
					    "--local or leave it out for a free one", port, local_port);
		return sbx_error_errno(e, "cannot forward port %d: cannot listen on 127.0.0.1:%d", port, local_port);
	}
	socklen_t ll = sizeof la;
	getsockname(lfd, (struct sockaddr *)&la, &ll);
	sbx_forward *f = xcalloc(1, sizeof *f);
	f->loop = c->loop;
	f->lfd = lfd;
	f->local_port = ntohs(la.sin_port);
	f->port = port;
	memcpy(&f->sbxd, pick->ai_addr, pick->ai_addrlen);
	f->sbxd_len = pick->ai_addrlen;
	f->request = upgrade_request(sb, host, sport, port);
	f->route_host = xasprintf("%d-%s.localhost:%d", port, sb->id, sport);
	f->traffic_token = sb->traffic_token ? xstrdup(sb->traffic_token) : NULL;
	f->sandbox_id = xstrdup(sb->id);
	f->on_error = on_error;
	f->ud = ud;
	freeaddrinfo(ai);
	free(host);
	loop_add_fd(c->loop, lfd, LOOP_READ, on_accept, f);
	*out = f;
	return 0;
}

int sbx_forward_local_port(const sbx_forward *f) { return f->local_port; }
int sbx_forward_open(const sbx_forward *f) { return f->open; }
int sbx_forward_total(const sbx_forward *f) { return f->total; }

void sbx_forward_stop(sbx_forward *f)
{
	if (!f)
		return;
	while (f->conns)
		conn_close(f->conns);
	loop_del_fd(f->loop, f->lfd);
	close(f->lfd);
	free(f->request);
	free(f->route_host);
	free(f->traffic_token);
	free(f->sandbox_id);
	free(f);
}
