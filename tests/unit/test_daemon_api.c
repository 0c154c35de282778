/*
 * sbxd end to end in one process: the real daemon, API and proxy on one
 * loop, a real sbx-agent per sandbox, and a stand-in runtime ("host") that
 * runs that agent as a plain host process (pause = SIGSTOP).  The ns
 * runtime itself is covered by tests/integration/t_sbxd_*.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/daemon/daemon_int.h"
#include "../../src/daemon/files.h"
#include "../../src/daemon/listq.h"
#include "../../src/daemon/sandbox.h"
#include "../../src/daemon/sbxd.h"
#include "../../src/daemon/store.h"
#include "../../src/client/api.h"
#include "../../src/client/code.h"
#include "../../src/client/proc.h"
#include "../../src/http/client.h"
#include "../../src/proto/file_sig.h"
#include "../../src/util/buf.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/selfpath.h"
#include "../../src/util/xalloc.h"

/* --- the "host" runtime -------------------------------------------------------- */

struct rt_sandbox {
	pid_t pid;
	char *dir, *addr;
};

static int host_available(sbx_err *e)
{
	(void)e;
	return 1;
}

static rt_sandbox *host_handle(const char *dir, pid_t pid)
{
	rt_sandbox *s = xcalloc(1, sizeof *s);
	s->pid = pid;
	s->dir = xstrdup(dir);
	s->addr = xasprintf("unix:%s/agent.sock", dir);
	return s;
}

/* Outbound rules as the driver got them: "<state>/net" (create, set_net). */
static int host_write_net(const char *dir, const rt_net *net, sbx_err *e)
{
	char *path = xasprintf("%s/net", dir);
	FILE *f = fopen(path, "w");
	free(path);
	if (!f)
		return sbx_error_errno(e, "net file");
	fprintf(f, "internet %d\n", net->internet);
	for (const char *const *v = net->allow_out; v && *v; v++)
		fprintf(f, "allow %s\n", *v);
	for (const char *const *v = net->deny_out; v && *v; v++)
		fprintf(f, "deny %s\n", *v);
	fclose(f);
	return 0;
}

/* Templates named for a failure: "broken" (create fails), "dies" (the
 * agent exits at once), "slow" (create takes 500 ms). */
static int host_create(const rt_spec *spec, rt_sandbox **out, sbx_err *e)
{
	if (strstr(spec->template_dir, "/broken"))
		return sbx_error(e, "cannot mount the broken template");
	if (strstr(spec->template_dir, "/slow"))
		usleep(500000);
	int dies = strstr(spec->template_dir, "/dies") != NULL;
	char *sock = xasprintf("unix:%s/agent.sock", spec->state_dir);
	char *log = xasprintf("%s/agent.log", spec->state_dir);
	const char *argv[64] = { spec->agent_bin, "--listen", sock, "--access-token", spec->access_token,
				 "--workdir", spec->state_dir };
	int n = 7;
	if (!strstr(spec->template_dir, "/kernels"))   /* the host's python3 kernel otherwise */
		argv[n++] = "--no-kernel";
	for (const char *const *v = spec->env; v && *v && n < 60; v++) {
		argv[n++] = "--env";
		argv[n++] = *v;
	}
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		setsid();
		if (dies) {
			fprintf(stderr, "agent: cannot bind: no socket for you\n");
			_exit(3);
		}
		execv(spec->agent_bin, (char *const *)argv);
		_exit(127);
	}
	free(sock);
	free(log);
	if (pid < 0)
		return sbx_error_errno(e, "fork");
	rt_net net = { spec->internet, spec->allow_out, spec->deny_out };
	if (host_write_net(spec->state_dir, &net, e) < 0)
		return -1;
	char *pidf = xasprintf("%s/pid", spec->state_dir);
	FILE *f = fopen(pidf, "w");
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
	free(pidf);
	*out = host_handle(spec->state_dir, pid);
	return 0;
}

static int host_adopt(const char *dir, rt_sandbox **out, sbx_err *e)
{
	char *pidf = xasprintf("%s/pid", dir);
	FILE *f = fopen(pidf, "r");
	free(pidf);
	int pid = 0;
	if (!f)
		return sbx_error(e, "no pid file");
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	*out = host_handle(dir, pid);
	return 0;
}

static const char *host_addr(rt_sandbox *s) { return s->addr; }

/* The agent is sbxd's grandchild (created in a job), reaped by init; a
 * zombie still answers kill 0, so look at its state too. */
