/*
 * HTTP server on libmicrohttpd in "external event loop" mode: MHD owns the
 * sockets and the protocol, our loop owns the waiting.  Each daemon exposes
 * one epoll fd; we run MHD whenever it is readable and before every poll
 * (resumed connections and MHD's own timeouts need that).
 *
 * Answers that are not ready when MHD asks for them suspend the connection;
 * http_respond/http_stream_write resume it.  MHD only queues a response from
 * inside its access handler, so a response is always queued there.
 *
 * Connection limits: MHD closes a connection idle for idle_timeout_s, but
 * it never times out a suspended one, so long silent streams (PTY, watch,
 * cells) live on.  Once the open connections pass 7/8 of max_conns, every
 * new one closes the connection idle longest (no request in progress:
 * keep-alive, still sending headers, or sending a body after its answer is
 * set) with shutdown(2), which MHD sees as the peer leaving.  A flood of
 * idle or trickling connections thus cannot lock out a client that asks
 * something.
 *
 * A client leaving mid-body: MHD (0.9.75) registers sockets edge-triggered
 * and takes a short recv() as "drained".  When the last bytes and the FIN
 * arrive before one epoll_wait (a busy server), recv() returns the bytes,
 * the EOF behind them is never read, and no further edge comes: the request
 * would hang until the idle timeout, holding what its handler holds (an
 * upload's half-written file).  So while a request body is due, we watch
 * its socket ourselves for POLLRDHUP (level-triggered); once the peer has
 * finished sending and MHD has read all it sent, the body can never
 * complete, and shutdown(2) makes MHD end the request.
 */
#include "server.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/url.h"
#include "../util/xalloc.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_DAEMONS 8
#define MAX_CONNS_CAP 2048   /* per server, and never more than half the fd limit */
#define MIN_CONNS 16

enum body_mode { BODY_IGNORE, BODY_WHOLE, BODY_STREAM, BODY_DISCARD };

struct hdr {
	char *name, *value;
};

/* One client connection, from accept to close. */
struct http_conn {
	int fd;
	int busy;                    /* a request is in (its headers came) */
	int evicted;                 /* shut down by us; MHD will close it */
	TAILQ_ENTRY(http_conn) link;     /* srv->conns: idle longest first */
};

struct http_req {
	http_server *srv;
	struct MHD_Connection *conn;
	struct http_conn *hc;        /* its connection; NULL if MHD did not say */
	http_req *prev, *next;       /* live requests of srv */
	char *method, *path;

	enum body_mode body_mode;
	size_t limit;
	sbx_buf body;
	http_body_cb body_cb;
	http_chunk_cb chunk_cb;
	http_end_cb end_cb;
	void *body_ud;
	int body_done;
	int body_paused;             /* http_req_pause_body: take no more for now */

	struct hdr *hdrs;
	size_t nhdrs;
	struct MHD_Response *resp;
	unsigned status;
	int queued;
	int waiting;                 /* suspended in the access handler */

	int streaming;
	sbx_buf out;                 /* sent from out_off on */
	size_t out_off;
	size_t low;                  /* http_stream_notify_low */
	http_low_cb low_cb;
	void *low_ud;
	int out_ended;
	int out_aborted;             /* http_stream_abort: cut, no final chunk */
	int reader_waiting;          /* suspended by the content reader */
	int peer_fd;                 /* watched: for the end of input while the
				      * body is due, for EOF while suspended; -1 */
	int peer_gone;

	http_close_cb close_cb;
	void *close_ud;
	struct http_upgraded *upgrade;   /* http_respond_upgrade's, until the request ends */
};

