/* template_parse: recipe and Dockerfile text → template_recipe, and back to
 * the canonical recipe text that the hash covers. */
#include "template_int.h"
#include <ctype.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../../src/util/xalloc.h"

int tpl_perr(tpl_parser *p, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sbx_error(p->e, "%s:%d: %s", p->r->path, p->line, msg);
}

int template_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64 || !(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0])))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(islower(c) || isdigit(c) || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int package_ok(const char *s)
{
	/* name[:arch][=version | /release], as apt takes them; no shell or list
	 * metacharacters since they end up in --include=a,b,c. */
	if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0]))
		return 0;
	for (const char *c = s; *c; c++)
		if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || strchr("+.-:=~/", *c)))
			return 0;
	return 1;
}

static int env_key_ok(const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv || isdigit((unsigned char)kv[0]))
		return 0;
	for (const char *c = kv; c < eq; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			return 0;
	return 1;
}

static int user_ok(const char *u)
{
	size_t n = strlen(u);
	if (!n || n > 32)
		return 0;
	int digits = 1;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)u[i]))
			digits = 0;
	if (digits)
		return 1;
	if (!islower((unsigned char)u[0]) && u[0] != '_')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];
		if (!(islower(c) || isdigit(c) || c == '_' || c == '-' || (c == '$' && i == n - 1)))
			return 0;
	}
	return 1;
}

/* ── shared by both formats ── */

/* Maps what a Dockerfile's FROM (or from:) names to a template name. */
static char *map_image(const char *img)
{
	static const struct { const char *image, *name; } e2b[] = {
		{ "e2bdev/code-interpreter", "code-interpreter" },
		{ "e2bdev/base", "base" },
	};
	const char *s = img;
	if (!strncmp(s, "docker.io/", 10))
		s += 10;
	for (size_t i = 0; i < sizeof e2b / sizeof e2b[0]; i++) {
		size_t n = strlen(e2b[i].image);
		if (!strncmp(s, e2b[i].image, n) && (s[n] == '\0' || s[n] == ':'))
			return xstrdup(e2b[i].name);
	}
	char *name = xstrdup(img);
	size_t n = strlen(name);
	if (n > 7 && !strcmp(name + n - 7, ":latest"))
		name[n - 7] = '\0';
	if (!template_name_ok(name)) {
		free(name);
		return NULL;
	}
	return name;
}

int tpl_set_from(tpl_parser *p, const char *img)
{
	if (p->r->from)
		return tpl_perr(p, "a second FROM/from: (multi-stage builds are not supported); "
			    "keep one, naming the template to build on");
	char *name = map_image(img);
	if (!name)
		return tpl_perr(p, "'%s' is not an sbx template: FROM/from: takes base, code-interpreter, "
			    "an alias such as code-interpreter-v1, a template built here (sbx template ls), "
			    "or e2bdev/code-interpreter; templates are built from Debian packages, "
			    "not pulled from a registry", img);
	p->r->from = name;
	if (p->r->suite)
		return tpl_perr(p, "from: and suite: cannot be combined: the suite is the parent template's");
	return 0;
}

int tpl_add_env(tpl_parser *p, const char *kv)
{
	if (!env_key_ok(kv))
		return tpl_perr(p, "'%s' is not KEY=VALUE (KEY: letters, digits, _; not starting with a digit)", kv);
	strv_push(&p->r->env, &p->r->nenv, xstrdup(kv));
	return 0;
}

static int no_dollar(tpl_parser *p, const char *what, const char *s)
{
	if (strchr(s, '$'))
		return tpl_perr(p, "variables are not expanded in %s ('%s'); write the value out", what, s);
	return 0;
}

