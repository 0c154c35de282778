#include "api.h"
#include "api_templates.h"
#include "api_volumes.h"
#include "config.h"
#include "events.h"
#include "hostroute.h"
#include "proxy.h"
#include "tunnel.h"
#include "sandbox.h"
#include "../proto/file_sig.h"
#include "../util/xalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void api_json(http_req *r, int status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (!s)   /* only a bug gets here: say so rather than crash */
		http_respond_str(r, 500, "application/json", "{\"code\":500,\"message\":\"sbxd could not encode its answer\"}");
	else
		http_respond_str(r, status, "application/json", s);
	free(s);
	json_decref(j);
}

void api_error(http_req *r, int status, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *body = json_error_rest(status, msg);
	http_respond_str(r, status, "application/json", body);
	free(body);
}

void api_not_found(http_req *r, const char *id)
{
	api_error(r, 404, "sandbox \"%s\" not found (it was killed, timed out, or never existed; list them with `sbx ls`)", id);
}

json_t *api_parse_body(http_req *r, const char *body, size_t len)
{
	if (!len)
		return json_object();
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);
	if (!j) {
		api_error(r, 400, "the request body is not valid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		api_error(r, 400, "the request body must be a JSON object");
		json_decref(j);
		return NULL;
	}
	return j;
}