struct http_server {
	sbx_loop *loop;
	http_handler handler;
	void *ud;
	struct MHD_Daemon *daemons[MAX_DAEMONS];
	int epfds[MAX_DAEMONS];
	char *unix_paths[MAX_DAEMONS];
	int ndaemons;
	int port;
	http_req *reqs;
	int64_t kick;                /* pending zero-delay MHD run */
	unsigned idle_timeout_s, max_conns;
	TAILQ_HEAD(, http_conn) conns;
	unsigned nconns, nevicted;
	struct http_upgraded *upgraded;   /* raw connections not closed yet */
};

struct http_upgraded {
	http_server *srv;
	struct MHD_UpgradeResponseHandle *urh;   /* NULL until the 101 went out */
	http_upgrade_cb cb;
	void (*abort)(void *ud);
	void *ud;
	struct http_upgraded *prev, *next;
};

/* --- MHD glue -------------------------------------------------------------- */

static void run_all(http_server *s)
{
	for (int i = 0; i < s->ndaemons; i++)
		MHD_run(s->daemons[i]);
}

static void on_epoll(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)fd, (void)events;
	run_all(ud);
}

static int on_prepare(sbx_loop *l, void *ud)
{
	(void)l;
	http_server *s = ud;
	int timeout = -1;
	run_all(s);
	for (int i = 0; i < s->ndaemons; i++) {
		MHD_UNSIGNED_LONG_LONG t;
		if (MHD_get_timeout(s->daemons[i], &t) == MHD_YES) {
			int ms = t > 60000 ? 60000 : (int)t;
			if (timeout < 0 || ms < timeout)
				timeout = ms;
		}
	}
	return timeout;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

/* %XX and '+' (URLSearchParams encodes a space as '+'; envd decodes both). */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
	return url_decode(s, 1);
}

/* --- connections ----------------------------------------------------------- */

static void kick(http_server *s);

/* Keeps room for new clients: closes the connections idle longest while
 * more than 7/8 of max_conns are open.  Busy ones are never touched. */
static void make_room(http_server *s)
{
	unsigned soft = s->max_conns - s->max_conns / 8;
	struct http_conn *hc = TAILQ_FIRST(&s->conns);
	while (s->nconns - s->nevicted > soft) {
		while (hc && (hc->busy || hc->evicted || hc->fd < 0))
			hc = TAILQ_NEXT(hc, link);
		if (!hc)
			return;   /* all busy: MHD stops accepting at max_conns */
		shutdown(hc->fd, SHUT_RDWR);
		hc->evicted = 1;
		s->nevicted++;
		log_debug("http: %u connections open, closed one idle connection to make room", s->nconns);
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	http_server *s = cls;
	struct http_conn *hc = *socket_ctx;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		hc = xcalloc(1, sizeof *hc);
		hc->fd = ci ? ci->connect_fd : -1;
		TAILQ_INSERT_TAIL(&s->conns, hc, link);
		s->nconns++;
		*socket_ctx = hc;
		make_room(s);
	} else if (hc) {   /* MHD_CONNECTION_NOTIFY_CLOSED */
		TAILQ_REMOVE(&s->conns, hc, link);
		s->nconns--;
		if (hc->evicted)
			s->nevicted--;
		free(hc);
		*socket_ctx = NULL;
		/* A daemon at its limit (or out of fds) took its listener out of
		 * epoll and re-adds it only on its next run: make that run happen. */
		kick(s);
	}
}

/* A request ended: its connection is idle from now (the newest idle one). */
static void conn_idle(http_server *s, struct http_conn *hc)
{
	hc->busy = 0;
	TAILQ_REMOVE(&s->conns, hc, link);
	TAILQ_INSERT_TAIL(&s->conns, hc, link);
}

static void unwatch_peer(http_req *r)
{
	if (r->peer_fd >= 0) {
		loop_del_fd(r->srv->loop, r->peer_fd);
		r->peer_fd = -1;
	}
}

