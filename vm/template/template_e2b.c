/* template_e2b: an E2B template directory (e2b.toml and/or e2b.Dockerfile /
 * Dockerfile) → the recipe that builds it, named as E2B names it. */
#include "template_int.h"
#include <ctype.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/util/xalloc.h"

/* A valid template name made from s (lowercase; other characters → '-'),
 * or NULL when nothing is left. */
static char *sanitize(const char *s)
{
	char *n = xmalloc(strlen(s) + 1), *o = n;
	for (; *s && o - n < 64; s++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*s);
		if (o == n && !isalnum(c))
			continue;
		*o++ = (char)(islower(c) || isdigit(c) || c == '.' || c == '_' ? c : '-');
	}
	*o = '\0';
	if (!template_name_ok(n)) {
		free(n);
		return NULL;
	}
	return n;
}

static char *dir_name(const char *dir)
{
	char *abs = realpath(dir, NULL), *d = xstrdup(abs ? abs : dir), *n = sanitize(basename(d));
	free(d);
	free(abs);
	return n;
}

static void note(const template_opts *o, const char *msg)
{
	if (o->log)
		o->log(o->log_ud, TEMPLATE_LOG_INFO, msg);
}

/* The Dockerfile: e2b.toml's `dockerfile` (relative to dir), else
 * e2b.Dockerfile, else Dockerfile. */
static char *find_dockerfile(const char *dir, const template_e2b *t, const char *toml, sbx_err *e)
{
	if (t->dockerfile) {
		char *p = t->dockerfile[0] == '/' ? xstrdup(t->dockerfile) : xasprintf("%s/%s", dir, t->dockerfile);
		if (tpl_is_file(p))
			return p;
		sbx_error(e, "%s: dockerfile = \"%s\", but %s is not a file; fix the path (relative to %s)", toml,
			  t->dockerfile, p, dir);
		free(p);
		return NULL;
	}
	static const char *const names[] = { "e2b.Dockerfile", "Dockerfile" };
	for (size_t i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		if (tpl_is_file(p))
			return p;
		free(p);
	}
	sbx_error(e, "%s has no e2b.Dockerfile or Dockerfile%s; add one (FROM e2bdev/base or "
		  "FROM e2bdev/code-interpreter:latest) or give the recipe's path", dir,
		  toml ? " and its e2b.toml names none (dockerfile = \"…\")" : "");
	return NULL;
}

int tpl_load_e2b(const template_opts *o, const char *arg, template_recipe **out, sbx_err *e)
{
	*out = NULL;
	char *dir, *toml = NULL;
	if (tpl_is_dir(arg)) {
		dir = xstrdup(arg);
		toml = xasprintf("%s/e2b.toml", dir);
		if (!tpl_is_file(toml)) {
			free(toml);
			toml = NULL;
		}
	} else {
		char *d = xstrdup(arg);
		dir = xstrdup(dirname(d));
		free(d);
		toml = xstrdup(arg);
	}
	template_e2b t = { 0 };
	template_recipe *r = NULL;
	char *df = NULL;
	int rc = 0;
	if (toml) {
		size_t len;
		char *text = tpl_read_file(toml, &len, e);
		rc = text ? template_toml_parse(text, len, toml, &t, e) : -1;
		free(text);
		for (size_t i = 0; rc == 0 && i < t.nwarnings; i++)
			note(o, t.warnings[i]);
	}
	if (rc == 0 && !(df = find_dockerfile(dir, &t, toml, e)))
		rc = -1;
	if (rc == 0)
		rc = template_load(df, &r, e);
	if (rc == 0 && (t.template_name || r->dockerfile)) {
		char *name = t.template_name ? sanitize(t.template_name) : dir_name(dir);
		if (!name) {
			rc = sbx_error(e, "cannot make a template name from %s '%s'; give one with --name",
				       t.template_name ? "template_name" : "the directory name",
				       t.template_name ? t.template_name : dir);
		} else {
			if (t.template_name && strcmp(name, t.template_name)) {
				char *m = xasprintf("%s: template_name '%s' is built as '%s' (names here are "
						    "lowercase letters, digits, '.', '_', '-')", toml, t.template_name, name);
				note(o, m);
				free(m);
			}
			free(r->name);
			r->name = name;
		}
	}
	if (rc == 0 && t.template_id) {
		if (!template_name_ok(t.template_id))
			rc = sbx_error(e, "%s: template_id '%s' cannot be a template alias (lowercase letters, digits, "
				       "'.', '_', '-'; at most 64); fix it or remove it", toml, t.template_id);
		else if (!strv_has(r->aliases, r->naliases, t.template_id) && (!r->name || strcmp(r->name, t.template_id)))
			strv_push(&r->aliases, &r->naliases, xstrdup(t.template_id));
	}
	if (rc == 0) {
		if (t.start_cmd) {
			free(r->start_cmd);
			r->start_cmd = xstrdup(t.start_cmd);
		}
		if (t.ready_cmd) {
			free(r->ready_cmd);
			r->ready_cmd = xstrdup(t.ready_cmd);
		}
		if (t.cpu_count)
			r->cpu_count = t.cpu_count;
		if (t.memory_mb)
			r->memory_mb = t.memory_mb;
	}
	template_e2b_free(&t);
	free(df);
	free(toml);
	free(dir);
	if (rc < 0) {
		template_recipe_free(r);
		return -1;
	}
	*out = r;
	return 0;
}
