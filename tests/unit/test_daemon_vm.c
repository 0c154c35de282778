/*
 * sbxd with VM-style runtimes, in one process: a fake driver ("fakevm",
 * RT_RESTORES | RT_SLOW_PAUSE, accelerator tcg) whose "guest" is a real
 * sbx-agent started with the booted snapshot's token (never the sandbox's)
 * and whose "VMM" is a separate process that exits on pause, as a real one
 * does.  So a create without POST /init, or an /init with the wrong
 * X-Access-Token, fails here; pause/resume take a second and write
 * progress, and the loop must go on serving meanwhile.  Beside it: "host"
 * (no VM, what auto picks) and "nokvm" (never available).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../../src/daemon/daemon_int.h"
#include "../../src/daemon/files.h"
#include "../../src/daemon/liveness.h"
#include "../../src/daemon/sandbox.h"
#include "../../src/daemon/sbxd.h"
#include "../../src/http/client.h"
#include "../../src/http/server.h"
#include "../../src/util/buf.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/selfpath.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"

#define SNAP_TOKEN "snapshot-token-not-the-sandboxes"

/* --- the fake VM driver -------------------------------------------------------- */

/* Like a real driver's, the handle holds its VMM's pid from when it was
 * made: after a job started a new VMM, sbxd must adopt the sandbox again. */
struct rt_sandbox {
	char *dir, *addr;
	pid_t vmm;
	int noinit;   /* "host": the agent gets the sandbox's token and env itself */
};

