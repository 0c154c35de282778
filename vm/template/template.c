/* template: the cache of built templates — where it is, meta.json, find,
 * list, remove, prune. */
#include "template.h"
#include "template_int.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../../src/util/xalloc.h"

char *template_cache_dir(void)
{
	const char *d = getenv("SBX_CACHE_DIR");
	if (d && *d)
		return xstrdup(d);
	d = getenv("XDG_CACHE_HOME");
	if (d && *d == '/')
		return xasprintf("%s/sbx", d);
	d = getenv("HOME");
	if (!d || !*d) {
		struct passwd *pw = getpwuid(getuid());
		d = pw && pw->pw_dir ? pw->pw_dir : "/tmp";
	}
	return xasprintf("%s/.cache/sbx", d);
}

void template_info_free(template_info *info)
{
	if (!info)
		return;
	free(info->name);
	free(info->dir);
	strv_free(info->aliases, info->naliases);
	free(info->suite);
	free(info->workdir);
	free(info->user);
	free(info->built_at);
	free(info->parent);
	strv_free(info->env, info->nenv);
	strv_free(info->packages, info->npackages);
	free(info->start_cmd);
	free(info->ready_cmd);
	memset(info, 0, sizeof *info);
}

void template_list_free(template_info *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		template_info_free(&list[i]);
	free(list);
}

/* ── meta.json ── */

static json_t *str_array(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

int tpl_meta_write(const char *path, const template_info *info, const char *bootstrap, sbx_err *e)
{
	json_t *env = json_object();
	for (size_t i = 0; i < info->nenv; i++) {
		const char *eq = strchr(info->env[i], '=');
		char *k = xstrndup(info->env[i], (size_t)(eq - info->env[i]));
		json_object_set_new(env, k, json_string(eq + 1));
		free(k);
	}
	json_t *m = json_pack("{s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o}",
			      "name", info->name, "hash", info->hash,
			      "aliases", str_array(info->aliases, info->naliases),
			      "suite", info->suite, "env", env, "workdir", info->workdir,
			      "user", info->user, "built_at", info->built_at,
			      "packages", str_array(info->packages, info->npackages),
			      "parent", info->parent ? json_string(info->parent) : json_null(),
			      "bootstrap", bootstrap ? json_string(bootstrap) : json_null());
	if (m) {   /* set only: older readers and builds need not know them */
		if ((info->start_cmd && json_object_set_new(m, "start_cmd", json_string(info->start_cmd)) < 0) ||
		    (info->ready_cmd && json_object_set_new(m, "ready_cmd", json_string(info->ready_cmd)) < 0)) {
			json_decref(m);
			m = NULL;
		}
	}
	if (m && info->cpu_count)
		json_object_set_new(m, "cpu_count", json_integer(info->cpu_count));
	if (m && info->memory_mb)
		json_object_set_new(m, "memory_mb", json_integer(info->memory_mb));
	if (!m)
		return sbx_error(e, "cannot encode %s (a field is not valid UTF-8?)", path);
	int rc = json_dump_file(m, path, JSON_INDENT(2)) == 0 ? 0
		 : sbx_error_errno(e, "cannot write %s", path);
	json_decref(m);
	return rc;
}

static char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static void jstrv(json_t *o, const char *k, char ***v, size_t *n)
{
	json_t *a = json_object_get(o, k), *x;
	size_t i;
	json_array_foreach(a, i, x)
		if (json_is_string(x))
			strv_push(v, n, xstrdup(json_string_value(x)));
}

int tpl_meta_read(const char *dir, template_info *info, sbx_err *e)
{
	memset(info, 0, sizeof *info);
	char *path = xasprintf("%s/meta.json", dir);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	if (!m || !json_is_object(m)) {
		sbx_error(e, "cannot read %s: %s; remove the directory and build again", path, je.text);
		json_decref(m);
		free(path);
		return -1;
	}
	info->name = jstr(m, "name");
	char *hash = jstr(m, "hash");
	info->suite = jstr(m, "suite");
	info->workdir = jstr(m, "workdir");
	info->user = jstr(m, "user");
	info->built_at = jstr(m, "built_at");
	info->parent = jstr(m, "parent");
	jstrv(m, "aliases", &info->aliases, &info->naliases);
	jstrv(m, "packages", &info->packages, &info->npackages);
	info->start_cmd = jstr(m, "start_cmd");
	info->ready_cmd = jstr(m, "ready_cmd");
	json_t *n = json_object_get(m, "cpu_count");
	if (json_is_integer(n) && json_integer_value(n) > 0 && json_integer_value(n) <= TEMPLATE_MAX_CPUS)
		info->cpu_count = (int)json_integer_value(n);
	n = json_object_get(m, "memory_mb");
	if (json_is_integer(n) && json_integer_value(n) >= 128 && json_integer_value(n) <= TEMPLATE_MAX_MEMORY_MB)
		info->memory_mb = (int)json_integer_value(n);
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(m, "env"), k, v)
		if (json_is_string(v))
			strv_push(&info->env, &info->nenv, xasprintf("%s=%s", k, json_string_value(v)));
	json_decref(m);
	int rc = 0;
	if (!info->name || !hash || strlen(hash) != 64 || !info->suite || !info->workdir || !info->user ||
	    !info->built_at) {
		rc = sbx_error(e, "%s lacks name, hash, suite, workdir, user or built_at; remove the "
			       "directory and build again", path);
		template_info_free(info);
	} else {
		memcpy(info->hash, hash, 65);
		info->dir = xstrdup(dir);
	}
	free(hash);
	free(path);
	return rc;
}

