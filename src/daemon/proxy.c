#include "proxy.h"
#include "api.h"
#include "liveness.h"
#include "sandbox.h"
#include "tunnel.h"
#include "../http/relay.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

typedef struct proxy {
	sbxd *d;
	http_relay *relay;
	char id[SBXD_ID_MAX + 1];
	int port;                /* 0: the agent's own API */
	sbox *waiting;           /* queued on sbox_when_ready */
} proxy;

/* Not-running answer the SDK understands (502 → "sandbox not running");
 * an unknown sandbox in E2B's own words. */
void proxy_not_running(http_req *r, const char *id, const char *why)
{
	char msg[1024];
	if (why)
		snprintf(msg, sizeof msg, "The sandbox %s was not found or is not running: %s", id, why);
	else
		snprintf(msg, sizeof msg, "The sandbox was not found");
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

/* No answer from the agent (or none to ask): why.  No agent: did it die?
 * Then say so, not "cannot connect". */
static void on_fail(http_req *r, const char *err, void *ud)
{
	proxy *p = ud;
	sbox *sb = sbox_find(p->d, p->id);
	log_info("sbxd: proxy %s %s → %s: %s", http_req_method(r), http_req_path(r), p->id, err);
	if (sb)
		liveness_check(sb);
	sb = sbox_find(p->d, p->id);
	if (sb && sb->rec.state == SB_DEAD)
		dead_answer(r, sb);
	else
		proxy_not_running(r, p->id, err);
}

static void sandbox_ready(sbox *sb, int ok, const char *err, void *ud);

static void on_gone(void *ud)
{
	proxy *p = ud;
	if (p->waiting)
		sbox_unwait(p->waiting, sandbox_ready, p);
	free(p);
}

static void sandbox_ready(sbox *sb, int ok, const char *err, void *ud)
{
	proxy *p = ud;
	p->waiting = NULL;
	if (!ok) {
		http_relay_fail(p->relay, err);
		return;
	}
	http_req *r = http_relay_req(p->relay);
	sbx_buf url = SBX_BUF_INIT;
	buf_puts(&url, sb->agent_base);
	char *tok = NULL, *sid = NULL;
	const char *hdrs[3] = { NULL, NULL, NULL };
	/* The client's tokens stay here: the agent gets the sandbox's own, and
	 * drops it before the server in the sandbox sees the request.  The
	 * sandbox id (for the agent's errors) is ours too, whichever route. */
	static const char *const drop[] = { "X-Access-Token", "E2B-Traffic-Access-Token", "E2b-Sandbox-Id",
					    "E2b-Sandbox-Port", NULL };
	if (p->port) {
		buf_printf(&url, "/sbx/port/%d", p->port);
		tok = xasprintf("X-Access-Token: %s", sb->rec.token);
		sid = xasprintf("E2b-Sandbox-Id: %s", sb->rec.id);
		hdrs[0] = tok;
		hdrs[1] = sid;
	}
	http_relay_append_target(&url, r, http_req_path(r));
	http_relay_up up = {
		.url = url.data, .unix_socket = sb->agent_sock, .headers = hdrs, .keep_host = p->port != 0,
		.drop = p->port ? drop : NULL, .connect_timeout_ms = 5000,
	};
	http_relay_start(p->relay, &up);
	free(tok);
	free(sid);
	buf_free(&url);
}

static int token_eq(const char *got, const char *want)
{
	size_t n = strlen(want);
	return got && strlen(got) == n && CRYPTO_memcmp(got, want, n) == 0;
}

sbox *proxy_admit(sbxd *d, http_req *r, const char *id, int port)
{
	sbox *sb = record_id_valid(id) ? sbox_find(d, id) : NULL;
	sbx_err e;
	if (!sb || sb->rec.pooled) {
		proxy_not_running(r, id, NULL);
		return NULL;
	}
	if (sb->rec.state == SB_DEAD) {
		dead_answer(r, sb);
		return NULL;
	}
	if (port && !sb->rec.public_traffic &&
	    !token_eq(http_req_header(r, "E2B-Traffic-Access-Token"), sb->rec.token)) {
		api_error(r, 403, "sandbox %s does not allow public traffic: send its traffic access token "
			  "(Sandbox.trafficAccessToken) in the e2b-traffic-access-token header", id);
		return NULL;
	}
	if (sb->pausing) {
		api_error(r, 409, "sandbox %s is being paused; resume it once that is done (Sandbox.connect() or "
			  "`sbx resume %s`)", id, id);
		return NULL;
	}
	if (sb->rec.state == SB_PAUSED && !sb->resuming) {
		if (!sb->rec.auto_resume) {
			proxy_not_running(r, id, "it is paused; resume it with Sandbox.connect() or `sbx resume`");
			return NULL;
		}
		if (sbox_resume(sb, sb->rec.timeout_s, &e) < 0) {
			proxy_not_running(r, id, e.msg);
			return NULL;
		}
		sbox_log(sb, "resumed by traffic (autoResume)");
	}
	return sb;
}

static void route(sbxd *d, http_req *r, const char *id, int port)
{
	sbox *sb = proxy_admit(d, r, id, port);
	if (!sb)
		return;
	if (port && tunnel_is_upgrade(r)) {
		tunnel_upgrade(d, r, sb, port);   /* a WebSocket: raw bytes after the server's 101 */
		return;
	}
	proxy *p = xcalloc(1, sizeof *p);
	p->d = d;
	p->port = port;
	snprintf(p->id, sizeof p->id, "%s", id);
	http_relay_cbs cbs = { .on_fail = on_fail, .on_gone = on_gone, .ud = p };
	p->relay = http_relay_new(r, d->cl, &cbs);
	p->waiting = sb;
	sbox_when_ready(sb, sandbox_ready, p);
}

void proxy_handle(sbxd *d, http_req *r, const char *id)
{
	route(d, r, id, 0);
}

void proxy_port(sbxd *d, http_req *r, const char *id, int port)
{
	route(d, r, id, port);
}
