#include "volumes.h"
#include "record.h"
#include "../proto/jsonfile.h"
#include "../util/fsutil.h"
#include "../util/rand.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void volume_free(sbx_volume *v)
{
	free(v->name);
	free(v->token);
	memset(v, 0, sizeof *v);
}

int volume_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > VOL_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			return 0;
	return 1;
}

/* A uuid's form: what volumes_create makes, so nothing else is a path here. */
static int id_valid(const char *id)
{
	if (strlen(id) != VOL_ID_LEN)
		return 0;
	for (int i = 0; i < VOL_ID_LEN; i++) {
		char c = id[i];
		if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}

char *volume_data_dir(const char *state_dir, const char *id)
{
	return xasprintf("%s/volumes/%s/data", state_dir, id);
}

static int load(const char *state_dir, const char *id, sbx_volume *out, sbx_err *e)
{
	char *path = xasprintf("%s/volumes/%s/meta.json", state_dir, id);
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	int rc = -1;
	const char *name = j ? json_string_value(json_object_get(j, "name")) : NULL;
	const char *token = j ? json_string_value(json_object_get(j, "token")) : NULL;
	if (!j)
		sbx_error(e, "cannot read volume %s's record %s: %s", id, path, je.text);
	else if (!name || !token)
		sbx_error(e, "volume %s's record %s has no name or token; remove that directory", id, path);
	else {
		memset(out, 0, sizeof *out);
		snprintf(out->id, sizeof out->id, "%s", id);
		out->name = xstrdup(name);
		out->token = xstrdup(token);
		out->created_ms = (int64_t)json_integer_value(json_object_get(j, "createdAtMs"));
		rc = 0;
	}
	json_decref(j);
	free(path);
	return rc;
}

int volumes_create(const char *state_dir, const char *name, sbx_volume *out, sbx_err *e)
{
	char id[VOL_ID_LEN + 1], tok[65];
	rand_uuid(id);
	rand_hex(tok, 64);
	char *dir = xasprintf("%s/volumes/%s", state_dir, id);
	char *data = volume_data_dir(state_dir, id);
	char *meta = xasprintf("%s/meta.json", dir);
	int64_t now = wall_ms();
	char at[40];
	rfc3339_ms(now, at, sizeof at);
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:I}", "volumeID", id, "name", name, "token", tok, "createdAt", at,
			      "createdAtMs", (json_int_t)now);
	int rc = -1;
	/* data/ is shared by every sandbox that mounts it, whichever user runs
	 * there: anyone may add entries at its top. */
	if (fsu_mkdirs(dir, 0700, e) == 0 && fsu_mkdirs(data, 0755, e) == 0) {
		if (chmod(data, 0777) < 0)
			sbx_error_errno(e, "cannot open up volume directory %s", data);
		else if (json_file_replace(meta, j, JSON_INDENT(2), e) == 0)
			rc = 0;
	}
	if (rc == 0) {
		memset(out, 0, sizeof *out);
		snprintf(out->id, sizeof out->id, "%s", id);
		out->name = xstrdup(name);
		out->token = xstrdup(tok);
		out->created_ms = now;
	} else {
		fsu_rm_rf(dir, 1, NULL);
	}
	json_decref(j);
	free(meta);
	free(data);
	free(dir);
	return rc;
}

static int by_created(const void *a, const void *b)
{
	const sbx_volume *x = a, *y = b;
	if (x->created_ms != y->created_ms)
		return x->created_ms < y->created_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

int volumes_list(const char *state_dir, sbx_volume **out, size_t *n, sbx_err *e)
{
	*out = NULL;
	*n = 0;
	char *root = xasprintf("%s/volumes", state_dir);
	DIR *d = opendir(root);
	if (!d) {
		int rc = errno == ENOENT ? 0 : sbx_error_errno(e, "cannot list volumes in %s", root);
		free(root);
		return rc;
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!id_valid(de->d_name))
			continue;
		sbx_volume v;
		char *meta = xasprintf("%s/%s/meta.json", root, de->d_name);
		int there = access(meta, F_OK) == 0;   /* half-made or half-removed: not a volume */
		free(meta);
		if (!there || load(state_dir, de->d_name, &v, NULL) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = v;
	}
	closedir(d);
	free(root);
	if (*n)
		qsort(*out, *n, sizeof **out, by_created);
	return 0;
}

void volumes_list_free(sbx_volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		volume_free(&v[i]);
	free(v);
}

int volumes_find(const char *state_dir, const char *id_or_name, sbx_volume *out, sbx_err *e)
{
	if (id_valid(id_or_name)) {
		char *meta = xasprintf("%s/volumes/%s/meta.json", state_dir, id_or_name);
		int there = access(meta, F_OK) == 0;
		free(meta);
		if (there)
			return load(state_dir, id_or_name, out, e) < 0 ? -1 : 0;
	}
	if (!volume_name_valid(id_or_name))
		return 1;
	sbx_volume *v;
	size_t n;
	if (volumes_list(state_dir, &v, &n, e) < 0)
		return -1;
	int rc = 1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, id_or_name)) {
			*out = v[i];
			memset(&v[i], 0, sizeof v[i]);
			rc = 0;
			break;
		}
	volumes_list_free(v, n);
	return rc;
}

int volumes_remove(const char *state_dir, const char *id, sbx_err *e)
{
	if (!id_valid(id))
		return sbx_error(e, "\"%s\" is not a volume id", id);
	char *dir = xasprintf("%s/volumes/%s", state_dir, id);
	char *meta = xasprintf("%s/meta.json", dir);
	int rc = 0;
	if (unlink(meta) < 0 && errno != ENOENT)
		rc = sbx_error_errno(e, "cannot remove %s", meta);
	else if (fsu_rm_rf(dir, 1, e) < 0)
		rc = -1;
	free(meta);
	free(dir);
	return rc;
}
