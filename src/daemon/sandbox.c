#include "sandbox.h"
#include "volumes.h"
#include "agent_op.h"
#include "events.h"
#include "files.h"
#include "jobs.h"
#include "liveness.h"
#include "netrules.h"
#include "metrics_hist.h"
#include "pool.h"
#include "runtimes.h"
#include "store.h"
#include "timeouts.h"
#include "../proto/jsontext.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/rand.h"
#include "../util/strv.h"
#include "../util/xalloc.h"
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

sbox *sbox_find(sbxd *d, const char *id)
{
	for (sbox *sb = d->boxes; sb; sb = sb->next)
		if (!strcmp(sb->rec.id, id))
			return sb;
	return NULL;
}

void sbox_log(sbox *sb, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_info("sbxd: sandbox %s%s: %s", sb->rec.id, sb->rec.pooled ? " (pool)" : "", msg);
	store_log(sb->d->sb_dir, sb->rec.id, "%s", msg);
}

void sbox_save(sbox *sb)
{
	sbx_err e;
	if (store_save(sb->d->sb_dir, &sb->rec, &e) < 0)
		log_warn("sbxd: sandbox %s: its state file could not be saved, so a restart of sbxd would lose it: %s",
			 sb->rec.id, e.msg);
}

static void link_box(sbxd *d, sbox *sb)
{
	sb->next = d->boxes;
	if (d->boxes)
		d->boxes->prev = sb;
	d->boxes = sb;
}

static void unlink_box(sbox *sb)
{
	if (sb->prev)
		sb->prev->next = sb->next;
	else
		sb->d->boxes = sb->next;
	if (sb->next)
		sb->next->prev = sb->prev;
	sb->prev = sb->next = NULL;
}

static void box_free(sbox *sb)
{
	record_free(&sb->rec);
	free(sb->agent_sock);
	free(sb->agent_base);
	free(sb->kill_why);
	free(sb->first_init);
	free(sb->start_user);
	free(sb->start_cwd);
	free(sb->start_cmd);
	free(sb->ready_cmd);
	free(sb->snapshot_dir);
	free(sb->init_token);
	mhist_free(sb->metrics);
	free(sb);
}

/* A new run of the sandbox (events.h: sandboxExecutionId). */
static void new_exec(sbox *sb)
{
	rand_uuid(sb->exec_id);
	sb->exec_started_ms = wall_ms();
}

static char *rt_dir_of(sbox *sb)
{
	return store_rt_dir(sb->d->sb_dir, sb->rec.id);
}

static int set_agent_addr(sbox *sb, sbx_err *e)
{
	return agent_addr_parse(sb->ops->agent_addr(sb->rt), &sb->agent_base, &sb->agent_sock, e);
}

static void teardown(sbox *sb);

/* --- create -------------------------------------------------------------------- */

struct create_job {
	sbox *sb;
	rt_spec spec;
};

/* In a job's child (names may need DNS): the record's rules as the
 * addresses a driver takes.  0 and *net (free with sbox_net_free), or -1. */
int sbox_net_resolve(sbox *sb, rt_net *net, sbx_err *e)
{
	netrules nr;
	json_t *j = sb->rec.network, *inet = json_boolean(sb->rec.internet);
	int rc = netrules_parse(inet, json_object_get(j, "allowOut"), json_object_get(j, "denyOut"), &nr, e);
	json_decref(inet);
	if (rc < 0)
		return -1;
	char **allow, **deny, *unresolved;
	netrules_resolve(&nr, sb->d->hosts_file, &allow, &deny, &unresolved);
	if (unresolved)
		log_warn("sbxd: sandbox %s: allowOut names %s do not resolve (yet): they allow nothing until they do",
			 sb->rec.id, unresolved);
	free(unresolved);
	netrules_free(&nr);
	net->internet = sb->rec.internet;
	net->allow_out = (const char *const *)allow;
	net->deny_out = (const char *const *)deny;
	return 0;
}

void sbox_net_free(rt_net *net)
{
	sbx_strv_free((char **)net->allow_out);
	sbx_strv_free((char **)net->deny_out);
	net->allow_out = net->deny_out = NULL;
}

/* In the job's child: the driver's create; the handle is re-made in sbxd by adopt. */
static int create_in_child(void *arg, sbx_err *e)
{
	struct create_job *cj = arg;
	const runtime_ops *ops = cj->sb->ops;
	rt_sandbox *h;
	sbx_err re;
	rt_net net;
	if (sbox_net_resolve(cj->sb, &net, e) < 0)
		return -1;
	cj->spec.allow_out = net.allow_out;
	cj->spec.deny_out = net.deny_out;
	int rc = ops->create(&cj->spec, &h, &re);
	sbox_net_free(&net);
	if (rc < 0)
		return sbx_error(e, "the %s runtime could not start the sandbox: %s", ops->name, re.msg);
	ops->release(h);
	return 0;
}