static void req_free(http_req *r)
{
	http_server *s = r->srv;
	unwatch_peer(r);
	free(r->upgrade);   /* a 101 that never went out */
	if (r->prev)
		r->prev->next = r->next;
	else
		s->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	for (size_t i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->hdrs);
	if (r->resp && !r->queued)
		MHD_destroy_response(r->resp);
	buf_free(&r->body);
	buf_free(&r->out);
	free(r->method);
	free(r->path);
	free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c;
	http_req *r = *con_cls;
	if (!r)
		return;
	*con_cls = NULL;
	int ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	if (r->hc)
		conn_idle(r->srv, r->hc);
	if (r->close_cb)
		r->close_cb(r, ok, r->close_ud);
	req_free(r);
}

static int64_t on_kick(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	http_server *s = ud;
	s->kick = 0;
	run_all(s);
	return -1;
}

/* A resumed connection must be served in this loop iteration, whichever
 * callback resumed it (a prepare hook may run after ours). */
static void kick(http_server *s)
{
	if (!s->kick)
		s->kick = loop_add_timer(s->loop, 0, on_kick, s);
}

/* Drops the watch for a suspended request (not the one for a body still due). */
static void unwatch_suspended(http_req *r)
{
	if (r->body_done)
		unwatch_peer(r);
}

static void wake(http_req *r)
{
	unwatch_suspended(r);
	if (r->waiting) {
		r->waiting = 0;
		MHD_resume_connection(r->conn);
		kick(r->srv);
	}
}

static void watch_peer(http_req *r, int mask);

static void feed_body(http_req *r, const char *data, size_t len)
{
	switch (r->body_mode) {
	case BODY_WHOLE:
		if (r->body.len + len > r->limit) {
			char msg[160];
			snprintf(msg, sizeof msg,
				 "{\"code\":413,\"message\":\"request body is larger than %zu bytes\"}",
				 r->limit);
			r->body_mode = BODY_DISCARD;
			buf_free(&r->body);
			http_respond_str(r, 413, "application/json", msg);
			return;
		}
		buf_append(&r->body, data, len);
		return;
	case BODY_STREAM:
		if (r->chunk_cb(r, data, len, r->body_ud) < 0)
			r->body_mode = BODY_DISCARD;
		return;
	case BODY_IGNORE:
	case BODY_DISCARD:
		/* Body bytes after the answer (above): nobody waits for them. */
		if (r->resp && r->hc)
			r->hc->busy = 0;
		return;
	}
}

static void finish_body(http_req *r)
{
	unwatch_peer(r);   /* the body watch: the body is in */
	r->body_done = 1;
	if (r->body_mode == BODY_WHOLE)
		r->body_cb(r, buf_cstr(&r->body), r->body.len, r->body_ud);
	else if (r->body_mode == BODY_STREAM && r->end_cb)
		r->end_cb(r, r->body_ud);
}

/* Whether MHD reads a body after the headers (a length, or chunks). */
static int body_due(http_req *r)
{
	const char *cl = http_req_header(r, "Content-Length");
	const char *te = http_req_header(r, "Transfer-Encoding");
	return (te && *te) || (cl && cl[strspn(cl, "0 \t")]);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	(void)version;
	http_server *s = cls;
	http_req *r = *con_cls;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		r->srv = s;
		r->conn = c;
		r->peer_fd = -1;
		r->method = xstrdup(method);
		r->path = xstrdup(url);
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		r->hc = ci ? ci->socket_context : NULL;
		if (r->hc)
			r->hc->busy = 1;
		r->next = s->reqs;
		if (s->reqs)
			s->reqs->prev = r;
		s->reqs = r;
		*con_cls = r;
		s->handler(r, s->ud);
		if (body_due(r))
			watch_peer(r, LOOP_RDHUP);
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (r->body_paused && r->body_mode == BODY_STREAM) {
			/* MHD keeps the unconsumed bytes and reads nothing more
			 * while suspended; the resume hands them over again. */
			if (!r->waiting) {
				r->waiting = 1;
				MHD_suspend_connection(c);
			}
			return MHD_YES;
		}
		feed_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!r->body_done)
		finish_body(r);
	if (r->resp && !r->queued) {
		r->queued = 1;
		enum MHD_Result rc = MHD_queue_response(c, r->status, r->resp);
		MHD_destroy_response(r->resp);
		return rc;
	}
	if (!r->resp && r->peer_gone)
		return MHD_NO;   /* the client left while we had no answer yet */
	if (!r->resp && !r->waiting) {
		r->waiting = 1;
		MHD_suspend_connection(c);
		watch_peer(r, LOOP_READ);
	}
	return MHD_YES;
}

