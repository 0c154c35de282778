/*
 * POST /v2/sandboxes (and v1 POST /sandboxes): NewSandboxV2 → 201 Sandbox.
 * A pool sandbox is claimed when the request asks for nothing the pool
 * cannot give (own limits, no internet); otherwise, or when the claim
 * fails, a fresh one starts.  Either way the answer waits (asynchronously)
 * until the sandbox's agent answers.
 */
#include "api.h"
#include "agent_op.h"
#include "api_json.h"
#include "api_volumes.h"
#include "netrules.h"
#include "events.h"
#include "hostroute.h"
#include "pool.h"
#include "sandbox.h"
#include "snapshots.h"
#include "timeouts.h"
#include "../util/log.h"
#include "../util/rand.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_S 300

struct create_req {
	char *name;              /* templateID as asked */
	sbxd_template tpl;
	kvlist metadata, env;
	int cpus, memory_mb, disk_mb, own_limits;
	int internet, timeout_s, auto_pause, auto_resume;
	json_t *network;         /* normalized network config (netrules.h), or NULL */
	int has_rules, no_public_traffic;
	int auto_pause_memory;   /* autoPauseMemory (default true) */
	int64_t t0;              /* monotonic ms at the request */
	const runtime_ops *ops;  /* the runtime it runs on */
	json_t *volume_mounts;   /* [{name, path, volumeID}] or NULL */
	int runtime_asked;       /* the client named one */
	char *snap_dir, *snap_token;   /* from a user snapshot (snapshots.h) */
};

void api_create_ctx_free(struct create_req *cr)
{
	free(cr->name);
	sbxd_template_free(&cr->tpl);
	kv_free(&cr->metadata);
	kv_free(&cr->env);
	json_decref(cr->volume_mounts);
	json_decref(cr->network);
	free(cr->snap_dir);
	free(cr->snap_token);
	free(cr);
}

/* --- the body ---------------------------------------------------------------- */

