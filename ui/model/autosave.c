/* autosave: state-dir copies of unsaved notebooks; see autosave.h.
 * curses-free. */
#include "autosave.h"
#include "ipynb.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char *cwd = getcwd(NULL, 0);
	char *abs = xasprintf("%s/%s", cwd ? cwd : ".", path);
	free(cwd);
	return abs;
}

char *nb_autosave_path(const char *state_dir, const char *nb_path, const char *session)
{
	if (!nb_path)
		return xasprintf("%s/autosave/untitled-%s.ipynb", state_dir, session ? session : "0");
	char *abs = absolute(nb_path);
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)abs; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	const char *base = strrchr(abs, '/') + 1;
	size_t n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".ipynb") == 0)
		n -= 6;
	char *out = xasprintf("%s/autosave/%.*s-%016llx.ipynb", state_dir, (int)n, base, (unsigned long long)h);
	free(abs);
	return out;
}

int nb_autosave(const notebook *nb, const char *state_dir, const char *nb_path, const char *session,
		sbx_err *e)
{
	char *dir = xasprintf("%s/autosave", state_dir);
	char *path = nb_autosave_path(state_dir, nb_path, session);
	int rc = fsu_mkdirs(dir, 0700, e);
	if (rc == 0) {
		/* Save a shallow variant with the origin key, leaving nb alone. */
		notebook tmp = *nb;
		tmp.metadata = json_deep_copy(nb->metadata);
		char *abs = nb_path ? absolute(nb_path) : NULL;
		json_object_set_new(tmp.metadata, "sbx", json_pack("{s:o}", "autosave_of", abs ? json_string(abs) : json_null()));
		free(abs);
		rc = ipynb_save(&tmp, path, e);
		json_decref(tmp.metadata);
	}
	free(dir);
	free(path);
	return rc;
}

static int newest_first(const void *a, const void *b)
{
	const nb_autosave_entry *x = a, *y = b;
	if (x->mtime != y->mtime)
		return x->mtime > y->mtime ? -1 : 1;
	return strcmp(x->path, y->path);
}

int nb_autosave_list(const char *state_dir, nb_autosave_entry **out, size_t *n, sbx_err *e)
{
	*out = NULL;
	*n = 0;
	char *dir = xasprintf("%s/autosave", state_dir);
	DIR *d = opendir(dir);
	if (!d) {
		int rc = errno == ENOENT ? 0 : sbx_error_errno(e, "cannot list %s", dir);
		free(dir);
		return rc;
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".ipynb") != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		json_t *root = stat(path, &st) == 0 ? json_load_file(path, 0, NULL) : NULL;
		json_t *origin = json_object_get(json_object_get(json_object_get(root, "metadata"), "sbx"), "autosave_of");
		if (!root || !origin) {
			json_decref(root);
			free(path);
			continue;
		}
		if (*n == cap)
			*out = xrealloc(*out, (cap = cap ? cap * 2 : 8) * sizeof **out);
		(*out)[(*n)++] = (nb_autosave_entry){ path, json_is_string(origin) ? xstrdup(json_string_value(origin)) : NULL,
						      st.st_mtime };
		json_decref(root);
	}
	closedir(d);
	free(dir);
	if (*n)
		qsort(*out, *n, sizeof **out, newest_first);
	return 0;
}

void nb_autosave_list_free(nb_autosave_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].origin);
	}
	free(v);
}

notebook *nb_autosave_restore(const char *path, sbx_err *e)
{
	notebook *nb = ipynb_load(path, e);
	if (nb) {
		json_object_del(nb->metadata, "sbx");
		nb->version = 1; /* restored work is unsaved work */
	}
	return nb;
}

int nb_autosave_discard(const char *path, sbx_err *e)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return sbx_error_errno(e, "cannot remove %s", path);
	return 0;
}
