/*
 * envd's small endpoints: GET /health, GET /envs, GET /metrics, POST /init.
 *
 * /metrics measures CPU use over a short window (METRICS_SAMPLE_MS) between
 * two reads of /proc/stat, waiting on a loop timer rather than sleeping, so
 * it needs no state kept between requests and never blocks the loop.
 */
#include "agent.h"
#include "../proto/jsontext.h"
#include "../util/xalloc.h"
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define METRICS_SAMPLE_MS 100
#define INIT_BODY_LIMIT (1024 * 1024)

static void method_not_allowed(http_req *r, const char *allow)
{
	http_req_add_header(r, "Allow", allow);
	agent_rest_error(r, 405, "method %s is not allowed on %s: use %s", http_req_method(r), http_req_path(r),
			 allow);
}

static void respond_json(http_req *r, int status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	if (s)
		http_respond_str(r, status, "application/json", s);
	else   /* a NaN from /proc, say: never a NULL body */
		agent_rest_error(r, 500, "the agent could not encode its answer as JSON");
	free(s);
}

/* --- /envs ---------------------------------------------------------------------- */

static void envs_get(agent *a, http_req *r)
{
	json_t *o = json_object();
	for (size_t i = 0; i < a->env.n; i++)
		json_text_set(o, a->env.keys[i], json_text(a->env.values[i]));   /* --env may be any bytes */
	respond_json(r, 200, o);
}

/* --- /metrics ------------------------------------------------------------------- */

typedef struct cpu_times {
	unsigned long long busy, total;
	int ok;
} cpu_times;

/* The aggregate "cpu" line of /proc/stat. */
static cpu_times cpu_read(void)
{
	cpu_times t = { 0, 0, 0 };
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return t;
	unsigned long long v[8] = { 0 };
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &v[6], &v[7]) >= 4) {
		for (int i = 0; i < 8; i++)
			t.total += v[i];   /* guest time is already inside user */
		t.busy = t.total - v[3] - v[4];   /* idle and iowait */
		t.ok = 1;
	}
	fclose(f);
	return t;
}

/* MemTotal, MemAvailable, Cached + SReclaimable from /proc/meminfo, in bytes. */
static void mem_read(unsigned long long *total, unsigned long long *used, unsigned long long *cache)
{
	unsigned long long tot = 0, avail = 0, freek = 0, cached = 0, srecl = 0, v;
	int have_avail = 0;
	char line[256], key[64];
	FILE *f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%63[^:]: %llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "MemTotal"))
			tot = v;
		else if (!strcmp(key, "MemAvailable"))
			avail = v, have_avail = 1;
		else if (!strcmp(key, "MemFree"))
			freek = v;
		else if (!strcmp(key, "Cached"))
			cached = v;
		else if (!strcmp(key, "SReclaimable"))
			srecl = v;
	}
	if (f)
		fclose(f);
	unsigned long long free_all = have_avail ? avail : freek + cached + srecl;
	*total = tot * 1024;
	*used = (tot > free_all ? tot - free_all : 0) * 1024;
	*cache = (cached + srecl) * 1024;
}

typedef struct metrics_req {
	agent *a;
	http_req *r;
	int64_t timer;
	cpu_times t0;
} metrics_req;

static void metrics_respond(metrics_req *m)
{
	cpu_times t1 = cpu_read();
	double pct = 0;
	if (m->t0.ok && t1.ok && t1.total > m->t0.total) {
		double dt = (double)(t1.total - m->t0.total);
		double db = t1.busy >= m->t0.busy ? (double)(t1.busy - m->t0.busy) : 0;
		pct = (double)(long long)(db / dt * 10000.0 + 0.5) / 100.0;   /* two decimals, as envd */
	}
	unsigned long long mt, mu, mc, dt = 0, du = 0;
	mem_read(&mt, &mu, &mc);
	struct statvfs sv;
	if (statvfs("/", &sv) == 0) {
		dt = (unsigned long long)sv.f_blocks * sv.f_frsize;
		du = (unsigned long long)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	json_t *o = json_pack("{s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			      "ts", (json_int_t)time(NULL),
			      "cpu_count", (json_int_t)(ncpu > 0 ? ncpu : 1),
			      "cpu_used_pct", pct,
			      "mem_total_mib", (json_int_t)(mt / (1024 * 1024)),
			      "mem_used_mib", (json_int_t)(mu / (1024 * 1024)),
			      "mem_total", (json_int_t)mt,
			      "mem_used", (json_int_t)mu,
			      "mem_cache", (json_int_t)mc,
			      "disk_used", (json_int_t)du,
			      "disk_total", (json_int_t)dt);
	respond_json(m->r, 200, o);
}

static int64_t metrics_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	metrics_req *m = ud;
	m->timer = 0;
	metrics_respond(m);
	return -1;
}