static int get_bool(http_req *r, json_t *j, const char *key, int *out)
{
	json_t *v = json_object_get(j, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		api_error(r, 400, "\"%s\" must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* allow_internet_access + network (E2B's SandboxNetworkConfig): the
 * outbound rules checked here, enforced by the driver; allowPublicTraffic
 * for the port routes; maskRequestHost kept and reported. */
static int parse_network(http_req *r, json_t *j, struct create_req *cr)
{
	json_t *net = json_object_get(j, "network"), *v;
	sbx_err e;
	netrules nr;
	if (net && !json_is_null(net) && !json_is_object(net)) {
		api_error(r, 400, "\"network\" must be an object: {\"allowOut\": [...], \"denyOut\": [...], ...}");
		return -1;
	}
	if (netrules_parse(json_object_get(j, "allow_internet_access"), json_object_get(net, "allowOut"),
			   json_object_get(net, "denyOut"), &nr, &e) < 0) {
		api_error(r, 400, "network: %s", e.msg);
		return -1;
	}
	cr->internet = nr.internet;
	cr->has_rules = nr.allow[0] || nr.deny[0];
	if (json_is_object(net))
		cr->network = netrules_json(&nr);
	netrules_free(&nr);
	if (!cr->network)
		return 0;
	v = json_object_get(net, "allowPublicTraffic");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			api_error(r, 400, "network.allowPublicTraffic must be true or false");
			return -1;
		}
		cr->no_public_traffic = json_is_false(v);
	}
	v = json_object_get(net, "maskRequestHost");
	if (v && !json_is_null(v)) {
		const char *h = json_is_string(v) ? json_string_value(v) : NULL;
		int ok = h && strlen(h) <= 255;
		for (const char *p = h; ok && *p; p++)
			ok = *p > ' ' && *p < 0x7f;   /* it may become a Host header */
		if (!ok) {
			api_error(r, 400, "network.maskRequestHost must be a host (e.g. \"example.com:${PORT}\"): "
				  "at most 255 printable characters, no spaces");
			return -1;
		}
		json_object_set(cr->network, "maskRequestHost", v);
	}
	return 0;
}

static int parse_request(http_req *r, json_t *j, struct create_req *cr)
{
	sbx_err e;
	json_t *t = json_object_get(j, "templateID"), *v;
	if (!json_is_string(t) || !*json_string_value(t)) {
		api_error(r, 400, "\"templateID\" is required: the name of a built template, e.g. \"base\"");
		return -1;
	}
	cr->name = xstrdup(json_string_value(t));
	cr->timeout_s = DEFAULT_TIMEOUT_S;
	cr->internet = 1;
	cr->auto_pause_memory = 1;
	if (api_get_int(r, j, "timeout", 1, 365 * 24 * 3600, &cr->timeout_s) < 0)
		return -1;
	if (kv_from_json(json_object_get(j, "metadata"), &cr->metadata, "metadata", &e) < 0 ||
	    kv_from_json(json_object_get(j, "envVars"), &cr->env, "envVars", &e) < 0) {
		api_error(r, 400, "%s", e.msg);
		return -1;
	}
	for (size_t i = 0; i < cr->env.n; i++) {
		if (!*cr->env.keys[i] || strchr(cr->env.keys[i], '=')) {
			api_error(r, 400, "envVars: '%s' is not a variable name", cr->env.keys[i]);
			return -1;
		}
	}
	if (get_bool(r, j, "autoPause", &cr->auto_pause) < 0 ||
	    get_bool(r, j, "autoPauseMemory", &cr->auto_pause_memory) < 0 || parse_network(r, j, cr) < 0)
		return -1;
	v = json_object_get(j, "autoResume");
	if (json_is_object(v))
		v = json_object_get(v, "enabled");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			api_error(r, 400, "\"autoResume\" must be {\"enabled\": true|false}");
			return -1;
		}
		cr->auto_resume = json_is_true(v);
	}
	int n1, n2, n3;
	if ((n1 = api_get_int(r, j, "cpuCount", 1, 256, &cr->cpus)) < 0 ||
	    (n2 = api_get_int(r, j, "memoryMB", 64, 1024 * 1024, &cr->memory_mb)) < 0 ||
	    (n3 = api_get_int(r, j, "diskSizeMB", 128, 16 * 1024 * 1024, &cr->disk_mb)) < 0)
		return -1;
	cr->own_limits = n1 || n2 || n3;
	return 0;
}

/* --- fresh sandboxes ----------------------------------------------------------- */

static void answer(api_ctx *c, sbox *sb, const char *how)
{
	struct create_req *cr = c->create;
	sbox_log(sb, "handed out (%s) %lld ms after the create request", how, (long long)(now_ms() - cr->t0));
	snprintf(c->handed_out, sizeof c->handed_out, "%s", sb->rec.id);
	events_add(c->d, sb->rec.id, "created", NULL);
	json_t *j = json_sandbox(&sb->rec);
	hostroute_set_domain(c->d, j);
	api_json(c->r, 201, j);
}

static void fresh_ready(sbox *sb, int ok, const char *err, void *ud)
{
	api_ctx *c = ud;
	api_wait_over(c);
	c->created = 0;
	if (ok) {
		answer(c, sb, "started");
		return;
	}
	if (sb->killed) {
		api_error(c->r, 500, "the sandbox did not start: %s", err);
		return;
	}
	char *tail = sbox_log_tail(sb, 8);
	api_error(c->r, 500, "the sandbox did not start: %s%s%s", err, *tail ? "; its log ends with: " : "", tail);
	free(tail);
	sbox_kill(sb, "it did not start", NULL, NULL);
}

