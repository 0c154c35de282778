/* The control plane's per-sandbox endpoints and the lists (docs/protocol.md §2). */
#include "api.h"
#include "api_json.h"
#include "events.h"
#include "hostroute.h"
#include "files.h"
#include "listq.h"
#include "liveness.h"
#include "metrics_hist.h"
#include "sandbox.h"
#include "store.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#define TIMEOUT_MAX_S (365 * 24 * 3600)

/* A sandbox the API may see: pool sandboxes do not exist for clients. */
static sbox *visible(sbxd *d, const char *id)
{
	sbox *sb = sbox_find(d, id);
	return sb && !sb->rec.pooled ? sb : NULL;
}

/* 409 with why for a dead sandbox (1), else 0: what it cannot do. */
static int refuse_dead(http_req *r, sbox *sb)
{
	if (sb->rec.state != SB_DEAD)
		return 0;
	char msg[1024];
	sbox_dead_msg(sb, msg, sizeof msg);
	api_error(r, 409, "%s", msg);
	return 1;
}

/* --- lists ----------------------------------------------------------------- */

/* 1 when the client says it knows sbxd's states beyond E2B's ("dead",
 * "pausing", "resuming"). */
static int knows_dead(http_req *r)
{
	const char *v = http_req_header(r, "Sbx-States");
	return v && !strcasecmp(v, "extended");
}

/* What only the live sandbox knows: its accelerator and, while a slow pause
 * or resume runs, that and its progress.  E2B's SDKs keep seeing the state
 * before the change (running while pausing, paused while resuming). */
static json_t *with_live(json_t *j, sbox *sb, int extended)
{
	int64_t done, total;
	const char *accel = sbox_accel(sb), *op = sbox_transit(sb, &done, &total);
	json_object_set_new(j, "accel", accel ? json_string(accel) : json_null());
	if (op) {
		json_object_set_new(j, "sbxProgress", json_pack("{s:s,s:I,s:I}", "op", op, "done", (json_int_t)done,
								"total", (json_int_t)total));
		if (extended)
			json_object_set_new(j, "state", json_string(op));
	}
	return j;
}

void api_list(sbxd *d, http_req *r, int v2)
{
	listq_params p = {
		.state = http_req_query(r, "state"), .metadata = http_req_query(r, "metadata"),
		.template = http_req_query(r, "template"), .started_after = http_req_query(r, "startedAfter"),
		.order = http_req_query(r, "order"), .limit = http_req_query(r, "limit"),
		.next_token = http_req_query(r, "nextToken"),
	};
	listq q;
	sbx_err e;
	/* v1 lists running sandboxes only and has no pages. */
	if (!v2)
		p.state = p.limit = p.next_token = NULL;
	/* With no state filter v2 lists what E2B's does (running, paused) —
	 * the Python SDK parses state into an enum of just those — plus dead
	 * sandboxes for clients that say they know the state (libsbx: `sbx ls`,
	 * the workbench); state=dead names them for anyone. */
	unsigned dflt = LISTQ_RUNNING;
	if (v2)
		dflt |= LISTQ_PAUSED | (knows_dead(r) ? LISTQ_DEAD : 0);
	if (listq_parse(&q, &p, dflt, &e) < 0) {
		api_error(r, 400, "%s", e.msg);
		return;
	}
	if (!v2)
		q.limit = 1 << 30;
	size_t n = 0;
	for (sbox *sb = d->boxes; sb; sb = sb->next)
		n++;
	const sbxd_record **all = xcalloc(n + 1, sizeof *all), **page = xcalloc(n + 1, sizeof *page);
	n = 0;
	for (sbox *sb = d->boxes; sb; sb = sb->next)
		all[n++] = &sb->rec;
	char *next;
	size_t k = listq_run(&q, (const sbxd_record *const *)all, n, page, &next);
	json_t *arr = json_array();
	for (size_t i = 0; i < k; i++) {
		sbox *sb = sbox_find(d, page[i]->id);
		json_array_append_new(arr, with_live(json_listed_sandbox(page[i]), sb, knows_dead(r)));
	}
	if (next)
		http_req_add_header(r, "X-Next-Token", next);
	api_json(r, 200, arr);
	free(next);
	free(all);
	free(page);
	listq_free(&q);
}