static char *fpath(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void put_int(const char *dir, const char *name, long v)
{
	char *p = fpath(dir, name);
	FILE *f = fopen(p, "w");
	free(p);
	if (f) {
		fprintf(f, "%ld\n", v);
		fclose(f);
	}
}

static long get_int(const char *dir, const char *name)
{
	char *p = fpath(dir, name);
	FILE *f = fopen(p, "r");
	long v = 0;
	free(p);
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static int has(const char *dir, const char *name)
{
	char *p = fpath(dir, name);
	int ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

/* Our grandchildren are reaped by init; a zombie still answers kill 0. */
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

/* Never kill(0) or kill(-1): a missing pid file reads as 0. */
static void sig(pid_t pid, int signo)
{
	if (pid > 0)
		kill(pid, signo);
}

static void kill_wait(pid_t pid)
{
	if (pid > 0 && kill(pid, SIGKILL) == 0)
		for (int i = 0; i < 300 && pid_alive(pid); i++)
			usleep(10000);
}

static pid_t spawn(const char *dir, const char *const *argv)
{
	char *log = fpath(dir, "agent.log");
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		setsid();
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	free(log);
	return pid;
}

static void start_vmm(const char *dir)
{
	const char *argv[] = { "/bin/sleep", "3600", NULL };
	put_int(dir, "vmm", spawn(dir, argv));
}

/* A "recorded" sandbox has no agent: its address is the test's recorder
 * (STATE/recorder.sock; dir is STATE/sandboxes/ID), which keeps what sbxd
 * sends it. */
static rt_sandbox *handle(const char *dir, int noinit)
{
	rt_sandbox *s = xcalloc(1, sizeof *s);
	s->dir = xstrdup(dir);
	if (has(dir, "recorded"))
		s->addr = xasprintf("unix:%s/../../recorder.sock", dir);
	else
		s->addr = xasprintf("unix:%s/agent.sock", dir);
	s->noinit = noinit;
	s->vmm = (pid_t)get_int(dir, "vmm");
	return s;
}

static int vm_available(sbx_err *e)
{
	(void)e;
	return 1;
}

static const char *vm_accel(void) { return "tcg"; }

static int start_agent(const rt_spec *spec, const char *token, int with_env)
{
	char *sock = xasprintf("unix:%s/agent.sock", spec->state_dir);
	const char *argv[64] = { spec->agent_bin, "--listen", sock, "--access-token", token,
				 "--workdir", spec->state_dir, "--no-kernel" };
	int n = 8;
	for (const char *const *v = spec->env; with_env && v && *v && n < 60; v++) {
		argv[n++] = "--env";
		argv[n++] = *v;
	}
	argv[n] = NULL;
	pid_t pid = spawn(spec->state_dir, argv);
	free(sock);
	if (pid < 0)
		return -1;
	put_int(spec->state_dir, "pid", pid);
	return 0;
}

/* A clone: the guest's agent holds the snapshot's token and none of the
 * sandbox's env until sbxd's /init. */
static int vm_create(const rt_spec *spec, rt_sandbox **out, sbx_err *e)
{
	if (strstr(spec->template_dir, "/recorded")) {
		put_int(spec->state_dir, "recorded", 1);
		put_int(spec->state_dir, "pid", 0);
	} else if (start_agent(spec, SNAP_TOKEN, 0) < 0)
		return sbx_error_errno(e, "fork");
	start_vmm(spec->state_dir);
	char *bin = fpath(spec->state_dir, "agentbin");   /* for a cold boot */
	FILE *f = fopen(bin, "w");
	if (f) {
		fputs(spec->agent_bin, f);
		fclose(f);
	}
	free(bin);
	*out = handle(spec->state_dir, 0);
	return 0;
}

static int vm_adopt(const char *dir, rt_sandbox **out, sbx_err *e)
{
	if (!has(dir, "pid"))
		return sbx_error(e, "no pid file");
	*out = handle(dir, 0);
	return 0;
}

static const char *vm_addr(rt_sandbox *s) { return s->addr; }
static const char *vm_token(rt_sandbox *s) { (void)s; return SNAP_TOKEN; }

/* Running: its VMM; paused: its snapshot (no process at all); paused
 * without memory: its disk (here: the mark). */
static int vm_alive(rt_sandbox *s)
{
	if (has(s->dir, "snapshot") || has(s->dir, "diskpaused"))
		return 1;
	return pid_alive(s->vmm);
}

static int vm_watch(rt_sandbox *s)
{
	if (has(s->dir, "snapshot") || has(s->dir, "diskpaused"))
		return -1;
	return (int)syscall(SYS_pidfd_open, s->vmm, 0);
}

static void progress(const char *dir, int steps)
{
	char *p = fpath(dir, RT_PROGRESS_FILE), *tmp = fpath(dir, "progress.tmp");
	for (int i = 0; i <= steps; i++) {
		FILE *f = fopen(tmp, "w");
		fprintf(f, "%d %d\n", i << 20, steps << 20);
		fclose(f);
		rename(tmp, p);
		usleep(120000);
	}
	unlink(p);
	free(p);
	free(tmp);
}

/* Memory to disk: seconds in a real VM.  The agent is stopped (its state
 * is "in the snapshot"), the VMM exits. */
static int vm_pause(rt_sandbox *s, sbx_err *e)
{
	if (has(s->dir, "failpause"))
		return sbx_error(e, "the disk is full; free some space");
	sig((pid_t)get_int(s->dir, "pid"), SIGSTOP);
	progress(s->dir, 8);
	/* As a driver that moves the snapshot into place once its VMM is
	 * gone: for a moment there is neither (sbxd must not look then). */
	kill_wait(s->vmm);
	usleep(200000);
	put_int(s->dir, "snapshot", 1);
	return 0;
}

/* Never reached by the tests: they only check what sbxd refuses before. */
static int vm_snapshot(rt_sandbox *s, const char *dir, sbx_err *e)
{
	(void)s, (void)dir;
	return sbx_error(e, "the fake VM driver keeps no user snapshots");
}

/* A filesystem-only pause: agent and VMM gone, memory (the snapshot) too. */
static int vm_pause_disk(rt_sandbox *s, sbx_err *e)
{
	(void)e;
	pid_t agent = (pid_t)get_int(s->dir, "pid");
	sig(agent, SIGCONT);
	kill_wait(agent);
	kill_wait(s->vmm);
	char *p = fpath(s->dir, "snapshot");
	unlink(p);
	free(p);
	put_int(s->dir, "diskpaused", 1);
	return 0;
}

/* After it, a cold boot: a new agent with the snapshot's token and none of
 * the sandbox's env, as a booted guest's. */
static int boot(rt_sandbox *s, sbx_err *e)
{
	char bin[1024] = "", *p = fpath(s->dir, "agentbin");
	FILE *f = fopen(p, "r");
	if (f) {
		if (!fgets(bin, sizeof bin, f))
			bin[0] = '\0';
		fclose(f);
	}
	free(p);
	rt_spec spec = { .state_dir = s->dir, .agent_bin = bin };
	if (!*bin || start_agent(&spec, SNAP_TOKEN, 0) < 0)
		return sbx_error(e, "cannot start a new agent (%s)", bin);
	start_vmm(s->dir);
	p = fpath(s->dir, "diskpaused");
	unlink(p);
	free(p);
	return 0;
}

static int vm_resume(rt_sandbox *s, sbx_err *e)
{
	if (has(s->dir, "diskpaused"))
		return boot(s, e);
	if (!has(s->dir, "snapshot"))
		return sbx_error(e, "its snapshot is gone");
	progress(s->dir, 4);
	start_vmm(s->dir);
	char *p = fpath(s->dir, "snapshot");
	unlink(p);
	free(p);
	sig((pid_t)get_int(s->dir, "pid"), SIGCONT);
	return 0;
}

static int vm_stats(rt_sandbox *s, rt_stats *st, sbx_err *e)
{
	(void)s, (void)e;
	*st = (rt_stats){ .cpu_count = 1 };
	return 0;
}

static void vm_release(rt_sandbox *s)
{
	free(s->dir);
	free(s->addr);
	free(s);
}

static int vm_destroy(rt_sandbox *s, sbx_err *e)
{
	(void)e;
	pid_t agent = (pid_t)get_int(s->dir, "pid");
	sig(agent, SIGCONT);
	kill_wait(agent);
	kill_wait(s->vmm);
	kill_wait((pid_t)get_int(s->dir, "vmm"));
	vm_release(s);
	return 0;
}

static const runtime_ops fakevm_rt = {
	.name = "fakevm", .flags = RT_RESTORES | RT_SLOW_PAUSE, .available = vm_available, .accel = vm_accel,
	.create = vm_create, .adopt = vm_adopt, .agent_addr = vm_addr, .agent_token = vm_token,
	.alive = vm_alive, .watch = vm_watch, .pause = vm_pause, .resume = vm_resume, .stats = vm_stats,
	.snapshot = vm_snapshot, .pause_disk = vm_pause_disk, .destroy = vm_destroy, .release = vm_release,
};

/* "host": no VM; the agent starts with the sandbox's own token and env. */
static int host_create(const rt_spec *spec, rt_sandbox **out, sbx_err *e)
{
	if (start_agent(spec, spec->access_token, 1) < 0)
		return sbx_error_errno(e, "fork");
	start_vmm(spec->state_dir);
	*out = handle(spec->state_dir, 1);
	return 0;
}

static int host_pause(rt_sandbox *s, sbx_err *e)
{
	(void)e;
	sig((pid_t)get_int(s->dir, "pid"), SIGSTOP);
	return 0;
}

static int host_resume(rt_sandbox *s, sbx_err *e)
{
	(void)e;
	sig((pid_t)get_int(s->dir, "pid"), SIGCONT);
	return 0;
}

static const runtime_ops host_rt = {
	.name = "host", .available = vm_available, .create = host_create, .adopt = vm_adopt,
	.agent_addr = vm_addr, .alive = vm_alive, .watch = vm_watch, .pause = host_pause,
	.resume = host_resume, .stats = vm_stats, .destroy = vm_destroy, .release = vm_release,
};

static int nokvm_available(sbx_err *e)
{
	return sbx_error(e, "/dev/kvm is missing: load the kvm module (modprobe kvm_intel) or use qemu");
}

static const char *nokvm_accel(void) { return "kvm"; }

static const runtime_ops nokvm_rt = {
	.name = "nokvm", .flags = RT_RESTORES, .available = nokvm_available, .accel = nokvm_accel,
	.create = vm_create, .adopt = vm_adopt, .agent_addr = vm_addr, .agent_token = vm_token,
	.alive = vm_alive, .pause = vm_pause, .resume = vm_resume, .stats = vm_stats, .destroy = vm_destroy,
	.release = vm_release,
};

static const char *kvm_accel(void) { return "kvm"; }

static const runtime_ops kvmvm_rt = {
	.name = "kvmvm", .flags = RT_RESTORES, .available = vm_available, .accel = kvm_accel,
	.create = vm_create, .adopt = vm_adopt, .agent_addr = vm_addr, .agent_token = vm_token,
	.alive = vm_alive, .pause = vm_pause, .resume = vm_resume, .stats = vm_stats, .destroy = vm_destroy,
	.release = vm_release,
};

/* In auto's order: the VM drivers first. */
static const runtime_ops *const rts[] = { &nokvm_rt, &fakevm_rt, &host_rt, NULL };

static int find_template(const char *name, sbxd_template *out, sbx_err *e)
{
	if (strcmp(name, "base") && strcmp(name, "recorded"))
		return sbx_error(e, "template '%s' is not built", name);
	out->id = xstrdup(name);
	out->dir = xasprintf("/nonexistent/templates/%s", name);
	out->cpus = 1;
	out->memory_mb = 256;
	out->disk_mb = 1024;
	return 0;
}

/* --- fixture and requests -------------------------------------------------------- */

#define KEY "sbx_testkey_0123456789abcdef"

struct fx {
	char dir[64];
	char *agent;
	sbx_loop *loop;
	sbxd *d;
	http_client *cl;
	char base[64];
};

static void start_sbxd_pool(struct fx *f, const char *runtime, int pool)
{
	static const char *const pool_tpl[] = { "base", NULL };
	sbxd_opts o = {
		.listen = "tcp:127.0.0.1:0", .state_dir = f->dir, .runtime = runtime, .api_key = KEY,
		.agent_bin = f->agent, .runtimes = rts, .find_template = find_template, .pool = pool,
		.pool_templates = pool_tpl,
	};
	sbx_err e;
	f->d = sbxd_new(f->loop, &o, &e);
	if (!f->d)
		fail_msg("sbxd_new: %s", e.msg);
	snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", sbxd_port(f->d));
}

static void start_sbxd(struct fx *f, const char *runtime)
{
	start_sbxd_pool(f, runtime, 0);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	f->agent = self_find("../sbx-agent", 0);
	if (!f->agent)
		fail_msg("build/sbx-agent is missing: build it first (make)");
	snprintf(f->dir, sizeof f->dir, "/tmp/sbx-test-sbxdvm.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->loop = loop_new();
	f->cl = http_client_new(f->loop);
	signal(SIGPIPE, SIG_IGN);
	start_sbxd(f, "auto");
	*state = f;
	return 0;
}

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

struct resp {
	int done, ok, status;
	sbx_buf body;
};

static void r_headers(http_call *c, int status, void *ud)
{
	(void)c;
	((struct resp *)ud)->status = status;
}

static void r_data(http_call *c, const char *data, size_t len, void *ud)
{
	(void)c;
	buf_append(&((struct resp *)ud)->body, data, len);
}

static void r_done(http_call *c, int ok, const char *err, void *ud)
{
	(void)c, (void)err;
	struct resp *r = ud;
	r->done = 1;
	r->ok = ok;
}

static void wait_for(struct fx *f, int *flag, int64_t ms)
{
	int64_t end = now_ms() + ms;
	while (!*flag && now_ms() < end)
		loop_once(f->loop, 50);
}

/* Starts a request; the loop runs it while the caller waits. */
static void start_req(struct fx *f, const char *method, const char *path, const char **hdrs, const char *body,
		      struct resp *r)
{
	char url[512];
	snprintf(url, sizeof url, "%s%s", f->base, path);
	memset(r, 0, sizeof *r);
	http_call_opts o = { .method = method, .url = url, .headers = hdrs, .body = body,
			     .body_len = body ? strlen(body) : 0, .timeout_ms = 20000, .on_headers = r_headers,
			     .on_data = r_data, .on_done = r_done, .ud = r };
	http_call_start(f->cl, &o);
}

static const char *api_hdrs[] = { "X-API-KEY: " KEY, "Content-Type: application/json", "Sbx-States: extended",
				  NULL };

static int api(struct fx *f, const char *method, const char *path, const char *body, struct resp *r)
{
	start_req(f, method, path, api_hdrs, body, r);
	wait_for(f, &r->done, 25000);
	assert_true(r->done);
	return r->status;
}

static json_t *body_json(struct resp *r)
{
	json_t *j = json_loads(buf_cstr(&r->body), 0, NULL);
	if (!j)
		fail_msg("not JSON: %s", buf_cstr(&r->body));
	return j;
}

static const char *jstr(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* A data-plane request through the proxy, as an SDK makes it. */
static void start_data(struct fx *f, const char *path, const char *id, const char *token, struct resp *r,
		       char hdr[2][160], const char **h)
{
	snprintf(hdr[0], 160, "E2b-Sandbox-Id: %s", id);
	snprintf(hdr[1], 160, "X-Access-Token: %s", token);
	h[0] = hdr[0];
	h[1] = hdr[1];
	h[2] = NULL;
	start_req(f, "GET", path, h, NULL, r);
}

static int data_get(struct fx *f, const char *path, const char *id, const char *token, struct resp *r)
{
	char hdr[2][160];
	const char *h[3];
	start_data(f, path, id, token, r, hdr, h);
	wait_for(f, &r->done, 25000);
	assert_true(r->done);
	return r->status;
}

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

static json_t *get_sandbox(struct fx *f, const char *id)
{
	struct resp r;
	char path[128];
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	if (api(f, "GET", path, NULL, &r) != 200)
		fail_msg("GET %s: %d %s", path, r.status, buf_cstr(&r.body));
	json_t *j = body_json(&r);
	buf_free(&r.body);
	return j;
}

/* --- tests ------------------------------------------------------------------------ */

/* The clone's agent only becomes the sandbox through /init: its env and
 * token work at once, the snapshot's token no longer does. */
static void test_init_after_create(void **state)
{
	struct fx *f = *state;
	char id[64], token[64];
	struct resp r;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\",\"envVars\":{\"GREETING\":\"hello vm\"}}", id, token);
	assert_string_not_equal(token, SNAP_TOKEN);
	assert_int_equal(data_get(f, "/envs", id, token, &r), 200);
	json_t *j = body_json(&r);
	assert_string_equal(jstr(j, "GREETING"), "hello vm");
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(data_get(f, "/envs", id, SNAP_TOKEN, &r), 401);
	buf_free(&r.body);

	j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "runtime"), "fakevm");
	assert_string_equal(jstr(j, "accel"), "tcg");
	assert_string_equal(jstr(j, "state"), "running");
	assert_null(json_object_get(j, "sbxProgress"));
	json_decref(j);
}

/* Slow pause and resume run in jobs: the sandbox reads pausing/resuming
 * with progress, other sandboxes are served meanwhile, its own traffic
 * gets a 409 while it pauses and waits while it resumes, a paused VM
 * (no process) is not dead, and its agent takes /init after the resume. */
static void test_slow_pause_resume(void **state)
{
	struct fx *f = *state;
	char id[64], token[64], other[64], otoken[64], path[128];
	struct resp p, r, g;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\",\"envVars\":{\"K\":\"v\"}}", id, token);
	create(f, "{\"templateID\":\"base\"}", other, otoken);

	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	start_req(f, "POST", path, api_hdrs, NULL, &p);
	/* pausing, with progress, while the other sandbox answers */
	json_t *j = NULL;
	int64_t end = now_ms() + 5000;
	int seen = 0;
	while (!p.done && now_ms() < end && !seen) {
		loop_once(f->loop, 20);
		j = get_sandbox(f, id);
		json_t *pr = json_object_get(j, "sbxProgress");
		if (pr && json_integer_value(json_object_get(pr, "total")) > 0) {
			seen = 1;
			assert_string_equal(jstr(j, "state"), "pausing");
			assert_string_equal(jstr(pr, "op"), "pausing");
			assert_int_equal(json_integer_value(json_object_get(pr, "total")), 8 << 20);
		}
		json_decref(j);
	}
	assert_true(seen);
	assert_false(p.done);
	assert_int_equal(data_get(f, "/envs", other, otoken, &r), 200);   /* not stalled */
	buf_free(&r.body);
	assert_false(p.done);
	assert_int_equal(data_get(f, "/envs", id, token, &r), 409);
	assert_non_null(strstr(buf_cstr(&r.body), "being paused"));
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	assert_int_equal(api(f, "POST", path, NULL, &r), 409);
	buf_free(&r.body);

	wait_for(f, &p.done, 15000);
	assert_int_equal(p.status, 204);
	buf_free(&p.body);
	j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "state"), "paused");
	assert_null(json_object_get(j, "sbxProgress"));
	json_decref(j);
	/* No VMM process now, on purpose: not dead. */
	sbox *sb = sbox_find(f->d, id);
	assert_non_null(sb);
	assert_false(pid_alive((pid_t)get_int(sb->rt ? ((struct rt_sandbox *)sb->rt)->dir : "", "vmm")));
	assert_int_equal(liveness_check(sb), 1);
	assert_int_equal(sb->rec.state, SB_PAUSED);

	/* resume: resuming with progress; a request to it waits and then works */
	snprintf(path, sizeof path, "/sandboxes/%s/connect", id);
	start_req(f, "POST", path, api_hdrs, "{\"timeout\":60}", &p);
	char hdr[2][160];
	const char *h[3];
	seen = 0;
	end = now_ms() + 5000;
	while (!p.done && now_ms() < end && !seen) {
		loop_once(f->loop, 20);
		j = get_sandbox(f, id);
		json_t *pr = json_object_get(j, "sbxProgress");
		if (pr) {
			seen = 1;
			assert_string_equal(jstr(j, "state"), "resuming");
			assert_string_equal(jstr(pr, "op"), "resuming");
			start_data(f, "/envs", id, token, &g, hdr, h);
		}
		json_decref(j);
	}
	assert_true(seen);
	wait_for(f, &p.done, 15000);
	assert_int_equal(p.status, 201);
	buf_free(&p.body);
	wait_for(f, &g.done, 15000);
	assert_int_equal(g.status, 200);
	j = body_json(&g);
	assert_string_equal(jstr(j, "K"), "v");
	json_decref(j);
	buf_free(&g.body);
	j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "state"), "running");
	json_decref(j);
	/* its VMM runs again and is watched */
	sb = sbox_find(f->d, id);
	assert_true(sb->watch_fd >= 0);
}