static int pid_alive(pid_t pid)
{
	char path[64], st[512];
	if (pid <= 0 || kill(pid, 0) < 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(st, 1, sizeof st - 1, f);
	fclose(f);
	st[n] = '\0';
	char *rp = strrchr(st, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

static int host_alive(rt_sandbox *s)
{
	return pid_alive(s->pid);
}

static int host_pause(rt_sandbox *s, sbx_err *e)
{
	return kill(s->pid, SIGSTOP) < 0 ? sbx_error_errno(e, "SIGSTOP") : 0;
}

static int host_resume(rt_sandbox *s, sbx_err *e)
{
	return kill(s->pid, SIGCONT) < 0 ? sbx_error_errno(e, "SIGCONT") : 0;
}

static int host_stats(rt_sandbox *s, rt_stats *st, sbx_err *e)
{
	(void)s, (void)e;
	*st = (rt_stats){ .cpu_count = 1, .cpu_used_pct = 1.5, .mem_used = 1 << 20, .mem_total = 1 << 30,
			  .disk_used = 1 << 10, .disk_total = 1 << 20 };
	return 0;
}

static void host_release(rt_sandbox *s)
{
	free(s->dir);
	free(s->addr);
	free(s);
}

static int host_destroy(rt_sandbox *s, sbx_err *e)
{
	(void)e;
	if (s->pid > 0 && kill(s->pid, SIGKILL) == 0)
		for (int i = 0; i < 200 && pid_alive(s->pid); i++)
			usleep(10000);
	host_release(s);
	return 0;
}

static int host_set_net(rt_sandbox *s, const rt_net *net, sbx_err *e)
{
	return host_write_net(s->dir, net, e);
}

static const runtime_ops host_rt = {
	.name = "host", .available = host_available, .create = host_create, .adopt = host_adopt,
	.agent_addr = host_addr, .alive = host_alive, .pause = host_pause, .resume = host_resume,
	.stats = host_stats, .set_net = host_set_net, .destroy = host_destroy, .release = host_release,
};
static const runtime_ops *const host_rts[] = { &host_rt, NULL };

static int find_template(const char *name, sbxd_template *out, sbx_err *e)
{
	if (!strcmp(name, "base") || !strcmp(name, "code-interpreter-v1") || !strcmp(name, "code-interpreter") ||
	    !strcmp(name, "broken") || !strcmp(name, "dies") || !strcmp(name, "slow") || !strcmp(name, "kernels")) {
		out->id = xstrdup(strstr(name, "code-interpreter") ? "code-interpreter" : name);
		out->dir = xasprintf("/nonexistent/templates/%s", out->id);
		out->cpus = 1;
		out->memory_mb = 256;
		out->disk_mb = 1024;
		return 0;
	}
	/* E2B-style start-up (e2b.toml): $OUT comes from the create's envVars. */
	static const struct { const char *name, *start, *ready; } st[] = {
		{ "startup", "echo \"$TPL_A $SHARED $(pwd) $(id -un)\" > \"$OUT/started\"; echo $$ > \"$OUT/pid\"; exec sleep 60",
		  "test -s \"$OUT/pid\"" },
		{ "startfail", "echo boom >&2; exit 3", "false" },
		{ "readyonly", NULL, "test \"$TPL_A\" = 1" },
	};
	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
		if (strcmp(name, st[i].name))
			continue;
		out->id = xstrdup(name);
		out->dir = xasprintf("/nonexistent/templates/%s", name);
		out->cpus = 1;
		out->memory_mb = 256;
		out->disk_mb = 1024;
		out->env = xcalloc(2, sizeof *out->env);
		out->env[0] = xstrdup("TPL_A=1");
		out->env[1] = xstrdup("SHARED=tpl");
		out->nenv = 2;
		out->user = xstrdup("root");
		out->workdir = xstrdup("/tmp");
		out->start_cmd = st[i].start ? xstrdup(st[i].start) : NULL;
		out->ready_cmd = xstrdup(st[i].ready);
		return 0;
	}
	return sbx_error(e, "template '%s' is not built; run `sbx template build %s`", name, name);
}

/* --- fixture --------------------------------------------------------------------- */

#define KEY "sbx_testkey_0123456789abcdef"

struct fx {
	char dir[64];
	char hosts[96];            /* names for network rules (sbxd --hosts) */
	char *agent;
	sbx_loop *loop;
	sbxd *d;
	http_client *cl;
	char base[64];
};

static char *agent_path(void)
{
	char *p = self_find("../sbx-agent", 0);   /* build/tests/.. */
	if (!p)
		fail_msg("build/sbx-agent is missing: build it first (make)");
	return p;
}

static void start_sbxd(struct fx *f, int pool)
{
	static const char *const pool_tpl[] = { "base", NULL };
	sbxd_opts o = {
		.listen = "tcp:127.0.0.1:0", .state_dir = f->dir, .runtime = "auto", .pool = pool,
		.api_key = KEY, .agent_bin = f->agent, .runtimes = host_rts, .find_template = find_template,
		.pool_templates = pool_tpl, .hosts_file = f->hosts, .net_refresh_ms = 100,
	};
	sbx_err e;
	f->d = sbxd_new(f->loop, &o, &e);
	if (!f->d)
		fail_msg("sbxd_new: %s", e.msg);
	snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", sbxd_port(f->d));
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	f->agent = agent_path();   /* first: a failed setup gets no teardown */
	snprintf(f->dir, sizeof f->dir, "/tmp/sbx-test-sbxd.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->hosts, sizeof f->hosts, "%s/hosts", f->dir);
	f->loop = loop_new();
	f->cl = http_client_new(f->loop);
	signal(SIGPIPE, SIG_IGN);
	start_sbxd(f, 0);
	*state = f;
	return 0;
}

/* Kill whatever sandboxes a failed test left, then free everything. */
static int teardown(void **state)
{
	struct fx *f = *state;
	sbx_err e;
	if (f->d) {
		while (f->d->boxes)
			sbox_kill(f->d->boxes, "test teardown", NULL, NULL);
		sbxd_free(f->d);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	http_client_free(f->cl);
	loop_free(f->loop);
	fsu_rm_rf(f->dir, 0, &e);
	free(f->agent);
	free(f);
	return 0;
}

/* --- a blocking request (the loop runs while we wait) ------------------------------ */

struct resp {
	int done, ok, status;
	sbx_buf body;
	char next[128];
	int64_t first_data_ms, done_ms;
	int pieces;
};

static void r_headers(http_call *c, int status, void *ud)
{
	struct resp *r = ud;
	const char *n = http_call_header(c, "X-Next-Token");
	r->status = status;
	snprintf(r->next, sizeof r->next, "%s", n ? n : "");
}

static void r_data(http_call *c, const char *data, size_t len, void *ud)
{
	(void)c;
	struct resp *r = ud;
	if (!r->pieces++)
		r->first_data_ms = now_ms();
	buf_append(&r->body, data, len);
}

static void r_done(http_call *c, int ok, const char *err, void *ud)
{
	(void)c, (void)err;
	struct resp *r = ud;
	r->done = 1;
	r->ok = ok;
	r->done_ms = now_ms();
}

static void wait_for(struct fx *f, int *flag, int64_t ms)
{
	int64_t end = now_ms() + ms;
	while (!*flag && now_ms() < end)
		loop_once(f->loop, 50);
}

static void sleep_loop(struct fx *f, int64_t ms)
{
	int64_t end = now_ms() + ms;
	while (now_ms() < end)
		loop_once(f->loop, (int)(end - now_ms()));
}

/* hdrs: NULL-terminated "Name: value"; key: add X-API-KEY. */
static int req_ex(struct fx *f, const char *method, const char *path, const char **hdrs, const void *body,
		  size_t len, struct resp *r)
{
	char url[512];
	snprintf(url, sizeof url, "%s%s", f->base, path);
	memset(r, 0, sizeof *r);
	http_call_opts o = { .method = method, .url = url, .headers = hdrs, .body = body, .body_len = len,
			     .timeout_ms = 20000, .on_headers = r_headers, .on_data = r_data, .on_done = r_done,
			     .ud = r };
	http_call_start(f->cl, &o);
	wait_for(f, &r->done, 25000);
	assert_true(r->done);
	return r->status;
}

static int api(struct fx *f, const char *method, const char *path, const char *body, struct resp *r)
{
	const char *h[] = { "X-API-KEY: " KEY, "Content-Type: application/json", NULL };
	return req_ex(f, method, path, h, body, body ? strlen(body) : 0, r);
}

static json_t *body_json(struct resp *r)
{
	json_error_t je;
	json_t *j = json_loads(buf_cstr(&r->body), 0, &je);
	if (!j)
		fail_msg("not JSON (%s): %s", je.text, buf_cstr(&r->body));
	return j;
}

static const char *jstr(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* Through the proxy, as the SDK would: E2b-Sandbox-Id + X-Access-Token. */
static int data(struct fx *f, const char *method, const char *path, const char *id, const char *token,
		const char *ctype, const void *body, size_t len, struct resp *r)
{
	char h1[128], h2[128], h3[128];
	const char *h[5] = { NULL };
	int n = 0;
	snprintf(h1, sizeof h1, "E2b-Sandbox-Id: %s", id);
	h[n++] = h1;
	if (token) {
		snprintf(h2, sizeof h2, "X-Access-Token: %s", token);
		h[n++] = h2;
	}
	if (ctype) {
		snprintf(h3, sizeof h3, "Content-Type: %s", ctype);
		h[n++] = h3;
	}
	return req_ex(f, method, path, h, body, len, r);
}

/* create → (id, token); asserts 201 */
static void create(struct fx *f, const char *body, char *id, char *token)
{
	struct resp r;
	if (api(f, "POST", "/v2/sandboxes", body, &r) != 201)
		fail_msg("create %s: %d %s", body, r.status, buf_cstr(&r.body));
	json_t *j = body_json(&r);
	snprintf(id, 64, "%s", jstr(j, "sandboxID"));
	snprintf(token, 64, "%s", jstr(j, "envdAccessToken"));
	json_decref(j);
	buf_free(&r.body);
}

static void expect_status(struct fx *f, const char *method, const char *path, const char *body, int want)
{
	struct resp r;
	int got = api(f, method, path, body, &r);
	if (got != want)
		fail_msg("%s %s: got %d want %d: %s", method, path, got, want, buf_cstr(&r.body));
	buf_free(&r.body);
}

/* --- tests ------------------------------------------------------------------------ */

static void test_errors(void **state)
{
	struct fx *f = *state;
	struct resp r;
	json_t *j;

	assert_int_equal(req_ex(f, "GET", "/v2/sandboxes", NULL, NULL, 0, &r), 401);
	j = body_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 401);
	assert_non_null(strstr(jstr(j, "message"), "X-API-KEY"));
	json_decref(j);
	buf_free(&r.body);
	const char *wrong[] = { "X-API-KEY: nope", NULL };
	assert_int_equal(req_ex(f, "GET", "/sandboxes", wrong, NULL, 0, &r), 401);
	buf_free(&r.body);

	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":", &r), 400);
	j = body_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 400);
	assert_non_null(strstr(jstr(j, "message"), "not valid JSON"));
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", "/v2/sandboxes", "[1]", &r), 400);
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"timeout\":10}", &r), 400);
	assert_non_null(strstr(buf_cstr(&r.body), "templateID"));
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":\"x\"}", &r), 400);
	assert_non_null(strstr(buf_cstr(&r.body), "timeout"));
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"envVars\":{\"A\":1}}", &r), 400);
	assert_non_null(strstr(buf_cstr(&r.body), "envVars['A']"));
	buf_free(&r.body);

	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"nosuch\"}", &r), 404);
	j = body_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 404);
	assert_non_null(strstr(jstr(j, "message"), "sbx template build nosuch"));
	json_decref(j);
	buf_free(&r.body);

	const char *paths[] = { "/sandboxes/nosuchid", "/sandboxes/nosuchid/metrics", "/sandboxes/nosuchid/logs" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(api(f, "GET", paths[i], NULL, &r), 404);
		j = body_json(&r);
		assert_int_equal(json_integer_value(json_object_get(j, "code")), 404);
		json_decref(j);
		buf_free(&r.body);
	}
	expect_status(f, "DELETE", "/sandboxes/nosuchid", NULL, 404);
	expect_status(f, "POST", "/sandboxes/nosuchid/pause", "{}", 404);
	expect_status(f, "POST", "/sandboxes/nosuchid/timeout", "{\"timeout\":5}", 404);
	expect_status(f, "POST", "/v2/sandboxes/nosuchid/connect", "{}", 404);
	expect_status(f, "GET", "/v2/sandboxes/x/y/z", NULL, 404);
	expect_status(f, "PUT", "/v2/sandboxes", NULL, 405);
	expect_status(f, "GET", "/nowhere", NULL, 404);

	/* data plane: unknown sandbox → 502 with sandboxId */
	assert_int_equal(data(f, "GET", "/health", "nosuchid", NULL, NULL, NULL, 0, &r), 502);
	j = body_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 502);
	assert_string_equal(jstr(j, "sandboxId"), "nosuchid");
	assert_string_equal(jstr(j, "message"), "The sandbox was not found");   /* E2B's words */
	json_decref(j);
	buf_free(&r.body);

	/* bytes that are not UTF-8, echoed back in error messages */
	assert_int_equal(api(f, "GET", "/nowhere%ff%fe", NULL, &r), 404);
	j = body_json(&r);
	assert_non_null(strstr(jstr(j, "message"), "/nowhere\xef\xbf\xbd\xef\xbf\xbd"));
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/health", "bad\xff", NULL, NULL, NULL, 0, &r), 502);
	j = body_json(&r);
	assert_string_equal(jstr(j, "sandboxId"), "bad\xef\xbf\xbd");   /* U+FFFD */
	json_decref(j);
	buf_free(&r.body);

	/* sbxd's own health, no key needed */
	assert_int_equal(req_ex(f, "GET", "/health", NULL, NULL, 0, &r), 200);
	buf_free(&r.body);
}

