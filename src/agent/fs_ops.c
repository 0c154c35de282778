#include "fs_ops.h"
#include "../proto/envd_json.h"
#include "../util/fsutil.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void chown_made(const char *dir, void *u)
{
	user_chown(u, dir);
}

int fs_mkdir_p(const char *path, const sbx_user *u, sbx_err *e)
{
	return fsu_mkdirs_each(path, 0755, chown_made, (void *)u, e);
}

int fs_mkdir_parents(const char *path, const sbx_user *u, sbx_err *e)
{
	char *p = xstrdup(path);
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	char *slash = strrchr(p, '/');
	int rc = 0;
	if (slash && slash != p) {
		*slash = '\0';
		rc = fs_mkdir_p(p, u, e);
	}
	free(p);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

/* fs_dir is where to read, report_dir how to name what is found there. */
static void walk(const char *fs_dir, const char *report_dir, unsigned level, unsigned depth, json_t *out)
{
	struct dirent **names;
	int n = scandir(*fs_dir ? fs_dir : "/", &names, skip_dots, by_name);
	if (n < 0)
		return;   /* unreadable subdirectory: listed, not entered */
	for (int i = 0; i < n; i++) {
		char *fs = xasprintf("%s/%s", fs_dir, names[i]->d_name);
		char *rep = xasprintf("%s/%s", report_dir, names[i]->d_name);
		envd_entry en;
		struct stat st;
		if (envd_entry_stat(fs, rep, &en, NULL) == 0) {
			json_array_append_new(out, envd_entry_json(&en));
			envd_entry_free(&en);
		}
		if (level < depth && lstat(fs, &st) == 0 && S_ISDIR(st.st_mode))
			walk(fs, rep, level + 1, depth, out);
		free(fs);
		free(rep);
		free(names[i]);
	}
	free(names);
}

int fs_list(const char *path, unsigned depth, json_t *entries, const char **code, sbx_err *e)
{
	struct stat st;
	*code = "internal";
	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			*code = "not_found";
		return sbx_error_errno(e, "cannot list '%s'", path);
	}
	if (!S_ISDIR(st.st_mode)) {
		*code = "invalid_argument";
		errno = ENOTDIR;
		return sbx_error(e, "path '%s' is not a directory", path);
	}
	char *real = realpath(path, NULL);
	if (!real)
		return sbx_error_errno(e, "cannot resolve '%s'", path);
	size_t len = strlen(path);
	char *report = xstrdup(path);
	while (len > 1 && report[len - 1] == '/')
		report[--len] = '\0';
	/* "" for "/" so that children come out as "/x", not "//x". */
	walk(strcmp(real, "/") ? real : "", strcmp(report, "/") ? report : "", 1, depth, entries);
	free(report);
	free(real);
	return 0;
}
