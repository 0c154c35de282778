#include "path.h"
#include "xalloc.h"
#include <stdlib.h>
#include <string.h>

char *path_join(const char *base, const char *rel)
{
	size_t bl = strlen(base);
	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	while (*rel == '/')
		rel++;
	if (!*rel)
		return xstrndup(base, bl);
	if (bl == 1 && base[0] == '/')
		bl = 0;   /* "/" + "x" is "/x", not "//x" */
	return xasprintf("%.*s/%s", (int)bl, base, rel);
}

char *path_clean(const char *p)
{
	size_t n = strlen(p), w = 0;
	int abs = p[0] == '/';
	char *out = xmalloc(n + 2);
	for (size_t i = 0; i < n;) {
		while (i < n && p[i] == '/')
			i++;
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		size_t len = j - i;
		if (len == 0 || (len == 1 && p[i] == '.')) {
			/* an empty or "." element says nothing */
		} else if (len == 2 && p[i] == '.' && p[i + 1] == '.' &&
			   (w > 0 || abs) && !(w >= 2 && !strncmp(out + w - 2, "..", 2) &&
						(w == 2 || out[w - 3] == '/'))) {
			while (w > 0 && out[w - 1] != '/')
				w--;
			if (w > 0)
				w--;   /* the '/' before the dropped element */
		} else {
			if (w > 0 || abs)
				out[w++] = '/';
			memcpy(out + w, p + i, len);
			w += len;
		}
		i = j;
	}
	if (w == 0)
		out[w++] = abs ? '/' : '.';
	out[w] = '\0';
	return out;
}

int path_name_safe(const char *name)
{
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (*c == '/' || *c < 0x20 || *c == 0x7f)
			return 0;
	return 1;
}

char *path_rel_unsafe(const char *rel)
{
	for (;;) {
		const char *slash = strchr(rel, '/');
		char *name = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup(rel);
		if (!path_name_safe(name))
			return name;
		free(name);
		if (!slash)
			return NULL;
		rel = slash + 1;
	}
}

char *path_name_show(const char *name)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(name), k = 0;
	char *out = xmalloc(2 + 4 * (n > 80 ? 80 : n) + 4), *w = out;
	*w++ = '"';
	for (const unsigned char *c = (const unsigned char *)name; *c && k < 80; c++, k++) {
		if (*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\') {
			*w++ = '\\';
			*w++ = 'x';
			*w++ = hex[*c >> 4];
			*w++ = hex[*c & 15];
		} else {
			*w++ = (char)*c;
		}
	}
	*w++ = '"';
	if (n > 80) {
		memcpy(w, "...", 3);
		w += 3;
	}
	*w = '\0';
	return out;
}