/* --- libsbx's calls against this sbxd ------------------------------------------- */

struct got {
	int done, n, started, ended, found;
	uint32_t pid;
	char err[1024], next[64];
};

static void g_done(const sbx_err *e, void *ud)
{
	struct got *g = ud;
	snprintf(g->err, sizeof g->err, "%s", e ? e->msg : "");
	g->done = 1;
}

static void g_list(const sbx_info *items, size_t n, const char *next, const sbx_err *e, void *ud)
{
	struct got *g = ud;
	g->n = (int)n;
	snprintf(g->next, sizeof g->next, "%s", next ? next : "");
	g_done(e, ud);
	(void)items;
}

static void g_procs(const sbx_proc_info *p, size_t n, const sbx_err *e, void *ud)
{
	struct got *g = ud;
	g->n = (int)n;
	for (size_t i = 0; i < n; i++)
		if (p[i].pid == g->pid && p[i].tag && !strcmp(p[i].tag, "sleeper") && !strcmp(p[i].cmd, "/bin/sleep") &&
		    p[i].nargs == 1 && !strcmp(p[i].args[0], "30"))
			g->found = 1;
	g_done(e, ud);
}

static void g_event(const sbx_proc_event *ev, void *ud)
{
	struct got *g = ud;
	if (ev->type == SBX_PROC_START) {
		g->started = 1;
		g->pid = ev->pid;
	} else if (ev->type == SBX_PROC_END) {
		g->ended = 1;
	}
}

static void g_context(const sbx_context *ctx, const sbx_err *e, void *ud)
{
	struct got *g = ud;
	if (ctx)
		snprintf(g->next, sizeof g->next, "%s", ctx->id);
	g_done(e, ud);
}

static void g_contexts(const sbx_context *ctx, size_t n, const sbx_err *e, void *ud)
{
	struct got *g = ud;
	g->found = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ctx[i].id, g->next))
			g->found = 1;
	g_done(e, ud);
}

/* sbx_api_health, sbx_api_list (one page), sbx_proc_list, sbx_proc_connect
 * and sbx_context_delete: the calls the CLI does not make (yet). */
