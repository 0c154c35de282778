#include "relay.h"
#include "../util/log.h"
#include "../util/url.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OUT_HIGH (256 * 1024)   /* pause the upstream above this much unsent */
#define OUT_LOW (64 * 1024)     /* ... and go on at this or below */
#define UP_HIGH (1024 * 1024)   /* stop reading the client's body above this much unsent */
#define UP_LOW (256 * 1024)     /* ... and go on at this or below */

struct http_relay {
	http_client *cl;
	http_relay_cbs cbs;
	http_req *req;           /* NULL once the client is gone */
	http_call *call;         /* NULL before the start and after on_done */
	sbx_buf early;           /* body that arrived before the call started */
	int body_done;           /* the client's body is complete */
	int body_paused;         /* the upstream takes the body slower than it comes */
	int has_body;            /* upstream gets a (chunked) body */
	/* the upstream answer, saved at its headers (the call may end first) */
	int status;
	int empty;               /* no body: answer it whole */
	char *ctype;
	char **hdrs;             /* name, value, name, value, ... (2 * nhdrs) */
	size_t nhdrs;
	sbx_buf held;            /* body that came before we could begin */
	int upstream_done;
	char upstream_err[256];
	int begun;               /* our answer is set (streamed or whole) */
	int hold;                /* upstream paused until we can begin */
	int backlog;             /* upstream paused: the client reads slowly */
	int cancelling;
};

static const char *const hop_by_hop[] = {
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	"TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Expect", "Date", NULL,
};

int http_relay_is_hop(const char *name)
{
	for (const char *const *h = hop_by_hop; *h; h++)
		if (!strcasecmp(name, *h))
			return 1;
	return 0;
}

void http_relay_encode(sbx_buf *out, const char *s, int is_path)
{
	url_encode(out, s, is_path ? "/:@!$'()*,;" : NULL);
}

static void relay_free(http_relay *p)
{
	buf_free(&p->early);
	buf_free(&p->held);
	for (size_t i = 0; i < p->nhdrs * 2; i++)
		free(p->hdrs[i]);
	free(p->hdrs);
	free(p->ctype);
	free(p);
}

/* No answer from upstream (or none to ask): the owner says why, once the body is in. */
static void answer_down(http_relay *p)
{
	p->begun = 1;
	p->cbs.on_fail(p->req, p->upstream_err[0] ? p->upstream_err : "no answer", p->cbs.ud);
}

/* --- the answer ---------------------------------------------------------------- */

static void apply_pause(http_relay *p)
{
	if (p->call)
		http_call_pause_recv(p->call, p->hold || p->backlog);   /* unpausing may deliver data at once */
}

/* The client took enough of the answer: let the upstream go on. */
static void out_low(http_req *r, void *ud)
{
	(void)r;
	http_relay *p = ud;
	p->backlog = 0;
	apply_pause(p);
}

static void write_out(http_relay *p, const char *data, size_t len)
{
	http_stream_write(p->req, data, len);
	if (!p->backlog && p->call && http_stream_pending(p->req) > OUT_HIGH) {
		p->backlog = 1;
		apply_pause(p);
		http_stream_notify_low(p->req, OUT_LOW, out_low, p);
	}
}

/* The request body: stop taking it from the client while the upstream lags
 * (we never hold more than about UP_HIGH of it), go on once it caught up. */
static void pause_body(http_relay *p, int paused)
{
	if (p->body_paused == paused || !p->req || p->body_done)
		return;
	p->body_paused = paused;
	http_req_pause_body(p->req, paused);
}

static void up_send_low(http_call *c, void *ud)
{
	(void)c;
	pause_body(ud, 0);
}

static void add_saved_headers(http_relay *p)
{
	for (size_t i = 0; i < p->nhdrs; i++)
		http_req_add_header(p->req, p->hdrs[2 * i], p->hdrs[2 * i + 1]);
}

/* Our answer can begin once the upstream's headers came and the client's
 * body is complete: answering earlier would make the server drop the rest
 * of the body, which the upstream may still be reading. */
