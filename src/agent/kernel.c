/*
 * kernel: the host (ZeroMQ context, runtime dir, processes shutting down),
 * one kernel's process and sockets, the readiness handshake, and death and
 * restart handling.  The execution queue is in kernel_exec.c.
 */
#include "kernel_priv.h"
#include "../util/log.h"
#include "../util/rand.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define HANDSHAKE_NUDGE_MS 500
#define HANDSHAKE_DEADLINE_MS 60000
#define DRAIN_BUDGET 256          /* messages per socket per wake-up (fairness) */
#define GRAVE_TERM_MS 1500        /* shutdown_request → SIGTERM */
#define GRAVE_KILL_MS 3000        /* shutdown_request → SIGKILL */

static void on_child_exit(agent *a, pid_t pid, int status, void *ud);

/* --- host ---------------------------------------------------------------- */

static int on_prepare(sbx_loop *l, void *ud);

kernel_host *kernel_host_new(agent *a, sbx_err *e)
{
	void *zctx = zmq_ctx_new();
	if (!zctx) {
		sbx_error(e, "cannot create a ZeroMQ context: %s", zmq_strerror(errno));
		return NULL;
	}
	kernel_host *h = xcalloc(1, sizeof *h);
	h->a = a;
	h->zctx = zctx;
	loop_add_prepare(a->loop, on_prepare, h);
	return h;
}

static void remove_rundir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				char *p = xasprintf("%s/%s", dir, de->d_name);
				unlink(p);
				free(p);
			}
		closedir(d);
	}
	rmdir(dir);
}

/* Runtime dirs are named sbxk-<agent pid>-XXXXXX: those of agents that
 * died without cleaning up (SIGKILL) are removed by the next agent. */
static void sweep_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		if (strncmp(de->d_name, "sbxk-", 5))
			continue;
		long pid = strtol(de->d_name + 5, &end, 10);
		if (end == de->d_name + 5 || *end != '-' || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char *p = xasprintf("%s/%s", tmp, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
			remove_rundir(p);
		free(p);
	}
	closedir(d);
}

/* Created on the first launch, so agents that never run code leave nothing. */
static int ensure_rundir(kernel_host *h, sbx_err *e)
{
	if (h->rundir)
		return 0;
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 40)
		tmp = "/tmp";   /* ipc socket paths must stay short */
	sweep_stale(tmp);
	char *tmpl = xasprintf("%s/sbxk-%d-XXXXXX", tmp, (int)getpid());
	if (!mkdtemp(tmpl)) {   /* mode 0700 */
		sbx_error_errno(e, "cannot create the kernel runtime directory %s", tmpl);
		free(tmpl);
		return -1;
	}
	h->rundir = tmpl;
	return 0;
}

static void grave_bury(kernel_host *h, struct grave *g)
{
	struct grave **pp = &h->graves;
	while (*pp && *pp != g)
		pp = &(*pp)->next;
	if (*pp)
		*pp = g->next;
	if (g->timer)
		loop_del_timer(h->a->loop, g->timer);
	children_unwatch(h->a, g->pid);
	killpg(g->pid, SIGKILL);   /* whatever the kernel's children left behind */
	if (g->control)
		zmq_close(g->control);
	free(g);
}