static void start_fresh(api_ctx *c)
{
	struct create_req *cr = c->create;
	sbox_new_args a = {
		.tpl = &cr->tpl, .alias = cr->name, .cpus = cr->cpus, .memory_mb = cr->memory_mb,
		.disk_mb = cr->disk_mb, .internet = cr->internet, .timeout_s = cr->timeout_s,
		.auto_pause = cr->auto_pause, .auto_resume = cr->auto_resume, .auto_pause_disk = !cr->auto_pause_memory,
		.metadata = &cr->metadata, .env = &cr->env, .ops = cr->ops, .volume_mounts = cr->volume_mounts,
		.network = cr->network, .no_public_traffic = cr->no_public_traffic,
		.snapshot_dir = cr->snap_dir, .init_token = cr->snap_token,
	};
	sbox *sb;
	sbx_err e;
	if (sbox_create(c->d, &a, &sb, &e) < 0) {
		api_error(c->r, 500, "cannot create the sandbox: %s", e.msg);
		return;
	}
	c->created = 1;
	api_wait(c, sb, fresh_ready);
}

/* --- pool claims --------------------------------------------------------------- */

static void claimed_ready(sbox *sb, int ok, const char *err, void *ud)
{
	api_ctx *c = ud;
	api_wait_over(c);
	c->created = 0;
	if (ok) {
		answer(c, sb, "from the pool");
		return;
	}
	log_warn("sbxd: a pool sandbox could not be handed out (%s); starting a fresh one", err);
	if (!sb->killed)
		sbox_kill(sb, "the pool claim failed", NULL, NULL);
	start_fresh(c);
}

/* Rewrites the pool sandbox's record as if it had been created for this
 * request, then gives the agent the env vars and the new token. */
static int try_pool(api_ctx *c)
{
	struct create_req *cr = c->create;
	if (cr->own_limits || !cr->internet || cr->has_rules || cr->ops != c->d->rt || cr->volume_mounts ||
	    cr->snap_dir)
		return 0;   /* the pool holds open sandboxes of the default runtime only */
	sbox *sb = pool_take(c->d, &cr->tpl);
	if (!sb)
		return 0;
	sbxd_record *r = &sb->rec;
	char *old = r->token, token[41];
	rand_hex(token, 40);
	r->token = xstrdup(token);
	r->pooled = 0;
	free(r->alias);
	r->alias = xstrdup(cr->name);
	for (size_t i = 0; i < cr->metadata.n; i++)
		kv_set(&r->metadata, cr->metadata.keys[i], cr->metadata.values[i]);
	for (size_t i = 0; i < cr->env.n; i++)
		kv_set(&r->env, cr->env.keys[i], cr->env.values[i]);
	r->auto_pause = cr->auto_pause;
	r->auto_resume = cr->auto_resume;
	json_decref(r->network);
	r->network = cr->network ? json_deep_copy(cr->network) : NULL;
	r->public_traffic = !cr->no_public_traffic;
	r->auto_pause_memory = cr->auto_pause_memory;
	r->started_at = wall_ms();
	sbox_set_timeout(sb, cr->timeout_s);   /* saves the record and arms the timer */
	json_t *body = json_pack("{s:o,s:s}", "envVars", kv_to_json(&cr->env), "accessToken", token);
	char *s = json_dumps(body, JSON_COMPACT);
	agent_op_init(sb, old, s);
	free(s);
	json_decref(body);
	free(old);
	c->created = 1;
	api_wait(c, sb, claimed_ready);
	return 1;
}

/* sbx's own field `runtime` (sbx create --runtime), else the metadata key
 * sbx.runtime (what an E2B SDK can send), else sbxd's default. */
static int pick_runtime(api_ctx *c, http_req *r, json_t *j)
{
	struct create_req *cr = c->create;
	sbx_err e;
	json_t *rt = json_object_get(j, "runtime");
	const char *want = NULL;
	if (rt && !json_is_null(rt)) {
		if (!json_is_string(rt) || !*json_string_value(rt)) {
			api_error(r, 400, "\"runtime\" must be a runtime's name (auto, ns, qemu, ch)");
			return -1;
		}
		want = json_string_value(rt);
	} else {
		want = kv_get(&cr->metadata, "sbx.runtime");
	}
	if (!want) {
		cr->ops = c->d->rt;
		return 0;
	}
	cr->runtime_asked = 1;
	if (runtimes_choose(&c->d->rts, want, &cr->ops, &e) < 0) {
		api_error(r, 400, "%s; `sbx runtimes` lists what this machine can run", e.msg);
		return -1;
	}
	return 0;
}

