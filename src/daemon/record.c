#include "record.h"
#include "../util/rand.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

json_t *kv_to_json(const kvlist *kv)
{
	json_t *o = json_object();
	for (size_t i = 0; i < kv->n; i++)
		json_object_set_new(o, kv->keys[i], json_string(kv->values[i]));
	return o;
}

int kv_from_json(json_t *j, kvlist *kv, const char *what, sbx_err *e)
{
	const char *k;
	json_t *v;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_object(j))
		return sbx_error(e, "%s must be an object of strings, like {\"key\": \"value\"}", what);
	json_object_foreach(j, k, v) {
		if (!json_is_string(v))
			return sbx_error(e, "%s['%s'] must be a string", what, k);
		kv_set(kv, k, json_string_value(v));
	}
	return 0;
}

void record_free(sbxd_record *r)
{
	free(r->template_id);
	free(r->alias);
	free(r->template_dir);
	free(r->runtime);
	free(r->token);
	free(r->dead_reason);
	json_decref(r->network);
	kv_free(&r->metadata);
	json_decref(r->volume_mounts);
	memset(r, 0, sizeof *r);
}

const char *sb_state_name(sb_state s)
{
	switch (s) {
	case SB_STARTING: return "starting";
	case SB_RUNNING: return "running";
	case SB_PAUSED: return "paused";
	case SB_DEAD: return "dead";
	}
	return "unknown";
}

void record_new_id(char *out)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t i = 0;
	while (i < SBXD_ID_LEN) {
		unsigned char b[32];
		rand_bytes(b, sizeof b);
		for (size_t j = 0; j < sizeof b && i < SBXD_ID_LEN; j++)
			if (b[j] < 252)   /* 252 = 7 * 36: no modulo bias */
				out[i++] = alnum[b[j] % 36];
	}
	out[i] = '\0';
}

int record_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > SBXD_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
			return 0;
	return 1;
}

json_t *record_to_json(const sbxd_record *r)
{
	json_t *j = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:b,s:I,s:I,s:i,s:s,s:b,s:b,s:b}",
			      "v", 1, "id", r->id, "templateID", r->template_id, "alias", r->alias,
			      "templateDir", r->template_dir, "runtime", r->runtime, "token", r->token,
			      "cpuCount", r->cpus, "memoryMB", r->memory_mb, "diskSizeMB", r->disk_mb,
			      "internet", r->internet, "startedAt", (json_int_t)r->started_at,
			      "endAt", (json_int_t)r->end_at, "timeout", r->timeout_s,
			      "state", sb_state_name(r->state), "autoPause", r->auto_pause,
			      "autoResume", r->auto_resume, "pooled", r->pooled);
	json_object_set_new(j, "metadata", kv_to_json(&r->metadata));
	if (r->network)
		json_object_set_new(j, "network", json_deep_copy(r->network));
	json_object_set_new(j, "publicTraffic", json_boolean(r->public_traffic));
	if (r->killed)
		json_object_set_new(j, "killed", json_true());
	if (!r->auto_pause_memory)
		json_object_set_new(j, "autoPauseMemory", json_false());
	if (r->paused_disk)
		json_object_set_new(j, "pausedDisk", json_true());
	if (r->volume_mounts)
		json_object_set(j, "volumeMounts", r->volume_mounts);
	if (r->state == SB_DEAD) {
		json_object_set_new(j, "deadReason", json_string(r->dead_reason ? r->dead_reason : ""));
		json_object_set_new(j, "deadAt", json_integer(r->dead_at));
	}
	return j;
}

int record_from_json(json_t *j, sbxd_record *r, sbx_err *e)
{
	const char *id, *tid, *alias, *tdir, *rt, *tok, *state;
	json_int_t started, end;
	int v = 0, internet = 1, ap = 0, ar = 0, pooled = 0;
	json_error_t je;
	memset(r, 0, sizeof *r);
	if (json_unpack_ex(j, &je, 0, "{s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i,s?b,s:I,s:I,s:i,s:s,s?b,s?b,s?b}",
			   "v", &v, "id", &id, "templateID", &tid, "alias", &alias, "templateDir", &tdir,
			   "runtime", &rt, "token", &tok, "cpuCount", &r->cpus, "memoryMB", &r->memory_mb,
			   "diskSizeMB", &r->disk_mb, "internet", &internet, "startedAt", &started,
			   "endAt", &end, "timeout", &r->timeout_s, "state", &state, "autoPause", &ap,
			   "autoResume", &ar, "pooled", &pooled) < 0)
		return sbx_error(e, "not a sandbox record: %s", je.text);
	if (v != 1)
		return sbx_error(e, "sandbox record version %d is not one this sbxd reads", v);
	if (!record_id_valid(id))
		return sbx_error(e, "sandbox record has a bad id '%s'", id);
	if (!strcmp(state, "running"))
		r->state = SB_RUNNING;
	else if (!strcmp(state, "paused"))
		r->state = SB_PAUSED;
	else if (!strcmp(state, "starting"))
		r->state = SB_STARTING;
	else if (!strcmp(state, "dead"))
		r->state = SB_DEAD;
	else
		return sbx_error(e, "sandbox record has an unknown state '%s'", state);
	snprintf(r->id, sizeof r->id, "%s", id);
	r->template_id = xstrdup(tid);
	r->alias = xstrdup(alias);
	r->template_dir = xstrdup(tdir);
	r->runtime = xstrdup(rt);
	r->token = xstrdup(tok);
	r->internet = internet;
	r->started_at = started;
	r->end_at = end;
	r->auto_pause = ap;
	r->auto_resume = ar;
	r->pooled = pooled;
	r->killed = json_is_true(json_object_get(j, "killed"));
	json_t *net = json_object_get(j, "network");
	r->network = json_is_object(net) ? json_deep_copy(net) : NULL;
	r->public_traffic = !json_is_false(json_object_get(j, "publicTraffic"));
	r->auto_pause_memory = !json_is_false(json_object_get(j, "autoPauseMemory"));
	r->paused_disk = json_is_true(json_object_get(j, "pausedDisk"));
	json_t *vm = json_object_get(j, "volumeMounts");
	if (json_is_array(vm))
		r->volume_mounts = json_deep_copy(vm);
	if (r->state == SB_DEAD) {
		const char *why = json_string_value(json_object_get(j, "deadReason"));
		r->dead_reason = xstrdup(why ? why : "it died");
		r->dead_at = json_integer_value(json_object_get(j, "deadAt"));
	}
	if (kv_from_json(json_object_get(j, "metadata"), &r->metadata, "metadata", e) < 0) {
		record_free(r);
		return -1;
	}
	return 0;
}

int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rfc3339_ms(int64_t ms, char *out, size_t n)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 };
	rfc3339_from(&ts, out, n);
}