int tpl_set_workdir(tpl_parser *p, const char *dir)
{
	if (no_dollar(p, "workdir", dir) < 0)
		return -1;
	sbx_buf b = SBX_BUF_INIT;
	if (dir[0] != '/') {
		if (!p->r->workdir)
			return tpl_perr(p, "relative workdir '%s' with no absolute one before it; "
				    "write it as an absolute path", dir);
		buf_puts(&b, p->r->workdir);
		buf_putc(&b, '/');
	}
	buf_puts(&b, dir);
	/* Canonical: no //, no /./, no trailing /. */
	char *raw = buf_detach(&b), *out = xmalloc(strlen(raw) + 2);
	size_t o = 0;
	char *sv = NULL;
	for (char *tok = strtok_r(raw, "/", &sv); tok; tok = strtok_r(NULL, "/", &sv)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			free(raw);
			free(out);
			return tpl_perr(p, "workdir '%s' contains '..'; write the path without it", dir);
		}
		out[o++] = '/';
		strcpy(out + o, tok);
		o += strlen(tok);
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	free(raw);
	free(p->r->workdir);
	p->r->workdir = out;
	return 0;
}

int tpl_set_user(tpl_parser *p, const char *u)
{
	if (no_dollar(p, "user", u) < 0)
		return -1;
	if (strchr(u, ':'))
		return tpl_perr(p, "user '%s': a group is not supported; name the user only", u);
	if (!user_ok(u))
		return tpl_perr(p, "'%s' is not a user name (lowercase letters, digits, _ and -) or uid", u);
	free(p->r->user);
	p->r->user = xstrdup(u);
	return 0;
}