/* --- listeners ------------------------------------------------------------- */

static int open_listener(const char *addr, int *port, char **unix_path, sbx_err *e)
{
	int fd = -1;
	if (!strncmp(addr, "tcp:", 4)) {
		const char *hp = addr + 4, *colon = strrchr(hp, ':');
		if (!colon)
			return sbx_error(e, "listen address '%s' needs a port: tcp:HOST:PORT", addr);
		char host[256];
		snprintf(host, sizeof host, "%.*s", (int)(colon - hp), hp);
		if (host[0] == '[') {   /* [::1] */
			memmove(host, host + 1, strlen(host));
			host[strcspn(host, "]")] = '\0';
		}
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai;
		int rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
		if (rc)
			return sbx_error(e, "cannot resolve listen address '%s': %s", addr, gai_strerror(rc));
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			freeaddrinfo(ai);
			if (fd >= 0)
				close(fd);
			return sbx_error_errno(e, "cannot listen on %s (is another agent running there?)", addr);
		}
		freeaddrinfo(ai);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							      : ((struct sockaddr_in *)&ss)->sin_port);
	} else if (!strncmp(addr, "unix:", 5)) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		const char *path = addr + 5;
		if (strlen(path) >= sizeof sun.sun_path)
			return sbx_error(e, "unix socket path '%s' is too long (max %zu bytes)", path,
					 sizeof sun.sun_path - 1);
		strcpy(sun.sun_path, path);
		unlink(path);   /* a stale socket from a previous run */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
			if (fd >= 0)
				close(fd);
			return sbx_error_errno(e, "cannot listen on %s", addr);
		}
		chmod(path, 0600);
		*unix_path = xstrdup(path);
	} else if (!strncmp(addr, "vsock:", 6)) {
		char *end;
		long p = strtol(addr + 6, &end, 10);
		if (*end || p <= 0 || p > 0xffffffffL)
			return sbx_error(e, "bad vsock port in '%s': use vsock:PORT", addr);
		struct sockaddr_vm svm = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
					   .svm_port = (unsigned)p };
		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&svm, sizeof svm) < 0) {
			if (fd >= 0)
				close(fd);
			return sbx_error_errno(e, "cannot listen on %s (is the vsock device present?)", addr);
		}
	} else {
		return sbx_error(e, "unknown listen address '%s': use tcp:HOST:PORT, unix:PATH or vsock:PORT", addr);
	}
	if (listen(fd, 128) < 0) {
		close(fd);
		return sbx_error_errno(e, "cannot listen on %s", addr);
	}
	return fd;
}

http_server *http_server_new(sbx_loop *loop, http_handler handler, void *ud)
{
	http_server *s = xcalloc(1, sizeof *s);
	s->loop = loop;
	TAILQ_INIT(&s->conns);
	s->handler = handler;
	s->ud = ud;
	s->idle_timeout_s = HTTP_IDLE_TIMEOUT_S;
	s->max_conns = MAX_CONNS_CAP;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < s->max_conns)
		s->max_conns = (unsigned)(rl.rlim_cur / 2);   /* the rest for files, pipes, sandboxes */
	if (s->max_conns < MIN_CONNS)
		s->max_conns = MIN_CONNS;
	return s;
}

