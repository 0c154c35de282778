/*
 * GET /templates: one E2B Template object per built template name (its
 * newest build, the one a create with that name or an alias starts from):
 * {"templateID","buildID","aliases":[name, alias...],"buildStatus":"ready",
 *  "public":false,"cpuCount","memoryMB","diskSizeMB","createdAt",
 *  "updatedAt","envdVersion"}; cpuCount/memoryMB are the create defaults
 *  (e2b.toml's cpu_count/memory_mb, else sbxd's).  Only built templates: a create naming a
 * recipe that was never built fails, so listing it would mislead.
 */
#include "api_templates.h"
#include "api.h"
#include "record.h"
#include "../../vm/template/template.h"
#include <string.h>

static json_t *template_json(const template_info *t)
{
	json_t *al = json_array();
	json_array_append_new(al, json_text(t->name));
	for (size_t k = 0; k < t->naliases; k++)
		if (strcmp(t->aliases[k], t->name))
			json_array_append_new(al, json_text(t->aliases[k]));
	char build[13];
	snprintf(build, sizeof build, "%.12s", t->hash);
	return json_pack("{s:o,s:s,s:o,s:s,s:b,s:i,s:i,s:i,s:s,s:s,s:s,s:i,s:i}",
			 "templateID", json_text(t->name), "buildID", build, "aliases", al,
			 "buildStatus", "ready", "public", 0,
			 "cpuCount", t->cpu_count > 0 ? t->cpu_count : SBXD_DEFAULT_CPUS,
			 "memoryMB", t->memory_mb > 0 ? t->memory_mb : SBXD_DEFAULT_MEMORY_MB, "diskSizeMB", SBXD_DEFAULT_DISK_MB,
			 "createdAt", t->built_at, "updatedAt", t->built_at, "envdVersion", SBXD_ENVD_VERSION,
			 "spawnCount", 0, "buildCount", 1);
}

void api_templates(sbxd *d, http_req *r, const char *rest)
{
	(void)d;
	const char *m = http_req_method(r);
	if (*rest && strcmp(rest, "/")) {
		api_error(r, 404, "no such endpoint: %s %s (sbxd lists templates at GET /templates)", m,
			  http_req_path(r));
		return;
	}
	if (strcmp(m, "GET")) {
		http_req_add_header(r, "Allow", "GET");
		api_error(r, 405, "%s is not allowed on %s; use GET", m, http_req_path(r));
		return;
	}
	template_opts o = { 0 };   /* the cache sbxd_find_template reads */
	template_info *list = NULL;
	size_t n = 0;
	sbx_err e;
	if (template_list(&o, &list, &n, &e) < 0) {
		api_error(r, 500, "cannot list the built templates: %s", e.msg);
		return;
	}
	json_t *arr = json_array();
	/* The list is sorted by name then newest first: keep each name's first. */
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && !strcmp(list[i].name, list[i - 1].name))
			continue;
		json_array_append_new(arr, template_json(&list[i]));
	}
	template_list_free(list, n);
	api_json(r, 200, arr);
}