/* A pause asked for while it resumes waits for the resume, then for its
 * own pause: 204 only once it is on disk. */
static void test_pause_during_resume(void **state)
{
	struct fx *f = *state;
	char id[64], token[64], path[128];
	struct resp c, p;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\"}", id, token);
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	assert_int_equal(api(f, "POST", path, NULL, &p), 204);
	buf_free(&p.body);
	sbox *sb = sbox_find(f->d, id);
	snprintf(path, sizeof path, "/sandboxes/%s/connect", id);
	start_req(f, "POST", path, api_hdrs, "{}", &c);
	for (int i = 0; i < 100 && !sb->resuming; i++)
		loop_once(f->loop, 10);
	assert_true(sb->resuming);
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	start_req(f, "POST", path, api_hdrs, NULL, &p);
	wait_for(f, &p.done, 20000);
	assert_int_equal(p.status, 204);
	assert_int_equal(sb->rec.state, SB_PAUSED);
	assert_false(sb->pausing);
	wait_for(f, &c.done, 20000);
	assert_int_equal(c.status, 201);
	buf_free(&c.body);
	buf_free(&p.body);
}

/* autoPause with a slow runtime: the timeout pauses it in a job; one that
 * falls due while it is already being paused does not kill it. */
static void test_auto_pause_slow(void **state)
{
	struct fx *f = *state;
	char id[64], token[64], path[128];
	struct resp p, r;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\",\"timeout\":1,\"autoPause\":true}", id, token);
	sbox *sb = sbox_find(f->d, id);
	for (int i = 0; i < 600 && sb->rec.state != SB_PAUSED; i++)
		loop_once(f->loop, 10);
	assert_int_equal(sb->rec.state, SB_PAUSED);
	snprintf(path, sizeof path, "/sandboxes/%s/connect", id);
	assert_int_equal(api(f, "POST", path, "{\"timeout\":300}", &r), 201);
	buf_free(&r.body);

	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	start_req(f, "POST", path, api_hdrs, NULL, &p);
	for (int i = 0; i < 100 && !sb->pausing; i++)
		loop_once(f->loop, 10);
	assert_true(sb->pausing);
	snprintf(path, sizeof path, "/sandboxes/%s/timeout", id);
	assert_int_equal(api(f, "POST", path, "{\"timeout\":0}", &r), 204);
	buf_free(&r.body);
	wait_for(f, &p.done, 20000);
	assert_int_equal(p.status, 204);
	buf_free(&p.body);
	assert_ptr_equal(sbox_find(f->d, id), sb);
	assert_int_equal(sb->rec.state, SB_PAUSED);
}