void http_server_set_limits(http_server *s, unsigned idle_timeout_s, unsigned max_conns)
{
	s->idle_timeout_s = idle_timeout_s;
	s->max_conns = max_conns < MIN_CONNS ? MIN_CONNS : max_conns;
}

int http_server_listen(http_server *s, const char *addr, sbx_err *e)
{
	if (s->ndaemons == MAX_DAEMONS)
		return sbx_error(e, "too many listen addresses (at most %d)", MAX_DAEMONS);
	int port = 0;
	char *unix_path = NULL;
	int fd = open_listener(addr, &port, &unix_path, e);
	if (fd < 0)
		return -1;
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		on_request, s,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_CONNECTION_TIMEOUT, s->idle_timeout_s,
		MHD_OPTION_CONNECTION_LIMIT, s->max_conns,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_END);
	if (!d) {
		close(fd);
		free(unix_path);
		return sbx_error(e, "cannot start the HTTP server on %s", addr);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	int i = s->ndaemons++;
	s->daemons[i] = d;
	s->epfds[i] = info->epoll_fd;
	s->unix_paths[i] = unix_path;
	if (port)
		s->port = port;
	loop_add_fd(s->loop, info->epoll_fd, LOOP_READ, on_epoll, s);
	if (i == 0)
		loop_add_prepare(s->loop, on_prepare, s);
	return 0;
}

int http_server_port(http_server *s)
{
	return s->port;
}

void http_server_free(http_server *s)
{
	if (!s)
		return;
	while (s->upgraded) {
		struct http_upgraded *u = s->upgraded;
		if (u->abort)
			u->abort(u->ud);
		http_upgraded_close(u);
	}
	/* MHD must not be stopped with suspended connections. */
	for (http_req *r = s->reqs; r; r = r->next) {
		if (r->waiting || r->reader_waiting) {
			r->waiting = r->reader_waiting = 0;
			MHD_resume_connection(r->conn);
		}
	}
	for (int i = 0; i < s->ndaemons; i++) {
		loop_del_fd(s->loop, s->epfds[i]);
		MHD_stop_daemon(s->daemons[i]);
		if (s->unix_paths[i]) {
			unlink(s->unix_paths[i]);
			free(s->unix_paths[i]);
		}
	}
	if (s->ndaemons)
		loop_del_prepare(s->loop, on_prepare, s);
	if (s->kick)
		loop_del_timer(s->loop, s->kick);
	free(s);
}

/* --- request accessors ----------------------------------------------------- */

const char *http_req_method(http_req *r) { return r->method; }
const char *http_req_path(http_req *r) { return r->path; }

const char *http_req_query(http_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_req_header(http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct kv_ctx {
	http_kv_cb cb;
	void *ud;
};

static enum MHD_Result kv_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct kv_ctx *k = cls;
	k->cb(key, value ? value : "", k->ud);
	return MHD_YES;
}

void http_req_foreach_header(http_req *r, http_kv_cb cb, void *ud)
{
	struct kv_ctx k = { cb, ud };
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, kv_iter, &k);
}

void http_req_foreach_query(http_req *r, http_kv_cb cb, void *ud)
{
	struct kv_ctx k = { cb, ud };
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, kv_iter, &k);
}

void http_req_read_body(http_req *r, size_t limit, http_body_cb cb, void *ud)
{
	r->body_mode = BODY_WHOLE;
	r->limit = limit;
	r->body_cb = cb;
	r->body_ud = ud;
}

void http_req_stream_body(http_req *r, http_chunk_cb chunk, http_end_cb end, void *ud)
{
	r->body_mode = BODY_STREAM;
	r->chunk_cb = chunk;
	r->end_cb = end;
	r->body_ud = ud;
}

void http_req_pause_body(http_req *r, int paused)
{
	r->body_paused = paused;
	if (!paused && !r->resp)
		wake(r);
}

void http_req_on_close(http_req *r, http_close_cb cb, void *ud)
{
	r->close_cb = cb;
	r->close_ud = ud;
}