int api_get_int(http_req *r, json_t *j, const char *key, int min, int max, int *out)
{
	json_t *v = json_object_get(j, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		api_error(r, 400, "\"%s\" must be a whole number from %d to %d", key, min, max);
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 1;
}

/* --- request contexts ------------------------------------------------------ */

static void ctx_close(http_req *r, int ok, void *ud)
{
	(void)r;
	api_ctx *c = ud;
	c->r = NULL;
	/* A create whose 201 never reached the client (it went away while the
	 * sandbox started): nobody knows the id, so it must not stay. */
	if (!ok && c->handed_out[0]) {
		sbox *sb = sbox_find(c->d, c->handed_out);
		if (sb && !sb->rec.pooled)
			sbox_kill(sb, "the client that asked for it went away before it got the answer", NULL, NULL);
	}
	if (c->waiting) {
		sbox *sb = c->waiting;
		sbox_unwait(sb, c->wait_cb, c);
		c->waiting = NULL;
		/* Nobody will learn this sandbox's id: do not leave it running. */
		if (c->created)
			sbox_kill(sb, "the client that asked for it went away before it was ready", NULL, NULL);
	}
	if (c->killing)
		sbox_kill_detach(c->killing);
	if (c->create)
		api_create_ctx_free(c->create);
	if (c->net_update)
		api_network_detach(c->net_update);
	free(c);
}

api_ctx *api_ctx_new(sbxd *d, http_req *r, const char *id)
{
	api_ctx *c = xcalloc(1, sizeof *c);
	c->d = d;
	c->r = r;
	if (id)
		snprintf(c->id, sizeof c->id, "%s", id);
	http_req_on_close(r, ctx_close, c);
	return c;
}

void api_wait(api_ctx *c, sbox *sb, sbox_ready_cb cb)
{
	c->waiting = sb;
	c->wait_cb = cb;
	sbox_when_ready(sb, cb, c);
}

void api_wait_over(api_ctx *c)
{
	c->waiting = NULL;
	c->wait_cb = NULL;
}

/* --- routing --------------------------------------------------------------- */

static int key_ok(sbxd *d, http_req *r)
{
	return sbxd_key_matches(d->api_key, http_req_header(r, "X-API-KEY"));
}

static void method_not_allowed(http_req *r, const char *allow)
{
	http_req_add_header(r, "Allow", allow);
	api_error(r, 405, "%s is not allowed on %s; use %s", http_req_method(r), http_req_path(r), allow);
}

static int is(const char *a, const char *b) { return !strcmp(a, b); }

/* path below /sandboxes or /v2/sandboxes: "" | "/{id}" | "/{id}/{verb}" */
static void route_sandboxes(sbxd *d, http_req *r, const char *rest, int v2)
{
	const char *m = http_req_method(r);
	char id[SBXD_ID_MAX + 2], verb[32];
	if (!*rest || is(rest, "/")) {
		if (is(m, "GET"))
			api_list(d, r, v2);
		else if (is(m, "POST"))
			api_create(d, r);
		else
			method_not_allowed(r, "GET, POST");
		return;
	}
	const char *s = rest + 1, *slash = strchr(s, '/');
	size_t idlen = slash ? (size_t)(slash - s) : strlen(s);
	if (idlen == 0 || idlen >= sizeof id) {
		api_error(r, 404, "no such endpoint: %s %s", m, http_req_path(r));
		return;
	}
	memcpy(id, s, idlen);
	id[idlen] = '\0';
	snprintf(verb, sizeof verb, "%s", slash ? slash + 1 : "");
	if (slash && strlen(slash + 1) >= sizeof verb)
		verb[0] = '?';
	if (!record_id_valid(id)) {
		api_not_found(r, id);
		return;
	}
	if (v2) {
		if (is(verb, "connect")) {
			if (is(m, "POST"))
				api_connect(d, r, id, 0);
			else
				method_not_allowed(r, "POST");
		} else {
			api_error(r, 404, "no such endpoint: %s %s", m, http_req_path(r));
		}
		return;
	}
	if (!*verb) {
		if (is(m, "GET"))
			api_get(d, r, id);
		else if (is(m, "DELETE"))
			api_kill(d, r, id);
		else
			method_not_allowed(r, "GET, DELETE");
	} else if (is(verb, "timeout") || is(verb, "refreshes") || is(verb, "pause") || is(verb, "resume") ||
		   is(verb, "connect")) {
		if (!is(m, "POST"))
			method_not_allowed(r, "POST");
		else if (is(verb, "timeout"))
			api_timeout(d, r, id, 0);
		else if (is(verb, "refreshes"))
			api_timeout(d, r, id, 1);
		else if (is(verb, "pause"))
			api_pause(d, r, id);
		else
			api_connect(d, r, id, is(verb, "resume"));
	} else if (is(verb, "network")) {
		if (is(m, "PUT"))
			api_network(d, r, id);
		else
			method_not_allowed(r, "PUT");
	} else if (is(verb, "snapshots") || is(verb, "fork")) {
		if (!is(m, "POST"))
			method_not_allowed(r, "POST");
		else if (is(verb, "fork"))
			api_fork(d, r, id);
		else
			api_snapshot_create(d, r, id);
	} else if (is(verb, "metrics") || is(verb, "logs")) {
		if (!is(m, "GET"))
			method_not_allowed(r, "GET");
		else if (is(verb, "metrics"))
			api_metrics(d, r, id);
		else
			api_logs(d, r, id);
	} else {
		api_error(r, 404, "no such endpoint: %s %s", m, http_req_path(r));
	}
}

static const char *under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path + n;
}

/* A signed /files URL (the SDKs' download_url/upload_url) comes with no
 * E2b-Sandbox-Id header: it is for the sandbox whose access token signed
 * it, expired or not (its agent answers an expired one).  NULL when none did. */
static const char *signed_files_owner(sbxd *d, http_req *r)
{
	time_t now = time(NULL);
	for (sbox *sb = d->boxes; sb; sb = sb->next)
		if (!sb->rec.pooled && file_sig_ok(http_req_method(r), http_req_query(r, "path"),
						   http_req_query(r, "username"), http_req_query(r, "signature"),
						   http_req_query(r, "signature_expiration"), sb->rec.token, now) != FILE_SIG_BAD)
			return sb->rec.id;   /* expired too: its agent says so, as envd does */
	return NULL;
}

