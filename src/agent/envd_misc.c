/*
 * envd's small endpoints: GET /health, GET /envs, GET /metrics, POST /init.
 *
 * /metrics measures CPU use over a short window (METRICS_SAMPLE_MS) between
 * two reads of /proc/stat, waiting on a loop timer rather than sleeping, so
 * it needs no state kept between requests and never blocks the loop.
 */
#include "agent.h"
#include "../proto/jsontext.h"
#include "../util/log.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define METRICS_SAMPLE_MS 100
#define INIT_BODY_LIMIT (1024 * 1024)
#define ENTROPY_MIN 32     /* bytes */
#define ENTROPY_MAX 256
#define HOSTNAME_MAX 63
#define CLOCK_SLACK_MS 1000

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

/* The machine-wide parts of /init (after a VM restore: the clock, the RNG
 * and the hostname are the snapshot's).  Only an agent that is PID 1 (a
 * VM's, or an ns sandbox's init) touches them: one run on a host by hand
 * or by the tests must never set the host's clock or name.  Failures are
 * logged, never fatal: an ns sandbox may not do any of this. */
typedef struct init_machine {
	int has_time;
	int64_t time_ms;
	unsigned char *entropy;
	size_t nentropy;
	const char *hostname;
} init_machine;

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int machine_parse(http_req *r, json_t *root, init_machine *m)
{
	const char *ts, *hex, *host;
	if (opt_string(r, root, "timestamp", &ts) < 0 || opt_string(r, root, "sbxEntropy", &hex) < 0 ||
	    opt_string(r, root, "sbxHostname", &host) < 0)
		return -1;
	if (ts && rfc3339_parse(ts, &m->time_ms) < 0) {
		agent_rest_error(r, 400, "/init: timestamp '%.64s' is not an RFC 3339 time (2024-01-01T00:00:00Z)", ts);
		return -1;
	}
	m->has_time = ts != NULL;
	if (hex) {
		size_t n = strlen(hex);
		int ok = n % 2 == 0 && n / 2 >= ENTROPY_MIN && n / 2 <= ENTROPY_MAX;
		for (size_t i = 0; ok && i < n; i++)
			ok = hexval(hex[i]) >= 0;
		if (!ok) {
			agent_rest_error(r, 400, "/init: sbxEntropy must be %d to %d bytes in hex", ENTROPY_MIN, ENTROPY_MAX);
			return -1;
		}
		m->nentropy = n / 2;
		m->entropy = xmalloc(m->nentropy);
		for (size_t i = 0; i < m->nentropy; i++)
			m->entropy[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	}
	if (host && (strlen(host) > HOSTNAME_MAX || strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(host))) {
		agent_rest_error(r, 400, "/init: sbxHostname must be 1 to %d characters of a-z, 0-9 and '-'", HOSTNAME_MAX);
		return -1;
	}
	m->hostname = host;
	return 0;
}

static void machine_clock(int64_t want_ms)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t off = want_ms - ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	if (off <= CLOCK_SLACK_MS && off >= -CLOCK_SLACK_MS)
		return;
	struct timespec t = { .tv_sec = (time_t)(want_ms / 1000), .tv_nsec = (long)(want_ms % 1000) * 1000000 };
	if (clock_settime(CLOCK_REALTIME, &t) < 0)
		log_warn("/init: cannot set the clock (%+.3f s off): %s", (double)off / 1000.0, strerror(errno));
	else
		log_info("/init: clock set (it was %+.3f s off)", (double)-off / 1000.0);
}

static void machine_entropy(const unsigned char *p, size_t n)
{
	struct rand_pool_info *info = xcalloc(1, sizeof *info + n);
	info->entropy_count = (int)(n * 8);
	info->buf_size = (int)n;
	memcpy(info->buf, p, n);
	int fd = open("/dev/random", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, RNDADDENTROPY, info) < 0)
		log_warn("/init: cannot add entropy to /dev/random: %s", strerror(errno));
	else
		log_info("/init: added %zu bytes of entropy", n);
	if (fd >= 0)
		close(fd);
	explicit_bzero(info->buf, n);
	free(info);
}

static void machine_apply(const init_machine *m)
{
	if (!m->has_time && !m->entropy && !m->hostname)
		return;
	if (getpid() != 1) {
		log_info("/init: not PID 1, so not this machine's owner: its clock, entropy and hostname stay as they are");
		return;
	}
	if (m->has_time)
		machine_clock(m->time_ms);
	if (m->entropy)
		machine_entropy(m->entropy, m->nentropy);
	if (m->hostname && sethostname(m->hostname, strlen(m->hostname)) < 0)
		log_warn("/init: cannot set the hostname to %s: %s", m->hostname, strerror(errno));
	else if (m->hostname)
		log_info("/init: hostname %s", m->hostname);
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
	init_machine mach = { 0 };
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
	if (machine_parse(r, root, &mach) < 0)
		goto out;
	machine_apply(&mach);
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
	if (mach.entropy)
		explicit_bzero(mach.entropy, mach.nentropy);
	free(mach.entropy);
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
