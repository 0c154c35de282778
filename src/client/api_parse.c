/* api_parse: the control plane's JSON → sbx_info (pure). */
#include "api.h"
#include "client_int.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *str(const json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	return s ? s : "";
}

static int num(const json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	return json_is_integer(v) ? (int)json_integer_value(v) : json_is_real(v) ? (int)json_real_value(v) : 0;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Days since 1970-01-01 (no timegm: it is not C11). */
static int64_t days_from_civil(int y, int m, int d)
{
	static const int cum[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int64_t days = 0;
	for (int yy = 1970; yy < y; yy++)
		days += is_leap(yy) ? 366 : 365;
	days += cum[m - 1] + (m > 2 && is_leap(y)) + d - 1;
	return days;
}

int64_t sbx_parse_time(const char *s)
{
	int y, mo, d, h, mi, sec, n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || y < 1970 || mo < 1 ||
	    mo > 12 || d < 1 || d > 31)
		return 0;
	const char *p = s + n;
	int64_t ms = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	int64_t off = 0;
	if (*p == '+' || *p == '-') {
		int oh = 0, om = 0;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1)
			return 0;
		off = (int64_t)(oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
	} else if (*p != 'Z' && *p != 'z') {
		return 0;
	}
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	return t * 1000 + ms;
}

int sbx_info_parse(const json_t *j, sbx_info *o, sbx_err *e)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return sbx_error(e, "a sandbox description is not a JSON object");
	o->id = str(j, "sandboxID");
	if (!*o->id)
		return sbx_error(e, "a sandbox description has no sandboxID");
	o->template_id = str(j, "templateID");
	o->alias = str(j, "alias");
	o->client_id = str(j, "clientID");
	o->envd_version = str(j, "envdVersion");
	o->access_token = str(j, "envdAccessToken");
	o->traffic_token = str(j, "trafficAccessToken");
	o->domain = str(j, "domain");
	o->state = str(j, "state");
	o->started_at = str(j, "startedAt");
	o->end_at = str(j, "endAt");
	o->started_ms = sbx_parse_time(o->started_at);
	o->end_ms = sbx_parse_time(o->end_at);
	o->cpus = num(j, "cpuCount");
	o->memory_mb = num(j, "memoryMB");
	o->disk_mb = num(j, "diskSizeMB");
	json_t *inet = json_object_get(j, "allowInternetAccess");
	o->internet = json_is_boolean(inet) ? json_is_true(inet) : -1;
	o->runtime = str(j, "runtime");
	o->accel = str(j, "accel");
	json_t *pr = json_object_get(j, "sbxProgress");
	o->progress_op = str(pr, "op");
	if (*o->progress_op) {
		json_t *d = json_object_get(pr, "done"), *t = json_object_get(pr, "total");
		o->progress_done = json_is_integer(d) && json_integer_value(d) > 0 ? json_integer_value(d) : 0;
		o->progress_total = json_is_integer(t) && json_integer_value(t) > 0 ? json_integer_value(t) : 0;
	}
	json_t *md = json_object_get(j, "metadata");
	if (json_is_object(md) && json_object_size(md)) {
		o->metadata = xcalloc(json_object_size(md), sizeof *o->metadata);
		const char *k;
		json_t *v;
		json_object_foreach(md, k, v) {
			if (!json_is_string(v))
				continue;
			o->metadata[o->nmetadata].key = k;
			o->metadata[o->nmetadata].value = json_string_value(v);
			o->nmetadata++;
		}
	}
	o->raw = j;
	return 0;
}

void sbx_info_clear(sbx_info *i)
{
	free(i->metadata);
	memset(i, 0, sizeof *i);
}

int sbx_health_parse(const json_t *j, sbx_health *o, sbx_err *e)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return sbx_error(e, "sbxd's /health answer is not a JSON object");
	o->status = str(j, "status");
	o->pid = num(j, "pid");
	o->sandboxes = num(j, "sandboxes");
	o->default_runtime = str(j, "defaultRuntime");
	if (!*o->default_runtime)
		o->default_runtime = str(j, "runtime");
	json_t *arr = json_object_get(j, "runtimes"), *v;
	size_t i;
	if (json_is_array(arr) && json_array_size(arr))
		o->runtimes = xcalloc(json_array_size(arr), sizeof *o->runtimes);
	json_array_foreach(arr, i, v) {
		sbx_runtime_info *r = &o->runtimes[o->nruntimes];
		if (!json_is_object(v) || !*str(v, "name"))
			continue;
		r->name = str(v, "name");
		r->available = json_is_true(json_object_get(v, "available"));
		r->reason = str(v, "reason");
		r->accel = str(v, "accel");
		r->is_auto = json_is_true(json_object_get(v, "auto"));
		r->is_default = json_is_true(json_object_get(v, "default"));
		o->nruntimes++;
	}
	o->raw = j;
	return 0;
}

void sbx_health_clear(sbx_health *h)
{
	free(h->runtimes);
	memset(h, 0, sizeof *h);
}

int sbx_info_sandbox(const sbx_info *i, const sbx_config *cfg, sbx_sandbox *out, sbx_err *e)
{
	return sbx_sandbox_init(out, cfg, i->id, i->access_token, i->traffic_token, i->domain, e);
}

char *sbx_metadata_query(const sbx_kv *kv, size_t n)
{
	sbx_buf inner = SBX_BUF_INIT, outer = SBX_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&inner, '&');
		url_query_enc(&inner, kv[i].key);
		buf_putc(&inner, '=');
		url_query_enc(&inner, kv[i].value);
	}
	url_query_enc(&outer, buf_cstr(&inner));
	buf_free(&inner);
	if (!outer.data)
		return xstrdup("");
	return buf_detach(&outer);
}
