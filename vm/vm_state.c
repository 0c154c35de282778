#include "vm_state.h"
#include "ns/ns_net.h"
#include "../src/proto/jsonfile.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VMS_VERSION 1

static const char *const status_name[] = { "creating", "running", "paused" };

/* NULL strings are written as null and read back as NULL. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int set_str(json_t *o, const char *key, const char *s)
{
	json_t *v = str_or_null(s);
	return v ? json_object_set_new(o, key, v) : -1;   /* NULL: not UTF-8 */
}

int vm_state_save(const vm_state *st, sbx_err *e)
{
	if ((unsigned)st->status >= sizeof status_name / sizeof *status_name)
		return sbx_error(e, "cannot save the state of %s: bad status %d", st->dir, (int)st->status);
	json_t *o = json_object();
	int bad = set_str(o, "id", st->id) | set_str(o, "driver", st->driver) |
		  set_str(o, "template", st->template_dir) | set_str(o, "snapshot", st->snapshot) |
		  set_str(o, "token", st->token) | set_str(o, "accel", st->accel);
	json_t *net = json_pack("{s:s, s:i, s:s, s:b}", "netns", st->net.netns, "index", st->net.index,
				"veth", st->net.veth, "internet", st->net.internet);
	if (bad || !net) {
		json_decref(net);
		json_decref(o);
		return sbx_error(e, "cannot encode the state of %s (a field is not valid UTF-8)", st->dir);
	}
	json_object_set_new(o, "version", json_integer(VMS_VERSION));
	json_object_set_new(o, "status", json_string(status_name[st->status]));
	json_object_set_new(o, "vmm", json_pack("{s:I, s:I}", "pid", (json_int_t)st->vmm.pid,
						"start_time", (json_int_t)st->vmm.start_time));
	json_object_set_new(o, "net", net);
	json_object_set_new(o, "limits", json_pack("{s:i, s:i, s:i}", "cpus", st->cpus,
						   "memory_mb", st->memory_mb, "disk_mb", st->disk_mb));
	json_object_set_new(o, "created_ms", json_integer(st->created_ms));
	json_object_set_new(o, "extra", json_is_object(st->extra) ? json_incref(st->extra) : json_object());

	char path[4200];
	snprintf(path, sizeof path, "%s/state.json", st->dir);
	int rc = json_file_replace(path, o, JSON_INDENT(1) | JSON_SORT_KEYS, e);
	json_decref(o);
	return rc;
}

/* A string field that may be null; -1 when it is neither. */
static int get_str(json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int parse(vm_state *st, json_t *o, const char *driver, const char *path, sbx_err *e)
{
	json_error_t je;
	const char *status = NULL, *netns = NULL, *veth = NULL;
	json_int_t version = 0, pid = 0, start = 0, created = 0;
	json_t *extra = NULL;
	int internet = 0;
	if (json_unpack_ex(o, &je, 0, "{s:I, s:s, s:{s:I, s:I}, s:{s:s, s:i, s:s, s:b},"
			   " s:{s:i, s:i, s:i}, s:I, s?o}",
			   "version", &version, "status", &status, "vmm", "pid", &pid, "start_time", &start,
			   "net", "netns", &netns, "index", &st->net.index, "veth", &veth, "internet", &internet,
			   "limits", "cpus", &st->cpus, "memory_mb", &st->memory_mb, "disk_mb", &st->disk_mb,
			   "created_ms", &created, "extra", &extra) < 0)
		return sbx_error(e, "%s is not a VM sandbox state file of this sbx version: %s", path, je.text);
	if (version != VMS_VERSION)
		return sbx_error(e, "%s has state version %lld; this sbx reads version %d: destroy the "
				 "sandbox with the sbx that made it", path, (long long)version, VMS_VERSION);
	char *drv = NULL;
	if (get_str(o, "id", &st->id) < 0 || get_str(o, "driver", &drv) < 0 ||
	    get_str(o, "template", &st->template_dir) < 0 || get_str(o, "snapshot", &st->snapshot) < 0 ||
	    get_str(o, "token", &st->token) < 0 || get_str(o, "accel", &st->accel) < 0) {
		free(drv);
		return sbx_error(e, "%s: a text field holds something else than text or null", path);
	}
	st->driver = drv;
	if (!st->id || !*st->id || !drv)
		return sbx_error(e, "%s names no sandbox id or driver", path);
	if (strcmp(drv, driver) != 0)
		return sbx_error(e, "%s belongs to the %s runtime, not %s", path, drv, driver);
	int s = -1;
	for (int i = 0; i < (int)(sizeof status_name / sizeof *status_name); i++)
		if (strcmp(status, status_name[i]) == 0)
			s = i;
	if (s < 0)
		return sbx_error(e, "%s has an unknown status '%s'", path, status);
	st->status = (vm_status)s;
	if (pid < 0 || pid > 0x7fffffff || start < 0 || st->net.index < -1 || st->net.index >= NSNET_BLOCKS ||
	    strlen(netns) >= sizeof st->net.netns || strlen(veth) >= sizeof st->net.veth ||
	    (extra && !json_is_object(extra)))
		return sbx_error(e, "%s holds a value out of range (pid, net index, netns or veth name, extra)", path);
	st->vmm.pid = (pid_t)pid;
	st->vmm.start_time = (uint64_t)start;
	snprintf(st->net.netns, sizeof st->net.netns, "%s", netns);
	snprintf(st->net.veth, sizeof st->net.veth, "%s", veth);
	st->net.internet = internet;
	st->created_ms = created;
	st->extra = extra ? json_incref(extra) : json_object();
	return 0;
}

int vm_state_load(vm_state *st, const char *dir, const char *driver, sbx_err *e)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/state.json", dir);
	memset(st, 0, sizeof *st);
	json_error_t je;
	json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		if (access(path, F_OK) < 0)
			return sbx_error(e, "%s holds no VM sandbox (no state.json): it was destroyed "
					 "or never created", dir);
		return sbx_error(e, "cannot read %s: %s (line %d)", path, je.text, je.line);
	}
	int rc = json_is_object(o) ? parse(st, o, driver, path, e)
				   : sbx_error(e, "%s is not a JSON object", path);
	json_decref(o);
	if (rc < 0) {
		vm_state_free(st);
		return -1;
	}
	st->dir = xstrdup(dir);
	return 0;
}

void vm_state_free(vm_state *st)
{
	free(st->dir);
	free(st->id);
	free(st->driver);
	free(st->template_dir);
	free(st->snapshot);
	free(st->token);
	free(st->accel);
	json_decref(st->extra);
	memset(st, 0, sizeof *st);
}