/* Agent exit: the loop no longer runs, so wait here, briefly and bounded. */
static void wait_graves(kernel_host *h, int64_t until_ms)
{
	while (now_ms() < until_ms) {
		int alive = 0;
		for (struct grave *g = h->graves; g; g = g->next)
			alive |= !kproc_gone(g->pid);
		if (!alive)
			return;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

void kernel_host_free(kernel_host *h)
{
	if (!h)
		return;
	while (h->kernels)
		kernel_free(h->kernels, "AgentStopping", "The sandbox agent is shutting down.");
	int64_t t0 = now_ms();
	wait_graves(h, t0 + 1000);
	for (struct grave *g = h->graves; g; g = g->next)
		if (!kproc_gone(g->pid))
			killpg(g->pid, SIGTERM);
	wait_graves(h, t0 + 1500);
	for (struct grave *g = h->graves; g; g = g->next)
		killpg(g->pid, SIGKILL);
	wait_graves(h, t0 + 2000);
	int n = 0, forced = 0;
	for (struct grave *g = h->graves; g; g = g->next, n++)
		forced += !kproc_gone(g->pid);
	if (n)
		log_info("kernel: stopped %d kernel%s in %lld ms%s", n, n == 1 ? "" : "s",
			 (long long)(now_ms() - t0), forced ? " (some did not exit in time)" : "");
	while (h->graves)
		grave_bury(h, h->graves);
	loop_del_prepare(h->a->loop, on_prepare, h);
	zmq_ctx_term(h->zctx);
	if (h->rundir)
		remove_rundir(h->rundir);
	free(h->rundir);
	free(h);
}

static int64_t on_grave_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	kernel_host *h = ud;
	for (struct grave *g = h->graves; g; g = g->next) {
		if (g->timer != id)
			continue;
		int64_t age = now_ms() - g->since;
		if (age < GRAVE_KILL_MS) {
			killpg(g->pid, SIGTERM);
			return GRAVE_KILL_MS - age;
		}
		killpg(g->pid, SIGKILL);
		g->timer = 0;
		return -1;
	}
	return -1;
}

/* --- connection ---------------------------------------------------------- */

static void on_zmq_fd(sbx_loop *l, int fd, int events, void *ud);

static void close_conn(kernel *k, int keep_control)
{
	sbx_loop *l = k->h->a->loop;
	for (int c = 0; c < CH_N; c++) {
		if (!k->sock[c])
			continue;
		loop_del_fd(l, k->fd[c]);
		if (!(c == CH_CONTROL && keep_control))
			zmq_close(k->sock[c]);
		k->sock[c] = NULL;
		k->fd[c] = -1;
	}
	if (k->hs_timer)
		loop_del_timer(l, k->hs_timer);
	k->hs_timer = 0;
	k->conn_gen++;
}

static int open_conn(kernel *k, sbx_err *e)
{
	static const int types[CH_N] = { ZMQ_DEALER, ZMQ_DEALER, ZMQ_SUB };
	static const int ports[CH_N] = { KPORT_SHELL, KPORT_CONTROL, KPORT_IOPUB };
	int zero = 0;
	k->conn_gen++;
	for (int c = 0; c < CH_N; c++) {
		void *s = zmq_socket(k->h->zctx, types[c]);
		char ep[160];
		klaunch_endpoint(&k->proc, ports[c], ep, sizeof ep);
		if (!s)
			goto fail;
		k->sock[c] = s;
		zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
		if (c == CH_IOPUB) {
			/* The default HWM (1000) drops output silently. */
			zmq_setsockopt(s, ZMQ_RCVHWM, &zero, sizeof zero);
			zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
		}
		size_t sz = sizeof k->fd[c];
		/* connect before the kernel binds is fine: ZeroMQ retries */
		if (zmq_connect(s, ep) < 0 || zmq_getsockopt(s, ZMQ_FD, &k->fd[c], &sz) < 0)
			goto fail;
		loop_add_fd(k->h->a->loop, k->fd[c], LOOP_READ, on_zmq_fd, k);
	}
	return 0;
fail:
	sbx_error(e, "cannot connect to the %s kernel over ZeroMQ: %s", k->spec.name, zmq_strerror(errno));
	close_conn(k, 0);
	return -1;
}

/* --- handshake and messages ---------------------------------------------- */

static void become_ready(kernel *k)
{
	if (k->hs_timer)
		loop_del_timer(k->h->a->loop, k->hs_timer);
	k->hs_timer = 0;
	k->state = K_READY;
	log_info("kernel: %s (pid %d) is ready", k->spec.name, (int)k->proc.pid);
	kq_prelude(k);
	kq_kick(k);
}

static void dispatch(kernel *k, int c, const jmsg *m)
{
	static const char *chan[CH_N] = { "shell", "control", "iopub" };
	log_debug("kernel %s: %s %s (parent %.8s)", k->spec.name, chan[c], m->msg_type, m->parent_id);
	if (c == CH_IOPUB)
		k->got_iopub = 1;
	if (c == CH_SHELL && !strcmp(m->msg_type, "kernel_info_reply"))
		k->got_info_reply = 1;
	if (k->state == K_STARTING) {
		if (k->got_info_reply && k->got_iopub)
			become_ready(k);
		return;
	}
	if (k->state != K_READY)
		return;
	if (c == CH_IOPUB)
		kq_on_iopub(k, m);
	else if (c == CH_SHELL && !strcmp(m->msg_type, "execute_reply"))
		kq_on_execute_reply(k, m);
	/* control: shutdown/interrupt replies need no action */
}

/* Reads what is waiting on every socket.  Returns the number of messages
 * handled, and sets *more when a budget ran out. */
static int drain(kernel *k, int *more)
{
	unsigned gen = k->conn_gen;
	int handled = 0;
	for (int c = 0; c < CH_N; c++) {
		int budget = DRAIN_BUDGET;
		while (k->sock[c] && gen == k->conn_gen) {
			if (!budget--) {
				*more = 1;
				break;
			}
			jmsg m;
			sbx_err e;
			int rc = jwire_recv(k->sock[c], k->proc.key, &m, &e);
			if (rc == 0 || rc == -2)
				break;
			handled++;
			if (rc < 0) {
				log_warn("kernel %s: dropped a message: %s", k->spec.name, e.msg);
				continue;
			}
			dispatch(k, c, &m);
			jmsg_free(&m);
		}
		if (gen != k->conn_gen)
			break;
	}
	return handled;
}

static void on_zmq_fd(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l;
	(void)fd;
	(void)events;
	int more = 0;
	drain(ud, &more);
}

/* ZMQ_FD is edge-triggered and a zmq_send can consume the edge, so look at
 * ZMQ_EVENTS before every poll.  Returns 0 (poll without waiting) when
 * messages were handled here: their callbacks may have given work to hooks
 * that already ran in this round (e.g. the HTTP server's flush). */
static int on_prepare(sbx_loop *l, void *ud)
{
	(void)l;
	kernel_host *h = ud;
	int more = 0, handled = 0;
	for (kernel *k = h->kernels; k; k = k->next)
		for (int c = 0; c < CH_N; c++) {
			int ev = 0;
			size_t sz = sizeof ev;
			if (k->sock[c] && zmq_getsockopt(k->sock[c], ZMQ_EVENTS, &ev, &sz) == 0 &&
			    (ev & ZMQ_POLLIN)) {
				handled += drain(k, &more);
				break;
			}
		}
	return more || handled ? 0 : -1;
}

/* --- process lifecycle ---------------------------------------------------- */

static void kill_process(kernel *k)
{
	if (!k->proc.pid)
		return;
	children_unwatch(k->h->a, k->proc.pid);   /* children.c still reaps it */
	killpg(k->proc.pid, SIGKILL);
	k->proc.pid = 0;
}

static void fail_start(kernel *k, const char *why)
{
	log_warn("kernel %s: %s", k->spec.name, why);
	kill_process(k);
	close_conn(k, 0);
	klaunch_clear(&k->proc);
	k->state = K_FAILED;
	kq_fail_all(k, "KernelStartFailed", why);
}

static int64_t on_handshake(sbx_loop *l, int64_t tid, void *ud)
{
	(void)l;
	(void)tid;
	kernel *k = ud;
	if (now_ms() >= k->hs_deadline) {
		char *tail = klaunch_log_tail(k->proc.log_path, 1500);
		char *why = xasprintf("The %s kernel did not answer within %d s and was stopped.%s%s",
				      k->spec.name, HANDSHAKE_DEADLINE_MS / 1000,
				      *tail ? " Its log ends with:\n" : "", tail);
		k->hs_timer = 0;
		fail_start(k, why);
		free(why);
		free(tail);
		return -1;
	}
	sbx_err e;
	jwire_ident id = kernel_ident(k);
	json_t *empty = json_object();
	/* A new kernel_info_request each time: the first may have been sent
	 * before the kernel bound, and its iopub busy/idle before our SUB
	 * joined (the slow-joiner problem). */
	if (jwire_send(k->sock[CH_SHELL], &id, "kernel_info_request", empty, NULL, &e) < 0)
		log_debug("kernel %s: %s", k->spec.name, e.msg);
	json_decref(empty);
	return HANDSHAKE_NUDGE_MS;
}

int kernel_launch_proc(kernel *k, sbx_err *e)
{
	kernel_host *h = k->h;
	if (ensure_rundir(h, e) < 0 ||
	    klaunch_start(h->a, h->rundir, ++h->gen, &k->spec, k->cwd, &k->proc, e) < 0) {
		k->state = K_FAILED;
		return -1;
	}
	children_watch(h->a, k->proc.pid, on_child_exit, h);
	rand_uuid(k->session);
	free(k->env_sig);
	/* Java cells read the environment as system properties (E2B's way),
	 * which a new JVM does not have: the first cell sets them. */
	k->env_sig = !strcmp(k->spec.language, "java") ? xstrdup("{}") : kernel_env_signature(&h->a->env);
	k->got_info_reply = k->got_iopub = 0;
	if (open_conn(k, e) < 0) {
		kill_process(k);
		klaunch_clear(&k->proc);
		k->state = K_FAILED;
		return -1;
	}
	k->state = K_STARTING;
	k->hs_deadline = now_ms() + HANDSHAKE_DEADLINE_MS;
	k->hs_timer = loop_add_timer(h->a->loop, 0, on_handshake, k);
	log_info("kernel: started %s (pid %d)", k->spec.name, (int)k->proc.pid);
	return 0;
}

static void on_child_exit(agent *a, pid_t pid, int status, void *ud)
{
	(void)a;
	kernel_host *h = ud;
	for (struct grave *g = h->graves; g; g = g->next)
		if (g->pid == pid) {
			/* children.c dropped the watch already; unwatch is a no-op */
			grave_bury(h, g);
			return;
		}
	kernel *k = h->kernels;
	while (k && k->proc.pid != pid)
		k = k->next;
	if (!k)
		return;
	char *how = kproc_describe_status(status);
	char *tail = klaunch_log_tail(k->proc.log_path, 1500);
	k->proc.pid = 0;
	killpg(pid, SIGKILL);   /* the dead kernel's leftover children */
	close_conn(k, 0);
	if (k->state == K_STARTING) {
		char *why = xasprintf("The %s kernel exited during start-up (%s).%s%s", k->spec.name, how,
				      *tail ? " Its log ends with:\n" : "", tail);
		klaunch_clear(&k->proc);
		fail_start(k, why);
		free(why);
	} else {
		log_warn("kernel %s (pid %d) died (%s); restarting it. Its log ends with:\n%s",
			 k->spec.name, (int)pid, how, tail);
		char *val = xasprintf("The kernel process exited (%s); its state is lost. It is being restarted.", how);
		klaunch_clear(&k->proc);
		k->state = K_FAILED;
		kq_fail_all(k, "KernelDied", val);
		free(val);
		sbx_err e;
		if (k->state == K_FAILED && !k->proc.pid && kernel_launch_proc(k, &e) < 0)
			log_warn("kernel %s: restart failed: %s", k->spec.name, e.msg);
	}
	free(tail);
	free(how);
}

/* --- public ---------------------------------------------------------------- */

kernel *kernel_new(kernel_host *h, const kspec *spec, const char *cwd, const char *prelude,
		   int deferred, sbx_err *e)
{
	kernel *k = xcalloc(1, sizeof *k);
	k->h = h;
	kspec_copy(&k->spec, spec);
	k->cwd = xstrdup(cwd);
	k->prelude = prelude ? xstrdup(prelude) : NULL;
	k->state = K_FAILED;
	for (int c = 0; c < CH_N; c++)
		k->fd[c] = -1;
	if (!deferred && kernel_launch_proc(k, e) < 0) {
		kspec_free(&k->spec);
		free(k->cwd);
		free(k->env_sig);
		free(k->prelude);
		free(k);
		return NULL;
	}
	k->next = h->kernels;
	h->kernels = k;
	return k;
}

void kernel_free(kernel *k, const char *name, const char *value)
{
	kernel_host *h = k->h;
	kernel **pp = &h->kernels;
	while (*pp && *pp != k)
		pp = &(*pp)->next;
	if (*pp)
		*pp = k->next;
	kq_fail_all(k, name, value);
	void *control = k->sock[CH_CONTROL];
	if (k->proc.pid && control && k->state == K_READY) {
		/* Ask politely; the grave escalates to SIGTERM and SIGKILL. */
		sbx_err e;
		jwire_ident id = kernel_ident(k);
		json_t *c = json_pack("{s:b}", "restart", 0);
		if (jwire_send(control, &id, "shutdown_request", c, NULL, &e) < 0)
			log_debug("kernel %s: %s", k->spec.name, e.msg);
		json_decref(c);
		close_conn(k, 1);
		struct grave *g = xcalloc(1, sizeof *g);
		g->pid = k->proc.pid;
		g->control = control;
		g->since = now_ms();
		g->timer = loop_add_timer(h->a->loop, GRAVE_TERM_MS, on_grave_timer, h);
		g->next = h->graves;
		h->graves = g;
		k->proc.pid = 0;   /* the watch stays: on_child_exit finds the grave */
	} else {
		kill_process(k);
		close_conn(k, 0);
	}
	klaunch_clear(&k->proc);
	kspec_free(&k->spec);
	free(k->cwd);
	free(k->env_sig);
	free(k->prelude);
	free(k);
}

int kernel_restart(kernel *k, sbx_err *e)
{
	kill_process(k);
	close_conn(k, 0);
	klaunch_clear(&k->proc);
	k->state = K_FAILED;
	kq_fail_all(k, "ContextRestarting", "The context was restarted; its state is lost.");
	return kernel_launch_proc(k, e);
}

const char *kernel_env_sig(const kernel *k)
{
	return k->env_sig ? k->env_sig : "";
}

void kernel_set_env_sig(kernel *k, const char *sig)
{
	free(k->env_sig);
	k->env_sig = xstrdup(sig);
}

char *kernel_env_signature(const agent_env *env)
{
	json_t *o = json_object();
	for (size_t i = 0; i < env->n; i++)
		json_object_set_new(o, env->keys[i], json_string(env->values[i]));
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(o);
	return s ? s : xstrdup("{}");
}
