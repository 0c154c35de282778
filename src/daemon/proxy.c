#include "proxy.h"
#include "api.h"
#include "liveness.h"
#include "sandbox.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/url.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OUT_HIGH (256 * 1024)   /* pause the agent above this much unsent */
#define OUT_LOW (64 * 1024)     /* ... and go on at this or below */
#define UP_HIGH (1024 * 1024)   /* stop reading the client's body above this much unsent */
#define UP_LOW (256 * 1024)     /* ... and go on at this or below */

typedef struct proxy {
	sbxd *d;
	http_req *req;           /* NULL once the client is gone */
	http_call *call;         /* NULL before the start and after on_done */
	char id[SBXD_ID_MAX + 1];
	sbox *waiting;           /* queued on sbox_when_ready */
	sbx_buf early;           /* body that arrived before the call started */
	int body_done;           /* the client's body is complete */
	int body_paused;         /* the agent takes the body slower than it comes */
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
} proxy;

static const char *const hop_by_hop[] = {
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	"TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Expect", "Date", NULL,
};

static int is_hop(const char *name)
{
	for (const char *const *h = hop_by_hop; *h; h++)
		if (!strcasecmp(name, *h))
			return 1;
	return 0;
}

static void proxy_free(proxy *p)
{
	buf_free(&p->early);
	buf_free(&p->held);
	for (size_t i = 0; i < p->nhdrs * 2; i++)
		free(p->hdrs[i]);
	free(p->hdrs);
	free(p->ctype);
	free(p);
}

/* Not-running answer the SDK understands (502 → "sandbox not running"). */
static void not_running(http_req *r, const char *id, const char *why)
{
	char msg[1024];
	snprintf(msg, sizeof msg, "The sandbox %s was not found or is not running%s%s", id, why ? ": " : "",
		 why ? why : "");
	api_json(r, 502, json_pack("{s:i,s:o,s:o}", "code", 502, "message", json_text(msg), "sandboxId",
				   json_text(id)));
}

/* A dead sandbox (liveness.h): 502, which the SDK reads as not running,
 * saying it died and what to do. */
static void dead_answer(http_req *r, sbox *sb)
{
	char msg[1024];
	sbox_dead_msg(sb, msg, sizeof msg);
	api_json(r, 502, json_pack("{s:i,s:o,s:o}", "code", 502, "message", json_text(msg), "sandboxId",
				   json_text(sb->rec.id)));
}

/* No answer from the agent (or none to ask): why, once the body is in. */
static void answer_down(proxy *p)
{
	sbox *sb = sbox_find(p->d, p->id);
	p->begun = 1;
	if (sb && sb->rec.state == SB_DEAD)
		dead_answer(p->req, sb);
	else
		not_running(p->req, p->id, p->upstream_err);
}

void proxy_encode(sbx_buf *out, const char *s, int is_path)
{
	url_encode(out, s, is_path ? "/:@!$'()*,;" : NULL);
}

/* --- the answer ---------------------------------------------------------------- */

static void apply_pause(proxy *p)
{
	if (p->call)
		http_call_pause_recv(p->call, p->hold || p->backlog);   /* unpausing may deliver data at once */
}

/* The client took enough of the answer: let the agent's side go on. */
static void out_low(http_req *r, void *ud)
{
	(void)r;
	proxy *p = ud;
	p->backlog = 0;
	apply_pause(p);
}

static void write_out(proxy *p, const char *data, size_t len)
{
	http_stream_write(p->req, data, len);
	if (!p->backlog && p->call && http_stream_pending(p->req) > OUT_HIGH) {
		p->backlog = 1;
		apply_pause(p);
		http_stream_notify_low(p->req, OUT_LOW, out_low, p);
	}
}

/* The request body: stop taking it from the client while the agent lags
 * (sbxd never holds more than about UP_HIGH of it), go on once it caught up. */
static void pause_body(proxy *p, int paused)
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

static void add_saved_headers(proxy *p)
{
	for (size_t i = 0; i < p->nhdrs; i++)
		http_req_add_header(p->req, p->hdrs[2 * i], p->hdrs[2 * i + 1]);
}

/* Our answer can begin once the upstream's headers came and the client's
 * body is complete: answering earlier would make the server drop the rest
 * of the body, which the agent may still be reading. */
static void maybe_begin(proxy *p)
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
	proxy *p = ud;
	if (!strcasecmp(k, "Content-Type")) {
		free(p->ctype);
		p->ctype = xstrdup(v);
	} else if (!is_hop(k)) {
		p->hdrs = xrealloc(p->hdrs, (p->nhdrs + 1) * 2 * sizeof *p->hdrs);
		p->hdrs[2 * p->nhdrs] = xstrdup(k);
		p->hdrs[2 * p->nhdrs + 1] = xstrdup(v);
		p->nhdrs++;
	}
}

static void up_headers(http_call *c, int status, void *ud)
{
	proxy *p = ud;
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
	proxy *p = ud;
	if (p->begun && p->req)
		write_out(p, data, len);
	else
		buf_append(&p->held, data, len);
}