void api_handle(http_req *r, void *ud)
{
	sbxd *d = ud;
	const char *path = http_req_path(r), *rest;
	int v2 = 0, templates = 0, volumes = 0, events = 0, snapshots = 0;
	if (tunnel_handle(d, r) || hostroute_handle(d, r))
		return;   /* a sandbox's port (getHost, sbx port) */
	if ((rest = under(path, "/volumecontent"))) {
		api_volume_content(d, r, rest);   /* the volume's token, not the API key */
		return;
	}
	if ((rest = under(path, "/volumes")))
		volumes = 1;
	else if ((rest = under(path, "/v2/sandboxes")))
		v2 = 1;
	else if ((rest = under(path, "/templates")))
		templates = 1;
	else if ((rest = under(path, "/events/sandboxes")))
		events = 1;
	else if ((rest = under(path, "/snapshots")))
		snapshots = 1;
	else
		rest = under(path, "/sandboxes");
	if (rest) {
		if (!key_ok(d, r)) {
			api_error(r, 401, http_req_header(r, "X-API-KEY")
				  ? "invalid API key; use the one `sbx env` prints (E2B_API_KEY)"
				  : "missing API key: send it in the X-API-KEY header (eval \"$(sbx env)\" sets E2B_API_KEY)");
			return;
		}
		if (snapshots && (!*rest || is(rest, "/")) && is(http_req_method(r), "GET"))
			api_snapshot_list(d, r);
		else if (snapshots && (!*rest || is(rest, "/")))
			method_not_allowed(r, "GET");
		else if (snapshots)
			api_error(r, 404, "no such endpoint: %s %s", http_req_method(r), path);
		else if (templates && rest[0] == '/' && rest[1] && is(http_req_method(r), "DELETE"))
			api_snapshot_delete(d, r, rest + 1);   /* E2B's deleteSnapshot */
		else if (templates)
			api_templates(d, r, rest);
		else if (volumes)
			api_volumes(d, r, rest);
		else if (events)
			api_events(d, r, rest);
		else
			route_sandboxes(d, r, rest, v2);
		return;
	}
	const char *sid = http_req_header(r, "E2b-Sandbox-Id");
	if (sid) {
		proxy_handle(d, r, sid);
		return;
	}
	if (is(path, "/files") && http_req_query(r, "signature")) {
		const char *owner = signed_files_owner(d, r);
		if (owner)
			proxy_handle(d, r, owner);
		else
			api_error(r, 401, "this signed /files URL is for no sandbox here: it expired, was altered, or its "
				  "sandbox is gone; get a new one (download_url/upload_url)");
		return;
	}
	if (is(path, "/health") && (is(http_req_method(r), "GET") || is(http_req_method(r), "HEAD"))) {
		int n = 0;
		for (sbox *sb = d->boxes; sb; sb = sb->next)
			n += !sb->rec.pooled;
		const rt_info *au = runtimes_auto(&d->rts);
		json_t *rts = json_array();
		for (size_t i = 0; i < d->rts.n; i++) {
			const rt_info *ri = &d->rts.v[i];
			json_array_append_new(rts, json_pack("{s:s,s:b,s:o,s:o,s:b,s:b}", "name", ri->ops->name,
							     "available", ri->available,
							     "reason", ri->reason ? json_string(ri->reason) : json_null(),
							     "accel", ri->accel ? json_string(ri->accel) : json_null(),
							     "auto", ri == au, "default", ri->ops == d->rt));
		}
		/* runtime: the field older clients read (= defaultRuntime). */
		api_json(r, 200, json_pack("{s:s,s:i,s:i,s:s,s:s,s:o}", "status", "ok", "pid", (int)getpid(),
					   "sandboxes", n, "runtime", d->rt->name, "defaultRuntime", d->rt->name,
					   "runtimes", rts));
		return;
	}
	api_error(r, 404, "no such endpoint: %s %s (data-plane requests need an E2b-Sandbox-Id header)",
		  http_req_method(r), path);
}