static void create_done(int ok, const char *err, void *ud)
{
	sbox *sb = ud;
	sbx_err e, re;
	sb->creating = 0;
	free(sb->snapshot_dir);   /* the job copied what it needed */
	sb->snapshot_dir = NULL;
	if (sb->killed) {   /* killed meanwhile: undo what the job made */
		teardown(sb);
		return;
	}
	if (!ok) {
		sbox_op_done(sb, 0, err);
		return;
	}
	char *dir = rt_dir_of(sb);
	int rc = sb->ops->adopt(dir, &sb->rt, &re);
	free(dir);
	if (rc < 0) {
		sbx_error(&e, "the %s runtime created the sandbox but cannot find it again: %s", sb->ops->name, re.msg);
		sbox_op_done(sb, 0, e.msg);
		return;
	}
	if (set_agent_addr(sb, &e) < 0) {
		sbox_op_done(sb, 0, e.msg);
		return;
	}
	sbox_log(sb, "created from template %s (%s) with the %s runtime", sb->rec.template_id, sb->rec.template_dir,
		 sb->ops->name);
	liveness_watch(sb);
	if (sb->ops->flags & RT_RESTORES) {
		/* A clone of a booted snapshot: its agent holds the snapshot's
		 * token and knows nothing of this sandbox until /init. */
		const char *tok = sb->init_token ? sb->init_token
				  : sb->ops->agent_token ? sb->ops->agent_token(sb->rt) : NULL;
		agent_op_health_init(sb, SBOX_START_TIMEOUT_MS, tok, sb->first_init ? sb->first_init : "{}");
	} else if (sb->first_init) {
		/* The template's user and workdir become the agent's defaults. */
		agent_op_health_init(sb, SBOX_START_TIMEOUT_MS, sb->rec.token, sb->first_init);
	} else {
		agent_op_health(sb, SBOX_START_TIMEOUT_MS);
	}
	free(sb->first_init);
	sb->first_init = NULL;
	if (sb->start_cmd || sb->ready_cmd)
		agent_op_then_start(sb);
}

/* The first /init (E2B's POST /init; the timestamp is added when it is
 * sent): RT_RESTORES, what a clone's agent needs to become this sandbox;
 * any runtime, the template's user and workdir.  NULL when nothing to say. */
