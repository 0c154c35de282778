#include "snapshots.h"
#include "files.h"
#include "../proto/jsontext.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define META_MAX (64 * 1024)

static char *snaps_dir(sbxd *d)
{
	return xasprintf("%s/snapshots", d->state_dir);
}

char *snap_rt_dir(const snap_meta *m)
{
	return xasprintf("%s/rt", m->dir);
}

void snap_meta_free(snap_meta *m)
{
	free(m->key);
	free(m->id);
	free(m->name);
	free(m->sandbox_id);
	free(m->template_id);
	free(m->template_dir);
	free(m->runtime);
	free(m->token);
	free(m->dir);
	memset(m, 0, sizeof *m);
}

const char *snap_name_problem(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > SNAP_NAME_MAX)
		return "a snapshot name is 1 to 64 characters";
	if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789", name[0]))
		return "a snapshot name starts with a lowercase letter or a digit";
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return "a snapshot name holds only lowercase letters, digits, '.', '_' and '-'";
	return "";
}

static char *opt_str(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static int meta_from_json(json_t *j, const char *key, const char *dir, snap_meta *m)
{
	memset(m, 0, sizeof *m);
	m->id = opt_str(j, "snapshotID");
	m->sandbox_id = opt_str(j, "sandboxID");
	m->template_id = opt_str(j, "templateID");
	m->template_dir = opt_str(j, "template_dir");
	m->runtime = opt_str(j, "runtime");
	m->token = opt_str(j, "token");
	m->name = opt_str(j, "name");
	m->memory = json_is_true(json_object_get(j, "memory"));
	m->temporary = json_is_true(json_object_get(j, "temporary"));
	m->cpus = (int)json_integer_value(json_object_get(j, "cpus"));
	m->memory_mb = (int)json_integer_value(json_object_get(j, "memory_mb"));
	m->disk_mb = (int)json_integer_value(json_object_get(j, "disk_mb"));
	m->created_ms = json_integer_value(json_object_get(j, "createdAt"));
	m->key = xstrdup(key);
	m->dir = xstrdup(dir);
	if (!m->id || !m->template_id || !m->template_dir || !m->runtime || !m->token) {
		snap_meta_free(m);
		return -1;
	}
	return 0;
}

/* E2B's full names: "team/NAME:TAG"; here the team is "local". */
static json_t *snap_names(const snap_meta *m)
{
	json_t *names = json_array();
	if (m->name) {
		char *full = xasprintf("local/%s", m->id);
		json_array_append_new(names, json_text(full));
		free(full);
	}
	return names;
}

static json_t *meta_to_json(const snap_meta *m)
{
	json_t *j = json_pack("{s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:i,s:i,s:i,s:I}", "snapshotID", m->id, "names",
			      snap_names(m), "sandboxID", m->sandbox_id, "templateID", m->template_id, "template_dir",
			      m->template_dir, "runtime", m->runtime, "token", m->token, "memory", m->memory,
			      "temporary", m->temporary, "cpus", m->cpus, "memory_mb", m->memory_mb, "disk_mb",
			      m->disk_mb, "createdAt", (json_int_t)m->created_ms);
	if (m->name)
		json_object_set_new(j, "name", json_string(m->name));
	return j;
}

static int load(const char *root, const char *key, snap_meta *m)
{
	char *dir = xasprintf("%s/%s", root, key), *path = xasprintf("%s/meta.json", dir), *text;
	size_t len;
	int rc = -1;
	if (files_read(path, META_MAX, &text, &len, NULL) == 0) {
		json_t *j = json_loadb(text, len, 0, NULL);
		if (json_is_object(j))
			rc = meta_from_json(j, key, dir, m);
		json_decref(j);
		free(text);
	}
	free(path);
	free(dir);
	return rc;
}

int snaps_begin(sbxd *d, const sbxd_record *src, const char *name, int temporary, int memory, snap_meta *out,
		sbx_err *e)
{
	char key[SBXD_ID_LEN + 1];
	char *root = snaps_dir(d);
	memset(out, 0, sizeof *out);
	if (fsu_mkdirs(root, 0700, e) < 0) {
		free(root);
		return -1;
	}
	for (;;) {
		record_new_id(key);
		char *dir = xasprintf("%s/%s", root, key);
		if (mkdir(dir, 0700) == 0) {
			out->dir = dir;
			break;
		}
		free(dir);
		if (errno != EEXIST) {
			sbx_error_errno(e, "cannot create a snapshot dir under %s", root);
			free(root);
			return -1;
		}
	}
	free(root);
	out->key = xstrdup(key);
	out->name = name && *name ? xstrdup(name) : NULL;
	out->id = xasprintf("%s:default", out->name ? out->name : key);
	out->sandbox_id = xstrdup(src->id);
	out->template_id = xstrdup(src->template_id);
	out->template_dir = xstrdup(src->template_dir);
	out->runtime = xstrdup(src->runtime);
	out->token = xstrdup(src->token);
	out->memory = memory;
	out->temporary = temporary;
	out->cpus = src->cpus;
	out->memory_mb = src->memory_mb;
	out->disk_mb = src->disk_mb;
	out->created_ms = wall_ms();
	return 0;
}

int snaps_commit(sbxd *d, const snap_meta *m, sbx_err *e)
{
	if (m->name) {   /* the name moves to this one: the old one goes */
		snap_meta old;
		if (snaps_find(d, m->id, &old) == 0) {
			sbx_err re;
			if (strcmp(old.key, m->key) && snaps_remove(&old, &re) < 0)
				log_warn("sbxd: the previous snapshot %s (%s) could not be removed: %s", old.id, old.dir,
					 re.msg);
			snap_meta_free(&old);
		}
	}
	json_t *j = meta_to_json(m);
	char *s = json_dumps(j, JSON_INDENT(2)), *path = xasprintf("%s/meta.json", m->dir);
	int rc = files_write_atomic(path, s, strlen(s), 0600, e);
	free(s);
	free(path);
	json_decref(j);
	return rc;
}

int snaps_remove(const snap_meta *m, sbx_err *e)
{
	/* meta.json first: a removal cut short leaves an unfinished dir, which
	 * no lookup sees and the next start removes. */
	char *path = xasprintf("%s/meta.json", m->dir);
	unlink(path);
	free(path);
	return fsu_rm_rf(m->dir, 1, e);
}

int snap_matches(const snap_meta *m, const char *ref)
{
	if (!strcmp(ref, m->id))
		return 1;
	if (m->temporary)
		return 0;
	if (!strncmp(ref, "local/", 6))
		ref += 6;
	const char *base = m->name ? m->name : m->key;
	size_t n = strlen(base);
	return !strncmp(ref, base, n) && (!ref[n] || !strcmp(ref + n, ":default"));
}

int snaps_list(sbxd *d, snap_meta **out, size_t *n, sbx_err *e)
{
	char *root = snaps_dir(d);
	DIR *dh = opendir(root);
	*out = NULL;
	*n = 0;
	if (!dh) {
		int missing = errno == ENOENT;
		if (!missing)
			sbx_error_errno(e, "cannot list the snapshots in %s", root);
		free(root);
		return missing ? 0 : -1;
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.')
			continue;
		snap_meta m;
		if (load(root, de->d_name, &m) < 0)
			continue;
		if (m.temporary) {
			snap_meta_free(&m);
			continue;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = m;
	}
	closedir(dh);
	free(root);
	/* newest first, then by key: a stable order for pages */
	for (size_t i = 1; i < *n; i++) {
		for (size_t j = i; j > 0; j--) {
			snap_meta *a = &(*out)[j - 1], *b = &(*out)[j];
			if (a->created_ms > b->created_ms ||
			    (a->created_ms == b->created_ms && strcmp(a->key, b->key) <= 0))
				break;
			snap_meta t = *a;
			*a = *b;
			*b = t;
		}
	}
	return 0;
}

void snaps_list_free(snap_meta *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snap_meta_free(&v[i]);
	free(v);
}

int snaps_find(sbxd *d, const char *ref, snap_meta *out)
{
	snap_meta *v;
	size_t n;
	int rc = -1;
	if (snaps_list(d, &v, &n, NULL) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (snap_matches(&v[i], ref)) {
			*out = v[i];
			memset(&v[i], 0, sizeof v[i]);
			rc = 0;
			break;
		}
	}
	snaps_list_free(v, n);
	return rc;
}

json_t *snap_json(const snap_meta *m)
{
	return json_pack("{s:o,s:o}", "snapshotID", json_text(m->id), "names", snap_names(m));
}

void snaps_cleanup(sbxd *d)
{
	char *root = snaps_dir(d);
	DIR *dh = opendir(root);
	struct dirent *de;
	while (dh && (de = readdir(dh))) {
		if (de->d_name[0] == '.')
			continue;
		snap_meta m;
		int ok = load(root, de->d_name, &m) == 0;
		if (ok && !m.temporary) {
			snap_meta_free(&m);
			continue;
		}
		char *dir = xasprintf("%s/%s", root, de->d_name);
		sbx_err e;
		if (fsu_rm_rf(dir, 1, &e) < 0)
			log_warn("sbxd: cannot remove the %s snapshot %s: %s", ok ? "temporary" : "unfinished", dir, e.msg);
		else
			log_info("sbxd: removed the %s snapshot %s", ok ? "temporary" : "unfinished", dir);
		free(dir);
		if (ok)
			snap_meta_free(&m);
	}
	if (dh)
		closedir(dh);
	free(root);
}