/* ── listing ── */

static int cmp_info(const void *a, const void *b)
{
	const template_info *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(y->built_at, x->built_at);
}

static char *cache_of(const template_opts *o)
{
	return o && o->cache_dir ? xstrdup(o->cache_dir) : template_cache_dir();
}

int template_list(const template_opts *o, template_info **out, size_t *n, sbx_err *e)
{
	*out = NULL;
	*n = 0;
	char *cache = cache_of(o), *top = xasprintf("%s/templates", cache);
	free(cache);
	DIR *d = opendir(top);
	if (!d) {
		int rc = errno == ENOENT ? 0 : sbx_error_errno(e, "cannot list %s", top);
		free(top);
		return rc;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *dir = xasprintf("%s/%s", top, de->d_name), *meta = xasprintf("%s/meta.json", dir);
		template_info info;
		sbx_err ignored;
		/* Directories without a readable meta.json are not templates. */
		if (access(meta, R_OK) == 0 && tpl_meta_read(dir, &info, &ignored) == 0) {
			*out = xrealloc(*out, (*n + 1) * sizeof **out);
			(*out)[(*n)++] = info;
		}
		free(meta);
		free(dir);
	}
	closedir(d);
	free(top);
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_info);
	return 0;
}

static const char *dir_base(const char *dir)
{
	const char *s = strrchr(dir, '/');
	return s ? s + 1 : dir;
}

static int matches(const template_info *t, const char *name)
{
	return !strcmp(t->name, name) || strv_has(t->aliases, t->naliases, name) ||
	       !strcmp(dir_base(t->dir), name);
}

static void names_of(const template_info *list, size_t n, sbx_buf *b)
{
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(list[i].name, list[i - 1].name))
			buf_printf(b, "%s%s", b->len ? ", " : "", list[i].name);
	if (!b->len)
		buf_puts(b, "none");
}

int template_find(const template_opts *o, const char *name, template_info *info, sbx_err *e)
{
	memset(info, 0, sizeof *info);
	template_info *list;
	size_t n;
	if (template_list(o, &list, &n, e) < 0)
		return -1;
	size_t best = n;
	for (size_t i = 0; i < n; i++)
		if (matches(&list[i], name) && (best == n || strcmp(list[i].built_at, list[best].built_at) > 0))
			best = i;
	if (best == n) {
		sbx_buf b = SBX_BUF_INIT;
		names_of(list, n, &b);
		sbx_error(e, "no built template '%s' (built: %s); build it with `sbx template build %s`",
			  name, buf_cstr(&b), name);
		buf_free(&b);
		template_list_free(list, n);
		return -1;
	}
	*info = list[best];
	memset(&list[best], 0, sizeof list[best]);
	template_list_free(list, n);
	utimensat(AT_FDCWD, info->dir, NULL, 0);   /* in use: template_prune keeps it */
	return 0;
}

/* Moves dir out of sight first (a half-removed template is never listed). */
static int remove_dir(const char *dir, sbx_err *e)
{
	char *parent = xstrdup(dir), *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	char *trash = xasprintf("%s/.trash-%s.%ld", parent, dir_base(dir), (long)getpid());
	free(parent);
	int rc = rename(dir, trash) < 0 ? sbx_error_errno(e, "cannot remove %s", dir) : tpl_rmtree(trash, e);
	free(trash);
	return rc;
}

int template_remove(const template_opts *o, const char *name, int *removed, sbx_err *e)
{
	*removed = 0;
	template_info *list;
	size_t n;
	if (template_list(o, &list, &n, e) < 0)
		return -1;
	/* One directory when NAME is one; else every build of the name/alias. */
	int exact = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(dir_base(list[i].dir), name))
			exact = 1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (exact ? strcmp(dir_base(list[i].dir), name) : !matches(&list[i], name))
			continue;
		rc = remove_dir(list[i].dir, e);
		if (rc == 0)
			(*removed)++;
	}
	if (rc == 0 && !*removed) {
		sbx_buf b = SBX_BUF_INIT;
		names_of(list, n, &b);
		rc = sbx_error(e, "no built template '%s' to remove (built: %s)", name, buf_cstr(&b));
		buf_free(&b);
	}
	template_list_free(list, n);
	return rc;
}