static char *first_init_body(const sbox *sb, const sbxd_template *t, const kvlist *env)
{
	const sbxd_record *r = &sb->rec;
	json_t *j = json_object();
	if (sb->ops->flags & RT_RESTORES) {
		char hex[129];
		rand_hex(hex, 128);   /* 64 random bytes for the guest's RNG */
		json_object_set_new(j, "envVars", kv_to_json(env));
		json_object_set_new(j, "accessToken", json_string(r->token));
		json_object_set_new(j, "sbxEntropy", json_string(hex));
		json_object_set_new(j, "sbxHostname", json_string(*r->id ? r->id : "sbx"));
	}
	/* Only what differs from the agent's own defaults (user `user`, its
	 * home): the agent then checks nothing it already had. */
	const char *user = t->user && *t->user ? t->user : "user";
	char *home = xasprintf("/home/%s", user);
	if (strcmp(user, "user"))
		json_object_set_new(j, "defaultUser", json_text(user));
	if (t->workdir && t->workdir[0] == '/' && strcmp(t->workdir, home))
		json_object_set_new(j, "defaultWorkdir", json_text(t->workdir));
	free(home);
	char *s = json_object_size(j) ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

/* The agent's env: the template's, then the create's envVars (which win). */
static void merged_env(const sbox_new_args *a, kvlist *out)
{
	for (size_t i = 0; i < a->tpl->nenv; i++) {
		const char *kv = a->tpl->env[i], *eq = strchr(kv, '=');
		if (!eq || eq == kv)
			continue;
		char *k = xstrndup(kv, (size_t)(eq - kv));
		kv_set(out, k, eq + 1);
		free(k);
	}
	for (size_t i = 0; a->env && i < a->env->n; i++)
		kv_set(out, a->env->keys[i], a->env->values[i]);
}

int sbox_create(sbxd *d, const sbox_new_args *a, sbox **out, sbx_err *e)
{
	sbox *sb = xcalloc(1, sizeof *sb);
	sbxd_record *r = &sb->rec;
	char token[41];
	sb->d = d;
	sb->watch_fd = -1;
	new_exec(sb);
	sb->ops = a->ops ? a->ops : d->rt;
	do
		record_new_id(r->id);
	while (sbox_find(d, r->id));
	if (!a->token)
		rand_hex(token, 40);
	r->template_id = xstrdup(a->tpl->id);
	r->alias = xstrdup(a->alias);
	r->template_dir = xstrdup(a->tpl->dir);
	r->runtime = xstrdup(sb->ops->name);
	r->token = xstrdup(a->token ? a->token : token);
	r->cpus = a->cpus;
	r->memory_mb = a->memory_mb;
	r->disk_mb = a->disk_mb;
	r->internet = a->internet;
	r->timeout_s = a->timeout_s;
	r->started_at = wall_ms();
	r->end_at = r->started_at + (int64_t)a->timeout_s * 1000;
	r->state = SB_STARTING;
	r->auto_pause = a->auto_pause;
	r->auto_resume = a->auto_resume;
	r->auto_pause_memory = !a->auto_pause_disk;
	r->pooled = a->pooled;
	r->network = a->network ? json_deep_copy(a->network) : NULL;
	r->public_traffic = !a->no_public_traffic;
	for (size_t i = 0; a->metadata && i < a->metadata->n; i++)
		kv_set(&r->metadata, a->metadata->keys[i], a->metadata->values[i]);
	r->volume_mounts = a->volume_mounts ? json_deep_copy(a->volume_mounts) : NULL;
	kvlist all = { 0 };
	merged_env(a, &all);
	sb->first_init = first_init_body(sb, a->tpl, &all);
	sb->snapshot_dir = a->snapshot_dir ? xstrdup(a->snapshot_dir) : NULL;
	sb->init_token = a->init_token ? xstrdup(a->init_token) : NULL;
	if (a->tpl->start_cmd || a->tpl->ready_cmd) {
		sb->start_cmd = a->tpl->start_cmd ? xstrdup(a->tpl->start_cmd) : NULL;
		sb->ready_cmd = a->tpl->ready_cmd ? xstrdup(a->tpl->ready_cmd) : NULL;
		sb->start_user = a->tpl->user ? xstrdup(a->tpl->user) : NULL;
		sb->start_cwd = a->tpl->workdir ? xstrdup(a->tpl->workdir) : NULL;
	}

	char *rtdir = rt_dir_of(sb);
	char **env = xcalloc(all.n + 1, sizeof *env);
	for (size_t i = 0; i < all.n; i++)
		env[i] = xasprintf("%s=%s", all.keys[i], all.values[i]);
	kv_free(&all);
	size_t nm = json_array_size(r->volume_mounts);
	rt_mount *mounts = xcalloc(nm + 1, sizeof *mounts);
	for (size_t i = 0; i < nm; i++) {
		json_t *m = json_array_get(r->volume_mounts, i);
		mounts[i].host_dir = volume_data_dir(d->state_dir, json_string_value(json_object_get(m, "volumeID")));
		mounts[i].path = json_string_value(json_object_get(m, "path"));
	}
	struct create_job cj = {
		.sb = sb,
		.spec = {
			.id = r->id, .template_dir = r->template_dir, .state_dir = rtdir, .agent_bin = d->agent_bin,
			.limits = { .cpus = r->cpus, .memory_mb = r->memory_mb, .disk_mb = r->disk_mb },
			.internet = r->internet, .access_token = r->token, .env = (const char *const *)env,
			.snapshot_dir = sb->snapshot_dir,
			.mounts = mounts, .n_mounts = (int)nm,
		},
	};
	int rc = -1;
	sbx_err ignore;
	/* The record goes first: whatever happens next, a later sbxd finds it. */
	if (mkdir(rtdir, 0700) < 0) {
		sbx_error_errno(e, "cannot create the sandbox's state dir %s", rtdir);
	} else if (store_save(d->sb_dir, r, e) == 0) {
		sb->creating = 1;
		link_box(d, sb);
		rc = job_start(d, create_in_child, &cj, create_done, sb, e);
		if (rc < 0)
			unlink_box(sb);
	}
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
	for (size_t i = 0; i < nm; i++)
		free((char *)mounts[i].host_dir);
	free(mounts);
	free(rtdir);
	if (rc < 0) {
		store_remove(d->sb_dir, r->id, &ignore);
		box_free(sb);
		return -1;
	}
	timeouts_arm(sb);
	*out = sb;
	return 0;
}

/* --- adopt ----------------------------------------------------------------------- */

/* A slow pause or resume runs in a job, which outlives an sbxd killed
 * meanwhile: the record may say running for a sandbox that went to disk,
 * or paused for one that came back.  A VM has a process (a watch fd) only
 * while it runs (runtime.h), so that says which.  1: it was resumed. */
static int settle_slow_change(sbox *sb)
{
	if (!(sb->ops->flags & RT_SLOW_PAUSE) || !sb->ops->watch)
		return 0;
	int fd = sb->ops->watch(sb->rt), running = fd >= 0;
	if (fd >= 0)
		close(fd);
	if (sb->rec.state == SB_RUNNING && !running) {
		sb->rec.state = SB_PAUSED;
		sbox_save(sb);
		sbox_log(sb, "it went to disk while no sbxd ran (a pause that outlived its sbxd): paused");
	} else if (sb->rec.state == SB_PAUSED && running) {
		sb->rec.state = SB_RUNNING;
		sbox_set_timeout(sb, sb->rec.timeout_s);
		sbox_log(sb, "it came back while no sbxd ran (a resume that outlived its sbxd): running");
		return 1;
	}
	return 0;
}

int sbox_adopt(sbxd *d, sbxd_record *rec, sbox **out, sbx_err *e)
{
	sbox *sb = xcalloc(1, sizeof *sb);
	sbx_err re, ignore;
	sb->d = d;
	sb->watch_fd = -1;
	new_exec(sb);
	sb->rec = *rec;
	memset(rec, 0, sizeof *rec);
	const rt_info *ri = runtimes_find(&d->rts, sb->rec.runtime);   /* its own, not the default */
	sb->ops = ri ? ri->ops : NULL;
	char *rtdir = rt_dir_of(sb);
	if (!sb->ops) {
		sbx_error(e, "its runtime '%s' is not one this sbxd has (its record stays)", sb->rec.runtime);
		free(rtdir);
		box_free(sb);
		return -1;
	}
	if (sb->ops->adopt(rtdir, &sb->rt, &re) < 0) {
		/* Nothing of the runtime's is left: only our files. */
		sbx_error(e, "its processes are gone (%s)", re.msg);
		store_log(d->sb_dir, sb->rec.id, "dropped at adoption: %s", e ? e->msg : "");
		if (store_remove(d->sb_dir, sb->rec.id, &ignore) < 0)
			log_warn("sbxd: sandbox %s: %s", sb->rec.id, ignore.msg);
		free(rtdir);
		box_free(sb);
		return -1;
	}
	free(rtdir);
	int alive = sb->ops->alive(sb->rt);
	link_box(d, sb);
	if (sb->rec.killed) {
		sbx_error(e, "it was killed and the previous sbxd stopped before its teardown ended");
		sbox_kill(sb, e ? e->msg : "killed before the previous sbxd stopped", NULL, NULL);
		return -1;
	}
	if (sb->rec.state == SB_DEAD) {
		/* Stays dead, and visible, until killed or expired. */
		sbox_log(sb, "adopted (dead: %s)", sb->rec.dead_reason);
		timeouts_arm(sb);
		*out = sb;
		return 0;
	}
	if (!alive || sb->rec.state == SB_STARTING || set_agent_addr(sb, e) < 0) {
		if (!alive)
			sbx_error(e, "its processes are gone");
		else if (sb->rec.state == SB_STARTING)
			sbx_error(e, "it was still starting when the previous sbxd stopped, so no client has its id");
		/* Torn down like any killed sandbox: in a job, retried if need be. */
		sbox_kill(sb, e ? e->msg : "dropped at adoption", NULL, NULL);
		return -1;
	}
	int resumed_meanwhile = settle_slow_change(sb);
	sbox_log(sb, "adopted (%s)", sb_state_name(sb->rec.state));
	liveness_watch(sb);   /* a pidfd works for any process, not only our children */
	if (sb->rec.state == SB_RUNNING) {
		/* Trust, but check: requests queue until the agent answers. */
		timeouts_arm(sb);
		if (resumed_meanwhile && (sb->ops->flags & RT_RESTORES))
			agent_op_health_init(sb, SBOX_RESUME_TIMEOUT_MS, sb->rec.token, "{}");
		else
			agent_op_health(sb, SBOX_RESUME_TIMEOUT_MS);
	}
	*out = sb;
	return 0;
}

void sbox_when_ready(sbox *sb, sbox_ready_cb cb, void *ud)
{
	if (sb->rec.state == SB_DEAD) {
		char msg[1024];
		sbox_dead_msg(sb, msg, sizeof msg);
		cb(sb, 0, msg, ud);
		return;
	}
	if (!sb->op && !sb->creating && !sb->pausing && !sb->resuming) {
		cb(sb, sb->ready, sb->ready ? NULL : "the sandbox's agent is not answering", ud);
		return;
	}
	struct sbox_waiter *w = xcalloc(1, sizeof *w), **tail = &sb->waiters;
	w->cb = cb;
	w->ud = ud;
	w->gen = sb->wait_gen;
	while (*tail)
		tail = &(*tail)->next;
	*tail = w;
}

void sbox_unwait(sbox *sb, sbox_ready_cb cb, void *ud)
{
	for (struct sbox_waiter **p = &sb->waiters; *p; p = &(*p)->next) {
		if ((*p)->cb == cb && (*p)->ud == ud) {
			struct sbox_waiter *w = *p;
			*p = w->next;
			free(w);
			return;
		}
	}
}

/* Pops waiters one at a time: a callback may add or remove others, or kill
 * the sandbox (which fails the rest; sb itself stays allocated).  One it
 * adds waits for what it started (a pause begun by a waiter of a resume),
 * not for the outcome being told now. */
static void notify(sbox *sb, int ok, const char *err)
{
	struct sbox_waiter *w;
	unsigned gen = ++sb->wait_gen;
	while (!sb->killed && (w = sb->waiters) && w->gen < gen) {
		sb->waiters = w->next;
		sbox_ready_cb cb = w->cb;
		void *ud = w->ud;
		free(w);
		cb(sb, ok, err, ud);
	}
}

void sbox_op_done(sbox *sb, int ok, const char *err)
{
	sb->ready = ok;
	if (ok && sb->rec.state == SB_STARTING) {
		sb->rec.state = SB_RUNNING;
		sbox_save(sb);
	}
	if (ok)
		sbox_log(sb, "agent ready");
	else
		sbox_log(sb, "not ready: %s", err);
	notify(sb, ok, err);
}

/* --- kill ------------------------------------------------------------------------ */

/* In the job's child (or, failing a fork, in sbxd): the driver's destroy,
 * then the files.  The handle is the parent's copy, or adopted when the
 * sandbox was still being created when it was killed. */
static int destroy_in_child(void *arg, sbx_err *e)
{
	sbox *sb = arg;
	sbx_err re;
	rt_sandbox *h = sb->rt;
	char *dir = rt_dir_of(sb);
	if (!h && sb->ops->adopt(dir, &h, &re) < 0)
		h = NULL;   /* nothing of the runtime's left: only files */
	free(dir);
	sb->rt = NULL;
	if (h && sb->ops->destroy(h, &re) < 0)
		return sbx_error(e, "the %s runtime could not tear it down fully (sbxd tries again at its next "
				 "start): %s", sb->ops->name, re.msg);
	if (store_remove(sb->d->sb_dir, sb->rec.id, &re) < 0)
		return sbx_error(e, "its files could not all be removed: %s", re.msg);
	return 0;
}

#define TEARDOWN_TRIES 5
#define TEARDOWN_RETRY_MS 2000

static int64_t retry_teardown(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbox *sb = ud;
	sb->retry_timer = 0;
	teardown(sb);
	return -1;
}

static void teardown_done(int ok, const char *err, void *ud)
{
	sbox *sb = ud;
	sbxd *d = sb->d;
	if (!ok) {
		log_warn("sbxd: sandbox %s: %s", sb->rec.id, err);
		/* Its processes are gone; what lingers (a loop device still
		 * busy under load, ...) usually goes on a later try.  The client
		 * that killed it has its answer already: it is stopped. */
		if (sb->kill_cb) {
			sb->kill_cb(1, NULL, sb->kill_ud);
			sb->kill_cb = NULL;
		}
		if (sb->teardowns < TEARDOWN_TRIES) {
			sb->retry_timer = loop_add_timer(d->loop, TEARDOWN_RETRY_MS, retry_teardown, sb);
			return;
		}
		log_warn("sbxd: sandbox %s: giving up after %d tries; its record stays, so the next sbxd start "
			 "tries again", sb->rec.id, sb->teardowns);
	} else {
		log_info("sbxd: sandbox %s: torn down", sb->rec.id);
	}
	for (sbox **p = &d->dying; *p; p = &(*p)->next) {
		if (*p == sb) {
			*p = sb->next;
			break;
		}
	}
	if (sb->kill_cb)
		sb->kill_cb(1, NULL, sb->kill_ud);
	box_free(sb);
}

struct sync_teardown {
	sbox *sb;
	int ok;
	sbx_err e;
};

static int64_t sync_teardown_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct sync_teardown *t = ud;
	teardown_done(t->ok, t->e.msg, t->sb);
	free(t);
	return -1;
}

