/*
 * sbforms: see sbforms.h.
 */
#include "sbforms.h"
#include "conbuf.h"
#include "../../src/util/xalloc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64
#define PATH_MAX_LEN 1024

/* A short, printable quote of what the user typed, for messages. */
static void quote(const char *s, size_t len, char *out, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k + 4 < n; i++)
		out[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (len && k < len && k + 1 < n)
		out[k++] = '~';
	out[k < n ? k : n - 1] = '\0';
}

int sbf_snapshot_name(const char *name, sbx_err *e)
{
	size_t len = strlen(name);
	char q[48];
	quote(name, len, q, sizeof q);
	if (!len)
		return 0;
	if (len > NAME_MAX_LEN)
		return sbx_error(e, "snapshot name \"%s\" is too long (at most %d characters)", q, NAME_MAX_LEN);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		int ok = islower(c) || isdigit(c) || (i && (c == '.' || c == '_' || c == '-'));
		if (!ok || c > 0x7f)
			return sbx_error(e, "snapshot name \"%s\": use lower-case letters, digits, '.', '_' and '-', "
					    "starting with a letter or digit", q);
	}
	return 0;
}

static int name_ok(const char *s, size_t len)
{
	if (!len || len > NAME_MAX_LEN || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > 0x7f || !(isalnum(c) || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int path_ok(const char *s, size_t len)
{
	if (!len || len > PATH_MAX_LEN || s[0] != '/')
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	/* no "." or ".." part */
	for (size_t i = 0; i < len;) {
		while (i < len && s[i] == '/')
			i++;
		size_t j = i;
		while (j < len && s[j] != '/')
			j++;
		if ((j - i == 1 && s[i] == '.') || (j - i == 2 && s[i] == '.' && s[i + 1] == '.'))
			return 0;
		i = j;
	}
	return 1;
}

/* "/data/" and "/data" are one mount point. */
static size_t trimmed(const char *p, size_t len)
{
	while (len > 1 && p[len - 1] == '/')
		len--;
	return len;
}

void sbf_mounts_free(sbf_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].path);
	}
	free(m);
}

int sbf_parse_mounts(const char *text, sbf_mount **out, size_t *n, sbx_err *e)
{
	*out = NULL;
	*n = 0;
	const char *s = text;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, " \t,");
		char q[64];
		quote(s, len, q, sizeof q);
		const char *colon = memchr(s, ':', len);
		if (!colon) {
			sbf_mounts_free(*out, *n);
			*out = NULL;
			*n = 0;
			return sbx_error(e, "volume \"%s\": write NAME:/path (e.g. data:/home/user/data)", q);
		}
		size_t nl = (size_t)(colon - s), pl = len - nl - 1;
		const char *p = colon + 1;
		const char *why = !name_ok(s, nl) ? "the volume's name is letters, digits, '.', '_' and '-'"
				  : !path_ok(p, pl) ? "the path must be absolute, without '.' or '..' parts"
				  : NULL;
		for (size_t i = 0; !why && i < *n; i++)
			if (trimmed((*out)[i].path, strlen((*out)[i].path)) == trimmed(p, pl) &&
			    !memcmp((*out)[i].path, p, trimmed(p, pl)))
				why = "that path is already mounted";
		if (why) {
			sbf_mounts_free(*out, *n);
			*out = NULL;
			*n = 0;
			return sbx_error(e, "volume \"%s\": %s", q, why);
		}
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[*n].name = xstrndup(s, nl);
		(*out)[*n].path = xstrndup(p, trimmed(p, pl));
		(*n)++;
		s += len;
	}
	return 0;
}

/* At most max bytes of s, printable. */
static void put_clean(sbx_buf *b, const char *s, size_t max)
{
	conbuf_sanitize(s, strnlen(s, max), b);
}

void sbf_snapshot_label(const char *id, const char *name, const char *sandbox_id, const char *runtime, char *out,
			size_t n)
{
	const char *nm = name && *name ? name : id ? id : "";
	const char *slash = strchr(nm, '/');
	if (slash && slash[1])
		nm = slash + 1;
	size_t nl = strlen(nm);
	static const char tag[] = ":default";
	if (nl > sizeof tag - 1 && !strcmp(nm + nl - (sizeof tag - 1), tag))
		nl -= sizeof tag - 1;
	sbx_buf b = SBX_BUF_INIT;
	put_clean(&b, nm, nl < NAME_MAX_LEN ? nl : NAME_MAX_LEN);
	int sb = sandbox_id && *sandbox_id, rt = runtime && *runtime;
	if (sb || rt) {
		buf_puts(&b, " (");
		if (sb) {
			buf_puts(&b, "of ");
			put_clean(&b, sandbox_id, 8);
		}
		if (rt) {
			buf_puts(&b, sb ? ", " : "");
			put_clean(&b, runtime, 16);
		}
		buf_putc(&b, ')');
	}
	snprintf(out, n, "%s", b.len ? buf_cstr(&b) : "?");
	buf_free(&b);
}