/* Leftovers of builds whose process is gone: .tmp-X.PID and .trash-X.PID. */
static void clean_stale(const char *top)
{
	DIR *d = opendir(top);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, ".tmp-", 5) && strncmp(de->d_name, ".trash-", 7))
			continue;
		const char *dot = strrchr(de->d_name, '.');
		long pid = dot && dot != de->d_name ? strtol(dot + 1, NULL, 10) : 0;
		if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			char *p = xasprintf("%s/%s", top, de->d_name);
			sbx_err ignored;
			tpl_rmtree(p, &ignored);
			free(p);
		}
	}
	closedir(d);
}

void tpl_clean_stale(const char *cache_dir)
{
	char *t = xasprintf("%s/templates", cache_dir), *b = xasprintf("%s/bootstrap", cache_dir);
	clean_stale(t);
	clean_stale(b);
	free(t);
	free(b);
}

static char *meta_bootstrap(const char *dir)
{
	char *path = xasprintf("%s/meta.json", dir);
	json_t *m = json_load_file(path, 0, NULL);
	free(path);
	char *b = m ? jstr(m, "bootstrap") : NULL;
	json_decref(m);
	return b;
}

/* Seconds since DIR last changed: a build, a use (template_find touches it)
 * or a runtime writing its disk image there. */
static double idle_secs(const char *dir)
{
	struct stat st;
	return stat(dir, &st) < 0 ? 0 : difftime(time(NULL), st.st_mtime);
}

/* The runtimes' per-template caches, $cache/vm/RUNTIME/HASH12-…, of builds
 * that are gone (they are keyed by the template hash's first 12 digits). */
static int prune_vm_caches(const char *cache, char **hashes, size_t nhashes, long min_idle_s,
			   int *removed, sbx_err *e)
{
	char *top = xasprintf("%s/vm", cache);
	DIR *d = opendir(top);
	int rc = 0;
	struct dirent *de, *re;
	while (d && rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *rt = xasprintf("%s/%s", top, de->d_name);
		DIR *r = opendir(rt);
		while (r && rc == 0 && (re = readdir(r))) {
			const char *dash = strchr(re->d_name, '-');
			if (re->d_name[0] == '.' || !dash || dash - re->d_name != 12)
				continue;
			char h12[13];
			memcpy(h12, re->d_name, 12);
			h12[12] = '\0';
			int live = 0;
			for (size_t i = 0; i < nhashes && !live; i++)
				live = !strncmp(hashes[i], h12, 12);
			char *p = xasprintf("%s/%s", rt, re->d_name);
			if (!live && idle_secs(p) >= (double)min_idle_s) {
				struct stat st;
				if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
					rc = tpl_rmtree(p, e);
				else if (unlink(p) < 0 && errno != ENOENT)
					rc = sbx_error_errno(e, "cannot remove %s", p);
				*removed += rc == 0;
			}
			free(p);
		}
		if (r)
			closedir(r);
		free(rt);
	}
	if (d)
		closedir(d);
	free(top);
	return rc;
}

int template_prune(const template_opts *o, long min_idle_s, int *removed, sbx_err *e)
{
	*removed = 0;
	char *cache = cache_of(o);
	tpl_clean_stale(cache);
	template_info *list;
	size_t n;
	if (template_list(o, &list, &n, e) < 0) {
		free(cache);
		return -1;
	}
	int rc = 0;
	char **keep = NULL, **hashes = NULL;
	size_t nkeep = 0, nhashes = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		/* newest comes first; an older build still in use is kept */
		if (i > 0 && !strcmp(list[i].name, list[i - 1].name) &&
		    idle_secs(list[i].dir) >= (double)min_idle_s) {
			rc = remove_dir(list[i].dir, e);
			*removed += rc == 0;
			continue;
		}
		strv_push(&hashes, &nhashes, xstrdup(list[i].hash));
		char *b = meta_bootstrap(list[i].dir);
		if (b)
			strv_push(&keep, &nkeep, b);
	}
	template_list_free(list, n);
	char *top = xasprintf("%s/bootstrap", cache);
	DIR *d = rc == 0 ? opendir(top) : NULL;
	struct dirent *de;
	while (d && rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strv_has(keep, nkeep, de->d_name))
			continue;
		char *p = xasprintf("%s/%s", top, de->d_name);
		if (idle_secs(p) >= (double)min_idle_s) {   /* else a build may be making it */
			rc = remove_dir(p, e);
			*removed += rc == 0;
		}
		free(p);
	}
	if (d)
		closedir(d);
	free(top);
	if (rc == 0)
		rc = prune_vm_caches(cache, hashes, nhashes, min_idle_s, removed, e);
	strv_free(keep, nkeep);
	strv_free(hashes, nhashes);
	free(cache);
	return rc;
}