static void teardown(sbox *sb)
{
	sbx_err e;
	sb->teardowns++;
	if (job_start(sb->d, destroy_in_child, sb, teardown_done, sb, &e) == 0) {
		if (sb->rt)
			sb->ops->release(sb->rt);   /* the job has its own copy */
		sb->rt = NULL;
		return;
	}
	log_warn("sbxd: sandbox %s: %s; tearing it down in sbxd itself", sb->rec.id, e.msg);
	struct sync_teardown *t = xcalloc(1, sizeof *t);
	t->sb = sb;
	t->ok = destroy_in_child(sb, &t->e) == 0;
	loop_add_timer(sb->d->loop, 0, sync_teardown_timer, t);   /* never free sb under the caller */
}

void sbox_kill(sbox *sb, const char *why, sbox_killed_cb cb, void *ud)
{
	if (sb->killed) {
		if (cb)
			cb(1, NULL, ud);
		return;
	}
	sbxd *d = sb->d;
	sb->killed = 1;
	/* Kept on disk until the teardown removes the record, so an sbxd
	 * stopped before it ends finishes it at its next start rather than
	 * bringing the sandbox back. */
	sb->rec.killed = 1;
	sbox_save(sb);
	sb->kill_cb = cb;
	sb->kill_ud = ud;
	sb->kill_why = xstrdup(why);
	timeouts_disarm(sb);
	agent_op_cancel(sb);
	liveness_unwatch(sb);
	unlink_box(sb);
	sb->next = d->dying;
	d->dying = sb;
	sbox_log(sb, "killed: %s", why);
	events_add(d, sb->rec.id, "killed", json_pack("{s:s}", "reason", why));
	char msg[256];
	snprintf(msg, sizeof msg, "the sandbox was killed (%s)", why);
	struct sbox_waiter *w;
	while ((w = sb->waiters)) {
		sb->waiters = w->next;
		w->cb(sb, 0, msg, w->ud);
		free(w);
	}
	if (!sb->creating && !sb->pausing && !sb->resuming && !sb->snapshotting)
		teardown(sb);   /* else the job's end starts it */
}