static void test_libsbx_calls(void **state)
{
	struct fx *f = *state;
	char id[64], tok[64], id2[64], tok2[64];
	create(f, "{\"templateID\":\"base\"}", id, tok);
	create(f, "{\"templateID\":\"kernels\"}", id2, tok2);
	sbx_config_env env = { .api_url = f->base, .api_key = KEY, .sandbox_url = f->base };
	sbx_config cfg;
	sbx_err e;
	assert_int_equal(sbx_config_build(&env, &cfg, &e), 0);
	sbx_client *c = sbx_client_new(f->loop, &cfg);
	sbx_sandbox sb, sb2;
	assert_int_equal(sbx_sandbox_init(&sb, &cfg, id, tok, NULL, NULL, &e), 0);
	assert_int_equal(sbx_sandbox_init(&sb2, &cfg, id2, tok2, tok2, NULL, &e), 0);
	struct got g;

	/* health: sbxd answers; a closed port does not */
	memset(&g, 0, sizeof g);
	assert_int_equal(sbx_api_health(c, 5000, g_done, &g, NULL, &e), 0);
	wait_for(f, &g.done, 10000);
	assert_string_equal(g.err, "");
	sbx_config_env bad = { .api_url = "http://127.0.0.1:1", .api_key = KEY, .sandbox_url = "http://127.0.0.1:1" };
	sbx_config badcfg;
	assert_int_equal(sbx_config_build(&bad, &badcfg, &e), 0);
	sbx_client *cbad = sbx_client_new(f->loop, &badcfg);
	memset(&g, 0, sizeof g);
	assert_int_equal(sbx_api_health(cbad, 5000, g_done, &g, NULL, &e), 0);
	wait_for(f, &g.done, 10000);
	assert_true(g.done && g.err[0]);
	sbx_client_free(cbad);
	sbx_config_free(&badcfg);

	/* one page at a time: limit 1 of 2 gives a next token, which gives the other */
	sbx_list_opts lo = { .limit = 1 };
	memset(&g, 0, sizeof g);
	assert_int_equal(sbx_api_list(c, &lo, g_list, &g, NULL, &e), 0);
	wait_for(f, &g.done, 10000);
	assert_string_equal(g.err, "");
	assert_int_equal(g.n, 1);
	assert_true(g.next[0]);
	char next[64];
	snprintf(next, sizeof next, "%s", g.next);
	lo.next_token = next;
	memset(&g, 0, sizeof g);
	assert_int_equal(sbx_api_list(c, &lo, g_list, &g, NULL, &e), 0);
	wait_for(f, &g.done, 10000);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.next, "");

	/* a tagged process: listed with its config, then re-attached by pid */
	static const char *const args[] = { "30", NULL };
	sbx_proc_opts po = { .cmd = "/bin/sleep", .args = args, .tag = "sleeper" };
	struct got st;
	memset(&st, 0, sizeof st);
	sbx_proc_handler h = { g_event, g_done, &st };
	sbx_op *start_op;
	assert_int_equal(sbx_proc_start(c, &sb, &po, &h, &start_op, &e), 0);
	wait_for(f, &st.started, 10000);
	if (!st.started)
		fail_msg("process.Start: %s", st.err);
	memset(&g, 0, sizeof g);
	g.pid = st.pid;
	assert_int_equal(sbx_proc_list(c, &sb, g_procs, &g, NULL, &e), 0);
	wait_for(f, &g.done, 10000);
	assert_string_equal(g.err, "");
	assert_true(g.found);
	sbx_op_cancel(start_op);   /* stop watching; the process goes on */
	struct got cn;
	memset(&cn, 0, sizeof cn);
	sbx_proc_handler ch = { g_event, g_done, &cn };
	assert_int_equal(sbx_proc_connect(c, &sb, (sbx_proc_ref){ st.pid, NULL }, &ch, NULL, &e), 0);
	wait_for(f, &cn.started, 10000);
	assert_int_equal(cn.pid, st.pid);
	memset(&g, 0, sizeof g);
	assert_int_equal(sbx_proc_signal(c, &sb, (sbx_proc_ref){ st.pid, NULL }, 9, g_done, &g, NULL, &e), 0);
	wait_for(f, &cn.done, 10000);
	assert_true(cn.ended);
	assert_string_equal(cn.err, "");
	/* an unknown pid: the stream ends not_found */
	memset(&cn, 0, sizeof cn);
	assert_int_equal(sbx_proc_connect(c, &sb, (sbx_proc_ref){ 999999, NULL }, &ch, NULL, &e), 0);
	wait_for(f, &cn.done, 10000);
	assert_false(cn.started);
	assert_non_null(strstr(cn.err, "not found"));

	/* a context made, deleted, gone from the list; deleting it again: 404 */
	memset(&g, 0, sizeof g);
	assert_int_equal(sbx_context_create(c, &sb2, "python", NULL, g_context, &g, NULL, &e), 0);
	wait_for(f, &g.done, 60000);
	assert_string_equal(g.err, "");
	char ctx[64];
	snprintf(ctx, sizeof ctx, "%s", g.next);
	memset(&g, 0, sizeof g);
	assert_int_equal(sbx_context_delete(c, &sb2, ctx, g_done, &g, NULL, &e), 0);
	wait_for(f, &g.done, 20000);
	assert_string_equal(g.err, "");
	memset(&g, 0, sizeof g);
	snprintf(g.next, sizeof g.next, "%s", ctx);
	g.found = 1;
	assert_int_equal(sbx_context_list(c, &sb2, g_contexts, &g, NULL, &e), 0);
	wait_for(f, &g.done, 20000);
	assert_string_equal(g.err, "");
	assert_false(g.found);
	memset(&g, 0, sizeof g);
	assert_int_equal(sbx_context_delete(c, &sb2, ctx, g_done, &g, NULL, &e), 0);
	wait_for(f, &g.done, 20000);
	assert_non_null(strstr(g.err, "not found"));

	sbx_sandbox_free(&sb);
	sbx_sandbox_free(&sb2);
	sbx_client_free(c);
	sbx_config_free(&cfg);
}

static size_t records(struct fx *f)
{
	char **ids, *dir = xasprintf("%s/sandboxes", f->dir);
	size_t n = 0;
	sbx_err e;
	if (store_list(dir, &ids, &n, &e) == 0)
		store_list_free(ids);
	free(dir);
	return n;
}

static void test_create_failures(void **state)
{
	struct fx *f = *state;
	struct resp r;
	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"broken\"}", &r), 500);
	assert_non_null(strstr(buf_cstr(&r.body), "could not start the sandbox: cannot mount the broken template"));
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"dies\"}", &r), 500);
	/* why, and the end of the sandbox's own log */
	assert_non_null(strstr(buf_cstr(&r.body), "exited while its agent was starting"));
	assert_non_null(strstr(buf_cstr(&r.body), "no socket for you"));
	buf_free(&r.body);
	/* killed while the runtime's create still runs (in a job): the create
	 * answers 500 and the sandbox goes once the job is done */
	char url[256];
	snprintf(url, sizeof url, "%s/v2/sandboxes", f->base);
	const char *h[] = { "X-API-KEY: " KEY, NULL };
	const char *body = "{\"templateID\":\"slow\"}";
	memset(&r, 0, sizeof r);
	http_call_opts o = { .url = url, .headers = h, .body = body, .body_len = strlen(body), .timeout_ms = 10000,
			     .on_headers = r_headers, .on_data = r_data, .on_done = r_done, .ud = &r };
	http_call_start(f->cl, &o);
	int64_t end = now_ms() + 5000;
	while (!(f->d->boxes && f->d->boxes->creating) && now_ms() < end)
		loop_once(f->loop, 5);
	assert_non_null(f->d->boxes);
	assert_true(f->d->boxes->creating);
	sbox_kill(f->d->boxes, "the test says so", NULL, NULL);
	assert_null(f->d->boxes);   /* off the list at once */
	wait_for(f, &r.done, 5000);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(buf_cstr(&r.body), "the test says so"));
	buf_free(&r.body);
	end = now_ms() + 5000;
	while (f->d->dying && now_ms() < end)
		loop_once(f->loop, 50);
	assert_null(f->d->dying);
	assert_int_equal(records(f), 0);
}