/* Killed while its pause runs: torn down once the job ends. */
static void test_kill_while_pausing(void **state)
{
	struct fx *f = *state;
	char id[64], token[64], path[128];
	struct resp p, k;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\"}", id, token);
	sbox *sb = sbox_find(f->d, id);
	char *dir = xstrdup(((struct rt_sandbox *)sb->rt)->dir);
	pid_t agent = (pid_t)get_int(dir, "pid");
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	start_req(f, "POST", path, api_hdrs, NULL, &p);
	for (int i = 0; i < 100 && !sb->pausing; i++)
		loop_once(f->loop, 10);
	assert_true(sb->pausing);
	snprintf(path, sizeof path, "/sandboxes/%s", id);
	start_req(f, "DELETE", path, api_hdrs, NULL, &k);
	wait_for(f, &k.done, 15000);
	assert_int_equal(k.status, 204);
	wait_for(f, &p.done, 15000);
	assert_int_not_equal(p.status, 204);
	buf_free(&p.body);
	buf_free(&k.body);
	for (int i = 0; i < 200 && pid_alive(agent); i++)
		loop_once(f->loop, 10);
	assert_false(pid_alive(agent));
	assert_null(f->d->dying);
	free(dir);
}

/* A failed slow pause leaves it running and serving. */
static void test_pause_fails(void **state)
{
	struct fx *f = *state;
	char id[64], token[64], path[128];
	struct resp r;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\"}", id, token);
	sbox *sb = sbox_find(f->d, id);
	put_int(((struct rt_sandbox *)sb->rt)->dir, "failpause", 1);
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	assert_int_equal(api(f, "POST", path, NULL, &r), 500);
	assert_non_null(strstr(buf_cstr(&r.body), "the disk is full"));
	buf_free(&r.body);
	assert_int_equal(data_get(f, "/envs", id, token, &r), 200);
	buf_free(&r.body);
	json_t *j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "state"), "running");
	json_decref(j);
}