/* --- responses ------------------------------------------------------------- */

void http_req_add_header(http_req *r, const char *name, const char *value)
{
	r->hdrs = xrealloc(r->hdrs, (r->nhdrs + 1) * sizeof *r->hdrs);
	r->hdrs[r->nhdrs].name = xstrdup(name);
	r->hdrs[r->nhdrs].value = xstrdup(value);
	r->nhdrs++;
}

static void set_response(http_req *r, int status, const char *ctype, struct MHD_Response *resp)
{
	if (r->resp || r->queued) {
		log_warn("http: second response to %s %s ignored", r->method, r->path);
		MHD_destroy_response(resp);
		return;
	}
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	for (size_t i = 0; i < r->nhdrs; i++)
		MHD_add_response_header(resp, r->hdrs[i].name, r->hdrs[i].value);
	r->resp = resp;
	r->status = (unsigned)status;
	/* An unread body is of no use once we have answered, and a client
	 * still sending it holds its connection for nothing (MHD answers only
	 * once the body is in): the connection may go to make room. */
	if (!r->body_done && r->body_mode != BODY_IGNORE) {
		if (r->body_mode == BODY_WHOLE)
			buf_free(&r->body);
		r->body_mode = BODY_DISCARD;
		if (r->hc)
			r->hc->busy = 0;
	}
	wake(r);
}

void http_respond(http_req *r, int status, const char *ctype, const void *body, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	set_response(r, status, ctype, resp);
}

void http_respond_str(http_req *r, int status, const char *ctype, const char *body)
{
	if (!body) {   /* a caller's bug (a JSON that failed to encode): answer, never crash */
		log_warn("http: no body for the %d answer to %s %s", status, r->method, r->path);
		status = 500;
		ctype = "application/json";
		body = "{\"code\":500,\"message\":\"the server failed to encode its answer\"}";
	}
	http_respond(r, status, ctype, body, strlen(body));
}

void http_respond_fd(http_req *r, int status, const char *ctype, int fd, uint64_t size)
{
	struct MHD_Response *resp;
	if (size == 0) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_fd64(size, fd);
	}
	set_response(r, status, ctype, resp);
}

static void stream_wake(http_req *r);

/* While the body is due (see the top of this file): the peer has finished
 * sending.  While suspended: MHD does not notice a client that leaves, and a
 * streaming producer (a running cell) should hear of it at once, not at its
 * next write. */
static void on_peer(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)events;
	http_req *r = ud;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (!r->body_done) {
		if (n > 0)
			return;   /* bytes MHD has yet to read: they may complete the body */
		unwatch_peer(r);
		log_debug("http: client left during the body of %s %s", r->method, r->path);
		shutdown(fd, SHUT_RDWR);   /* a hang-up, which MHD cannot miss */
		return;
	}
	unwatch_peer(r);   /* EOF, error, or pipelined bytes: stop watching either way */
	if (n <= 0) {
		r->peer_gone = 1;
		if (r->waiting)
			wake(r);
		else
			stream_wake(r);
	}
}

/* mask: LOOP_RDHUP while the body is due, LOOP_READ while suspended. */
static void watch_peer(http_req *r, int mask)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci || r->peer_fd >= 0)
		return;
	r->peer_fd = ci->connect_fd;
	loop_add_fd(r->srv->loop, r->peer_fd, mask, on_peer, r);
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	http_req *r = cls;
	size_t queued = r->out.len - r->out_off;
	if (queued) {
		size_t n = queued < max ? queued : max;
		memcpy(buf, r->out.data + r->out_off, n);
		/* move the queue down only once the sent part is the larger one:
		 * never a memmove of the whole backlog per block */
		r->out_off += n;
		if (r->out_off == r->out.len) {
			buf_reset(&r->out);
			r->out_off = 0;
		} else if (r->out_off >= r->out.len - r->out_off) {
			buf_consume(&r->out, r->out_off);
			r->out_off = 0;
		}
		if (r->low_cb && queued - n <= r->low) {
			http_low_cb cb = r->low_cb;
			r->low_cb = NULL;
			cb(r, r->low_ud);   /* may write: the queue is consistent */
		}
		return (ssize_t)n;
	}
	if (r->out_aborted)
		return MHD_CONTENT_READER_END_WITH_ERROR;   /* MHD closes without the last chunk */
	if (r->out_ended)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (r->peer_gone)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	r->reader_waiting = 1;
	MHD_suspend_connection(r->conn);
	watch_peer(r, LOOP_READ);
	return 0;
}