/* The template's env, user and workdir reach the sandbox; start_cmd runs
 * there and create waits for ready_cmd; a failing start_cmd fails the create
 * and the sandbox goes. */
static void test_template_startup(void **state)
{
	struct fx *f = *state;
	struct resp r;
	char body[512], *path;
	snprintf(body, sizeof body, "{\"templateID\":\"startup\",\"envVars\":{\"OUT\":\"%s\",\"SHARED\":\"req\"}}", f->dir);
	if (api(f, "POST", "/v2/sandboxes", body, &r) != 201)
		fail_msg("create answered %d: %s", r.status, buf_cstr(&r.body));
	buf_free(&r.body);
	path = xasprintf("%s/started", f->dir);
	sbx_buf b = SBX_BUF_INIT;
	sbx_err e;
	assert_int_equal(buf_read_file(&b, path, &e), 0);
	assert_string_equal(buf_cstr(&b), "1 req /tmp root\n");   /* template env, envVars win, workdir, user */
	free(path);
	buf_reset(&b);
	path = xasprintf("%s/pid", f->dir);
	assert_int_equal(buf_read_file(&b, path, &e), 0);
	pid_t pid = (pid_t)atoi(buf_cstr(&b));
	assert_true(pid > 1);
	assert_int_equal(kill(pid, 0), 0);   /* start_cmd's process runs on after create */
	kill(pid, SIGKILL);
	free(path);
	buf_free(&b);

	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"readyonly\"}", &r), 201);
	buf_free(&r.body);

	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"startfail\"}", &r), 500);
	const char *msg = buf_cstr(&r.body);
	if (!strstr(msg, "the template's start_cmd (echo boom >&2; exit 3) ended with exit status 3 before ready") ||
	    !strstr(msg, "its output ends with: boom"))
		fail_msg("create answered: %s", msg);
	buf_free(&r.body);
	int64_t end = now_ms() + 5000;
	while (f->d->dying && now_ms() < end)
		loop_once(f->loop, 50);
	assert_int_equal(records(f), 2);   /* the failed one is gone */
}

static void test_create_get_list_kill(void **state)
{
	struct fx *f = *state;
	struct resp r;
	char id[64], tok[64], id2[64], tok2[64], path[256];
	json_t *j;

	assert_int_equal(api(f, "POST", "/v2/sandboxes",
			     "{\"templateID\":\"code-interpreter-v1\",\"metadata\":{\"user\":\"u1\"},"
			     "\"envVars\":{\"X\":\"1\"},\"timeout\":120}", &r), 201);
	j = body_json(&r);
	snprintf(id, sizeof id, "%s", jstr(j, "sandboxID"));
	snprintf(tok, sizeof tok, "%s", jstr(j, "envdAccessToken"));
	assert_int_equal(strlen(id), 20);
	assert_string_equal(jstr(j, "templateID"), "code-interpreter");
	assert_string_equal(jstr(j, "alias"), "code-interpreter-v1");
	assert_string_equal(jstr(j, "envdVersion"), "0.6.13");
	assert_string_equal(jstr(j, "trafficAccessToken"), tok);
	assert_true(strlen(tok) >= 32);
	char dom[32];   /* getHost(P) = P-ID.localhost:PORT, which reaches sbxd */
	snprintf(dom, sizeof dom, "localhost:%d", sbxd_port(f->d));
	assert_string_equal(jstr(j, "domain"), dom);
	assert_true(json_is_string(json_object_get(j, "clientID")));
	json_decref(j);
	buf_free(&r.body);
	create(f, "{\"templateID\":\"base\",\"cpuCount\":2,\"memoryMB\":300}", id2, tok2);
	assert_string_not_equal(tok, tok2);

	snprintf(path, sizeof path, "/sandboxes/%s", id);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	assert_string_equal(jstr(j, "state"), "running");
	assert_string_equal(jstr(json_object_get(j, "metadata"), "user"), "u1");
	assert_int_equal(json_integer_value(json_object_get(j, "cpuCount")), 1);   /* template default */
	assert_int_equal(json_integer_value(json_object_get(j, "memoryMB")), 256);
	assert_string_equal(jstr(j, "envdAccessToken"), tok);
	int64_t started, end;
	assert_int_equal(rfc3339_parse(jstr(j, "startedAt"), &started), 0);
	assert_int_equal(rfc3339_parse(jstr(j, "endAt"), &end), 0);
	assert_true(end - started >= 119000 && end - started <= 121000);
	json_decref(j);
	buf_free(&r.body);

	/* lists: metadata filter as the SDK sends it, state filter, v1 */
	assert_int_equal(api(f, "GET", "/v2/sandboxes?metadata=user%3Du1&state=running,paused&limit=10", NULL, &r), 200);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(jstr(json_array_get(j, 0), "sandboxID"), id);
	assert_null(json_object_get(json_array_get(j, 0), "envdAccessToken"));
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(api(f, "GET", "/v2/sandboxes?state=paused", NULL, &r), 200);
	assert_string_equal(buf_cstr(&r.body), "[]");
	buf_free(&r.body);
	assert_int_equal(api(f, "GET", "/v2/sandboxes?limit=1", NULL, &r), 200);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 1);
	assert_true(strlen(r.next) > 0);
	json_decref(j);
	char next[256];
	snprintf(next, sizeof next, "/v2/sandboxes?limit=1&nextToken=%s", r.next);
	buf_free(&r.body);
	assert_int_equal(api(f, "GET", next, NULL, &r), 200);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(r.next, "");
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(api(f, "GET", "/sandboxes", NULL, &r), 200);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
	buf_free(&r.body);
	expect_status(f, "GET", "/v2/sandboxes?state=bogus", NULL, 400);

	/* data plane: the agent enforces the token; env vars reached it */
	assert_int_equal(data(f, "GET", "/health", id, tok, NULL, NULL, 0, &r), 204);
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/envs", id, NULL, NULL, NULL, 0, &r), 401);
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/envs", id, tok2, NULL, NULL, 0, &r), 401);
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/envs", id, tok, NULL, NULL, 0, &r), 200);
	j = body_json(&r);
	assert_string_equal(jstr(j, "X"), "1");
	json_decref(j);
	buf_free(&r.body);

	snprintf(path, sizeof path, "/sandboxes/%s/metrics", id);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "cpuCount")), 1);
	json_decref(j);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s/logs", id);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	assert_non_null(strstr(buf_cstr(&r.body), "==> sbxd <=="));
	assert_non_null(strstr(buf_cstr(&r.body), "agent ready"));
	assert_non_null(strstr(buf_cstr(&r.body), "==> agent.log <=="));
	buf_free(&r.body);

	snprintf(path, sizeof path, "/sandboxes/%s/timeout", id);
	expect_status(f, "POST", path, "{\"timeout\":30}", 204);
	expect_status(f, "POST", path, "{}", 400);
	expect_status(f, "POST", path, "{\"timeout\":-1}", 400);

	snprintf(path, sizeof path, "/sandboxes/%s", id);
	expect_status(f, "DELETE", path, NULL, 204);
	expect_status(f, "DELETE", path, NULL, 404);
	expect_status(f, "GET", path, NULL, 404);
	assert_int_equal(data(f, "GET", "/health", id, tok, NULL, NULL, 0, &r), 502);
	buf_free(&r.body);
	char *json = xasprintf("%s/sandboxes/%s.json", f->dir, id), *rtdir = xasprintf("%s/sandboxes/%s", f->dir, id);
	assert_int_equal(access(json, F_OK), -1);
	assert_int_equal(access(rtdir, F_OK), -1);
	free(json);
	free(rtdir);
	snprintf(path, sizeof path, "/sandboxes/%s", id2);
	expect_status(f, "DELETE", path, NULL, 204);
}