static void metrics_close(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	metrics_req *m = ud;
	if (m->timer)
		loop_del_timer(m->a->loop, m->timer);   /* the client left before the sample */
	free(m);
}

static void metrics_get(agent *a, http_req *r)
{
	metrics_req *m = xcalloc(1, sizeof *m);
	m->a = a;
	m->r = r;
	m->t0 = cpu_read();
	http_req_on_close(r, metrics_close, m);
	if (!m->t0.ok) {
		metrics_respond(m);   /* no /proc/stat: report 0% at once */
		return;
	}
	m->timer = loop_add_timer(a->loop, METRICS_SAMPLE_MS, metrics_timer, m);
}

/* --- /init ---------------------------------------------------------------------- */

static int opt_string(http_req *r, json_t *root, const char *key, const char **out)
{
	json_t *v = json_object_get(root, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !*json_string_value(v)) {
		agent_rest_error(r, 400, "/init: %s must be a non-empty string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* All fields are optional; everything is checked before anything applies. */
static void init_body(http_req *r, const char *body, size_t len, void *ud)
{
	agent *a = ud;
	json_error_t je;
	json_t *root = len ? json_loadb(body, len, 0, &je) : json_object();
	if (!root) {
		agent_rest_error(r, 400, "/init: invalid JSON body: %s (line %d)", je.text, je.line);
		return;
	}
	const char *token, *user, *workdir, *key;
	json_t *envs = json_object_get(root, "envVars"), *v;
	if (!json_is_object(root)) {
		agent_rest_error(r, 400, "/init: the body must be a JSON object");
		goto out;
	}
	if (envs && !json_is_null(envs) && !json_is_object(envs)) {
		agent_rest_error(r, 400, "/init: envVars must be an object of strings");
		goto out;
	}
	json_object_foreach(envs, key, v) {
		if (!json_is_string(v) || !*key || strchr(key, '=')) {
			agent_rest_error(r, 400, "/init: envVars['%s'] must be a string, its name non-empty without '='", key);
			goto out;
		}
	}
	if (opt_string(r, root, "accessToken", &token) < 0 || opt_string(r, root, "defaultUser", &user) < 0 ||
	    opt_string(r, root, "defaultWorkdir", &workdir) < 0)
		goto out;
	if (workdir && workdir[0] != '/') {
		agent_rest_error(r, 400, "/init: defaultWorkdir must be an absolute path, got '%s'", workdir);
		goto out;
	}
	json_object_foreach(envs, key, v)
		kv_set(&a->env, key, json_string_value(v));
	/* The router has checked X-Access-Token against the current token (if
	 * any) before we get here, so replacing it is the orchestrator's call. */
	if (token) {
		free(a->cfg.access_token);
		a->cfg.access_token = xstrdup(token);
	}
	if (user) {
		free(a->cfg.default_user);
		a->cfg.default_user = xstrdup(user);
	}
	if (workdir) {
		free(a->cfg.workdir);
		a->cfg.workdir = xstrdup(workdir);
	}
	http_req_add_header(r, "X-Envd-Version", AGENT_ENVD_VERSION);
	http_req_add_header(r, "Cache-Control", "no-store");
	http_respond(r, 204, NULL, NULL, 0);
out:
	json_decref(root);
}

/* --- routing -------------------------------------------------------------------- */

void envd_misc_route(agent *a, http_req *r)
{
	const char *path = http_req_path(r), *m = http_req_method(r);
	int get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
	if (!strcmp(path, "/init")) {
		if (strcmp(m, "POST"))
			method_not_allowed(r, "POST");
		else
			http_req_read_body(r, INIT_BODY_LIMIT, init_body, a);
	} else if (strcmp(path, "/health") && strcmp(path, "/envs") && strcmp(path, "/metrics")) {
		agent_rest_error(r, 404, "no such endpoint: %s %s", m, path);
	} else if (!get) {
		method_not_allowed(r, "GET");
	} else if (!strcmp(path, "/health")) {
		http_req_add_header(r, "Cache-Control", "no-store");
		http_respond(r, 204, NULL, NULL, 0);
	} else if (!strcmp(path, "/envs")) {
		envs_get(a, r);
	} else {
		metrics_get(a, r);
	}
}
