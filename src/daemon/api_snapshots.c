/*
 * User snapshots and fork (E2B's createSnapshot, listSnapshots,
 * deleteSnapshot, fork), on snapshots.h's store:
 *   POST   /sandboxes/{id}/snapshots {"name"?}   → 201 SnapshotInfo
 *   GET    /snapshots?sandboxID&name&limit&nextToken → 200 [SnapshotInfo]
 *   DELETE /templates/{snapshotID}               → 204 / 404
 *   POST   /sandboxes/{id}/fork {"timeout"?,"count"?} → 201 [SandboxForkResult]
 * A running source is paused, snapshotted and resumed: its id and endAt
 * stay; a paused one is snapshotted and stays paused.  Fork is a temporary
 * snapshot, count creates from it, then the snapshot's removal (every
 * driver copies what a new sandbox needs from it during create).
 * The operation goes on when the client leaves (the source is resumed
 * all the same); its state is freed once it is over and the request closed.
 */
#include "api.h"
#include "events.h"
#include "hostroute.h"
#include "api_json.h"
#include "sandbox.h"
#include "snapshots.h"
#include "timeouts.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FORK_MAX 20   /* the Python SDK documents 1..20 */
#define FORK_DEFAULT_TIMEOUT_S 15   /* E2B's SandboxForkRequest default */
#define SNAP_PAGE_DEFAULT 100
#define SNAP_PAGE_MAX 1000

struct snap_op {
	sbxd *d;
	http_req *r;              /* NULL once the client left */
	int over;                 /* answered or given up: free at close */
	char id[SBXD_ID_MAX + 1]; /* the source */
	char *name;
	int fork_count, fork_timeout_s;   /* fork_count 0: a plain snapshot */
	int was_running;
	int64_t end_at;           /* the source's, kept across the pause */
	int timeout_s;            /* its last asked-for timeout, likewise */
	snap_meta m;
	int have_meta, committed;
	char *err;                /* why the snapshot failed (answered after the resume) */
	int err_status;
	/* fork */
	int pending;
	json_t *results;
	sbox *waiting;            /* source queued on sbox_when_ready */
	char (*kids)[SBXD_ID_MAX + 1];   /* the forks' ids ("" once failed) */
};

static void op_free(struct snap_op *op)
{
	free(op->name);
	free(op->err);
	if (op->have_meta)
		snap_meta_free(&op->m);
	json_decref(op->results);
	free(op->kids);
	free(op);
}

static void op_close(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	struct snap_op *op = ud;
	op->r = NULL;
	/* Else the steps still to come run (the source must come back) and
	 * op_end frees it. */
	if (op->over)
		op_free(op);
}

/* The end of an operation: answered now (when the client is there). */
static void op_end(struct snap_op *op)
{
	op->over = 1;
	if (!op->r)
		op_free(op);
}

static void op_error(struct snap_op *op, int status, const char *msg)
{
	if (op->r)
		api_error(op->r, status, "%s", msg);
	op_end(op);
}

static sbox *visible(sbxd *d, const char *id)
{
	sbox *sb = sbox_find(d, id);
	return sb && !sb->rec.pooled && !sb->killed ? sb : NULL;
}

/* --- the template and runtime of a sandbox made from a snapshot ------------ */