/* A signed /files URL (download_url/upload_url) has no E2b-Sandbox-Id: sbxd
 * finds the sandbox whose token signed it. */
static void test_signed_files_urls(void **state)
{
	struct fx *f = *state;
	struct resp r;
	char id[64], tok[64], id2[64], tok2[64], path[512];
	const char *none[] = { NULL }, *oct[] = { "Content-Type: application/octet-stream", NULL };
	create(f, "{\"templateID\":\"base\",\"timeout\":60}", id, tok);
	create(f, "{\"templateID\":\"base\",\"timeout\":60}", id2, tok2);
	/* sig.txt is in each sandbox's own workdir. */
	assert_int_equal(data(f, "POST", "/files?path=sig.txt", id, tok, "application/octet-stream", "first's", 7, &r), 200);
	buf_free(&r.body);
	assert_int_equal(data(f, "POST", "/files?path=sig.txt", id2, tok2, "application/octet-stream", "second's", 8, &r), 200);
	buf_free(&r.body);

	/* signed GET <- (operation, token, expected status, expected body) */
	struct { const char *op, *token; int status; const char *body; } cases[] = {
		{ "read", tok, 200, "first's" },
		{ "read", tok2, 200, "second's" },
		{ "write", tok2, 401, NULL },      /* a write signature does not read */
		{ "read", "not-a-token", 401, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *sig = file_signature("sig.txt", cases[i].op, "", cases[i].token, NULL);
		snprintf(path, sizeof path, "/files?path=sig.txt&signature=%s", sig);
		free(sig);
		int got = req_ex(f, "GET", path, none, NULL, 0, &r);
		if (got != cases[i].status || (cases[i].body && strcmp(buf_cstr(&r.body), cases[i].body)))
			fail_msg("case %zu: %d %s", i, got, buf_cstr(&r.body));
		if (got == 401)
			assert_non_null(strstr(buf_cstr(&r.body), "download_url"));
		buf_free(&r.body);
	}
	/* An upload URL writes into its own sandbox only. */
	char *sig = file_signature("sig.txt", "write", "", tok2, NULL);
	snprintf(path, sizeof path, "/files?path=sig.txt&signature=%s", sig);
	free(sig);
	assert_int_equal(req_ex(f, "POST", path, oct, "by URL", 6, &r), 200);
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/files?path=sig.txt", id2, tok2, NULL, NULL, 0, &r), 200);
	assert_string_equal(buf_cstr(&r.body), "by URL");
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/files?path=sig.txt", id, tok, NULL, NULL, 0, &r), 200);
	assert_string_equal(buf_cstr(&r.body), "first's");
	buf_free(&r.body);
	/* No signature and no header: a request for no sandbox, as before. */
	assert_int_equal(req_ex(f, "GET", "/files?path=sig.txt", none, NULL, 0, &r), 404);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	expect_status(f, "DELETE", path, NULL, 204);
	snprintf(path, sizeof path, "/sandboxes/%s", id2);
	expect_status(f, "DELETE", path, NULL, 204);
}

static void test_pause_connect(void **state)
{
	struct fx *f = *state;
	struct resp r;
	char id[64], tok[64], path[256];
	json_t *j;
	create(f, "{\"templateID\":\"base\",\"timeout\":60}", id, tok);

	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	expect_status(f, "POST", path, "{}", 204);
	assert_int_equal(api(f, "POST", path, "{}", &r), 409);
	j = body_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 409);
	json_decref(j);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	assert_string_equal(jstr(j, "state"), "paused");
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(api(f, "GET", "/v2/sandboxes?state=paused", NULL, &r), 200);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(api(f, "GET", "/sandboxes", NULL, &r), 200);   /* v1: running only */
	assert_string_equal(buf_cstr(&r.body), "[]");
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/health", id, tok, NULL, NULL, 0, &r), 502);
	assert_non_null(strstr(buf_cstr(&r.body), "paused"));
	buf_free(&r.body);

	snprintf(path, sizeof path, "/v2/sandboxes/%s/connect", id);
	assert_int_equal(api(f, "POST", path, "{\"timeout\":90}", &r), 201);
	j = body_json(&r);
	assert_string_equal(jstr(j, "sandboxID"), id);
	assert_string_equal(jstr(j, "envdAccessToken"), tok);
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/health", id, tok, NULL, NULL, 0, &r), 204);
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", path, "{\"timeout\":10}", &r), 200);   /* running: 200 */
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	int64_t started, end, now = wall_ms();
	assert_int_equal(rfc3339_parse(jstr(j, "endAt"), &end), 0);
	assert_int_equal(rfc3339_parse(jstr(j, "startedAt"), &started), 0);
	assert_true(end - now > 80000);   /* connect only extends */
	json_decref(j);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s/resume", id);
	expect_status(f, "POST", path, "{}", 409);   /* v1 resume of a running one */
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	expect_status(f, "DELETE", path, NULL, 204);
}

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "r");
	char buf[1024] = "";
	size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = '\0';
	return xstrdup(buf);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Until the driver's "<state>/net" of id reads want (5 s at most). */
static void expect_net(struct fx *f, const char *id, const char *want)
{
	char *path = xasprintf("%s/sandboxes/%s/net", f->dir, id), *got = NULL;
	for (int64_t end = now_ms() + 5000;; loop_once(f->loop, 20)) {
		free(got);
		got = read_text(path);
		if (!strcmp(got, want) || now_ms() > end)
			break;
	}
	if (strcmp(got, want))
		fail_msg("the driver's rules: got [%s] want [%s]", got, want);
	free(got);
	free(path);
}