/* --- one sandbox ----------------------------------------------------------- */

void api_get(sbxd *d, http_req *r, const char *id)
{
	sbox *sb = visible(d, id);
	if (!sb) {
		api_not_found(r, id);
		return;
	}
	/* The Python SDK cannot parse a state it has no enum value for (it
	 * raises ValueError); for it a dead sandbox is not found, and why. */
	if (sb->rec.state == SB_DEAD && !knows_dead(r)) {
		const char *lang = http_req_header(r, "lang");
		if (lang && !strcasecmp(lang, "python")) {
			char msg[1024];
			sbox_dead_msg(sb, msg, sizeof msg);
			api_error(r, 404, "%s", msg);
			return;
		}
	}
	json_t *j = with_live(json_sandbox_detail(&sb->rec), sb, knows_dead(r));
	hostroute_set_domain(d, j);
	api_json(r, 200, j);
}

static void killed(int ok, const char *err, void *ud)
{
	api_ctx *c = ud;
	c->killing = NULL;
	if (ok)
		http_respond(c->r, 204, NULL, NULL, 0);
	else
		api_error(c->r, 500, "sandbox \"%s\" is stopped, but: %s", c->id, err);
}

/* 204 once the runtime has torn it down (in a job: the loop goes on). */
void api_kill(sbxd *d, http_req *r, const char *id)
{
	sbox *sb = visible(d, id);
	if (!sb) {
		api_not_found(r, id);
		return;
	}
	api_ctx *c = api_ctx_new(d, r, id);
	c->killing = sb;
	sbox_kill(sb, "a client asked (DELETE)", killed, c);
}

/* timeout: {"timeout": seconds}; refreshes (older SDKs): {"duration": s}, extend only. */
static int get_seconds(http_req *r, json_t *body, const char *key, int required, int *out)
{
	json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v)) {
		if (required)
			api_error(r, 400, "the body needs \"%s\": a number of seconds", key);
		return required ? -1 : 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > TIMEOUT_MAX_S) {
		api_error(r, 400, "\"%s\" must be a whole number of seconds from 0 to %d", key, TIMEOUT_MAX_S);
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 1;
}

static void timeout_body(http_req *r, const char *body, size_t len, void *ud)
{
	api_ctx *c = ud;
	json_t *j = api_parse_body(r, body, len);
	if (!j)
		return;
	int refresh = c->status, secs = 0;
	sbox *sb = visible(c->d, c->id);
	if (get_seconds(r, j, refresh ? "duration" : "timeout", !refresh, &secs) < 0)
		goto out;
	if (!sb) {
		api_not_found(r, c->id);
		goto out;
	}
	if (refuse_dead(r, sb))
		goto out;
	if (!refresh || wall_ms() + (int64_t)secs * 1000 > sb->rec.end_at) {
		sbox_set_timeout(sb, secs);
		sbox_log(sb, "timeout set to %d s", secs);
		char end[40];
		rfc3339_ms(sb->rec.end_at, end, sizeof end);
		events_add(c->d, sb->rec.id, "updated", json_pack("{s:i,s:s}", "timeout", secs, "endAt", end));
	}
	http_respond(r, 204, NULL, NULL, 0);
out:
	json_decref(j);
}

void api_timeout(sbxd *d, http_req *r, const char *id, int refresh)
{
	if (!visible(d, id)) {
		api_not_found(r, id);
		return;
	}
	api_ctx *c = api_ctx_new(d, r, id);
	c->status = refresh;
	http_req_read_body(r, API_BODY_LIMIT, timeout_body, c);
}

/* --- connect / resume ------------------------------------------------------ */

static void connect_ready(sbox *sb, int ok, const char *err, void *ud)
{
	api_ctx *c = ud;
	api_wait_over(c);
	if (!ok) {
		api_error(c->r, 502, "sandbox \"%s\" could not be resumed: %s", c->id, err);
		return;
	}
	json_t *j = json_sandbox(&sb->rec);
	hostroute_set_domain(c->d, j);
	api_json(c->r, c->status, j);
}

