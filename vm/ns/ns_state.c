#include "ns_state.h"
#include "ns_util.h"
#include "../../src/proto/jsonfile.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const ctl_key[NSCG_NCTL] = { "memory", "cpu", "cpuacct", "pids", "freezer" };

int nss_save(const ns_state *st, sbx_err *e)
{
	json_t *dirs = json_array(), *ctls = json_object();
	for (int i = 0; i < st->cg.n; i++)
		json_array_append_new(dirs, json_string(st->cg.dir[i]));
	for (int c = 0; c < NSCG_NCTL && st->cg.n; c++)
		json_object_set_new(ctls, ctl_key[c], json_integer(st->cg.ctl[c]));
	json_t *o = json_pack("{s:i, s:s, s:s, s:I, s:I, s:{s:i, s:o, s:o}, s:s, s:i, s:i, s:i,"
			      " s:{s:i, s:i, s:i, s:i}, s:I}",
			      "version", 1, "id", st->id, "template", st->template_dir,
			      "pid", (json_int_t)st->pid, "start_time", (json_int_t)st->start_time,
			      "cgroup", "version", st->cg.version, "dirs", dirs, "controllers", ctls,
			      "veth", st->veth, "net_index", st->net_index, "loop", st->loop,
			      "uid_slot", st->uid_slot, "limits", "cpus", st->cpus, "memory_mb", st->memory_mb,
			      "disk_mb", st->disk_mb, "pids", st->pids,
			      "created_ms", (json_int_t)st->created_ms);
	if (!o)
		return sbx_error(e, "cannot encode the sandbox state (bad id or template path?)");
	json_t *env = json_array();
	for (size_t i = 0; st->env && st->env[i]; i++)
		json_array_append_new(env, json_string(st->env[i]));
	json_object_set_new(o, "relaunch", json_pack("{s:o,s:o,s:o,s:b}", "token",
						     st->token ? json_string(st->token) : json_null(), "env", env,
						     "agent_bin", st->agent_bin ? json_string(st->agent_bin) : json_null(),
						     "internet", st->internet));
	json_object_set_new(o, "disk_paused", json_boolean(st->disk_paused));
	char path[4200];
	snprintf(path, sizeof path, "%s/state.json", st->dir);
	int rc = json_file_replace(path, o, JSON_INDENT(1) | JSON_SORT_KEYS, e);
	json_decref(o);
	return rc;
}

int nss_load(ns_state *st, const char *dir, sbx_err *e)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/state.json", dir);
	json_error_t je;
	json_t *o = json_load_file(path, 0, &je);
	if (!o) {
		if (access(path, F_OK) < 0)
			return sbx_error(e, "%s holds no ns sandbox (no state.json): it was destroyed "
					 "or never created", dir);
		return sbx_error(e, "cannot read %s: %s (line %d)", path, je.text, je.line);
	}
	const char *id = NULL, *tmpl = NULL, *veth = "";
	json_int_t pid = 0, start = 0, created = 0;
	json_t *dirs = NULL, *ctls = NULL;
	int cgv = 0;
	memset(st, 0, sizeof *st);
	st->uid_slot = -1;      /* absent in states written before uid ranges */
	if (json_unpack_ex(o, &je, 0, "{s:s, s:s, s:I, s:I, s:{s:i, s:o, s:o}, s:s, s:i, s:i,"
			   " s?i, s:{s:i, s:i, s:i, s:i}, s:I}",
			   "id", &id, "template", &tmpl, "pid", &pid, "start_time", &start,
			   "cgroup", "version", &cgv, "dirs", &dirs, "controllers", &ctls,
			   "veth", &veth, "net_index", &st->net_index, "loop", &st->loop,
			   "uid_slot", &st->uid_slot, "limits", "cpus", &st->cpus, "memory_mb", &st->memory_mb,
			   "disk_mb", &st->disk_mb, "pids", &st->pids, "created_ms", &created) < 0 ||
	    !json_is_array(dirs) || json_array_size(dirs) > NSCG_MAX_DIRS) {
		json_decref(o);
		memset(st, 0, sizeof *st);
		return sbx_error(e, "%s is not a state file of this sbx version: %s", path, je.text);
	}
	st->dir = xstrdup(dir);
	st->id = xstrdup(id);
	st->template_dir = xstrdup(tmpl);
	st->pid = (pid_t)pid;
	st->start_time = (uint64_t)start;
	st->created_ms = created;
	snprintf(st->veth, sizeof st->veth, "%s", veth);
	st->cg.version = cgv;
	size_t i;
	json_t *v;
	json_array_foreach(dirs, i, v)
		st->cg.dir[st->cg.n++] = xstrdup(json_string_value(v) ? json_string_value(v) : "");
	for (int c = 0; c < NSCG_NCTL; c++) {
		json_int_t k = json_integer_value(json_object_get(ctls, ctl_key[c]));
		st->cg.ctl[c] = k >= 0 && k < st->cg.n ? (int)k : 0;
	}
	/* Absent in states written before filesystem-only pauses. */
	json_t *rl = json_object_get(o, "relaunch"), *env = json_object_get(rl, "env");
	const char *tok = json_string_value(json_object_get(rl, "token"));
	const char *bin = json_string_value(json_object_get(rl, "agent_bin"));
	st->token = tok ? xstrdup(tok) : NULL;
	st->agent_bin = bin ? xstrdup(bin) : NULL;
	st->internet = json_is_true(json_object_get(rl, "internet"));
	if (json_is_array(env)) {
		st->env = xcalloc(json_array_size(env) + 1, sizeof *st->env);
		size_t n = 0;
		json_array_foreach(env, i, v)
			if (json_is_string(v))
				st->env[n++] = xstrdup(json_string_value(v));
	}
	st->disk_paused = json_is_true(json_object_get(o, "disk_paused"));
	json_decref(o);
	return 0;
}

void nss_free(ns_state *st)
{
	free(st->dir);
	free(st->id);
	free(st->template_dir);
	free(st->token);
	for (size_t i = 0; st->env && st->env[i]; i++)
		free(st->env[i]);
	free(st->env);
	free(st->agent_bin);
	nscg_free(&st->cg);
	memset(st, 0, sizeof *st);
}

int nss_alive(const ns_state *st)
{
	uint64_t start;
	char state;
	if (st->pid <= 0 || nsu_proc_stat(st->pid, &start, &state) < 0)
		return 0;
	return start == st->start_time && state != 'Z' && state != 'X';
}