static template_step *add_step(tpl_parser *p, template_step_kind kind)
{
	template_recipe *r = p->r;
	r->steps = xrealloc(r->steps, (r->nsteps + 1) * sizeof *r->steps);
	template_step *s = &r->steps[r->nsteps++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->line = p->line;
	s->user = r->user ? xstrdup(r->user) : NULL;
	s->workdir = r->workdir ? xstrdup(r->workdir) : NULL;
	s->nenv = r->nenv;
	return s;
}

int tpl_add_run(tpl_parser *p, const char *cmd)
{
	if (!*cmd)
		return tpl_perr(p, "RUN/run: needs a command");
	add_step(p, TSTEP_RUN)->run = xstrdup(cmd);
	return 0;
}

static int src_ok(tpl_parser *p, const char *src)
{
	if (src[0] == '/')
		return tpl_perr(p, "copy source '%s' is absolute; sources are relative to %s", src, p->r->dir);
	if (strpbrk(src, "*?["))
		return tpl_perr(p, "copy source '%s': wildcards are not supported; name each file or a directory", src);
	char *dup = xstrdup(src);
	int bad = 0;
	char *sv = NULL;
	for (char *t = strtok_r(dup, "/", &sv); t; t = strtok_r(NULL, "/", &sv))
		if (!strcmp(t, ".."))
			bad = 1;
	free(dup);
	if (bad)
		return tpl_perr(p, "copy source '%s' leaves the recipe's directory %s; copy from inside it",
			    src, p->r->dir);
	return 0;
}

/* words: [SRC…] DEST, all already unquoted. */
int tpl_add_copy(tpl_parser *p, const char *chown, char **words, size_t n)
{
	if (n < 2)
		return tpl_perr(p, "COPY/copy: needs a source and a destination (copy: SRC DEST)");
	const char *dest = words[n - 1];
	if (no_dollar(p, "copy destinations", dest) < 0)
		return -1;
	if (n > 2 && dest[strlen(dest) - 1] != '/')
		return tpl_perr(p, "copying several sources needs a destination directory ending in '/' ('%s')", dest);
	if (chown && (!*chown || strpbrk(chown, " \t'\"\\$")))
		return tpl_perr(p, "--chown='%s' is not USER[:GROUP]", chown);
	for (size_t i = 0; i + 1 < n; i++) {
		if (src_ok(p, words[i]) < 0)
			return -1;
		template_step *s = add_step(p, TSTEP_COPY);
		s->src = xstrdup(words[i]);
		s->dest = xstrdup(dest);
		s->chown = chown ? xstrdup(chown) : NULL;
	}
	return 0;
}

/* fetch: URL HASH DEST — a download pinned by its hash (see template_fetch.c). */
int tpl_add_fetch(tpl_parser *p, const char *val)
{
	char **w;
	size_t n;
	if (tpl_split_words(val, &w, &n) < 0)
		return tpl_perr(p, "unterminated quote in fetch: %s", val);
	int rc = 0;
	char why[160], *hash = NULL;
	if (n != 3)
		rc = tpl_perr(p, "fetch: takes URL HASH DEST (e.g. fetch: https://registry.npmjs.org/x/-/x-1.0.0.tgz "
			      "sha512-… /tmp/x.tgz), got %zu words", n);
	else if (strncmp(w[0], "https://", 8) && strncmp(w[0], "http://", 7))
		rc = tpl_perr(p, "fetch: '%s' is not an http(s) URL", w[0]);
	else if (strpbrk(w[0], " \t'\"\\"))
		rc = tpl_perr(p, "fetch: the URL '%s' has a space, quote or backslash; percent-encode it", w[0]);
	else if (tpl_hash_spec(w[1], &hash, why) < 0)
		rc = tpl_perr(p, "fetch: '%s' is not a pinned hash: %s", w[1], why);
	else if (no_dollar(p, "fetch destinations", w[2]) < 0)
		rc = -1;
	if (rc == 0) {
		template_step *s = add_step(p, TSTEP_FETCH);
		s->src = xstrdup(w[0]);
		s->hash = hash;
		s->dest = xstrdup(w[2]);
		hash = NULL;
	}
	free(hash);
	strv_free(w, n);
	return rc;
}

/* ── recipe format ── */

static int add_packages(tpl_parser *p, const char *val)
{
	char *dup = xstrdup(val);
	int rc = 0;
	char *sv = NULL;
	for (char *t = strtok_r(dup, " \t,", &sv); t && rc == 0; t = strtok_r(NULL, " \t,", &sv)) {
		if (!package_ok(t))
			rc = tpl_perr(p, "'%s' is not a Debian package name", t);
		else
			strv_push(&p->r->packages, &p->r->npackages, xstrdup(t));
	}
	free(dup);
	return rc;
}

static int recipe_line(tpl_parser *p, const char *line)
{
	template_recipe *r = p->r;
	const char *colon = strchr(line, ':');
	size_t klen = colon ? (size_t)(colon - line) : 0;
	while (klen && isspace((unsigned char)line[klen - 1]))
		klen--;
	int keyok = colon && klen > 0;
	for (size_t i = 0; keyok && i < klen; i++)
		if (!islower((unsigned char)line[i]))
			keyok = 0;
	if (!keyok)
		return tpl_perr(p, "expected 'key: value' (keys: name, from, suite, packages, alias, env, "
			    "workdir, user, run, copy, fetch), got '%.60s'", line);
	char key[16];
	snprintf(key, sizeof key, "%.*s", (int)(klen < 15 ? klen : 15), line);
	const char *val = colon + 1;
	while (isspace((unsigned char)*val))
		val++;
	if (!*val)
		return tpl_perr(p, "'%s:' needs a value", key);

	if (!strcmp(key, "name")) {
		if (p->seen_name++)
			return tpl_perr(p, "name: given twice; keep one");
		if (!template_name_ok(val))
			return tpl_perr(p, "'%s' is not a template name (lowercase letters, digits, '.', '_', '-'; "
				    "at most 64)", val);
		free(r->name);
		r->name = xstrdup(val);
		return 0;
	}
	if (!strcmp(key, "from"))
		return tpl_set_from(p, val);
	if (!strcmp(key, "suite")) {
		if (p->seen_suite++)
			return tpl_perr(p, "suite: given twice; keep one");
		if (r->from)
			return tpl_perr(p, "from: and suite: cannot be combined: the suite is the parent template's");
		for (const char *c = val; *c; c++)
			if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '-')
				return tpl_perr(p, "'%s' is not a Debian suite name (e.g. bookworm)", val);
		r->suite = xstrdup(val);
		return 0;
	}
	if (!strcmp(key, "packages"))
		return add_packages(p, val);
	if (!strcmp(key, "alias")) {
		char *dup = xstrdup(val);
		int rc = 0;
		char *sv = NULL;
	for (char *t = strtok_r(dup, " \t,", &sv); t && rc == 0; t = strtok_r(NULL, " \t,", &sv)) {
			if (!template_name_ok(t))
				rc = tpl_perr(p, "alias '%s' is not a template name", t);
			else if (!strv_has(r->aliases, r->naliases, t))
				strv_push(&r->aliases, &r->naliases, xstrdup(t));
		}
		free(dup);
		return rc;
	}
	if (!strcmp(key, "env"))
		return tpl_add_env(p, val);
	if (!strcmp(key, "workdir"))
		return tpl_set_workdir(p, val);
	if (!strcmp(key, "user"))
		return tpl_set_user(p, val);
	if (!strcmp(key, "run"))
		return tpl_add_run(p, val);
	if (!strcmp(key, "copy")) {
		char **w;
		size_t n;
		if (tpl_split_words(val, &w, &n) < 0)
			return tpl_perr(p, "unterminated quote in copy: %s", val);
		const char *chown = NULL;
		size_t skip = 0;
		if (n && !strncmp(w[0], "--chown=", 8)) {
			chown = w[0] + 8;
			skip = 1;
		} else if (n && !strncmp(w[0], "--", 2)) {
			int rc = tpl_perr(p, "copy: option %s is not supported (only --chown=USER[:GROUP])", w[0]);
			strv_free(w, n);
			return rc;
		}
		int rc = tpl_add_copy(p, chown, w + skip, n - skip);
		strv_free(w, n);
		return rc;
	}
	if (!strcmp(key, "fetch"))
		return tpl_add_fetch(p, val);
	return tpl_perr(p, "unknown key '%s'; a recipe line is one of name:, from:, suite:, packages:, "
		    "alias:, env:, workdir:, user:, run:, copy:, fetch: (see vm/templates/README.md)", key);
}

