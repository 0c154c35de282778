/*
 * PUT /sandboxes/{id}/network (E2B's SandboxNetworkUpdateConfig → 204):
 * the new rules replace the old ones as a whole (an omitted field is
 * cleared, as E2B does); allowPublicTraffic and maskRequestHost are not
 * part of it and stay.  The driver's set_net runs in a job (names may
 * need DNS); the record changes once it succeeded.  And every
 * d->net_refresh_ms the same job runs for each sandbox whose allowOut has
 * names, so their addresses stay current.
 */
#include "api.h"
#include "jobs.h"
#include "netrules.h"
#include "sandbox.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

struct net_update {
	sbxd *d;
	char id[SBXD_ID_MAX + 1];
	api_ctx *c;              /* NULL: a refresh, or the client went away */
	json_t *network;         /* the record's network once it is applied (NULL: a refresh) */
	int internet;
};

static int setnet_in_child(void *arg, sbx_err *e)
{
	sbox *sb = arg;
	rt_net net;
	sbx_err re;
	if (sbox_net_resolve(sb, &net, e) < 0)
		return -1;
	int rc = sb->ops->set_net(sb->rt, &net, &re);
	sbox_net_free(&net);
	if (rc < 0)
		return sbx_error(e, "%s", re.msg);
	return 0;
}

static void update_free(struct net_update *nu)
{
	if (nu->c)
		nu->c->net_update = NULL;
	json_decref(nu->network);
	free(nu);
}

static void setnet_done(int ok, const char *err, void *ud)
{
	struct net_update *nu = ud;
	sbox *sb = sbox_find(nu->d, nu->id);
	http_req *r = nu->c ? nu->c->r : NULL;
	if (sb)
		sb->net_updating = 0;
	if (!sb) {
		if (r)
			api_error(r, 404, "sandbox \"%s\" was killed while its network rules were changed", nu->id);
	} else if (!ok) {
		sbox_log(sb, "its network rules could not be %s: %s", nu->network ? "changed" : "refreshed", err);
		if (r)
			api_error(r, 500, "the network rules of sandbox \"%s\" could not be changed: %s", nu->id, err);
	} else if (nu->network) {
		json_decref(sb->rec.network);
		sb->rec.network = json_incref(nu->network);
		sb->rec.internet = nu->internet;
		sbox_save(sb);
		char *s = json_dumps(nu->network, JSON_COMPACT);
		sbox_log(sb, "network rules changed: internet %s, %s", nu->internet ? "on" : "off", s);
		free(s);
		if (r)
			http_respond(r, 204, NULL, NULL, 0);
	}
	update_free(nu);
}

/* The job runs on sb as the record says (with nu's rules when given). */
static int start_job(sbox *sb, struct net_update *nu, sbx_err *e)
{
	if (!sb->ops->set_net)
		return sbx_error(e, "the %s runtime cannot change a sandbox's network rules while it runs; "
				 "create a new sandbox with the rules instead", sb->ops->name);
	/* The child reads the rules from the record: give it the new ones. */
	json_t *old_net = sb->rec.network;
	int old_inet = sb->rec.internet;
	if (nu->network) {
		sb->rec.network = nu->network;
		sb->rec.internet = nu->internet;
	}
	int rc = job_start(sb->d, setnet_in_child, sb, setnet_done, nu, e);
	sb->rec.network = old_net;
	sb->rec.internet = old_inet;
	if (rc == 0)
		sb->net_updating = 1;
	return rc;
}

static void network_body(http_req *r, const char *body, size_t len, void *ud)
{
	api_ctx *c = ud;
	sbx_err e;
	netrules nr;
	json_t *j = api_parse_body(r, body, len);
	if (!j)
		return;
	int rc = netrules_parse(json_object_get(j, "allow_internet_access"), json_object_get(j, "allowOut"),
				json_object_get(j, "denyOut"), &nr, &e);
	json_decref(j);
	if (rc < 0) {
		api_error(r, 400, "network: %s", e.msg);
		return;
	}
	sbox *sb = sbox_find(c->d, c->id);
	if (!sb || sb->rec.pooled) {
		netrules_free(&nr);
		api_not_found(r, c->id);
		return;
	}
	const char *busy = sb->rec.state == SB_DEAD ? "is dead (kill it and create a new one)"
			 : sb->creating || !sb->rt ? "is still starting"
			 : sb->pausing ? "is being paused"
			 : sb->resuming ? "is being resumed"
			 : sb->net_updating ? "is having its network rules changed by another request" : NULL;
	if (busy) {
		netrules_free(&nr);
		api_error(r, 409, "sandbox \"%s\" %s; try again once that is done", c->id, busy);
		return;
	}
	struct net_update *nu = xcalloc(1, sizeof *nu);
	nu->d = c->d;
	snprintf(nu->id, sizeof nu->id, "%s", c->id);
	nu->internet = nr.internet;
	/* Kept from the create: not part of an update. */
	nu->network = netrules_json(&nr);
	netrules_free(&nr);
	const char *keep[] = { "allowPublicTraffic", "maskRequestHost" };
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(sb->rec.network, keep[i]);
		if (v)
			json_object_set(nu->network, keep[i], v);
	}
	if (start_job(sb, nu, &e) < 0) {
		update_free(nu);
		api_error(r, 409, "%s", e.msg);
		return;
	}
	nu->c = c;
	c->net_update = nu;
}

void api_network(sbxd *d, http_req *r, const char *id)
{
	api_ctx *c = api_ctx_new(d, r, id);
	http_req_read_body(r, API_BODY_LIMIT, network_body, c);
}

void api_network_detach(struct net_update *nu)
{
	nu->c = NULL;
}

/* --- names kept current ---------------------------------------------------------- */

static int has_names(const sbxd_record *rec)
{
	json_t *allow = json_object_get(rec->network, "allowOut"), *v;
	size_t i;
	char out[256];
	json_array_foreach(allow, i, v)
		if (json_is_string(v) && netrules_entry(json_string_value(v), 1, out, sizeof out, NULL) == 2)
			return 1;
	return 0;
}

static int64_t refresh(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbxd *d = ud;
	for (sbox *sb = d->boxes; sb; sb = sb->next) {
		if (sb->rec.pooled || sb->creating || sb->pausing || sb->resuming || sb->net_updating ||
		    (sb->rec.state != SB_RUNNING && sb->rec.state != SB_PAUSED) || !sb->ops->set_net ||
		    !has_names(&sb->rec))
			continue;
		struct net_update *nu = xcalloc(1, sizeof *nu);
		sbx_err e;
		nu->d = d;
		snprintf(nu->id, sizeof nu->id, "%s", sb->rec.id);
		if (start_job(sb, nu, &e) < 0) {
			log_warn("sbxd: sandbox %s: its allowOut names cannot be resolved again: %s", sb->rec.id, e.msg);
			update_free(nu);
		}
	}
	return d->net_refresh_ms;
}

void api_network_start(sbxd *d)
{
	if (d->net_refresh_ms <= 0)
		d->net_refresh_ms = NETRULES_REFRESH_MS;
	d->net_timer = loop_add_timer(d->loop, d->net_refresh_ms, refresh, d);
}

void api_network_stop(sbxd *d)
{
	if (d->net_timer)
		loop_del_timer(d->loop, d->net_timer);
	d->net_timer = 0;
}
