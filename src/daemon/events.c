#include "events.h"
#include "api.h"
#include "evstore.h"
#include "sandbox.h"
#include "../util/log.h"
#include "../util/rand.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TRIM_EVERY_MS (3600 * 1000)
#define LIMIT_DEFAULT 10
#define LIMIT_MAX 100
#define TYPES_MAX 16

static int64_t trim_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbxd *d = ud;
	sbx_err e;
	if (evs_trim(d->events, wall_ms(), &e) < 0)
		log_warn("sbxd: trimming the event log: %s", e.msg);
	return TRIM_EVERY_MS;
}

void events_start(sbxd *d)
{
	sbx_err warn;
	char *path = xasprintf("%s/events.jsonl", d->state_dir);
	d->events = evs_open(path, EVENTS_MAX, EVENTS_KEEP_MS, wall_ms(), &warn);
	free(path);
	if (warn.msg[0])
		log_warn("sbxd: %s", warn.msg);
	d->events_timer = loop_add_timer(d->loop, TRIM_EVERY_MS, trim_timer, d);
}

void events_stop(sbxd *d)
{
	if (d->events_timer)
		loop_del_timer(d->loop, d->events_timer);
	d->events_timer = 0;
	evs_free(d->events);
	d->events = NULL;
}

/* E2B's "execution": what this run of the sandbox was. */
static json_t *execution(const sbox *sb, int64_t now)
{
	char started[40];
	rfc3339_ms(sb->exec_started_ms, started, sizeof started);
	return json_pack("{s:s,s:i,s:i,s:I}", "started_at", started, "vcpu_count", sb->rec.cpus,
			 "memory_mb", sb->rec.memory_mb, "execution_time", (json_int_t)(now - sb->exec_started_ms));
}

void events_add(sbxd *d, const char *sandbox_id, const char *type, json_t *data)
{
	if (!d->events) {
		json_decref(data);
		return;
	}
	sbox *sb = sbox_find(d, sandbox_id);
	for (sbox *k = d->dying; !sb && k; k = k->next)
		if (!strcmp(k->rec.id, sandbox_id))
			sb = k;
	if (sb && sb->rec.pooled) {   /* no client knows it */
		json_decref(data);
		return;
	}
	int64_t now = wall_ms();
	char uuid[37], ts[40], *full = strchr(type, '.') ? xstrdup(type) : xasprintf(EVENTS_PREFIX "%s", type);
	rand_uuid(uuid);
	rfc3339_ms(now, ts, sizeof ts);
	if (sb && (!strcmp(full, EVENTS_PREFIX "paused") || !strcmp(full, EVENTS_PREFIX "killed"))) {
		if (!data)
			data = json_object();
		json_object_set_new(data, "execution", execution(sb, now));
	}
	const char *tdir = sb && sb->rec.template_dir ? sb->rec.template_dir : "";
	const char *build = strrchr(tdir, '/') ? strrchr(tdir, '/') + 1 : tdir;
	json_t *ev = json_pack("{s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:s,s:s}", "version", "v1", "id", uuid, "type", full,
			       "eventData", data ? data : json_null(), "sandboxId", sandbox_id,
			       "sandboxTemplateId", sb ? json_string(sb->rec.template_id) : json_null(),
			       "sandboxBuildId", *build ? json_string(build) : json_null(),
			       "sandboxExecutionId", sb && sb->exec_id[0] ? json_string(sb->exec_id) : json_null(),
			       "sandboxTeamId", SBXD_CLIENT_ID, "timestamp", ts);
	free(full);
	sbx_err e;
	if (!ev)
		log_warn("sbxd: sandbox %s: an event could not be encoded", sandbox_id);
	else if (evs_add(d->events, ev, &e) < 0)
		log_warn("sbxd: sandbox %s: %s (kept in memory only)", sandbox_id, e.msg);
}

/* --- GET /events/sandboxes[/{id}] ------------------------------------------- */

struct qargs {
	const char *types[TYPES_MAX + 1];
	char *owned[TYPES_MAX];
	size_t n;
	int too_many;
};

/* types=a&types=b, or types=a,b: both spellings clients send. */
static void collect_types(const char *key, const char *value, void *ud)
{
	struct qargs *q = ud;
	if (strcmp(key, "types"))
		return;
	char *copy = xstrdup(value), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (q->n == TYPES_MAX) {
			q->too_many = 1;
			break;
		}
		q->owned[q->n] = strchr(t, '.') ? xstrdup(t) : xasprintf(EVENTS_PREFIX "%s", t);
		q->types[q->n] = q->owned[q->n];
		q->n++;
	}
	free(copy);
}

static int get_count(http_req *r, const char *key, long min, long max, long dflt, long *out)
{
	const char *v = http_req_query(r, key);
	char *end;
	*out = dflt;
	if (!v)
		return 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < min || n > max) {
		api_error(r, 400, "query parameter \"%s\" must be a whole number from %ld to %ld", key, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

void api_events(sbxd *d, http_req *r, const char *rest)
{
	const char *id = NULL;
	if (strcmp(http_req_method(r), "GET")) {
		http_req_add_header(r, "Allow", "GET");
		api_error(r, 405, "%s is not allowed on %s; use GET", http_req_method(r), http_req_path(r));
		return;
	}
	if (*rest && strcmp(rest, "/")) {
		id = rest + 1;
		if (strchr(id, '/')) {
			api_error(r, 404, "no such endpoint: GET %s", http_req_path(r));
			return;
		}
	}
	long offset, limit;
	const char *asc = http_req_query(r, "orderAsc");
	if (get_count(r, "offset", 0, 1L << 30, 0, &offset) < 0 ||
	    get_count(r, "limit", 1, LIMIT_MAX, LIMIT_DEFAULT, &limit) < 0)
		return;
	if (asc && strcasecmp(asc, "true") && strcasecmp(asc, "false")) {
		api_error(r, 400, "query parameter \"orderAsc\" must be true or false");
		return;
	}
	/* E2B answers 404 for a sandbox it knows nothing of. */
	if (id && !(record_id_valid(id) && (sbox_find(d, id) || evs_count_for(d->events, id)))) {
		api_not_found(r, id);
		return;
	}
	struct qargs q = { 0 };
	http_req_foreach_query(r, collect_types, &q);
	if (q.too_many) {
		api_error(r, 400, "at most %d event types may be asked for at once", TYPES_MAX);
	} else {
		evs_query eq = { .sandbox_id = id, .offset = (size_t)offset, .limit = (size_t)limit,
				 .asc = asc && !strcasecmp(asc, "true"), .types = q.types };
		api_json(r, 200, evs_find(d->events, &eq));
	}
	for (size_t i = 0; i < q.n; i++)
		free(q.owned[i]);
}