/* Every runtime in /health; auto skips a VM under TCG; a create may name
 * its runtime (field or metadata sbx.runtime); one that cannot run is a
 * 400 naming it and why. */
static void test_runtime_choice(void **state)
{
	struct fx *f = *state;
	struct resp r;
	char id[64], token[64];
	start_req(f, "GET", "/health", NULL, NULL, &r);
	wait_for(f, &r.done, 5000);
	assert_int_equal(r.status, 200);
	json_t *j = body_json(&r), *v;
	buf_free(&r.body);
	assert_string_equal(jstr(j, "defaultRuntime"), "host");
	assert_string_equal(jstr(j, "runtime"), "host");
	json_t *arr = json_object_get(j, "runtimes");
	assert_int_equal(json_array_size(arr), 3);
	v = json_array_get(arr, 0);
	assert_string_equal(jstr(v, "name"), "nokvm");
	assert_false(json_is_true(json_object_get(v, "available")));
	assert_non_null(strstr(jstr(v, "reason"), "modprobe kvm_intel"));
	v = json_array_get(arr, 1);
	assert_string_equal(jstr(v, "name"), "fakevm");
	assert_true(json_is_true(json_object_get(v, "available")));
	assert_string_equal(jstr(v, "accel"), "tcg");
	assert_false(json_is_true(json_object_get(v, "auto")));
	v = json_array_get(arr, 2);
	assert_string_equal(jstr(v, "name"), "host");
	assert_true(json_is_null(json_object_get(v, "accel")));
	assert_true(json_is_true(json_object_get(v, "auto")));
	json_decref(j);

	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"runtime\":\"nokvm\"}", &r), 400);
	assert_non_null(strstr(buf_cstr(&r.body), "nokvm"));
	assert_non_null(strstr(buf_cstr(&r.body), "modprobe kvm_intel"));
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"runtime\":\"vmware\"}", &r), 400);
	assert_non_null(strstr(buf_cstr(&r.body), "unknown runtime 'vmware'"));
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"runtime\":7}", &r), 400);
	buf_free(&r.body);

	create(f, "{\"templateID\":\"base\",\"metadata\":{\"sbx.runtime\":\"fakevm\"}}", id, token);
	j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "runtime"), "fakevm");
	json_decref(j);
	create(f, "{\"templateID\":\"base\",\"runtime\":\"auto\"}", id, token);
	j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "runtime"), "host");
	assert_true(json_is_null(json_object_get(j, "accel")));
	json_decref(j);
	/* the list has them too */
	assert_int_equal(api(f, "GET", "/v2/sandboxes", NULL, &r), 200);
	j = body_json(&r);
	buf_free(&r.body);
	int vm = 0, host = 0;
	size_t i;
	json_array_foreach(j, i, v) {
		vm += !strcmp(jstr(v, "runtime"), "fakevm") && !strcmp(jstr(v, "accel"), "tcg");
		host += !strcmp(jstr(v, "runtime"), "host") && json_is_null(json_object_get(v, "accel"));
	}
	assert_int_equal(vm, 1);
	assert_int_equal(host, 1);
	json_decref(j);
}

