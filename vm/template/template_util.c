/* template_util: string lists, words, quoting, env expansion, small file helpers. */
#include "template_int.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"

void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = s;
}

void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

int tpl_split_words(const char *s, char ***words, size_t *n)
{
	*words = NULL;
	*n = 0;
	sbx_buf w = SBX_BUF_INIT;
	const char *p = s;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		buf_reset(&w);
		while (*p && !isspace((unsigned char)*p)) {
			char q = *p;
			if (q == '"' || q == '\'') {
				p++;
				while (*p && *p != q) {
					if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					buf_putc(&w, *p++);
				}
				if (*p != q)
					goto bad;
				p++;
			} else if (q == '\\' && p[1]) {
				if (p[1] == '$')
					buf_putc(&w, '\\');
				buf_putc(&w, p[1]);
				p += 2;
			} else {
				buf_putc(&w, *p++);
			}
		}
		strv_push(words, n, xstrdup(buf_cstr(&w)));
	}
	buf_free(&w);
	return 0;
bad:
	buf_free(&w);
	strv_free(*words, *n);
	*words = NULL;
	*n = 0;
	return -1;
}

void tpl_put_word(sbx_buf *b, const char *w)
{
	int plain = *w != '\0';
	for (const char *p = w; *p; p++)
		if (isspace((unsigned char)*p) || *p == '"' || *p == '\'' || *p == '\\')
			plain = 0;
	if (plain) {
		buf_puts(b, w);
		return;
	}
	buf_putc(b, '"');
	for (const char *p = w; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

void tpl_sh_quote(sbx_buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *s);
	}
	buf_putc(b, '\'');
}

static const char *env_get(char *const *env, size_t nenv, const char *k, size_t klen)
{
	for (size_t i = nenv; i-- > 0;)
		if (!strncmp(env[i], k, klen) && env[i][klen] == '=')
			return env[i] + klen + 1;
	return NULL;
}

char *tpl_expand(const char *v, char *const *env, size_t nenv)
{
	sbx_buf b = SBX_BUF_INIT;
	buf_puts(&b, "");
	for (const char *p = v; *p;) {
		if (p[0] == '\\' && p[1] == '$') {
			buf_putc(&b, '$');
			p += 2;
			continue;
		}
		if (*p != '$') {
			buf_putc(&b, *p++);
			continue;
		}
		const char *k = p + 1;
		int braced = *k == '{';
		if (braced)
			k++;
		size_t klen = 0;
		while (isalnum((unsigned char)k[klen]) || k[klen] == '_')
			klen++;
		if (!klen || (braced && k[klen] != '}')) {
			buf_putc(&b, *p++);     /* a lone $ stays */
			continue;
		}
		const char *val = env_get(env, nenv, k, klen);
		if (val)
			buf_puts(&b, val);
		p = k + klen + (braced ? 1 : 0);
	}
	return buf_detach(&b);
}

void tpl_env_set(char ***env, size_t *n, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	for (size_t i = 0; i < *n; i++) {
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = xstrdup(kv);
			return;
		}
	}
	strv_push(env, n, xstrdup(kv));
}

char *tpl_read_file(const char *path, size_t *len, sbx_err *e)
{
	sbx_buf b = SBX_BUF_INIT;
	if (buf_read_file(&b, path, e) < 0) {
		buf_free(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

int tpl_mkdirs(const char *path, sbx_err *e)
{
	return fsu_mkdirs(path, 0755, e);
}
