/* template_resolve: NAME or PATH → the recipe, its from: chain and the
 * hashes, without building anything (so a cached build returns at once). */
#include "template.h"
#include "template_int.h"
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "../../src/util/xalloc.h"

#define MAX_DEPTH 8

void tpl_resolved_free(tpl_resolved *rs)
{
	if (!rs)
		return;
	template_recipe_free(rs->r);
	if (rs->parent) {
		tpl_resolved_free(rs->parent);
		free(rs->parent);
	}
	template_info_free(&rs->parent_built);
	memset(rs, 0, sizeof *rs);
}

int tpl_is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int tpl_is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && !strcmp(s + n - m, suf);
}

/* NAME.recipe in templates_dir, else the recipe there with that name or alias. */
static char *find_recipe(const template_opts *o, const char *name, sbx_buf *known)
{
	char *p = xasprintf("%s/%s.recipe", o->templates_dir, name);
	if (tpl_is_file(p))
		return p;
	free(p);
	DIR *d = opendir(o->templates_dir);
	char *found = NULL;
	struct dirent *de;
	while (d && !found && (de = readdir(d))) {
		if (!has_suffix(de->d_name, ".recipe") && !has_suffix(de->d_name, ".Dockerfile"))
			continue;
		char *path = xasprintf("%s/%s", o->templates_dir, de->d_name);
		template_recipe *r;
		sbx_err ignored;
		if (template_load(path, &r, &ignored) == 0) {
			if (known)
				buf_printf(known, "%s%s", known->len ? ", " : "", r->name ? r->name : de->d_name);
			if ((r->name && !strcmp(r->name, name)) || strv_has(r->aliases, r->naliases, name)) {
				found = path;
				path = NULL;
			}
			template_recipe_free(r);
		}
		free(path);
	}
	if (d)
		closedir(d);
	return found;
}

static int resolve_recipe(const template_opts *o, template_recipe *r, int depth, tpl_resolved *rs, sbx_err *e);

/* The parent named by from:, as a recipe (preferred) or a built template. */
static int resolve_parent(const template_opts *o, const char *from, int depth, tpl_resolved *rs, sbx_err *e)
{
	if (depth > MAX_DEPTH)
		return sbx_error(e, "from: chain is deeper than %d templates at '%s'; is it circular?", MAX_DEPTH, from);
	char *path = find_recipe(o, from, NULL);
	if (path) {
		template_recipe *pr;
		int rc = template_load(path, &pr, e);
		free(path);
		if (rc < 0)
			return -1;
		rs->parent = xcalloc(1, sizeof *rs->parent);
		return resolve_recipe(o, pr, depth + 1, rs->parent, e);
	}
	sbx_err fe;
	if (template_find(o, from, &rs->parent_built, &fe) < 0)
		return sbx_error(e, "from: '%s' is neither a recipe in %s nor a built template; build it "
			      "first or build on base or code-interpreter", from, o->templates_dir);
	rs->has_parent_built = 1;
	return 0;
}

/* Takes r.  Fills rs with r, its parent chain and its hash. */
static int resolve_recipe(const template_opts *o, template_recipe *r, int depth, tpl_resolved *rs, sbx_err *e)
{
	rs->r = r;
	if (!r->name)
		return sbx_error(e, "%s: cannot tell the template's name from the file name; add a name: line "
			      "(or pass --name)", r->path);
	if (r->from && resolve_parent(o, r->from, depth, rs, e) < 0)
		return -1;
	char *builder = xasprintf("%s/mkrootfs.sh", o->templates_dir);
	template_hash_inputs in = {
		.agent_bin = o->agent_bin, .python_dir = o->python_dir, .builder = builder,
		.parent_hash = rs->parent ? rs->parent->hash : rs->has_parent_built ? rs->parent_built.hash : NULL,
	};
	int rc = template_hash(r, &in, rs->hash, e);
	free(builder);
	return rc;
}

static int has_suffix_ci(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcasecmp(s + n - m, suf);
}

int tpl_resolve_arg(const template_opts *o, const char *arg, const char *name_override, tpl_resolved *rs, sbx_err *e)
{
	char *path = NULL;
	template_recipe *r = NULL;
	int rc;
	if (tpl_is_dir(arg) || (tpl_is_file(arg) && has_suffix_ci(arg, ".toml"))) {
		rc = tpl_load_e2b(o, arg, &r, e);   /* an E2B template directory */
	} else {
		if (strchr(arg, '/') || tpl_is_file(arg)) {
			path = xstrdup(arg);
		} else {
			sbx_buf known = SBX_BUF_INIT;
			path = find_recipe(o, arg, &known);
			if (!path) {
				sbx_error(e, "no template recipe '%s' in %s (recipes there: %s) and no file of that "
					  "name; give a recipe or Dockerfile path, or a directory with e2b.toml or "
					  "a Dockerfile", arg, o->templates_dir, known.len ? buf_cstr(&known) : "none");
				buf_free(&known);
				return -1;
			}
			buf_free(&known);
		}
		rc = template_load(path, &r, e);
		free(path);
	}
	if (rc < 0)
		return -1;
	for (size_t i = 0; o->log && i < r->nnotes; i++)
		o->log(o->log_ud, TEMPLATE_LOG_INFO, r->notes[i]);
	if (name_override) {
		if (!template_name_ok(name_override)) {
			template_recipe_free(r);
			return sbx_error(e, "'%s' is not a template name (lowercase letters, digits, '.', "
				      "'_', '-'; at most 64)", name_override);
		}
		free(r->name);
		r->name = xstrdup(name_override);
	}
	return resolve_recipe(o, r, 0, rs, e);
}
