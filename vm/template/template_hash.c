/* template_hash: SHA-256 of files, trees and whole templates (what decides
 * whether a cached build is reused). */
#include "template_int.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/xalloc.h"

struct tpl_sha {
	EVP_MD_CTX *ctx;
};

tpl_sha *tpl_sha_new(void)
{
	tpl_sha *s = xmalloc(sizeof *s);
	s->ctx = EVP_MD_CTX_new();
	if (!s->ctx || EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) != 1)
		abort();   /* only allocation can fail here */
	return s;
}

void tpl_sha_update(tpl_sha *s, const void *p, size_t n)
{
	EVP_DigestUpdate(s->ctx, p, n);
}

void tpl_sha_str(tpl_sha *s, const char *str)
{
	tpl_sha_update(s, str, strlen(str) + 1);
}

void tpl_sha_final(tpl_sha *s, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_DigestFinal_ex(s->ctx, md, &n);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(s->ctx);
	free(s);
}

int tpl_sha_file(tpl_sha *s, const char *path, sbx_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sbx_error_errno(e, "cannot read %s", path);
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sbx_error_errno(e, "cannot read %s", path);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		tpl_sha_update(s, chunk, (size_t)r);
	}
	close(fd);
	return 0;
}

static int skip_entry(const char *name, int skip_pycache)
{
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 1;
	if (!skip_pycache)
		return 0;
	size_t n = strlen(name);
	return !strcmp(name, "__pycache__") || (n > 4 && !strcmp(name + n - 4, ".pyc"));
}

/* rel: the path below the tree's root ("" for the root itself). */
static int sha_entry(tpl_sha *s, const char *path, const char *rel, int skip_pycache, int depth, sbx_err *e)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return sbx_error_errno(e, "cannot read %s", path);
	if (depth > 64)
		return sbx_error(e, "%s is nested too deeply", path);
	char head[64];
	snprintf(head, sizeof head, "%c %o", S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' :
		 S_ISREG(st.st_mode) ? 'f' : '?', (unsigned)(st.st_mode & 07777));
	tpl_sha_str(s, rel);
	tpl_sha_str(s, head);
	if (S_ISREG(st.st_mode))
		return tpl_sha_file(s, path, e);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n < 0)
			return sbx_error_errno(e, "cannot read the link %s", path);
		target[n] = '\0';
		tpl_sha_str(s, target);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return sbx_error(e, "%s is not a file, directory or link; it cannot be copied into a template", path);
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);
	if (n < 0)
		return sbx_error_errno(e, "cannot list %s", path);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (rc == 0 && !skip_entry(ents[i]->d_name, skip_pycache)) {
			char *cp = xasprintf("%s/%s", path, ents[i]->d_name);
			char *cr = *rel ? xasprintf("%s/%s", rel, ents[i]->d_name) : xstrdup(ents[i]->d_name);
			rc = sha_entry(s, cp, cr, skip_pycache, depth + 1, e);
			free(cp);
			free(cr);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int tpl_sha_tree(tpl_sha *s, const char *dir, int skip_pycache, sbx_err *e)
{
	return sha_entry(s, dir, "", skip_pycache, 0, e);
}

static int sha_named_file(tpl_sha *s, const char *what, const char *path, const char *fix, sbx_err *e)
{
	struct stat st;
	if (!path || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return sbx_error(e, "%s %s is not a readable file; %s", what, path ? path : "(not given)", fix);
	tpl_sha_str(s, what);
	return tpl_sha_file(s, path, e);
}

int template_hash(const template_recipe *r, const template_hash_inputs *in, char out[65], sbx_err *e)
{
	tpl_sha *s = tpl_sha_new();
	tpl_sha_str(s, TEMPLATE_BUILDER_VERSION);
	char *norm = template_normalize(r);
	tpl_sha_str(s, norm);
	free(norm);
	int rc = 0;
	for (size_t i = 0; i < r->nsteps && rc == 0; i++) {
		const template_step *st = &r->steps[i];
		if (st->kind != TSTEP_COPY)
			continue;
		char *src = xasprintf("%s/%s", r->dir, st->src);
		struct stat sb;
		if (lstat(src, &sb) < 0)
			rc = sbx_error(e, "%s:%d: copy source %s not found (sources are relative to %s)",
				       r->path, st->line, st->src, r->dir);
		else
			rc = tpl_sha_tree(s, src, 0, e);
		free(src);
	}
	if (rc == 0) {
		tpl_sha_str(s, "parent");
		tpl_sha_str(s, in->parent_hash ? in->parent_hash : "");
		rc = sha_named_file(s, "sbx-agent", in->agent_bin, "build it (make) or pass --agent", e);
	}
	if (rc == 0)
		rc = sha_named_file(s, "builder", in->builder,
				    "it is vm/templates/mkrootfs.sh in the sbx checkout", e);
	if (rc == 0) {
		struct stat st;
		if (!in->python_dir || stat(in->python_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			rc = sbx_error(e, "the chart extension directory %s is missing; it is vm/python in the "
				       "sbx checkout (or pass --python)", in->python_dir ? in->python_dir : "(not given)");
		else {
			tpl_sha_str(s, "python");
			rc = tpl_sha_tree(s, in->python_dir, 1, e);
		}
	}
	char hex[65];
	tpl_sha_final(s, hex);
	if (rc == 0)
		memcpy(out, hex, 65);
	return rc;
}