/* Network rules: resolved (names through the hosts file) for the driver at
 * create and by PUT /network, reported by getInfo, kept current. */
static void test_network(void **state)
{
	struct fx *f = *state;
	struct resp r;
	char id[64], tok[64], path[256];
	json_t *j;
	write_text(f->hosts, "10.9.8.7 name.test  # the test's name\n");
	create(f, "{\"templateID\":\"base\",\"network\":{\"allowOut\":[\"1.1.1.1\",\"Name.Test.\"],"
		  "\"denyOut\":[\"0.0.0.0/0\"],\"allowPublicTraffic\":false,\"maskRequestHost\":\"h.test\"}}", id, tok);
	expect_net(f, id, "internet 1\nallow 1.1.1.1\nallow 10.9.8.7\ndeny 0.0.0.0/0\n");
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	char *net = json_dumps(json_object_get(j, "network"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(net, "{\"allowOut\":[\"1.1.1.1\",\"name.test\"],\"allowPublicTraffic\":false,"
			    "\"denyOut\":[\"0.0.0.0/0\"],\"maskRequestHost\":\"h.test\"}");
	free(net);
	assert_true(json_is_true(json_object_get(j, "allowInternetAccess")));
	json_decref(j);
	buf_free(&r.body);

	/* An update replaces the rules whole; allowPublicTraffic and maskRequestHost stay. */
	snprintf(path, sizeof path, "/sandboxes/%s/network", id);
	expect_status(f, "PUT", path, "{\"allow_internet_access\":false,\"allowOut\":[\"2.2.2.9/24\"]}", 204);
	expect_net(f, id, "internet 0\nallow 2.2.2.0/24\n");
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	net = json_dumps(json_object_get(j, "network"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(net, "{\"allowOut\":[\"2.2.2.0/24\"],\"allowPublicTraffic\":false,\"maskRequestHost\":\"h.test\"}");
	free(net);
	assert_true(json_is_false(json_object_get(j, "allowInternetAccess")));
	json_decref(j);
	buf_free(&r.body);

	/* Bad input: named; the rules stay. */
	snprintf(path, sizeof path, "/sandboxes/%s/network", id);
	assert_int_equal(api(f, "PUT", path, "{\"denyOut\":[\"1.2.3.4\",\"x.test\"]}", &r), 400);
	assert_non_null(strstr(buf_cstr(&r.body), "denyOut[1]: 'x.test': domain names are not supported"));
	buf_free(&r.body);
	expect_status(f, "PUT", path, "{\"allowOut\":\"1.2.3.4\"}", 400);
	expect_status(f, "PUT", path, "[1]", 400);
	expect_status(f, "GET", path, NULL, 405);
	expect_status(f, "PUT", "/sandboxes/nosuchsandbox0000000/network", "{}", 404);
	expect_net(f, id, "internet 0\nallow 2.2.2.0/24\n");
	expect_status(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"network\":{\"allowOut\":[\"1.1.1.1/40\"]}}", 400);
	expect_status(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"network\":[]}", 400);
	expect_status(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"network\":{\"allowPublicTraffic\":1}}", 400);
	expect_status(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"network\":{\"maskRequestHost\":\"a\\r\\nX: y\"}}", 400);

	/* A name follows the hosts file (refresh every 100 ms here), paused too. */
	expect_status(f, "PUT", path, "{\"allowOut\":[\"name.test\"],\"denyOut\":[\"0.0.0.0/0\"]}", 204);
	expect_net(f, id, "internet 1\nallow 10.9.8.7\ndeny 0.0.0.0/0\n");
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	expect_status(f, "POST", path, "{}", 204);
	write_text(f->hosts, "10.9.8.6 name.test\n");
	expect_net(f, id, "internet 1\nallow 10.9.8.6\ndeny 0.0.0.0/0\n");
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	expect_status(f, "DELETE", path, NULL, 204);
	snprintf(path, sizeof path, "/sandboxes/%s/network", id);
	expect_status(f, "PUT", path, "{}", 404);
}

static void test_timeouts(void **state)
{
	struct fx *f = *state;
	char id[64], tok[64], id2[64], tok2[64], id3[64], tok3[64], path[256];
	struct resp r;
	json_t *j;
	create(f, "{\"templateID\":\"base\",\"timeout\":1}", id, tok);
	create(f, "{\"templateID\":\"base\",\"timeout\":1,\"autoPause\":true,\"autoResume\":{\"enabled\":true}}",
	       id2, tok2);
	create(f, "{\"templateID\":\"base\",\"timeout\":1}", id3, tok3);
	snprintf(path, sizeof path, "/sandboxes/%s/timeout", id3);
	expect_status(f, "POST", path, "{\"timeout\":60}", 204);
	sleep_loop(f, 1600);
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	expect_status(f, "GET", path, NULL, 404);
	snprintf(path, sizeof path, "/sandboxes/%s", id3);
	expect_status(f, "GET", path, NULL, 200);
	snprintf(path, sizeof path, "/sandboxes/%s", id2);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	assert_string_equal(jstr(j, "state"), "paused");
	assert_string_equal(jstr(json_object_get(j, "lifecycle"), "onTimeout"), "pause");
	json_decref(j);
	buf_free(&r.body);
	/* autoResume: traffic wakes it */
	assert_int_equal(data(f, "GET", "/health", id2, tok2, NULL, NULL, 0, &r), 204);
	buf_free(&r.body);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	assert_string_equal(jstr(j, "state"), "running");
	json_decref(j);
	buf_free(&r.body);
	expect_status(f, "DELETE", path, NULL, 204);
	snprintf(path, sizeof path, "/sandboxes/%s", id3);
	expect_status(f, "DELETE", path, NULL, 204);
}

/* Connect stream through the proxy: frames arrive as they are made. */
static void envelope(sbx_buf *b, const char *json)
{
	size_t n = strlen(json);
	unsigned char h[5] = { 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
			       (unsigned char)n };
	buf_append(b, h, 5);
	buf_puts(b, json);
}

static void test_proxy_streams(void **state)
{
	struct fx *f = *state;
	struct resp r;
	char id[64], tok[64], path[512];
	create(f, "{\"templateID\":\"base\"}", id, tok);

	sbx_buf req = SBX_BUF_INIT;
	envelope(&req, "{\"process\":{\"cmd\":\"/bin/sh\",\"args\":[\"-c\",\"echo one; sleep 0.5; echo two\"]}}");
	char h1[128], h2[128];
	snprintf(h1, sizeof h1, "E2b-Sandbox-Id: %s", id);
	snprintf(h2, sizeof h2, "X-Access-Token: %s", tok);
	const char *h[] = { h1, h2, "Content-Type: application/connect+json", "Connect-Protocol-Version: 1", NULL };
	int64_t t0 = now_ms();
	assert_int_equal(req_ex(f, "POST", "/process.Process/Start", h, req.data, req.len, &r), 200);
	buf_free(&req);
	assert_true(r.ok);
	assert_true(r.pieces >= 2);
	/* the start event came well before the end, not all at once */
	assert_true(r.done_ms - r.first_data_ms >= 350);
	assert_true(r.first_data_ms - t0 < 400);
	/* envelopes: binary headers, JSON payloads */
	assert_non_null(memmem(r.body.data, r.body.len, "\"start\"", 7));
	assert_non_null(memmem(r.body.data, r.body.len, "\"end\"", 5));
	buf_free(&r.body);

	/* 3 MB up, then down: bodies stream both ways, bytes intact */
	size_t big = 3 * 1024 * 1024 + 17;
	unsigned char *blob = xmalloc(big);
	for (size_t i = 0; i < big; i++)
		blob[i] = (unsigned char)(i * 7 + (i >> 11));
	snprintf(path, sizeof path, "/files?path=%s/sandboxes/big%%20file.bin", f->dir);
	assert_int_equal(data(f, "POST", path, id, tok, "application/octet-stream", blob, big, &r), 200);
	assert_non_null(strstr(buf_cstr(&r.body), "big file.bin"));
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", path, id, tok, NULL, NULL, 0, &r), 200);
	assert_int_equal(r.body.len, big);
	assert_memory_equal(r.body.data, blob, big);
	buf_free(&r.body);
	free(blob);
	/* an empty file: Content-Length 0 survives the proxy (the SDK checks it) */
	snprintf(path, sizeof path, "/files?path=%s/sandboxes/empty", f->dir);
	assert_int_equal(data(f, "POST", path, id, tok, "application/octet-stream", "", 0, &r), 200);
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", path, id, tok, NULL, NULL, 0, &r), 200);
	assert_int_equal(r.body.len, 0);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	expect_status(f, "DELETE", path, NULL, 204);
}

static void test_restart_adopts(void **state)
{
	struct fx *f = *state;
	char a[64], ta[64], b[64], tb[64], c[64], tc[64], path[256];
	struct resp r;
	json_t *j;
	create(f, "{\"templateID\":\"base\",\"metadata\":{\"k\":\"a\"}}", a, ta);
	create(f, "{\"templateID\":\"base\",\"metadata\":{\"k\":\"b\"}}", b, tb);
	create(f, "{\"templateID\":\"base\"}", c, tc);
	snprintf(path, sizeof path, "/sandboxes/%s/pause", b);
	expect_status(f, "POST", path, "{}", 204);
	/* c's processes die while sbxd is down: it is dropped at adoption */
	sbox *sc = f->d->boxes;
	while (strcmp(sc->rec.id, c))
		sc = sc->next;
	pid_t cpid = sc->rt->pid;
	sbxd_free(f->d);
	f->d = NULL;
	kill(cpid, SIGKILL);
	for (int i = 0; i < 200 && pid_alive(cpid); i++)
		usleep(10000);
	start_sbxd(f, 0);

	assert_int_equal(api(f, "GET", "/v2/sandboxes?order=asc", NULL, &r), 200);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(jstr(json_array_get(j, 0), "sandboxID"), a);
	assert_string_equal(jstr(json_array_get(j, 0), "state"), "running");
	assert_string_equal(jstr(json_array_get(j, 1), "sandboxID"), b);
	assert_string_equal(jstr(json_array_get(j, 1), "state"), "paused");
	json_decref(j);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s", c);
	expect_status(f, "GET", path, NULL, 404);
	assert_int_equal(data(f, "GET", "/envs", a, ta, NULL, NULL, 0, &r), 200);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/v2/sandboxes/%s/connect", b);
	expect_status(f, "POST", path, "{}", 201);
	assert_int_equal(data(f, "GET", "/envs", b, tb, NULL, NULL, 0, &r), 200);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s", a);
	expect_status(f, "DELETE", path, NULL, 204);
	snprintf(path, sizeof path, "/sandboxes/%s", b);
	expect_status(f, "DELETE", path, NULL, 204);
}

static int pool_ready(struct fx *f)
{
	for (sbox *sb = f->d->boxes; sb; sb = sb->next)
		if (sb->rec.pooled && sb->ready && !sb->op)
			return 1;
	return 0;
}

static void test_pool(void **state)
{
	struct fx *f = *state;
	struct resp r;
	char id[64], tok[64], path[256];
	json_t *j;
	sbxd_free(f->d);
	start_sbxd(f, 1);
	int64_t end = now_ms() + 10000;
	while (!pool_ready(f) && now_ms() < end)
		loop_once(f->loop, 50);
	assert_true(pool_ready(f));
	/* pool sandboxes are invisible */
	assert_int_equal(api(f, "GET", "/v2/sandboxes", NULL, &r), 200);
	assert_string_equal(buf_cstr(&r.body), "[]");
	buf_free(&r.body);
	sbox *pooled = f->d->boxes;
	char old_token[64];
	snprintf(old_token, sizeof old_token, "%s", pooled->rec.token);

	int64_t t0 = now_ms();
	create(f, "{\"templateID\":\"base\",\"envVars\":{\"POOLED\":\"yes\"},\"metadata\":{\"m\":\"1\"}}", id, tok);
	int64_t took = now_ms() - t0;
	print_message("pool claim: create → 201 in %lld ms\n", (long long)took);
	assert_string_equal(id, pooled->rec.id);
	assert_string_not_equal(tok, old_token);
	assert_int_equal(data(f, "GET", "/envs", id, tok, NULL, NULL, 0, &r), 200);
	j = body_json(&r);
	assert_string_equal(jstr(j, "POOLED"), "yes");
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(data(f, "GET", "/envs", id, old_token, NULL, NULL, 0, &r), 401);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	assert_int_equal(api(f, "GET", path, NULL, &r), 200);
	j = body_json(&r);
	assert_string_equal(jstr(json_object_get(j, "metadata"), "m"), "1");
	json_decref(j);
	buf_free(&r.body);
	/* own limits: not from the pool */
	char id2[64], tok2[64];
	create(f, "{\"templateID\":\"base\",\"memoryMB\":400}", id2, tok2);
	assert_string_not_equal(id2, pooled->rec.id);
	/* the pool refills in the background */
	end = now_ms() + 10000;
	while (!pool_ready(f) && now_ms() < end)
		loop_once(f->loop, 50);
	assert_true(pool_ready(f));
	expect_status(f, "DELETE", path, NULL, 204);
	snprintf(path, sizeof path, "/sandboxes/%s", id2);
	expect_status(f, "DELETE", path, NULL, 204);
	/* stopping destroys unclaimed pool sandboxes */
	sbxd_free(f->d);
	f->d = NULL;
	char **ids;
	size_t n;
	sbx_err e;
	char *dir = xasprintf("%s/sandboxes", f->dir);
	assert_int_equal(store_list(dir, &ids, &n, &e), 0);
	assert_int_equal(n, 0);
	store_list_free(ids);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_startup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_get_list_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_files_urls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_adopts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libsbx_calls, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