/* ── lines ── */

typedef struct lines {
	const char *p;
	int lineno;
} lines;

/* The next logical line into b (continuations joined; blank and # lines
 * skipped, also inside a continuation as Docker does); *first is its first
 * physical line.  0 at the end. */
static int next_logical(lines *L, sbx_buf *b, int *first)
{
	buf_reset(b);
	int cont = 0;
	while (*L->p) {
		const char *s = L->p, *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		L->p = nl ? nl + 1 : s + len;
		L->lineno++;
		size_t lead = 0;
		while (lead < len && isspace((unsigned char)s[lead]))
			lead++;
		if (lead == len || s[lead] == '#')
			continue;
		if (!cont) {
			*first = L->lineno;
			s += lead;
			len -= lead;
		}
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
		if (len && s[len - 1] == '\\') {
			buf_append(b, s, len - 1);
			cont = 1;
			continue;
		}
		buf_append(b, s, len);
		return 1;
	}
	return cont;
}

static int looks_like_dockerfile(const char *path, const char *text)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (!strcasecmp(base, "Dockerfile") || (n > 11 && !strcasecmp(base + n - 11, ".Dockerfile")))
		return 1;
	lines L = { text, 0 };
	sbx_buf b = SBX_BUF_INIT;
	int first, yes = 0;
	if (next_logical(&L, &b, &first)) {
		const char *s = buf_cstr(&b);
		yes = !strncasecmp(s, "FROM", 4) && (s[4] == ' ' || s[4] == '\t');
	}
	buf_free(&b);
	return yes;
}