/* templateID names a user snapshot: the sandbox starts from it, on its
 * runtime, with its limits (a VM's are fixed by its memory image). */
static int from_snapshot(sbxd *d, http_req *r, struct create_req *cr, const snap_meta *sm)
{
	sbx_err e;
	const runtime_ops *ops;
	sbxd_template_free(&cr->tpl);
	if (snap_start_args(d, sm, &cr->tpl, &ops, &e) < 0) {
		api_error(r, 409, "%s", e.msg);
		return -1;
	}
	if (cr->runtime_asked && ops != cr->ops) {
		api_error(r, 400, "snapshot %s was taken with the %s runtime; a sandbox from it runs there too (leave "
			  "\"runtime\" out, or ask for %s)", sm->id, ops->name, ops->name);
		return -1;
	}
	if (sm->memory && ((cr->cpus && cr->cpus != sm->cpus) || (cr->memory_mb && cr->memory_mb != sm->memory_mb))) {
		api_error(r, 400, "snapshot %s holds the memory of a %d-vCPU, %d MB VM; a sandbox from it has the same "
			  "(leave cpuCount and memoryMB out)", sm->id, sm->cpus, sm->memory_mb);
		return -1;
	}
	/* The source's envVars, under the create's own. */
	for (size_t i = 0; i < sm->env.n; i++)
		if (!kv_get(&cr->env, sm->env.keys[i]))
			kv_set(&cr->env, sm->env.keys[i], sm->env.values[i]);
	cr->ops = ops;
	cr->snap_dir = snap_rt_dir(sm);
	cr->snap_token = sm->memory ? xstrdup(sm->token) : NULL;
	return 0;
}

static void create_body(http_req *r, const char *body, size_t len, void *ud)
{
	api_ctx *c = ud;
	struct create_req *cr = c->create;
	sbx_err e;
	json_t *j = api_parse_body(r, body, len);
	if (!j)
		return;
	int rc = parse_request(r, j, cr);
	if (rc == 0)
		rc = pick_runtime(c, r, j);
	if (rc == 0)
		rc = api_volume_mounts_parse(c->d, r, json_object_get(j, "volumeMounts"), cr->ops, &cr->volume_mounts);
	json_decref(j);
	if (rc < 0)
		return;
	if (cr->auto_pause && !cr->auto_pause_memory && !cr->ops->pause_disk) {
		api_error(r, 400, "the %s runtime cannot pause a sandbox without its memory (autoPauseMemory: false); "
			  "keep the memory or choose another runtime", cr->ops->name);
		return;
	}
	if (c->d->find_template(cr->name, &cr->tpl, &e) < 0) {
		snap_meta sm;
		if (snaps_find(c->d, cr->name, &sm) < 0) {
			api_error(r, 404, "%s (nor is it a snapshot: `sbx snapshot ls` lists them)", e.msg);
			return;
		}
		rc = from_snapshot(c->d, r, cr, &sm);
		snap_meta_free(&sm);
		if (rc < 0)
			return;
	}
	if (!cr->cpus)
		cr->cpus = cr->tpl.cpus > 0 ? cr->tpl.cpus : SBXD_DEFAULT_CPUS;
	if (!cr->memory_mb)
		cr->memory_mb = cr->tpl.memory_mb > 0 ? cr->tpl.memory_mb : SBXD_DEFAULT_MEMORY_MB;
	if (!cr->disk_mb)
		cr->disk_mb = cr->tpl.disk_mb > 0 ? cr->tpl.disk_mb : SBXD_DEFAULT_DISK_MB;
	if (!try_pool(c))
		start_fresh(c);
}

void api_create(sbxd *d, http_req *r)
{
	api_ctx *c = api_ctx_new(d, r, NULL);
	c->create = xcalloc(1, sizeof *c->create);
	c->create->t0 = now_ms();
	http_req_read_body(r, API_BODY_LIMIT, create_body, c);
}