void sbox_abandon(sbox *sb)
{
	if (sb->retry_timer)
		loop_del_timer(sb->d->loop, sb->retry_timer);
	box_free(sb);
}

void sbox_kill_detach(sbox *sb)
{
	sb->kill_cb = NULL;
	sb->kill_ud = NULL;
}

/* --- death ----------------------------------------------------------------------- */

void sbox_dead_msg(const sbox *sb, char *out, size_t n)
{
	snprintf(out, n, "sandbox %s's agent died (%s); it cannot be used or resumed: kill it (`sbx kill %s`, "
		 "Sandbox.kill) and create a new one; `sbx logs %s` shows its last logs", sb->rec.id,
		 sb->rec.dead_reason ? sb->rec.dead_reason : "it died", sb->rec.id, sb->rec.id);
}

void sbox_died(sbox *sb, const char *why)
{
	if (sb->killed || (sb->rec.state != SB_RUNNING && sb->rec.state != SB_PAUSED))
		return;
	liveness_unwatch(sb);
	if (sb->rec.pooled) {   /* never handed out: nobody to tell */
		sbox_kill(sb, why, NULL, NULL);
		pool_kick(sb->d);
		return;
	}
	char *tail = sbox_log_tail(sb, 5);
	sbox_log(sb, "died: %s%s%s", why, *tail ? "; the end of its logs:\n" : "", tail);
	free(tail);
	events_add(sb->d, sb->rec.id, "died", json_pack("{s:s}", "reason", why));
	agent_op_cancel(sb);
	free(sb->rec.dead_reason);
	sb->rec.dead_reason = xstrdup(why);
	sb->rec.dead_at = wall_ms();
	sb->rec.state = SB_DEAD;
	sb->ready = 0;
	sbox_save(sb);
	timeouts_arm(sb);   /* now the record's expiry */
	char msg[1024];
	sbox_dead_msg(sb, msg, sizeof msg);
	notify(sb, 0, msg);
}

/* --- pause and resume ------------------------------------------------------------- */

/* A job changed the sandbox's processes behind the parent's handle (a VMM
 * exited, a new one started): drop it and find the sandbox again. */