/* The default name: base.recipe → base; x/Dockerfile → x; y.Dockerfile → y. */
static char *name_from_path(const char *path)
{
	char *dup = xstrdup(path), *base = basename(dup), *name;
	size_t n = strlen(base);
	if (!strcasecmp(base, "Dockerfile")) {
		char *d = xstrdup(path), *dir = dirname(d);
		char *a = realpath(dir, NULL);
		char *a2 = xstrdup(a ? a : dir);
		name = xstrdup(basename(a2));
		free(a2);
		free(a);
		free(d);
	} else if (n > 11 && !strcasecmp(base + n - 11, ".Dockerfile")) {
		name = xstrndup(base, n - 11);
	} else if (n > 7 && !strcmp(base + n - 7, ".recipe")) {
		name = xstrndup(base, n - 7);
	} else {
		name = xstrdup(base);
	}
	free(dup);
	for (char *c = name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (!template_name_ok(name)) {
		free(name);
		return NULL;
	}
	return name;
}

int template_parse(const char *text, const char *path, template_recipe **out, sbx_err *e)
{
	*out = NULL;
	template_recipe *r = xcalloc(1, sizeof *r);
	r->path = xstrdup(path);
	char *d = xstrdup(path), *dir = dirname(d), *abs = realpath(dir, NULL);
	r->dir = xstrdup(abs ? abs : dir);
	free(abs);
	free(d);
	r->dockerfile = looks_like_dockerfile(path, text);
	r->name = name_from_path(path);

	tpl_parser p = { .r = r, .e = e };
	lines L = { text, 0 };
	sbx_buf b = SBX_BUF_INIT;
	int first = 0, rc = 0;
	while (rc == 0 && next_logical(&L, &b, &first)) {
		p.line = first;
		rc = r->dockerfile ? tpl_docker_line(&p, buf_cstr(&b)) : recipe_line(&p, buf_cstr(&b));
	}
	buf_free(&b);
	if (rc == 0 && r->dockerfile && !p.seen_from) {
		p.line = L.lineno;
		rc = tpl_perr(&p, "no FROM instruction; a Dockerfile here starts with FROM <template> (e.g. FROM base)");
	}
	if (rc < 0) {
		template_recipe_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int template_load(const char *path, template_recipe **out, sbx_err *e)
{
	*out = NULL;
	char *text = tpl_read_file(path, NULL, e);
	if (!text)
		return -1;
	int rc = template_parse(text, path, out, e);
	free(text);
	return rc;
}

void template_recipe_free(template_recipe *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->path);
	free(r->dir);
	free(r->from);
	free(r->suite);
	strv_free(r->packages, r->npackages);
	strv_free(r->aliases, r->naliases);
	strv_free(r->env, r->nenv);
	free(r->workdir);
	free(r->user);
	for (size_t i = 0; i < r->nsteps; i++) {
		template_step *s = &r->steps[i];
		free(s->run);
		free(s->src);
		free(s->dest);
		free(s->hash);
		free(s->chown);
		free(s->user);
		free(s->workdir);
	}
	free(r->steps);
	free(r);
}

/* ── canonical text ── */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void put_sorted(sbx_buf *b, const char *key, char *const *v, size_t n)
{
	if (!n)
		return;
	char **s = xmalloc(n * sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_str);
	buf_printf(b, "%s:", key);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(s[i], s[i - 1]))
			buf_printf(b, " %s", s[i]);
	buf_putc(b, '\n');
	free(s);
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

char *template_normalize(const template_recipe *r)
{
	sbx_buf b = SBX_BUF_INIT;
	buf_puts(&b, "# sbx recipe, normalised\n");
	if (r->name)
		buf_printf(&b, "name: %s\n", r->name);
	put_sorted(&b, "alias", r->aliases, r->naliases);
	if (r->from)
		buf_printf(&b, "from: %s\n", r->from);
	else
		buf_printf(&b, "suite: %s\n", r->suite ? r->suite : TEMPLATE_DEFAULT_SUITE);
	put_sorted(&b, "packages", r->packages, r->npackages);
	size_t env_done = 0;
	const char *user = NULL, *workdir = NULL;
	for (size_t i = 0; i <= r->nsteps; i++) {
		const template_step *s = i < r->nsteps ? &r->steps[i] : NULL;
		size_t nenv = s ? s->nenv : r->nenv;
		const char *w = s ? s->workdir : r->workdir, *u = s ? s->user : r->user;
		for (; env_done < nenv; env_done++)
			buf_printf(&b, "env: %s\n", r->env[env_done]);
		if (!same(w, workdir) && w)
			buf_printf(&b, "workdir: %s\n", w);
		if (!same(u, user) && u)
			buf_printf(&b, "user: %s\n", u);
		workdir = w;
		user = u;
		if (!s)
			break;
		if (s->kind == TSTEP_RUN) {
			buf_printf(&b, "run: %s\n", s->run);
		} else if (s->kind == TSTEP_FETCH) {
			buf_printf(&b, "fetch: %s %s ", s->src, s->hash);
			tpl_put_word(&b, s->dest);
			buf_putc(&b, '\n');
		} else {
			buf_puts(&b, "copy:");
			if (s->chown)
				buf_printf(&b, " --chown=%s", s->chown);
			buf_putc(&b, ' ');
			tpl_put_word(&b, s->src);
			buf_putc(&b, ' ');
			tpl_put_word(&b, s->dest);
			buf_putc(&b, '\n');
		}
	}
	return buf_detach(&b);
}
