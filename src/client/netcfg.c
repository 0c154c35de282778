/* netcfg: outbound rules as E2B's JSON, and updateNetwork. */
#include "netcfg.h"
#include "client_int.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *sbx_netcfg_json(const sbx_netcfg *n)
{
	json_t *o = json_object();
	if (n->nallow_out)
		json_object_set_new(o, "allowOut", strings(n->allow_out, n->nallow_out));
	if (n->ndeny_out)
		json_object_set_new(o, "denyOut", strings(n->deny_out, n->ndeny_out));
	return o;
}

json_t *sbx_netcfg_update_json(const sbx_netcfg *n)
{
	json_t *o = sbx_netcfg_json(n);
	if (n->allow_internet >= 0)
		json_object_set_new(o, "allow_internet_access", json_boolean(n->allow_internet));
	return o;
}

typedef struct net_ud {
	sbx_done_cb cb;
	void *ud;
} net_ud;

static void on_json(json_t *j, const sbx_err *e, void *ud)
{
	(void)j;
	net_ud *u = ud;
	u->cb(e, u->ud);
}

int sbx_network_update(sbx_client *c, const char *id, const sbx_netcfg *n, sbx_done_cb cb, void *ud, sbx_op **out,
		       sbx_err *e)
{
	for (size_t i = 0; i < n->nallow_out + n->ndeny_out; i++) {
		const char *s = i < n->nallow_out ? n->allow_out[i] : n->deny_out[i - n->nallow_out];
		if (!s || !*s)
			return sbx_error(e, "cannot update the network of %s: an empty rule; give a CIDR, an IP "
					    "or (allow only) a domain name", id);
	}
	net_ud *u = xcalloc(1, sizeof *u);
	u->cb = cb;
	u->ud = ud;
	char *path = api_path_id("/sandboxes/%s/network", id), what[160];
	snprintf(what, sizeof what, "update the network of %s", id);
	int rc = api_json_call(c, what, "PUT", path, sbx_netcfg_update_json(n), 0, 0, on_json, u, free, out, e);
	free(path);
	return rc;
}