static int readopt(sbox *sb, sbx_err *e)
{
	sbx_err re;
	if (sb->rt)
		sb->ops->release(sb->rt);
	sb->rt = NULL;
	char *dir = rt_dir_of(sb);
	int rc = sb->ops->adopt(dir, &sb->rt, &re);
	free(dir);
	if (rc < 0) {
		sb->rt = NULL;
		return sbx_error(e, "the %s runtime cannot find sandbox %s again: %s", sb->ops->name, sb->rec.id, re.msg);
	}
	free(sb->agent_base);
	free(sb->agent_sock);
	sb->agent_base = sb->agent_sock = NULL;
	return set_agent_addr(sb, e);
}

/* Checks what pause and resume share; -1 with why. */
static int can_change(sbox *sb, const char *verb, sbx_err *e)
{
	char msg[1024];
	if (sb->rec.state == SB_DEAD) {
		sbox_dead_msg(sb, msg, sizeof msg);
		return sbx_error(e, "%s", msg);
	}
	if (!sb->rt)
		return sbx_error(e, "sandbox %s did not start, so it cannot be %s; kill it", sb->rec.id, verb);
	if (sb->pausing || sb->resuming || sb->snapshotting)
		return sbx_error(e, "sandbox %s is %s; try again once that is done", sb->rec.id,
				 sb->pausing ? "being paused" : sb->resuming ? "being resumed" : "being snapshotted");
	return 0;
}

static void paused(sbox *sb, int disk)
{
	sb->rec.state = SB_PAUSED;
	sb->rec.paused_disk = disk;
	sb->ready = 0;
	timeouts_disarm(sb);
	sbox_save(sb);
	sbox_log(sb, disk ? "paused (filesystem only: its processes are gone, its disk stays)" : "paused");
	events_add(sb->d, sb->rec.id, "paused", json_pack("{s:b}", "memory", !disk));
}

static int pause_in_child(void *arg, sbx_err *e)
{
	sbox *sb = arg;
	sbx_err re;
	int rc = sb->disk_op ? sb->ops->pause_disk(sb->rt, &re) : sb->ops->pause(sb->rt, &re);
	if (rc < 0)
		return sbx_error(e, "the %s runtime could not pause sandbox %s%s: %s", sb->ops->name, sb->rec.id,
				 sb->disk_op ? " (filesystem only)" : "", re.msg);
	return 0;
}

/* What a slow pause or resume job's end has in common: a sandbox killed
 * meanwhile is torn down (-1); else it is read again from its state dir
 * (its VMM changed under the old handle): 1 when the job and that went
 * well; 0 when it failed but the sandbox lives, why in msg; -1 when it is
 * gone (then it died, with why). */
static int slow_change_done(sbox *sb, int ok, const char *err, const char *what, char *msg, size_t n)
{
	if (sb->killed) {
		if (sb->rt)
			sb->ops->release(sb->rt);
		sb->rt = NULL;
		teardown(sb);
		return -1;
	}
	sbx_err e;
	int found = readopt(sb, &e) == 0;
	if (ok && found)
		return 1;
	snprintf(msg, n, "%s", ok ? e.msg : err);
	sbox_log(sb, "%s failed: %s", what, msg);
	if (!found || !sb->ops->alive(sb->rt)) {
		sbox_died(sb, msg);
		return -1;
	}
	return 0;
}

static void pause_done(int ok, const char *err, void *ud)
{
	sbox *sb = ud;
	char msg[1024];
	int disk = sb->disk_op;
	sb->pausing = 0;
	sb->disk_op = 0;
	int r = slow_change_done(sb, ok, err, "pause", msg, sizeof msg);
	if (r < 0)
		return;
	if (r > 0) {
		paused(sb, disk);
		liveness_watch(sb);   /* a paused VM has no process: -1, nothing to watch */
		notify(sb, 1, NULL);
		return;
	}
	/* Still running: the waiters hear the failure, then it serves again
	 * -- unless its time is up (an autoPause that failed): then it goes. */
	liveness_watch(sb);
	notify(sb, 0, msg);
	if (sb->killed)
		return;
	if (timeouts_due(sb) <= wall_ms()) {
		sbox_kill(sb, "its timeout was reached and it could not be paused", NULL, NULL);
		return;
	}
	timeouts_arm(sb);
	agent_op_health(sb, SBOX_RESUME_TIMEOUT_MS);
}

/* A pause in a job: RT_SLOW_PAUSE drivers' (memory to disk), and every
 * filesystem-only pause (processes stopped, a VMM exits). */
static int pause_job(sbox *sb, int disk, sbx_err *e)
{
	liveness_unwatch(sb);   /* its processes exit on purpose */
	agent_op_cancel(sb);
	timeouts_disarm(sb);
	sb->ready = 0;
	sb->pausing = 1;
	sb->disk_op = disk;
	if (job_start(sb->d, pause_in_child, sb, pause_done, sb, e) < 0) {
		sb->pausing = 0;
		sb->disk_op = 0;
		liveness_watch(sb);
		timeouts_arm(sb);
		return -1;
	}
	sbox_log(sb, disk ? "pausing (filesystem only)" : "pausing");
	return 0;
}

int sbox_pause(sbox *sb, sbx_err *e)
{
	sbx_err re;
	if (can_change(sb, "paused", e) < 0)
		return -1;
	if (sb->ops->flags & RT_SLOW_PAUSE)
		return pause_job(sb, 0, e);   /* its memory goes to disk: seconds the loop must not wait */
	if (sb->ops->pause(sb->rt, &re) < 0)
		return sbx_error(e, "the %s runtime could not pause sandbox %s: %s", sb->ops->name, sb->rec.id, re.msg);
	paused(sb, 0);
	return 0;
}

