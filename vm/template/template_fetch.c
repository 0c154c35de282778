/* template_fetch: a recipe's fetch: step — one file from a registry, pinned
 * by its hash and kept in $CACHE/downloads/ALGO-HEX, so rebuilding a
 * template (every agent change does) does not download it again. */
#include "template_int.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/util/b64.h"
#include "../../src/util/xalloc.h"

static const struct { const char *name; size_t len; } algos[] = {
	{ "sha256", 32 },
	{ "sha512", 64 },
};

int tpl_hash_spec(const char *spec, char **out, char why[160])
{
	*out = NULL;
	for (size_t a = 0; a < sizeof algos / sizeof algos[0]; a++) {
		size_t n = strlen(algos[a].name);
		if (strncmp(spec, algos[a].name, n) || (spec[n] != ':' && spec[n] != '-'))
			continue;
		const char *v = spec + n + 1;
		sbx_buf hex = SBX_BUF_INIT;
		buf_printf(&hex, "%s:", algos[a].name);
		if (spec[n] == ':') {
			size_t len = strlen(v);
			int ok = len == 2 * algos[a].len;
			for (size_t i = 0; ok && i < len; i++)
				ok = isxdigit((unsigned char)v[i]);
			if (!ok) {
				snprintf(why, 160, "%s: needs %zu hex digits", algos[a].name, 2 * algos[a].len);
				buf_free(&hex);
				return -1;
			}
			for (size_t i = 0; i < len; i++)
				buf_putc(&hex, (char)tolower((unsigned char)v[i]));
		} else {
			size_t dlen = 0;
			unsigned char *d = b64_decode(v, strlen(v), &dlen);
			if (!d || dlen != algos[a].len) {
				snprintf(why, 160, "%s-: needs the base64 of a %zu-byte digest (npm's dist.integrity)",
					 algos[a].name, algos[a].len);
				free(d);
				buf_free(&hex);
				return -1;
			}
			for (size_t i = 0; i < dlen; i++)
				buf_printf(&hex, "%02x", d[i]);
			free(d);
		}
		*out = buf_detach(&hex);
		return 0;
	}
	snprintf(why, 160, "write sha256:HEX, sha512:HEX, or an SRI sha512-BASE64 (npm's dist.integrity)");
	return -1;
}

/* The hex digest of path with algo into hex; -1 when unreadable. */
static int file_digest(const char *path, const char *algo, sbx_buf *hex, sbx_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sbx_error_errno(e, "cannot read %s", path);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = EVP_get_digestbyname(algo);
	if (!ctx || !md || EVP_DigestInit_ex(ctx, md, NULL) != 1)
		abort();   /* only allocation can fail: both algorithms are built in */
	char chunk[65536];
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = sbx_error_errno(e, "cannot read %s", path);
		if (r <= 0)
			break;
		EVP_DigestUpdate(ctx, chunk, (size_t)r);
	}
	close(fd);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_DigestFinal_ex(ctx, d, &n);
	EVP_MD_CTX_free(ctx);
	buf_reset(hex);
	for (unsigned i = 0; i < n; i++)
		buf_printf(hex, "%02x", d[i]);
	return rc;
}

/* The last path segment of url (no query or fragment); NULL when none. */
static char *url_file_name(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t end = strcspn(p, "?#");
	const char *slash = NULL;
	for (const char *c = p; c < p + end; c++)
		if (*c == '/')
			slash = c;
	if (!slash || slash + 1 == p + end)
		return NULL;
	char *name = xstrndup(slash + 1, (size_t)(p + end - slash - 1));
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		free(name);
		return NULL;
	}
	return name;
}

int tpl_fetch_step(tpl_build *b, const template_step *s, sbx_err *e)
{
	const char *colon = strchr(s->hash, ':');
	char *algo = xstrndup(s->hash, (size_t)(colon - s->hash));
	const char *want = colon + 1;
	char *dir = xasprintf("%s/downloads", b->cache);
	char *path = xasprintf("%s/%s-%s", dir, algo, want);
	char *part = xasprintf("%s/.part-%s-%.16s.%ld", dir, algo, want, (long)getpid());
	char *name = url_file_name(s->src);
	sbx_buf got = SBX_BUF_INIT;
	int rc = 0;
	if (!name && s->dest[strlen(s->dest) - 1] == '/')
		rc = sbx_error(e, "fetch (line %d): %s has no file name; give DEST as a file path, not a directory",
			       s->line, s->src);
	if (rc == 0)
		rc = tpl_mkdirs(dir, e);
	if (rc == 0 && tpl_is_file(path)) {
		/* Checked again: the cache is a plain directory anyone root can edit. */
		rc = file_digest(path, algo, &got, e);
		if (rc == 0 && !strcmp(buf_cstr(&got), want)) {
			tpl_log_line(&b->log, TEMPLATE_LOG_INFO, "%s: cached (%s)", s->src, path);
			goto copy;
		}
		tpl_log_line(&b->log, TEMPLATE_LOG_INFO, "%s: the cached copy does not match its %s; "
			     "downloading it again", path, algo);
		unlink(path);
		rc = 0;
	}
	if (rc == 0) {
		char *argv[] = { "curl", "-fsSL", "--retry", "3", "--connect-timeout", "30", "-o", part,
				 (char *)s->src, NULL };
		tpl_log_line(&b->log, TEMPLATE_LOG_INFO, "downloading %s", s->src);
		if (tpl_spawn(&b->log, "curl", argv, 0, e) < 0) {
			char *how = xstrdup(e->msg);
			rc = sbx_error(e, "fetch (line %d): downloading %s failed (%s); check the URL and the "
				       "network (an earlier build's copy would have been in %s)",
				       s->line, s->src, how, dir);
			free(how);
		}
	}
	if (rc == 0)
		rc = file_digest(part, algo, &got, e);
	if (rc == 0 && strcmp(buf_cstr(&got), want))
		rc = sbx_error(e, "fetch (line %d): %s has %s %s, but the recipe pins %s: the file changed "
			       "upstream or the pin is wrong; compare it with what the registry publishes "
			       "(npm view PKG@VER dist.integrity; PyPI's sha256) before changing the recipe",
			       s->line, s->src, algo, buf_cstr(&got), want);
	if (rc == 0 && rename(part, path) < 0)
		rc = sbx_error_errno(e, "cannot move the download into %s", path);
	unlink(part);
copy:
	if (rc == 0)
		rc = tpl_copy_in(b, s, path, name ? name : "download", e);
	buf_free(&got);
	free(name);
	free(part);
	free(path);
	free(dir);
	free(algo);
	return rc;
}