static void connect_body(http_req *r, const char *body, size_t len, void *ud)
{
	api_ctx *c = ud;
	json_t *j = api_parse_body(r, body, len);
	int secs = 0, v1_resume = c->status == 409, has;
	sbx_err e;
	if (!j)
		return;
	/* {"memory": false}: E2B's onResume "reboot": a sandbox paused with its
	 * memory drops it and starts afresh from its disk. */
	json_t *mem = json_object_get(j, "memory");
	if (mem && !json_is_null(mem) && !json_is_boolean(mem)) {
		api_error(r, 400, "\"memory\" must be true or false");
		goto out;
	}
	int fresh = json_is_false(mem);
	sbox *sb = visible(c->d, c->id);
	if ((has = get_seconds(r, j, "timeout", 0, &secs)) < 0)
		goto out;
	if (!sb) {
		api_not_found(r, c->id);
		goto out;
	}
	if (refuse_dead(r, sb))
		goto out;
	if (sb->pausing) {
		api_error(r, 409, "sandbox \"%s\" is being paused; connect again once that is done (its state then "
			  "reads paused)", c->id);
		goto out;
	}
	if (sb->resuming) {
		c->status = 201;   /* another request resumes it: wait with it */
	} else if (sb->rec.state == SB_PAUSED) {
		int t = has ? secs : sb->rec.timeout_s;
		if ((fresh ? sbox_resume_fresh(sb, t, &e) : sbox_resume(sb, t, &e)) < 0) {
			api_error(r, fresh && !sb->ops->pause_disk ? 400 : 500, "%s", e.msg);
			goto out;
		}
		c->status = 201;
	} else if (v1_resume) {
		api_error(r, 409, "sandbox \"%s\" is already running", c->id);
		goto out;
	} else {
		/* Connecting to a running sandbox only ever extends its life. */
		if (has && wall_ms() + (int64_t)secs * 1000 > sb->rec.end_at)
			sbox_set_timeout(sb, secs);
		c->status = 200;
	}
	api_wait(c, sb, connect_ready);
out:
	json_decref(j);
}

void api_connect(sbxd *d, http_req *r, const char *id, int v1_resume)
{
	if (!visible(d, id)) {
		api_not_found(r, id);
		return;
	}
	api_ctx *c = api_ctx_new(d, r, id);
	c->status = v1_resume ? 409 : 0;
	http_req_read_body(r, API_BODY_LIMIT, connect_body, c);
}

/* --- pause ----------------------------------------------------------------- */

static void pause_over(sbox *sb, int ok, const char *err, void *ud)
{
	(void)sb;
	api_ctx *c = ud;
	api_wait_over(c);
	if (ok)
		http_respond(c->r, 204, NULL, NULL, 0);
	else
		api_error(c->r, 500, "sandbox \"%s\" could not be paused: %s", c->id, err);
}

/* c->status: 1 for a filesystem-only pause ({"memory": false}). */
static void pause_now(api_ctx *c, sbox *sb)
{
	sbx_err e;
	if (refuse_dead(c->r, sb))
		return;
	if (sb->rec.state == SB_PAUSED)
		api_error(c->r, 409, "sandbox \"%s\" is already paused", c->id);
	else if (sb->pausing)
		api_error(c->r, 409, "sandbox \"%s\" is already being paused", c->id);
	else if ((c->status ? sbox_pause_disk(sb, &e) : sbox_pause(sb, &e)) < 0)
		api_error(c->r, c->status && !sb->ops->pause_disk ? 400 : 500, "%s", e.msg);
	else if (sb->pausing)
		api_wait(c, sb, pause_over);   /* in a job: answered once it is done */
	else
		http_respond(c->r, 204, NULL, NULL, 0);
}

static void pause_ready(sbox *sb, int ok, const char *err, void *ud)
{
	api_ctx *c = ud;
	api_wait_over(c);
	(void)err;
	/* A sandbox whose agent stopped answering can still be frozen. */
	if (!ok && !visible(c->d, c->id))
		api_not_found(c->r, c->id);
	else
		pause_now(c, sb);
}

