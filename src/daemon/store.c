#include "store.h"
#include "files.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *store_rt_dir(const char *sbdir, const char *id) { return xasprintf("%s/%s", sbdir, id); }
char *store_log_path(const char *sbdir, const char *id) { return xasprintf("%s/%s.log", sbdir, id); }

int store_save(const char *sbdir, const sbxd_record *r, sbx_err *e)
{
	char *path = xasprintf("%s/%s.json", sbdir, r->id);
	json_t *j = record_to_json(r);
	char *s = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	int rc = files_write_atomic(path, s, strlen(s), 0600, e);
	free(s);
	json_decref(j);
	free(path);
	return rc;
}

int store_load(const char *sbdir, const char *id, sbxd_record *r, sbx_err *e)
{
	char *path = xasprintf("%s/%s.json", sbdir, id);
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	int rc;
	if (!j) {
		rc = sbx_error(e, "cannot read %s: %s", path, je.text);
	} else {
		rc = record_from_json(j, r, e);
		if (rc == 0 && strcmp(r->id, id)) {
			record_free(r);
			rc = sbx_error(e, "%s holds the record of another sandbox", path);
		} else if (rc < 0) {
			char msg[sizeof e->msg];
			snprintf(msg, sizeof msg, "%s", e ? e->msg : "");
			sbx_error(e, "%s: %s", path, msg);
		}
	}
	json_decref(j);
	free(path);
	return rc;
}

int store_remove(const char *sbdir, const char *id, sbx_err *e)
{
	char *dir = store_rt_dir(sbdir, id), *log = store_log_path(sbdir, id);
	char *json = xasprintf("%s/%s.json", sbdir, id);
	/* The runtime dir first: if part of it cannot go, the record stays and
	 * the next kill (or sbxd start) tries again.  one_fs: a driver that
	 * failed to unmount something must not cost the template its files. */
	int rc = fsu_rm_rf(dir, 1, e);
	if (rc == 0) {
		unlink(log);
		if (unlink(json) < 0 && errno != ENOENT)
			rc = sbx_error_errno(e, "cannot remove %s", json);
	}
	free(dir);
	free(log);
	free(json);
	return rc;
}

void store_log(const char *sbdir, const char *id, const char *fmt, ...)
{
	char *path = store_log_path(sbdir, id), ts[40];
	FILE *f = fopen(path, "ae");
	free(path);
	if (!f)
		return;
	rfc3339_now(ts, sizeof ts);
	fprintf(f, "%s sbxd: ", ts);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **store_runtime_logs(const char *sbdir, const char *id)
{
	static const char *const subdirs[] = { "", "/log", "/disk/log" };
	char **v = xcalloc(1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < sizeof subdirs / sizeof *subdirs; i++) {
		char *dir = xasprintf("%s/%s%s", sbdir, id, subdirs[i]);
		DIR *d = opendir(dir);
		struct dirent *de;
		size_t first = k;
		while (d && (de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (n > 4 && !strcmp(de->d_name + n - 4, ".log")) {
				v = xrealloc(v, (k + 2) * sizeof *v);
				v[k++] = xasprintf("%s/%s", dir, de->d_name);
				v[k] = NULL;
			}
		}
		if (d)
			closedir(d);
		qsort(v + first, k - first, sizeof *v, cmp_str);
		free(dir);
	}
	return v;
}

int store_list(const char *sbdir, char ***ids, size_t *n, sbx_err *e)
{
	DIR *d = opendir(sbdir);
	if (!d)
		return sbx_error_errno(e, "cannot list %s", sbdir);
	char **v = xcalloc(1, sizeof *v);
	size_t k = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		char *id = xstrndup(de->d_name, len - 5);
		if (!record_id_valid(id)) {
			free(id);
			continue;
		}
		v = xrealloc(v, (k + 2) * sizeof *v);
		v[k++] = id;
		v[k] = NULL;
	}
	closedir(d);
	qsort(v, k, sizeof *v, cmp_str);
	*ids = v;
	if (n)
		*n = k;
	return 0;
}

void store_list_free(char **ids)
{
	if (!ids)
		return;
	for (char **p = ids; *p; p++)
		free(*p);
	free(ids);
}
