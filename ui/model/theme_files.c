/* theme files: finding NAME.theme in the theme directories, listing them,
 * loading one; see theme.h.  curses-free. */
#include "theme.h"
#include "../../src/util/buf.h"
#include "../../src/util/xalloc.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int theme_load_file(theme *t, const char *path, int colors, sbx_err *e)
{
	sbx_buf b = SBX_BUF_INIT;
	if (buf_read_file(&b, path, e) < 0) {
		buf_free(&b);
		return -1;
	}
	/* The default name is the file name without directory and suffix. */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char *name = xstrdup(base);
	char *dot = strrchr(name, '.');
	if (dot && strcmp(dot, ".theme") == 0)
		*dot = '\0';
	int rc = theme_load_string(t, buf_cstr(&b), path, name, colors, e);
	free(name);
	buf_free(&b);
	return rc;
}

static int valid_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int theme_find(const char *name, const char *const *dirs, size_t ndirs, char **path, sbx_err *e)
{
	*path = NULL;
	if (!valid_name(name))
		return sbx_error(e, "'%s' is not a theme name", name);
	for (size_t i = 0; i < ndirs; i++) {
		char *p = xasprintf("%s/%s.theme", dirs[i], name);
		if (access(p, R_OK) == 0) {
			*path = p;
			return 0;
		}
		free(p);
	}
	return sbx_error(e, "no theme '%s' (looked for %s.theme in %zu theme director%s)", name, name, ndirs,
			 ndirs == 1 ? "y" : "ies");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t theme_list(const char *const *dirs, size_t ndirs, char ***names)
{
	size_t n = 0, cap = 0;
	*names = NULL;
	for (size_t i = 0; i < ndirs; i++) {
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);
			if (len <= 6 || strcmp(de->d_name + len - 6, ".theme") != 0)
				continue;
			if (n == cap)
				*names = xrealloc(*names, (cap = cap ? cap * 2 : 8) * sizeof **names);
			(*names)[n++] = xstrndup(de->d_name, len - 6);
		}
		closedir(d);
	}
	if (n)
		qsort(*names, n, sizeof **names, cmp_str);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (j && strcmp((*names)[j - 1], (*names)[i]) == 0)
			free((*names)[i]);
		else
			(*names)[j++] = (*names)[i];
	}
	return j;
}

void theme_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