/* {"memory": false}: E2B's pause({keepMemory: false}); absent or true: memory kept. */
static void pause_body(http_req *r, const char *body, size_t len, void *ud)
{
	api_ctx *c = ud;
	json_t *j = api_parse_body(r, body, len), *mem;
	if (!j)
		return;
	mem = json_object_get(j, "memory");
	if (mem && !json_is_null(mem) && !json_is_boolean(mem)) {
		api_error(r, 400, "\"memory\" must be true or false");
		json_decref(j);
		return;
	}
	c->status = json_is_false(mem);
	json_decref(j);
	sbox *sb = visible(c->d, c->id);
	if (!sb)
		api_not_found(r, c->id);
	else if (!sb->op && !sb->resuming)
		pause_now(c, sb);
	else
		api_wait(c, sb, pause_ready);   /* a start or resume in flight ends first */
}

void api_pause(sbxd *d, http_req *r, const char *id)
{
	if (!visible(d, id)) {
		api_not_found(r, id);
		return;
	}
	api_ctx *c = api_ctx_new(d, r, id);
	http_req_read_body(r, API_BODY_LIMIT, pause_body, c);
}

/* --- metrics and logs ------------------------------------------------------ */

/* start/end: unix seconds (E2B's query); 1 when given, -1 (and a 400) when bad. */
static int get_unix_s(http_req *r, const char *key, int64_t *out)
{
	const char *v = http_req_query(r, key);
	char *end;
	if (!v)
		return 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n < 0 || n > 1LL << 40) {
		api_error(r, 400, "query parameter \"%s\" must be a unix time in seconds", key);
		return -1;
	}
	*out = (int64_t)n;
	return 1;
}

/* Without start/end: one sample taken now (what E2B's older SDKs show).
 * With them: the samples sbxd took in [start, end] (metrics_hist.h), and
 * one taken now when the range reaches the present. */
void api_metrics(sbxd *d, http_req *r, const char *id)
{
	sbox *sb = visible(d, id);
	rt_stats st = { 0 };
	sbx_err e;
	int64_t from = 0, to = INT64_MAX / 2;
	int hs, he;
	if (!sb) {
		api_not_found(r, id);
		return;
	}
	if ((hs = get_unix_s(r, "start", &from)) < 0 || (he = get_unix_s(r, "end", &to)) < 0)
		return;
	if (refuse_dead(r, sb))
		return;
	int ranged = hs || he;
	from *= 1000;
	if (he)
		to = to * 1000 + 999;
	if (ranged && from > to) {
		api_error(r, 400, "\"start\" is after \"end\"");
		return;
	}
	json_t *arr = json_array();
	if (ranged)
		mhist_range(sb->metrics, from, to, arr);
	int64_t now = wall_ms();
	int live = !ranged || (from <= now && to >= now - 1000);
	if (!live || !sb->rt || (ranged && sb->rec.state != SB_RUNNING)) {
		api_json(r, 200, arr);   /* still starting, or paused: no sample now */
		return;
	}
	if (sb->ops->stats(sb->rt, &st, &e) < 0) {
		json_decref(arr);
		if (!liveness_check(sb) && refuse_dead(r, sb))   /* it died just now */
			return;
		api_error(r, 500, "cannot read the metrics of sandbox \"%s\": %s", id, e.msg);
		return;
	}
	json_array_append_new(arr, json_metric(&st, now));
	api_json(r, 200, arr);
}

#define LOG_MAX (1024 * 1024)

static void append_file(sbx_buf *out, const char *title, const char *path)
{
	char *text;
	size_t len;
	if (files_read(path, LOG_MAX, &text, &len, NULL) < 0)
		return;
	buf_printf(out, "==> %s <==\n", title);
	buf_append(out, text, len);
	if (len && text[len - 1] != '\n')
		buf_putc(out, '\n');
	free(text);
}

/* sbxd's events for the sandbox, then every log its runtime keeps. */
void api_logs(sbxd *d, http_req *r, const char *id)
{
	sbox *sb = visible(d, id);
	if (!sb) {
		api_not_found(r, id);
		return;
	}
	sbx_buf out = SBX_BUF_INIT;
	char *path = store_log_path(d->sb_dir, id), **logs = store_runtime_logs(d->sb_dir, id);
	size_t skip = strlen(d->sb_dir) + strlen(id) + 2;
	append_file(&out, "sbxd", path);
	free(path);
	for (char **p = logs; *p; p++)
		append_file(&out, *p + skip, *p);
	store_list_free(logs);
	http_respond(r, 200, "text/plain; charset=utf-8", out.data ? out.data : "", out.len);
	buf_free(&out);
}