static void maybe_begin(http_relay *p)
{
	if (p->begun || !p->req || !p->status || !p->body_done)
		return;
	if (p->empty && !p->upstream_done) {
		p->hold = 0;   /* let the call finish; answer then */
		apply_pause(p);
		return;
	}
	p->begun = 1;
	add_saved_headers(p);
	if (p->upstream_done) {
		http_respond(p->req, p->status, p->ctype, p->held.data, p->empty ? 0 : p->held.len);
		buf_free(&p->held);
		return;
	}
	http_stream_begin(p->req, p->status, p->ctype);
	if (p->held.len) {
		write_out(p, p->held.data, p->held.len);
		buf_free(&p->held);
	}
	p->hold = 0;
	apply_pause(p);
}

static void save_header(const char *k, const char *v, void *ud)
{
	http_relay *p = ud;
	if (!strcasecmp(k, "Content-Type")) {
		free(p->ctype);
		p->ctype = xstrdup(v);
	} else if (!http_relay_is_hop(k)) {
		p->hdrs = xrealloc(p->hdrs, (p->nhdrs + 1) * 2 * sizeof *p->hdrs);
		p->hdrs[2 * p->nhdrs] = xstrdup(k);
		p->hdrs[2 * p->nhdrs + 1] = xstrdup(v);
		p->nhdrs++;
	}
}

static void up_headers(http_call *c, int status, void *ud)
{
	http_relay *p = ud;
	const char *cl = http_call_header(c, "Content-Length");
	p->status = status;
	p->empty = status == 204 || status == 304 || (cl && !strcmp(cl, "0")) ||
		   (p->req && !strcmp(http_req_method(p->req), "HEAD"));
	http_call_foreach_header(c, save_header, p);
	if (!p->body_done) {
		p->hold = 1;
		apply_pause(p);
	}
	maybe_begin(p);
}

static void up_data(http_call *c, const char *data, size_t len, void *ud)
{
	(void)c;
	http_relay *p = ud;
	if (p->begun && p->req)
		write_out(p, data, len);
	else
		buf_append(&p->held, data, len);
}

static void up_done(http_call *c, int ok, const char *err, void *ud)
{
	(void)c;
	http_relay *p = ud;
	if (p->cancelling)
		return;
	p->call = NULL;
	p->upstream_done = 1;
	pause_body(p, 0);   /* the rest of the body is dropped as it comes */
	if (!ok)
		snprintf(p->upstream_err, sizeof p->upstream_err, "%s", err ? err : "no answer");
	if (!p->req) {
		relay_free(p);
		return;
	}
	if (p->begun) {
		/* An upstream cut short (the sandbox was killed or died) cuts the
		 * client's answer short too: a clean end would read as a complete
		 * answer (an empty Execution, "missing EndStream"), while a dropped
		 * connection makes the SDKs ask /health, hear 502 and say the
		 * sandbox was killed. */
		if (ok)
			http_stream_end(p->req);
		else
			http_stream_abort(p->req);
		return;
	}
	if (!ok && !p->status) {
		log_info("relay: %s %s: %s", http_req_method(p->req), http_req_path(p->req), p->upstream_err);
		if (p->body_done)
			answer_down(p);
		return;   /* else req_body_end answers */
	}
	maybe_begin(p);
}

/* --- the request ---------------------------------------------------------------- */

static int req_chunk(http_req *r, const char *data, size_t len, void *ud)
{
	(void)r;
	http_relay *p = ud;
	if (p->call)
		http_call_write(p->call, data, len);
	else if (!p->upstream_done)
		buf_append(&p->early, data, len);
	if ((p->call ? http_call_pending(p->call) : p->early.len) > UP_HIGH)
		pause_body(p, 1);
	return 0;
}

static void req_body_end(http_req *r, void *ud)
{
	(void)r;
	http_relay *p = ud;
	p->body_done = 1;
	if (p->call && p->has_body)
		http_call_end_body(p->call);
	if (p->upstream_done && !p->status && !p->begun) {
		answer_down(p);
		return;
	}
	maybe_begin(p);
}