int snap_start_args(sbxd *d, const snap_meta *m, sbxd_template *tpl, const runtime_ops **ops, sbx_err *e)
{
	sbx_err ignore;
	struct stat st;
	memset(tpl, 0, sizeof *tpl);
	const rt_info *ri = runtimes_find(&d->rts, m->runtime);
	if (!ri || !ri->available)
		return sbx_error(e, "snapshot %s was taken with the %s runtime, which %s; start sbxd where it runs",
				 m->id, m->runtime, ri ? ri->reason : "this sbxd does not know");
	if (stat(m->template_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return sbx_error(e, "snapshot %s needs the template build it was taken from (%s), which is gone "
				 "(pruned?); the snapshot cannot start sandboxes any more: delete it", m->id,
				 m->template_dir);
	/* The template's env, user, workdir and start-up, as they are now. */
	if (d->find_template(m->template_id, tpl, &ignore) < 0)
		memset(tpl, 0, sizeof *tpl);
	free(tpl->id);
	free(tpl->dir);
	tpl->id = xstrdup(m->id);
	tpl->dir = xstrdup(m->template_dir);
	tpl->cpus = m->cpus;
	tpl->memory_mb = m->memory_mb;
	tpl->disk_mb = m->disk_mb;
	if (m->memory) {   /* its processes come back with its memory: no second start */
		free(tpl->start_cmd);
		free(tpl->ready_cmd);
		tpl->start_cmd = tpl->ready_cmd = NULL;
	}
	*ops = ri->ops;
	return 0;
}

/* --- resuming the source ------------------------------------------------------ */

static void finish(struct snap_op *op);

static void source_ready(sbox *sb, int ok, const char *err, void *ud)
{
	struct snap_op *op = ud;
	op->waiting = NULL;
	if (ok && !sb->killed) {
		/* Its endAt and timeout as before the snapshot (resume set new ones). */
		sb->rec.end_at = op->end_at;
		sb->rec.timeout_s = op->timeout_s;
		sbox_save(sb);
		timeouts_arm(sb);
	} else {
		log_warn("sbxd: sandbox %s did not come back after its snapshot: %s", op->id, err);
	}
	finish(op);
}

static void resume_source(struct snap_op *op)
{
	sbox *sb = visible(op->d, op->id);
	sbx_err e;
	if (!op->was_running || !sb || sb->rec.state != SB_PAUSED) {
		finish(op);
		return;
	}
	int64_t left_ms = op->end_at - wall_ms();
	int secs = left_ms > 0 ? (int)((left_ms + 999) / 1000) : 1;
	if (sbox_resume(sb, secs, &e) < 0) {
		log_warn("sbxd: sandbox %s stays paused after its snapshot: %s", op->id, e.msg);
		finish(op);
		return;
	}
	op->waiting = sb;
	sbox_when_ready(sb, source_ready, op);
}

/* --- taking the snapshot ------------------------------------------------------- */

static void snapped(int ok, const char *err, void *ud)
{
	struct snap_op *op = ud;
	sbx_err e;
	if (ok && snaps_commit(op->d, &op->m, &e) < 0) {
		ok = 0;
		err = e.msg;
	}
	if (!ok) {
		op->err = xasprintf("the snapshot of sandbox %s failed: %s", op->id, err);
		op->err_status = 500;
		if (snaps_remove(&op->m, &e) < 0)
			log_warn("sbxd: %s", e.msg);
	} else {
		op->committed = 1;
		if (!op->m.temporary)
			events_add(op->d, op->id, "snapshotted", json_pack("{s:s}", "snapshotID", op->m.id));
	}
	resume_source(op);
}

static void take(struct snap_op *op, sbox *sb)
{
	sbx_err e;
	char *rt;
	if (snaps_begin(op->d, &sb->rec, op->name, op->fork_count > 0, (sb->ops->flags & RT_RESTORES) != 0, &op->m,
			&e) < 0) {
		op->err = xasprintf("cannot snapshot sandbox %s: %s", op->id, e.msg);
		op->err_status = 500;
		resume_source(op);
		return;
	}
	op->have_meta = 1;
	rt = snap_rt_dir(&op->m);
	int rc = mkdir(rt, 0700) < 0 ? sbx_error_errno(&e, "cannot create %s", rt) : 0;
	if (rc == 0)
		rc = sbox_snapshot(sb, rt, snapped, op, &e);
	free(rt);
	if (rc < 0) {
		op->err = xasprintf("cannot snapshot sandbox %s: %s", op->id, e.msg);
		op->err_status = 500;
		snaps_remove(&op->m, NULL);
		resume_source(op);
	}
}

static void begin(struct snap_op *op);

static void paused_cb(sbox *sb, int ok, const char *err, void *ud)
{
	struct snap_op *op = ud;
	op->waiting = NULL;
	if (sb->killed || !ok || sb->rec.state != SB_PAUSED) {
		char *msg = xasprintf("sandbox %s could not be paused for its snapshot: %s", op->id,
				      err ? err : "it is not paused");
		op_error(op, sb->killed ? 404 : 500, msg);
		free(msg);
		return;
	}
	take(op, sb);
}

static void busy_over(sbox *sb, int ok, const char *err, void *ud)
{
	(void)sb, (void)ok, (void)err;
	struct snap_op *op = ud;
	op->waiting = NULL;
	begin(op);
}

/* Checks, then pauses (when running) and snapshots. */
static void begin(struct snap_op *op)
{
	sbx_err e;
	sbox *sb = visible(op->d, op->id);
	char msg[1024];
	if (!sb) {
		snprintf(msg, sizeof msg, "sandbox \"%s\" not found (it was killed, timed out, or never existed; "
			 "list them with `sbx ls`)", op->id);
		op_error(op, 404, msg);
		return;
	}
	if (sb->rec.state == SB_DEAD) {
		sbox_dead_msg(sb, msg, sizeof msg);
		op_error(op, 409, msg);
		return;
	}
	if (!sb->ops->snapshot) {
		snprintf(msg, sizeof msg, "the %s runtime cannot snapshot sandboxes", sb->ops->name);
		op_error(op, 400, msg);
		return;
	}
	if (sb->snapshotting) {
		snprintf(msg, sizeof msg, "sandbox \"%s\" is being snapshotted by another request; try again once "
			 "that is done", op->id);
		op_error(op, 409, msg);
		return;
	}
	if (sb->op || sb->creating || sb->pausing || sb->resuming) {   /* what is in flight ends first */
		op->waiting = sb;
		sbox_when_ready(sb, busy_over, op);
		return;
	}
	if (sb->rec.state == SB_PAUSED && sb->rec.paused_disk && (sb->ops->flags & RT_RESTORES)) {
		/* A VM snapshot is its memory, which a filesystem-only pause dropped. */
		snprintf(msg, sizeof msg, "sandbox \"%s\" was paused without its memory (pause({keepMemory: false})), "
			 "and a %s snapshot needs it: resume it (connect), then snapshot it", op->id, sb->ops->name);
		op_error(op, 409, msg);
		return;
	}
	if (sb->rec.state == SB_PAUSED) {
		take(op, sb);
		return;
	}
	op->was_running = 1;
	op->end_at = sb->rec.end_at;
	op->timeout_s = sb->rec.timeout_s;
	if (sbox_pause(sb, &e) < 0) {
		char *why = xasprintf("sandbox \"%s\" could not be paused for its snapshot: %s", op->id, e.msg);
		op_error(op, 500, why);
		free(why);
		return;
	}
	if (sb->pausing) {
		op->waiting = sb;
		sbox_when_ready(sb, paused_cb, op);
		return;
	}
	take(op, sb);
}

/* --- fork: the new sandboxes ----------------------------------------------------- */

static void fork_done(struct snap_op *op)
{
	sbx_err e;
	if (snaps_remove(&op->m, &e) < 0)
		log_warn("sbxd: the fork's temporary snapshot %s could not be removed: %s", op->m.dir, e.msg);
	if (op->r) {
		api_json(op->r, 201, op->results);
		op->results = NULL;
	} else {
		/* The client left: nobody knows the forks' ids. */
		for (int i = 0; i < op->fork_count; i++) {
			sbox *sb = op->kids[i][0] ? visible(op->d, op->kids[i]) : NULL;
			if (sb)
				sbox_kill(sb, "the client that forked it went away before it got the answer", NULL,
					  NULL);
		}
	}
	op_end(op);
}

struct kid_wait {
	struct snap_op *op;
	int i;
};

static void kid_ready(sbox *sb, int ok, const char *err, void *ud)
{
	struct kid_wait *w = ud;
	struct snap_op *op = w->op;
	json_t *slot;
	if (ok) {
		json_t *js = json_sandbox(&sb->rec);
		hostroute_set_domain(op->d, js);   /* getHost on a fork points at sbxd too */
		slot = json_pack("{s:o}", "sandbox", js);
	} else {
		char *msg = xasprintf("the fork did not start: %s", err);
		slot = json_pack("{s:o}", "error", json_error(500, msg));
		free(msg);
		if (!sb->killed)
			sbox_kill(sb, "it did not start", NULL, NULL);
		op->kids[w->i][0] = '\0';
	}
	json_array_set_new(op->results, (size_t)w->i, slot);
	free(w);
	if (--op->pending == 0)
		fork_done(op);
}

static void start_forks(struct snap_op *op)
{
	sbxd_template tpl;
	const runtime_ops *ops;
	sbx_err e;
	op->results = json_array();
	op->kids = xcalloc((size_t)op->fork_count, sizeof *op->kids);
	int args_ok = snap_start_args(op->d, &op->m, &tpl, &ops, &e) == 0;
	char *rt = snap_rt_dir(&op->m);
	sbox *src = sbox_find(op->d, op->id);
	op->pending = op->fork_count;
	for (int i = 0; i < op->fork_count; i++)
		json_array_append_new(op->results, json_null());
	for (int i = 0; i < op->fork_count; i++) {
		sbox *sb = NULL;
		int rc = args_ok ? 0 : -1;
		if (rc == 0) {
			sbox_new_args a = {
				.tpl = &tpl, .alias = op->m.id, .cpus = op->m.cpus, .memory_mb = op->m.memory_mb,
				.disk_mb = op->m.disk_mb, .internet = src ? src->rec.internet : 1,
				.timeout_s = op->fork_timeout_s, .metadata = src ? &src->rec.metadata : NULL,
				.env = &op->m.env,
				.ops = ops, .snapshot_dir = rt, .init_token = op->m.memory ? op->m.token : NULL,
			};
			rc = sbox_create(op->d, &a, &sb, &e);
		}
		if (rc < 0) {
			char *msg = xasprintf("the fork could not be created: %s", e.msg);
			json_array_set_new(op->results, (size_t)i, json_pack("{s:o}", "error", json_error(500, msg)));
			free(msg);
			op->pending--;
			continue;
		}
		snprintf(op->kids[i], sizeof op->kids[i], "%s", sb->rec.id);
		struct kid_wait *w = xcalloc(1, sizeof *w);
		w->op = op;
		w->i = i;
		sbox_when_ready(sb, kid_ready, w);
	}
	free(rt);
	if (args_ok)
		sbxd_template_free(&tpl);
	if (op->pending == 0)
		fork_done(op);
}

/* The snapshot is over and the source back as it was: answer. */
static void finish(struct snap_op *op)
{
	if (op->d->stopping) {
		op_error(op, 503, "sbxd is stopping");
		return;
	}
	if (op->err) {
		op_error(op, op->err_status, op->err);
		return;
	}
	if (op->fork_count) {
		start_forks(op);
		return;
	}
	if (op->r)
		api_json(op->r, 201, snap_json(&op->m));
	op_end(op);
}

/* --- requests ---------------------------------------------------------------------- */

static struct snap_op *op_new(sbxd *d, http_req *r, const char *id)
{
	struct snap_op *op = xcalloc(1, sizeof *op);
	op->d = d;
	op->r = r;
	snprintf(op->id, sizeof op->id, "%s", id);
	http_req_on_close(r, op_close, op);
	return op;
}

static void snapshot_body(http_req *r, const char *body, size_t len, void *ud)
{
	struct snap_op *op = ud;
	json_t *j = api_parse_body(r, body, len);
	if (!j) {
		op_end(op);
		return;
	}
	json_t *name = json_object_get(j, "name");
	if (name && !json_is_null(name)) {
		const char *why = json_is_string(name) ? snap_name_problem(json_string_value(name))
						       : "\"name\" must be a string";
		if (*why) {
			api_error(r, 400, "%s; e.g. \"my-snapshot\"", why);
			json_decref(j);
			op_end(op);
			return;
		}
		op->name = xstrdup(json_string_value(name));
	}
	json_decref(j);
	begin(op);
}

void api_snapshot_create(sbxd *d, http_req *r, const char *id)
{
	struct snap_op *op = op_new(d, r, id);
	http_req_read_body(r, API_BODY_LIMIT, snapshot_body, op);
}

static void fork_body(http_req *r, const char *body, size_t len, void *ud)
{
	struct snap_op *op = ud;
	json_t *j = api_parse_body(r, body, len);
	int rc = j ? 0 : -1;
	op->fork_count = 1;
	op->fork_timeout_s = FORK_DEFAULT_TIMEOUT_S;
	if (rc == 0)
		rc = api_get_int(r, j, "count", 1, FORK_MAX, &op->fork_count);
	if (rc >= 0 && j)
		rc = api_get_int(r, j, "timeout", 1, 365 * 24 * 3600, &op->fork_timeout_s);
	json_decref(j);
	if (rc < 0) {
		op_end(op);
		return;
	}
	begin(op);
}

void api_fork(sbxd *d, http_req *r, const char *id)
{
	struct snap_op *op = op_new(d, r, id);
	http_req_read_body(r, API_BODY_LIMIT, fork_body, op);
}

/* GET /snapshots: pages as the sandbox lists (X-Next-Token); the token is
 * the last listed snapshot's key. */
void api_snapshot_list(sbxd *d, http_req *r)
{
	const char *sid = http_req_query(r, "sandboxID"), *name = http_req_query(r, "name");
	const char *lim = http_req_query(r, "limit"), *tok = http_req_query(r, "nextToken");
	int limit = SNAP_PAGE_DEFAULT;
	if (lim) {
		char *end;
		long v = strtol(lim, &end, 10);
		if (!*lim || *end || v < 1 || v > SNAP_PAGE_MAX) {
			api_error(r, 400, "limit must be a whole number from 1 to %d", SNAP_PAGE_MAX);
			return;
		}
		limit = (int)v;
	}
	snap_meta *v;
	size_t n;
	sbx_err e;
	if (snaps_list(d, &v, &n, &e) < 0) {
		api_error(r, 500, "%s", e.msg);
		return;
	}
	size_t start = 0;
	if (tok && *tok) {
		size_t i;
		for (i = 0; i < n && strcmp(v[i].key, tok); i++)
			;
		if (i == n) {
			api_error(r, 400, "nextToken \"%s\" names no snapshot (it was deleted?); list again from the "
				  "start", tok);
			snaps_list_free(v, n);
			return;
		}
		start = i + 1;
	}
	json_t *arr = json_array();
	const char *last = NULL;
	size_t i;
	for (i = start; i < n; i++) {
		if ((sid && *sid && strcmp(v[i].sandbox_id, sid)) || (name && *name && !snap_matches(&v[i], name)))
			continue;
		if (json_array_size(arr) == (size_t)limit)
			break;
		json_array_append_new(arr, snap_json(&v[i]));
		last = v[i].key;
	}
	/* more only when another matching one follows */
	for (; i < n && last; i++)
		if (!((sid && *sid && strcmp(v[i].sandbox_id, sid)) || (name && *name && !snap_matches(&v[i], name))))
			break;
	if (last && i < n)
		http_req_add_header(r, "X-Next-Token", last);
	api_json(r, 200, arr);
	snaps_list_free(v, n);
}

/* DELETE /templates/{id}: snapshots only (templates are built and removed
 * with `sbx template`). */
void api_snapshot_delete(sbxd *d, http_req *r, const char *ref)
{
	snap_meta m;
	sbx_err e;
	if (snaps_find(d, ref, &m) < 0) {
		api_error(r, 404, "snapshot \"%s\" not found (list them with GET /snapshots or `sbx snapshot ls`); "
			  "templates are removed with `sbx template rm`", ref);
		return;
	}
	int rc = snaps_remove(&m, &e);
	snap_meta_free(&m);
	if (rc < 0)
		api_error(r, 500, "snapshot \"%s\" could not be removed fully: %s", ref, e.msg);
	else
		http_respond(r, 204, NULL, NULL, 0);
}
