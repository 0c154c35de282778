#include "strv.h"
#include "xalloc.h"
#include <stdlib.h>
#include <string.h>

char **sbx_strv_dup(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	char **out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

void sbx_strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

void sbx_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **env_find(char *const *v, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; v && v[i]; i++)
		if (!strncmp(v[i], key, kl) && v[i][kl] == '=')
			return (char **)&v[i];
	return NULL;
}

void sbx_env_set(char ***v, size_t *n, const char *key, const char *value)
{
	char *entry = xasprintf("%s=%s", key, value);
	char **old = env_find(*v, key);
	if (old) {
		free(*old);
		*old = entry;
	} else {
		sbx_strv_push(v, n, entry);
	}
}

const char *sbx_env_get(char *const *v, const char *key)
{
	char **e = env_find(v, key);
	return e ? *e + strlen(key) + 1 : NULL;
}
