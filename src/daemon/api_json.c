#include "api_json.h"
#include "../proto/jsontext.h"

/* E2B reports the paused state as "paused" and everything live as
 * "running"; a sandbox still starting is not visible to clients yet.
 * "dead" is ours (the SDKs pass the string through). */
static const char *api_state(const sbxd_record *r)
{
	return r->state == SB_PAUSED ? "paused" : r->state == SB_DEAD ? "dead" : "running";
}

json_t *json_sandbox(const sbxd_record *r)
{
	/* trafficAccessToken = envdAccessToken: the agent accepts either header
	 * on the code-interpreter paths, so /contexts calls authenticate. */
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:n,s:s}",
			 "sandboxID", r->id, "templateID", r->template_id, "clientID", SBXD_CLIENT_ID,
			 "envdVersion", SBXD_ENVD_VERSION, "envdAccessToken", r->token,
			 "trafficAccessToken", r->token, "domain", "alias", r->alias);
}

/* E2B's [{name, path}] (the record also keeps each volume's id). */
static json_t *volume_mounts(const sbxd_record *r)
{
	json_t *a = json_array(), *m;
	size_t i;
	json_array_foreach(r->volume_mounts, i, m)
		json_array_append_new(a, json_pack("{s:O,s:O}", "name", json_object_get(m, "name"), "path",
						   json_object_get(m, "path")));
	return a;
}

static json_t *listed_common(const sbxd_record *r)
{
	char started[40], end[40];
	rfc3339_ms(r->started_at, started, sizeof started);
	rfc3339_ms(r->end_at, end, sizeof end);
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:o,s:s,s:s,s:o,s:s}",
			 "sandboxID", r->id, "templateID", r->template_id, "alias", r->alias,
			 "clientID", SBXD_CLIENT_ID, "startedAt", started, "endAt", end,
			 "cpuCount", r->cpus, "memoryMB", r->memory_mb, "diskSizeMB", r->disk_mb,
			 "metadata", kv_to_json(&r->metadata), "state", api_state(r),
			 "envdVersion", SBXD_ENVD_VERSION, "volumeMounts", volume_mounts(r), "runtime", r->runtime ? r->runtime : "");
	if (r->state == SB_DEAD) {
		char at[40];
		rfc3339_ms(r->dead_at, at, sizeof at);
		json_object_set_new(j, "stateReason", json_string(r->dead_reason ? r->dead_reason : "it died"));
		json_object_set_new(j, "diedAt", json_string(at));
	}
	return j;
}

json_t *json_listed_sandbox(const sbxd_record *r)
{
	return listed_common(r);
}

json_t *json_sandbox_detail(const sbxd_record *r)
{
	json_t *j = listed_common(r);
	json_object_set_new(j, "envdAccessToken", json_string(r->token));
	json_object_set_new(j, "domain", json_null());
	json_object_set_new(j, "allowInternetAccess", json_boolean(r->internet));
	if (r->network) {
		json_t *net = json_deep_copy(r->network);
		json_object_set_new(net, "allowPublicTraffic", json_boolean(r->public_traffic));
		json_object_set_new(j, "network", net);
	}
	json_object_set_new(j, "lifecycle", json_pack("{s:s,s:b}", "onTimeout", r->auto_pause ? "pause" : "kill",
						      "autoResume", r->auto_resume));
	return j;
}

json_t *json_metric(const rt_stats *st, int64_t ts_ms)
{
	char ts[40];
	rfc3339_ms(ts_ms, ts, sizeof ts);
	return json_pack("{s:s,s:I,s:i,s:f,s:I,s:I,s:I,s:I,s:I}",
			 "timestamp", ts, "timestampUnix", (json_int_t)(ts_ms / 1000),
			 "cpuCount", st->cpu_count, "cpuUsedPct", st->cpu_used_pct,
			 "memUsed", (json_int_t)st->mem_used, "memTotal", (json_int_t)st->mem_total,
			 "memCache", (json_int_t)0, "diskUsed", (json_int_t)st->disk_used,
			 "diskTotal", (json_int_t)st->disk_total);
}

json_t *json_error(int code, const char *msg)
{
	return json_pack("{s:i,s:o}", "code", code, "message", json_text(msg));
}