/* A sandbox is adopted with its own runtime, whatever the new default is;
 * a paused VM sandbox stays paused and resumes after the restart. */
static void test_adopt_own_runtime(void **state)
{
	struct fx *f = *state;
	char id[64], token[64], path[128];
	struct resp r;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\"}", id, token);
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	assert_int_equal(api(f, "POST", path, NULL, &r), 204);
	buf_free(&r.body);
	sbxd_free(f->d);
	f->d = NULL;
	start_sbxd(f, "host");
	sbox *sb = sbox_find(f->d, id);
	assert_non_null(sb);
	assert_ptr_equal(sb->ops, &fakevm_rt);
	assert_int_equal(sb->rec.state, SB_PAUSED);
	assert_int_equal(liveness_check(sb), 1);
	snprintf(path, sizeof path, "/sandboxes/%s/connect", id);
	assert_int_equal(api(f, "POST", path, "{}", &r), 201);
	buf_free(&r.body);
	assert_int_equal(data_get(f, "/envs", id, token, &r), 200);
	buf_free(&r.body);
}

/* A pause or resume whose job outlived its sbxd (killed meanwhile): the
 * next sbxd finds the sandbox as it is, not as the record said. */
static void test_change_outlived_sbxd(void **state)
{
	struct fx *f = *state;
	char id[64], token[64], path[128];
	struct resp r;
	sbx_err e;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\"}", id, token);
	char *dir = xstrdup(((struct rt_sandbox *)sbox_find(f->d, id)->rt)->dir);
	sbxd_free(f->d);
	f->d = NULL;
	rt_sandbox *h = NULL;
	assert_int_equal(vm_adopt(dir, &h, &e), 0);
	assert_int_equal(vm_pause(h, &e), 0);   /* what the orphaned job finished */
	vm_release(h);
	start_sbxd(f, "auto");
	sbox *sb = sbox_find(f->d, id);
	assert_non_null(sb);
	assert_int_equal(sb->rec.state, SB_PAUSED);
	json_t *j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "state"), "paused");
	json_decref(j);

	sbxd_free(f->d);
	f->d = NULL;
	assert_int_equal(vm_adopt(dir, &h, &e), 0);
	assert_int_equal(vm_resume(h, &e), 0);
	vm_release(h);
	start_sbxd(f, "auto");
	sb = sbox_find(f->d, id);
	assert_int_equal(sb->rec.state, SB_RUNNING);
	assert_int_equal(data_get(f, "/envs", id, token, &r), 200);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	assert_int_equal(api(f, "POST", path, NULL, &r), 204);   /* and it pauses as any other */
	buf_free(&r.body);
	free(dir);
}