static void req_close(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	http_relay *p = ud;
	p->req = NULL;
	if (p->cbs.on_gone)
		p->cbs.on_gone(p->cbs.ud);
	if (p->call) {
		p->cancelling = 1;
		http_call_cancel(p->call);   /* the upstream sees the connection close */
		p->call = NULL;
	}
	relay_free(p);
}

http_relay *http_relay_new(http_req *r, http_client *cl, const http_relay_cbs *cbs)
{
	http_relay *p = xcalloc(1, sizeof *p);
	p->cl = cl;
	p->cbs = *cbs;
	p->req = r;
	http_req_on_close(r, req_close, p);
	http_req_stream_body(r, req_chunk, req_body_end, p);
	return p;
}

http_req *http_relay_req(http_relay *p)
{
	return p->req;
}

void http_relay_fail(http_relay *p, const char *err)
{
	p->upstream_done = 1;
	buf_free(&p->early);
	pause_body(p, 0);   /* the rest of the body is dropped as it comes */
	snprintf(p->upstream_err, sizeof p->upstream_err, "%s", err);
	if (p->body_done)
		answer_down(p);
	/* else req_body_end answers */
}

struct hdr_list {
	char **v;
	size_t n;
	int keep_host;
	const char *const *drop;
};

static void hdr_add(struct hdr_list *h, char *line)
{
	h->v = xrealloc(h->v, (h->n + 2) * sizeof *h->v);
	h->v[h->n++] = line;
	h->v[h->n] = NULL;
}

static void collect_req_header(const char *k, const char *v, void *ud)
{
	struct hdr_list *h = ud;
	for (const char *const *x = h->drop; x && *x; x++)
		if (!strcasecmp(k, *x))
			return;
	if (h->keep_host && !strcasecmp(k, "Host"))
		hdr_add(h, xasprintf("Host: %s", v));
	else if (!http_relay_is_hop(k))
		hdr_add(h, xasprintf("%s: %s", k, v));
}

static void collect_query(const char *k, const char *v, void *ud)
{
	sbx_buf *b = ud;
	buf_putc(b, b->data && strchr(b->data, '?') ? '&' : '?');
	http_relay_encode(b, k, 0);
	buf_putc(b, '=');
	http_relay_encode(b, v, 0);
}

void http_relay_append_target(sbx_buf *out, http_req *r, const char *path)
{
	http_relay_encode(out, path, 1);
	http_req_foreach_query(r, collect_query, out);
}

void http_relay_start(http_relay *p, const http_relay_up *up)
{
	http_req *r = p->req;
	const char *m = http_req_method(r);
	struct hdr_list h = { xcalloc(1, sizeof(char *)), 0, up->keep_host, up->drop };
	http_req_foreach_header(r, collect_req_header, &h);
	for (const char *const *x = up->headers; x && *x; x++)
		hdr_add(&h, xstrdup(*x));
	const char *cl = http_req_header(r, "Content-Length");
	p->has_body = http_req_header(r, "Transfer-Encoding") || (cl && strcmp(cl, "0")) ||
		      !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
	/* A length the client gave is kept: many servers read no chunked body. */
	long long size = cl && !http_req_header(r, "Transfer-Encoding") ? strtoll(cl, NULL, 10) : 0;
	http_call_opts o = {
		.method = m, .url = up->url, .unix_socket = up->unix_socket,
		.headers = (const char *const *)h.v, .stream_body = p->has_body, .stream_size = size,
		.connect_timeout_ms = up->connect_timeout_ms,
		.send_low = UP_LOW, .on_send_low = up_send_low,
		.on_headers = up_headers, .on_data = up_data, .on_done = up_done, .ud = p,
	};
	p->call = http_call_start(p->cl, &o);
	for (size_t i = 0; i < h.n; i++)
		free(h.v[i]);
	free(h.v);
	if (p->has_body) {
		if (p->early.len)
			http_call_write(p->call, p->early.data, p->early.len);
		buf_free(&p->early);
		if (p->body_done)
			http_call_end_body(p->call);
	}
}