int sbox_pause_disk(sbox *sb, sbx_err *e)
{
	if (can_change(sb, "paused", e) < 0)
		return -1;
	if (!sb->ops->pause_disk)
		return sbx_error(e, "the %s runtime cannot pause a sandbox without its memory; pause it with its "
				 "memory (keepMemory: true)", sb->ops->name);
	return pause_job(sb, 1, e);
}

/* A fresh start after a filesystem-only pause: a new agent, which needs
 * what a created one gets (the template's user and workdir, its start-up).
 * The template is looked up again by name; gone, the agent's defaults do. */
static void fresh_start(sbox *sb)
{
	sbxd_template t = { 0 };
	sbx_err e;
	int have = sb->d->find_template(sb->rec.template_id, &t, &e) == 0;
	char *body = NULL;
	if (have) {
		kvlist none = { 0 };
		body = first_init_body(sb, &t, &none);
		free(sb->start_cmd);
		free(sb->ready_cmd);
		free(sb->start_user);
		free(sb->start_cwd);
		sb->start_cmd = t.start_cmd ? xstrdup(t.start_cmd) : NULL;
		sb->ready_cmd = t.ready_cmd ? xstrdup(t.ready_cmd) : NULL;
		sb->start_user = t.user ? xstrdup(t.user) : NULL;
		sb->start_cwd = t.workdir ? xstrdup(t.workdir) : NULL;
	} else {
		sbox_log(sb, "its template %s is not found any more (%s): the agent starts with its defaults",
			 sb->rec.template_id, e.msg);
	}
	if (body)
		agent_op_health_init(sb, SBOX_START_TIMEOUT_MS, sb->rec.token, body);
	else
		agent_op_health(sb, SBOX_START_TIMEOUT_MS);
	free(body);
	if (have && (sb->start_cmd || sb->ready_cmd))
		agent_op_then_start(sb);
	sbxd_template_free(&t);
}

/* Running again: its agent must answer (and, restored, take /init). */
static void resumed(sbox *sb, int timeout_s, int fresh)
{
	sb->rec.state = SB_RUNNING;
	sb->rec.paused_disk = 0;
	new_exec(sb);
	sbox_log(sb, fresh ? "resumed (started afresh on its disk)" : "resumed");
	events_add(sb->d, sb->rec.id, "resumed", fresh ? json_pack("{s:b}", "memory", 0) : NULL);
	sbox_set_timeout(sb, timeout_s);
	liveness_watch(sb);
	if (fresh)
		fresh_start(sb);
	else if (sb->ops->flags & RT_RESTORES)
		agent_op_health_init(sb, SBOX_RESUME_TIMEOUT_MS, sb->rec.token, "{}");
	else
		agent_op_health(sb, SBOX_RESUME_TIMEOUT_MS);
}

/* disk_op on a resume: it drops the memory first (connect {memory: false}
 * on a memory-paused sandbox), then starts afresh. */
static int resume_in_child(void *arg, sbx_err *e)
{
	sbox *sb = arg;
	sbx_err re;
	if (sb->disk_op && sb->ops->pause_disk(sb->rt, &re) < 0)
		return sbx_error(e, "the %s runtime could not drop the memory of sandbox %s: %s", sb->ops->name,
				 sb->rec.id, re.msg);
	if (sb->ops->resume(sb->rt, &re) < 0)
		return sbx_error(e, "the %s runtime could not resume sandbox %s: %s", sb->ops->name, sb->rec.id, re.msg);
	return 0;
}

static void resume_done(int ok, const char *err, void *ud)
{
	sbox *sb = ud;
	char msg[1024];
	int fresh = sb->disk_op || sb->rec.paused_disk;
	sb->resuming = 0;
	sb->disk_op = 0;
	int r = slow_change_done(sb, ok, err, "resume", msg, sizeof msg);
	if (r > 0) {
		resumed(sb, sb->rec.timeout_s, fresh);
		return;
	}
	if (r == 0 && fresh && !sb->rec.paused_disk) {
		/* the memory is gone even if the start failed: say so */
		sb->rec.paused_disk = 1;
		sbox_save(sb);
	}
	if (r == 0)
		notify(sb, 0, msg);   /* still paused, its disk (and snapshot) intact: it may be tried again */
}

static int resume_job(sbox *sb, int timeout_s, int drop_memory, sbx_err *e)
{
	sb->rec.timeout_s = timeout_s;   /* resumed() arms it */
	if (drop_memory)
		liveness_unwatch(sb);   /* its frozen processes are killed on purpose */
	sb->resuming = 1;
	sb->disk_op = drop_memory;
	if (job_start(sb->d, resume_in_child, sb, resume_done, sb, e) < 0) {
		sb->resuming = 0;
		sb->disk_op = 0;
		liveness_watch(sb);
		return -1;
	}
	sbox_log(sb, drop_memory ? "resuming from its disk (its memory dropped)" : "resuming");
	return 0;
}