/* --- the recorder: an "agent" that keeps every /init sbxd sends ------------------ */

struct recorder {
	int inits;
	char token[3][128];
	json_t *body[3];
};

static void rec_body(http_req *r, const char *body, size_t len, void *ud)
{
	struct recorder *rc = ud;
	const char *tok = http_req_header(r, "X-Access-Token");
	if (rc->inits < 3) {
		snprintf(rc->token[rc->inits], sizeof rc->token[0], "%s", tok ? tok : "");
		rc->body[rc->inits] = json_loadb(body, len, 0, NULL);
	}
	rc->inits++;
	http_respond(r, 204, NULL, NULL, 0);
}

static void rec_handle(http_req *r, void *ud)
{
	if (!strcmp(http_req_path(r), "/init"))
		http_req_read_body(r, 65536, rec_body, ud);
	else
		http_respond_str(r, 200, "application/json", "{}");
}

static int64_t rfc3339_age_s(const char *ts)
{
	int y, mo, d, h, mi, sec;
	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec };
	int64_t age = (int64_t)time(NULL) - (int64_t)timegm(&tm);
	return age < 0 ? -age : age;
}

/* What sbxd sends a restored agent, field by field: after create
 * {envVars, accessToken, timestamp, sbxEntropy, sbxHostname} with the
 * snapshot's token; after a resume {timestamp} with the sandbox's. */
static void test_init_bodies(void **state)
{
	struct fx *f = *state;
	struct recorder rc = { 0 };
	char id[64], token[64], path[512];
	struct resp r;
	sbx_err e;
	http_server *srv = http_server_new(f->loop, rec_handle, &rc);
	snprintf(path, sizeof path, "unix:%s/recorder.sock", f->dir);
	assert_int_equal(http_server_listen(srv, path, &e), 0);

	create(f, "{\"templateID\":\"recorded\",\"runtime\":\"fakevm\",\"envVars\":{\"A\":\"b\",\"C\":\"d e\"}}", id,
	       token);
	assert_int_equal(rc.inits, 1);
	assert_string_equal(rc.token[0], SNAP_TOKEN);
	json_t *b = rc.body[0];
	assert_non_null(b);
	assert_string_equal(jstr(b, "accessToken"), token);
	assert_string_equal(jstr(json_object_get(b, "envVars"), "A"), "b");
	assert_string_equal(jstr(json_object_get(b, "envVars"), "C"), "d e");
	assert_string_equal(jstr(b, "sbxHostname"), id);
	const char *ent = jstr(b, "sbxEntropy");
	assert_int_equal(strlen(ent), 128);
	assert_int_equal(strspn(ent, "0123456789abcdef"), 128);
	int64_t age = rfc3339_age_s(jstr(b, "timestamp"));
	assert_true(age >= 0 && age < 60);
	assert_int_equal(json_object_size(b), 5);

	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	assert_int_equal(api(f, "POST", path, NULL, &r), 204);
	buf_free(&r.body);
	assert_int_equal(rc.inits, 1);
	snprintf(path, sizeof path, "/sandboxes/%s/connect", id);
	assert_int_equal(api(f, "POST", path, "{}", &r), 201);
	buf_free(&r.body);
	assert_int_equal(rc.inits, 2);
	assert_string_equal(rc.token[1], token);
	b = rc.body[1];
	assert_non_null(b);
	assert_int_equal(json_object_size(b), 1);
	age = rfc3339_age_s(jstr(b, "timestamp"));
	assert_true(age >= 0 && age < 60);

	/* sbxd's own entropy differs per sandbox */
	char id2[64], token2[64];
	create(f, "{\"templateID\":\"recorded\",\"runtime\":\"fakevm\"}", id2, token2);
	assert_int_equal(rc.inits, 3);
	assert_string_equal(jstr(rc.body[2], "sbxHostname"), id2);
	assert_string_not_equal(jstr(rc.body[2], "sbxEntropy"), ent);
	for (int i = 0; i < 3; i++)
		json_decref(rc.body[i]);
	http_server_free(srv);
}

/* auto: a VM on KVM first, never one under TCG; with nothing else that
 * works, the error says a TCG one must be named. */
static void test_auto_rule(void **state)
{
	(void)state;
	static const runtime_ops *const with_kvm[] = { &nokvm_rt, &fakevm_rt, &kvmvm_rt, &host_rt, NULL };
	static const runtime_ops *const tcg_only[] = { &nokvm_rt, &fakevm_rt, NULL };
	rt_table t;
	const runtime_ops *ops;
	sbx_err e;
	runtimes_probe(with_kvm, &t);
	assert_ptr_equal(runtimes_auto(&t)->ops, &kvmvm_rt);
	assert_int_equal(runtimes_choose(&t, NULL, &ops, &e), 0);
	assert_ptr_equal(ops, &kvmvm_rt);
	assert_int_equal(runtimes_choose(&t, "fakevm", &ops, &e), 0);   /* TCG, by name */
	assert_ptr_equal(ops, &fakevm_rt);
	assert_int_equal(runtimes_choose(&t, "nokvm", &ops, &e), -1);
	assert_string_equal(e.msg, "the nokvm runtime cannot run here: /dev/kvm is missing: load the kvm module "
			    "(modprobe kvm_intel) or use qemu");
	runtimes_free(&t);
	runtimes_probe(tcg_only, &t);
	assert_null(runtimes_auto(&t));
	assert_int_equal(runtimes_choose(&t, "auto", &ops, &e), -1);
	assert_non_null(strstr(e.msg, "fakevm: runs only under TCG (name it to use it)"));
	assert_non_null(strstr(e.msg, "nokvm: /dev/kvm is missing"));
	runtimes_free(&t);
}