void http_stream_begin(http_req *r, int status, const char *ctype)
{
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_reader, r, NULL);
	r->streaming = 1;
	set_response(r, status, ctype, resp);
}

static void stream_wake(http_req *r)
{
	unwatch_suspended(r);
	if (r->reader_waiting) {
		r->reader_waiting = 0;
		MHD_resume_connection(r->conn);
		kick(r->srv);
	}
}

void http_stream_write(http_req *r, const void *data, size_t len)
{
	if (!r->streaming || r->out_ended || !len)
		return;
	buf_append(&r->out, data, len);
	stream_wake(r);
}

void http_stream_end(http_req *r)
{
	if (!r->streaming || r->out_ended)
		return;
	r->out_ended = 1;
	stream_wake(r);
}

void http_stream_abort(http_req *r)
{
	if (!r->streaming || r->out_ended)
		return;
	r->out_ended = r->out_aborted = 1;
	stream_wake(r);
}

size_t http_stream_pending(http_req *r)
{
	return r->out.len - r->out_off;
}

void http_stream_notify_low(http_req *r, size_t low, http_low_cb cb, void *ud)
{
	r->low = low;
	r->low_cb = cb;
	r->low_ud = ud;
}

int http_req_local_port(http_req *r)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (!r->hc || r->hc->fd < 0 || getsockname(r->hc->fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* --- upgrade ---------------------------------------------------------------- */

static void upgraded_unlink(struct http_upgraded *u)
{
	if (u->prev)
		u->prev->next = u->next;
	else if (u->srv->upgraded == u)
		u->srv->upgraded = u->next;
	if (u->next)
		u->next->prev = u->prev;
	u->prev = u->next = NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *c, void *con_cls, const char *extra, size_t len,
		       MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	(void)c;
	struct http_upgraded *u = cls;
	http_server *s = u->srv;
	http_req *r = con_cls;
	u->urh = urh;
	if (r) {
		/* The request is over for its owner now; MHD ends it only once
		 * the raw connection is closed. */
		r->upgrade = NULL;
		unwatch_peer(r);
		http_close_cb ccb = r->close_cb;
		r->close_cb = NULL;
		if (ccb)
			ccb(r, 1, r->close_ud);
	}
	u->next = s->upgraded;
	if (s->upgraded)
		s->upgraded->prev = u;
	s->upgraded = u;
	fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
	u->cb(u, sock, extra, len, u->ud);
}

void http_respond_upgrade(http_req *r, const char *proto, http_upgrade_cb cb, void (*abort)(void *ud), void *ud)
{
	struct http_upgraded *u = xcalloc(1, sizeof *u);
	u->srv = r->srv;
	u->cb = cb;
	u->abort = abort;
	u->ud = ud;
	struct MHD_Response *resp = MHD_create_response_for_upgrade(on_upgrade, u);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, proto);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "Upgrade");
	set_response(r, 101, NULL, resp);
	/* The 101 may never go out (the client left): the handle then is
	 * freed with nothing to close.  MHD says so only by not calling
	 * on_upgrade, so the request's end frees an unused handle. */
	r->upgrade = u;
}

void http_upgraded_close(http_upgraded *u)
{
	upgraded_unlink(u);
	if (u->urh)
		MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
	free(u);
}