static void up_done(http_call *c, int ok, const char *err, void *ud)
{
	(void)c;
	proxy *p = ud;
	if (p->cancelling)
		return;
	p->call = NULL;
	p->upstream_done = 1;
	pause_body(p, 0);   /* the rest of the body is dropped as it comes */
	if (!ok)
		snprintf(p->upstream_err, sizeof p->upstream_err, "%s", err ? err : "no answer");
	if (!p->req) {
		proxy_free(p);
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
		log_info("sbxd: proxy %s %s → %s: %s", http_req_method(p->req), http_req_path(p->req), p->id,
			 p->upstream_err);
		sbox *sb = sbox_find(p->d, p->id);
		if (sb)
			liveness_check(sb);   /* no agent: did it die? then say so, not "cannot connect" */
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
	proxy *p = ud;
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
	proxy *p = ud;
	p->body_done = 1;
	if (p->call && p->has_body)
		http_call_end_body(p->call);
	if (p->upstream_done && !p->status && !p->begun) {
		answer_down(p);
		return;
	}
	maybe_begin(p);
}

static void sandbox_ready(sbox *sb, int ok, const char *err, void *ud);

static void req_close(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	proxy *p = ud;
	p->req = NULL;
	if (p->waiting)
		sbox_unwait(p->waiting, sandbox_ready, p);
	if (p->call) {
		p->cancelling = 1;
		http_call_cancel(p->call);   /* the agent sees the connection close */
		p->call = NULL;
	}
	proxy_free(p);
}

struct hdr_list {
	char **v;
	size_t n;
};

static void collect_req_header(const char *k, const char *v, void *ud)
{
	struct hdr_list *h = ud;
	if (is_hop(k))
		return;
	h->v = xrealloc(h->v, (h->n + 2) * sizeof *h->v);
	h->v[h->n++] = xasprintf("%s: %s", k, v);
	h->v[h->n] = NULL;
}

static void collect_query(const char *k, const char *v, void *ud)
{
	sbx_buf *b = ud;
	buf_putc(b, b->data && strchr(b->data, '?') ? '&' : '?');
	proxy_encode(b, k, 0);
	buf_putc(b, '=');
	proxy_encode(b, v, 0);
}

static void start_upstream(proxy *p, sbox *sb)
{
	http_req *r = p->req;
	const char *m = http_req_method(r);
	sbx_buf url = SBX_BUF_INIT;
	buf_puts(&url, sb->agent_base);
	proxy_encode(&url, http_req_path(r), 1);
	http_req_foreach_query(r, collect_query, &url);
	struct hdr_list h = { xcalloc(1, sizeof(char *)), 0 };
	http_req_foreach_header(r, collect_req_header, &h);
	const char *cl = http_req_header(r, "Content-Length");
	p->has_body = http_req_header(r, "Transfer-Encoding") || (cl && strcmp(cl, "0")) ||
		      !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
	http_call_opts o = {
		.method = m, .url = url.data, .unix_socket = sb->agent_sock,
		.headers = (const char *const *)h.v, .stream_body = p->has_body, .connect_timeout_ms = 5000,
		.send_low = UP_LOW, .on_send_low = up_send_low,
		.on_headers = up_headers, .on_data = up_data, .on_done = up_done, .ud = p,
	};
	p->call = http_call_start(p->d->cl, &o);
	for (size_t i = 0; i < h.n; i++)
		free(h.v[i]);
	free(h.v);
	buf_free(&url);
	if (p->has_body) {
		if (p->early.len)
			http_call_write(p->call, p->early.data, p->early.len);
		buf_free(&p->early);
		if (p->body_done)
			http_call_end_body(p->call);
	}
}

static void sandbox_ready(sbox *sb, int ok, const char *err, void *ud)
{
	proxy *p = ud;
	p->waiting = NULL;
	if (!ok) {
		p->upstream_done = 1;
		buf_free(&p->early);
		pause_body(p, 0);   /* the rest of the body is dropped as it comes */
		snprintf(p->upstream_err, sizeof p->upstream_err, "%s", err);
		if (p->body_done)
			answer_down(p);
		return;   /* else req_body_end answers */
	}
	start_upstream(p, sb);
}

void proxy_handle(sbxd *d, http_req *r, const char *id)
{
	sbox *sb = record_id_valid(id) ? sbox_find(d, id) : NULL;
	sbx_err e;
	if (!sb || sb->rec.pooled) {
		not_running(r, id, NULL);
		return;
	}
	if (sb->rec.state == SB_DEAD) {
		dead_answer(r, sb);
		return;
	}
	if (sb->pausing) {
		api_error(r, 409, "sandbox %s is being paused; resume it once that is done (Sandbox.connect() or "
			  "`sbx resume %s`)", id, id);
		return;
	}
	if (sb->rec.state == SB_PAUSED && !sb->resuming) {
		if (!sb->rec.auto_resume) {
			not_running(r, id, "it is paused; resume it with Sandbox.connect() or `sbx resume`");
			return;
		}
		if (sbox_resume(sb, sb->rec.timeout_s, &e) < 0) {
			not_running(r, id, e.msg);
			return;
		}
		sbox_log(sb, "resumed by traffic (autoResume)");
	}
	proxy *p = xcalloc(1, sizeof *p);
	p->d = d;
	p->req = r;
	snprintf(p->id, sizeof p->id, "%s", id);
	http_req_on_close(r, req_close, p);
	http_req_stream_body(r, req_chunk, req_body_end, p);
	p->waiting = sb;
	sbox_when_ready(sb, sandbox_ready, p);
}