/* The pool holds the default runtime's sandboxes: a create naming another
 * runtime gets a fresh one of that runtime, one naming none the pool's. */
static void test_pool_default_only(void **state)
{
	struct fx *f = *state;
	char id[64], token[64];
	sbxd_free(f->d);
	start_sbxd_pool(f, "auto", 1);
	sbox *pooled = NULL;
	for (int i = 0; i < 500 && !pooled; i++) {
		loop_once(f->loop, 10);
		for (sbox *sb = f->d->boxes; sb; sb = sb->next)
			if (sb->rec.pooled && sb->ready)
				pooled = sb;
	}
	assert_non_null(pooled);
	char pool_id[SBXD_ID_MAX + 1];
	snprintf(pool_id, sizeof pool_id, "%s", pooled->rec.id);
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\"}", id, token);
	assert_string_not_equal(id, pool_id);
	json_t *j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "runtime"), "fakevm");
	json_decref(j);
	create(f, "{\"templateID\":\"base\"}", id, token);
	assert_string_equal(id, pool_id);
}


static pid_t agent_of(struct fx *f, const char *id)
{
	sbox *sb = sbox_find(f->d, id);
	assert_non_null(sb);
	return (pid_t)get_int(((struct rt_sandbox *)sb->rt)->dir, "pid");
}

static void assert_env(struct fx *f, const char *id, const char *token)
{
	struct resp r;
	assert_int_equal(data_get(f, "/envs", id, token, &r), 200);
	json_t *j = body_json(&r);
	assert_string_equal(jstr(j, "GREETING"), "hello vm");
	json_decref(j);
	buf_free(&r.body);
	assert_int_equal(data_get(f, "/envs", id, SNAP_TOKEN, &r), 401);
	buf_free(&r.body);
}

/* A filesystem-only pause of an RT_RESTORES sandbox: its agent goes; the
 * resume boots a new one, which holds the snapshot's token until sbxd's
 * /init gives it the sandbox's token and the create's envVars again (kept
 * in the record).  connect {memory: false} does the same from a memory
 * pause; a bad "memory" is a 400. */
static void test_disk_pause(void **state)
{
	struct fx *f = *state;
	char id[64], token[64], path[128];
	struct resp r;
	create(f, "{\"templateID\":\"base\",\"runtime\":\"fakevm\",\"envVars\":{\"GREETING\":\"hello vm\"}}", id, token);
	pid_t a0 = agent_of(f, id);
	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	assert_int_equal(api(f, "POST", path, "{\"memory\":\"no\"}", &r), 400);
	buf_free(&r.body);
	assert_int_equal(api(f, "POST", path, "{\"memory\":false}", &r), 204);
	buf_free(&r.body);
	json_t *j = get_sandbox(f, id);
	assert_string_equal(jstr(j, "state"), "paused");
	json_decref(j);
	sbox *sb = sbox_find(f->d, id);
	assert_int_equal(sb->rec.paused_disk, 1);
	assert_false(pid_alive(a0));
	assert_int_equal(liveness_check(sb), 1);   /* no process, on purpose: not dead */
	/* A VM snapshot is memory, which this pause dropped: refused, saying so. */
	snprintf(path, sizeof path, "/sandboxes/%s/snapshots", id);
	assert_int_equal(api(f, "POST", path, "{}", &r), 409);
	assert_non_null(strstr(buf_cstr(&r.body), "without its memory"));
	buf_free(&r.body);

	snprintf(path, sizeof path, "/v2/sandboxes/%s/connect", id);
	assert_int_equal(api(f, "POST", path, "{\"timeout\":60}", &r), 201);
	buf_free(&r.body);
	pid_t a1 = agent_of(f, id);
	assert_true(a1 != a0 && pid_alive(a1));
	assert_int_equal(sbox_find(f->d, id)->rec.paused_disk, 0);
	assert_env(f, id, token);

	snprintf(path, sizeof path, "/sandboxes/%s/pause", id);
	assert_int_equal(api(f, "POST", path, NULL, &r), 204);
	buf_free(&r.body);
	snprintf(path, sizeof path, "/v2/sandboxes/%s/connect", id);
	assert_int_equal(api(f, "POST", path, "{\"memory\":false}", &r), 201);
	buf_free(&r.body);
	pid_t a2 = agent_of(f, id);
	assert_true(a2 != a1 && pid_alive(a2));
	assert_false(pid_alive(a1));
	assert_env(f, id, token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_after_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_pause_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_during_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_pause_slow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_while_pausing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_own_runtime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_outlived_sbxd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_pause, setup, teardown),
		cmocka_unit_test(test_auto_rule),
		cmocka_unit_test_setup_teardown(test_pool_default_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