int sbox_resume(sbox *sb, int timeout_s, sbx_err *e)
{
	sbx_err re;
	if (can_change(sb, "resumed", e) < 0)
		return -1;
	/* A fresh start on its disk takes a boot or a new init: a job too. */
	if ((sb->ops->flags & RT_SLOW_PAUSE) || sb->rec.paused_disk)
		return resume_job(sb, timeout_s, 0, e);
	if (sb->ops->resume(sb->rt, &re) < 0)
		return sbx_error(e, "the %s runtime could not resume sandbox %s: %s", sb->ops->name, sb->rec.id, re.msg);
	resumed(sb, timeout_s, 0);
	return 0;
}

/* --- user snapshots ----------------------------------------------------------- */

struct snap_job {
	sbox *sb;
	char *dir;
	void (*cb)(int ok, const char *err, void *ud);
	void *ud;
};

static int snapshot_in_child(void *arg, sbx_err *e)
{
	struct snap_job *j = arg;
	sbx_err re;
	if (j->sb->ops->snapshot(j->sb->rt, j->dir, &re) < 0)
		return sbx_error(e, "the %s runtime could not snapshot sandbox %s: %s", j->sb->ops->name,
				 j->sb->rec.id, re.msg);
	return 0;
}

static void snapshot_done(int ok, const char *err, void *ud)
{
	struct snap_job *j = ud;
	sbox *sb = j->sb;
	sb->snapshotting = 0;
	if (sb->killed) {
		j->cb(0, "the sandbox was killed while it was being snapshotted", j->ud);
		teardown(sb);
	} else {
		sbox_log(sb, ok ? "snapshotted to %s" : "snapshot to %s failed", j->dir);
		j->cb(ok, err, j->ud);
	}
	free(j->dir);
	free(j);
}

int sbox_snapshot(sbox *sb, const char *dir, void (*cb)(int ok, const char *err, void *ud), void *ud, sbx_err *e)
{
	if (can_change(sb, "snapshotted", e) < 0)
		return -1;
	if (sb->rec.state != SB_PAUSED)
		return sbx_error(e, "sandbox %s must be paused to be snapshotted", sb->rec.id);
	struct snap_job *j = xcalloc(1, sizeof *j);
	j->sb = sb;
	j->dir = xstrdup(dir);
	j->cb = cb;
	j->ud = ud;
	sb->snapshotting = 1;
	if (job_start(sb->d, snapshot_in_child, j, snapshot_done, j, e) < 0) {
		sb->snapshotting = 0;
		free(j->dir);
		free(j);
		return -1;
	}
	return 0;
}

int sbox_resume_fresh(sbox *sb, int timeout_s, sbx_err *e)
{
	if (sb->rec.paused_disk)
		return sbox_resume(sb, timeout_s, e);
	if (can_change(sb, "resumed", e) < 0)
		return -1;
	if (!sb->ops->pause_disk)
		return sbx_error(e, "the %s runtime cannot drop a paused sandbox's memory and start it from its disk; "
				 "resume it with its memory", sb->ops->name);
	return resume_job(sb, timeout_s, 1, e);
}

const char *sbox_transit(sbox *sb, int64_t *done, int64_t *total)
{
	*done = *total = 0;
	if (!sb->pausing && !sb->resuming)
		return NULL;
	char *dir = rt_dir_of(sb), *path = xasprintf("%s/%s", dir, RT_PROGRESS_FILE), *text;
	size_t len;
	if (files_read(path, 256, &text, &len, NULL) == 0) {
		long long a, b;
		if (sscanf(text, "%lld %lld", &a, &b) == 2 && a >= 0 && b >= 0) {
			*done = a;
			*total = b;
		}
		free(text);
	}
	free(path);
	free(dir);
	return sb->pausing ? "pausing" : "resuming";
}

const char *sbox_accel(sbox *sb)
{
	const rt_info *ri = runtimes_find(&sb->d->rts, sb->ops ? sb->ops->name : sb->rec.runtime);
	return ri ? ri->accel : NULL;
}

void sbox_set_timeout(sbox *sb, int timeout_s)
{
	sb->rec.timeout_s = timeout_s;
	sb->rec.end_at = wall_ms() + (int64_t)timeout_s * 1000;
	sbox_save(sb);
	timeouts_arm(sb);
}

void sbox_release(sbox *sb)
{
	timeouts_disarm(sb);
	agent_op_cancel(sb);
	liveness_unwatch(sb);
	unlink_box(sb);
	struct sbox_waiter *w;
	while ((w = sb->waiters)) {
		sb->waiters = w->next;
		w->cb(sb, 0, "sbxd is stopping", w->ud);
		free(w);
	}
	if (sb->rt)
		sb->ops->release(sb->rt);
	box_free(sb);
}

char *sbox_log_tail(sbox *sb, int lines)
{
	char **logs = store_runtime_logs(sb->d->sb_dir, sb->rec.id);
	size_t skip = strlen(sb->d->sb_dir) + strlen(sb->rec.id) + 2;
	sbx_buf out = SBX_BUF_INIT;
	for (char **p = logs; *p; p++) {
		char *text;
		size_t len;
		if (files_read(*p, 8192, &text, &len, NULL) < 0)
			continue;
		while (len && text[len - 1] == '\n')
			len--;
		/* back to the start of the last `lines` lines */
		size_t i = len;
		for (int seen = 0; i > 0; i--)
			if (text[i - 1] == '\n' && ++seen == lines)
				break;
		if (len > i)
			buf_printf(&out, "%s[%s] %.*s", out.len ? "\n" : "", *p + skip, (int)(len - i), text + i);
		free(text);
	}
	store_list_free(logs);
	return buf_detach(&out);
}
