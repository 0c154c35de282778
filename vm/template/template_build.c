/* template_build: recipe → cached template directory.
 *
 * Order: resolve the recipe and its from: chain (hashes only), return at once
 * when that hash is built, else build the parent, then in a temp dir:
 * rootfs (a copy of the bootstrap layer or of the parent's rootfs) →
 * missing packages (a from: recipe's, the agent's libraries) → agent, chart
 * extension, user → run:/copy: steps → check the agent runs, write recipe +
 * meta.json → rename into place.  The steps are in template_steps.c. */
#include "template.h"
#include "template_int.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"

static void build_free(tpl_build *b)
{
	tpl_log_close(&b->log);
	free(b->tmp);
	free(b->rootfs);
	free(b->bootstrap);
	strv_free(b->agent_pkgs, b->nagent_pkgs);
	strv_free(b->env, b->nenv);
	strv_free(b->envs, b->nenvs);
}

static int build_one(const template_opts *o, const char *cache, const tpl_resolved *rs,
		     const template_info *parent, const char *final, template_info *info, sbx_err *e)
{
	const template_recipe *r = rs->r;
	tpl_build b = { .o = o, .cache = cache, .rs = rs, .parent = parent, .log = { .fd = -1 } };
	b.log.cb = o->log;
	b.log.ud = o->log_ud;
	b.tmp = xasprintf("%s/templates/.tmp-%s-%.12s.%ld", cache, r->name, rs->hash, (long)getpid());
	b.rootfs = xasprintf("%s/rootfs", b.tmp);
	b.nsteps = 3 + (int)r->nsteps + 1;
	int64_t t0 = now_ms();
	b.log.t0 = t0;
	int rc = tpl_mkdirs(b.tmp, e);
	if (rc == 0) {
		char *lp = xasprintf("%s/build.log", b.tmp);
		b.log.fd = open(lp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (b.log.fd < 0)
			rc = sbx_error_errno(e, "cannot create %s", lp);
		free(lp);
	}
	tpl_log_line(&b.log, TEMPLATE_LOG_INFO, "building %s (%.12s) from %s", r->name, rs->hash, r->path);
	tpl_expand_env(&b);
	if (rc == 0)
		rc = tpl_agent_packages(&b, e);
	if (rc == 0 && parent) {
		tpl_step(&b, "copy the rootfs of %s", parent->name);
		rc = tpl_copy_parent(&b, e);
	} else if (rc == 0) {
		const char *suite = r->suite ? r->suite : TEMPLATE_DEFAULT_SUITE;
		tpl_step(&b, "bootstrap Debian %s with %zu packages", suite, r->npackages);
		rc = tpl_bootstrap(&b, suite, e);
	}
	if (rc == 0) {
		tpl_step(&b, "install missing packages (%zu from the recipe, %zu for sbx-agent)",
		     parent ? r->npackages : 0, b.nagent_pkgs);
		rc = tpl_install_packages(&b, e);
	}
	if (rc == 0) {
		tpl_step(&b, "install sbx-agent, the chart extension and user 'user'");
		rc = tpl_setup(&b, e);
	}
	for (size_t i = 0; rc == 0 && i < r->nsteps; i++) {
		const template_step *s = &r->steps[i];
		if (s->kind == TSTEP_RUN)
			tpl_step(&b, "run (line %d): %.100s", s->line, s->run);
		else if (s->kind == TSTEP_FETCH)
			tpl_step(&b, "fetch (line %d): %.100s → %s", s->line, s->src, s->dest);
		else
			tpl_step(&b, "copy (line %d): %s → %s", s->line, s->src, s->dest);
		rc = tpl_run_step(&b, s, e);
	}
	template_info meta = { 0 };
	if (rc == 0) {
		tpl_step(&b, "check sbx-agent runs, write meta.json");
		rc = tpl_finish(&b, &meta, e);
	}
	if (rc == 0) {
		tpl_log_line(&b.log, TEMPLATE_LOG_INFO, "built %s in %.1f s: %s", r->name,
			     (double)(now_ms() - t0) / 1000.0, final);
		tpl_log_close(&b.log);
		if (rename(b.tmp, final) < 0) {
			if (!tpl_is_dir(final))
				rc = sbx_error_errno(e, "cannot move the built template into %s", final);
			else
				tpl_rmtree(b.tmp, e);   /* built meanwhile by another process */
		}
	}
	if (rc < 0) {
		/* Keep the log; no half template stays behind. */
		sbx_err ignored;
		char *logs = xasprintf("%s/logs", cache), *keep = xasprintf("%s/%s-%.12s.failed.log", logs,
									     r->name, rs->hash);
		char *lp = xasprintf("%s/build.log", b.tmp);
		if (tpl_mkdirs(logs, &ignored) == 0)
			rename(lp, keep);
		sbx_buf msg = SBX_BUF_INIT;
		if (b.step)
			buf_printf(&msg, "building template %s failed at step %d/%d (%s): %s", r->name, b.step,
				   b.nsteps, b.what, e ? e->msg : "");
		else
			buf_printf(&msg, "building template %s failed: %s", r->name, e ? e->msg : "");
		if (b.log.ntail) {
			buf_puts(&msg, "\nlast output:");
			tpl_log_tail(&b.log, 6, &msg);
		}
		buf_printf(&msg, "\nfull log: %s", keep);
		sbx_error(e, "%s", buf_cstr(&msg));
		buf_free(&msg);
		tpl_rmtree(b.tmp, &ignored);
		free(logs);
		free(keep);
		free(lp);
	}
	template_info_free(&meta);
	build_free(&b);
	if (rc == 0) {
		/* A failed attempt's log is stale now. */
		char *stale = xasprintf("%s/logs/%s-%.12s.failed.log", cache, r->name, rs->hash);
		unlink(stale);
		free(stale);
		rc = tpl_meta_read(final, info, e);
		info->cached = 0;
	}
	return rc;
}

static int build_resolved(const template_opts *o, const char *cache, const tpl_resolved *rs, int depth,
			  template_info *info, sbx_err *e)
{
	const template_recipe *r = rs->r;
	char *final = xasprintf("%s/templates/%s-%.12s", cache, r->name, rs->hash);
	char *meta = xasprintf("%s/meta.json", final);
	tpl_log log = { .fd = -1, .cb = o->log, .ud = o->log_ud };
	template_info pinfo = { 0 };
	int rc = 0, lock = -1;
	if (tpl_is_file(meta))
		goto cached;
	if (geteuid() != 0) {
		rc = sbx_error(e, "building template %s needs root (it mounts /proc in the tree, chroots and "
			       "runs mmdebstrap); run the build as root, e.g. with sudo", r->name);
		goto out;
	}
	char *key = xasprintf("%s-%.12s", r->name, rs->hash);
	lock = tpl_lock(cache, key, &log, e);
	free(key);
	if (lock < 0) {
		rc = -1;
		goto out;
	}
	if (tpl_is_file(meta))   /* another process built it while we waited */
		goto cached;
	tpl_clean_stale(cache);
	const template_info *parent = NULL;
	if (rs->parent) {
		tpl_log_line(&log, TEMPLATE_LOG_INFO, "%s builds on %s", r->name, rs->parent->r->name);
		rc = build_resolved(o, cache, rs->parent, depth + 1, &pinfo, e);
		parent = &pinfo;
	} else if (rs->has_parent_built) {
		parent = &rs->parent_built;
	}
	if (rc == 0)
		rc = build_one(o, cache, rs, parent, final, info, e);
	goto out;
cached:
	tpl_log_line(&log, TEMPLATE_LOG_INFO, "%s: cached (%s)", r->name, final);
	rc = tpl_meta_read(final, info, e);
	info->cached = 1;
out:
	if (lock >= 0)
		close(lock);
	template_info_free(&pinfo);
	tpl_log_close(&log);
	free(final);
	free(meta);
	return rc;
}

int template_build(const template_opts *o, const char *name_or_path, const char *name_override,
		   template_info *info, sbx_err *e)
{
	memset(info, 0, sizeof *info);
	if (!o->templates_dir || !tpl_is_dir(o->templates_dir))
		return sbx_error(e, "the templates directory %s is missing; it is vm/templates in the sbx "
			      "checkout", o->templates_dir ? o->templates_dir : "(not given)");
	tpl_resolved rs = { 0 };
	char *cache = o->cache_dir ? xstrdup(o->cache_dir) : template_cache_dir();
	int rc = tpl_mkdirs(cache, e);
	if (rc == 0)
		rc = tpl_resolve_arg(o, name_or_path, name_override, &rs, e);
	if (rc == 0) {
		char *top = xasprintf("%s/templates", cache);
		rc = tpl_mkdirs(top, e);
		free(top);
	}
	if (rc == 0)
		rc = build_resolved(o, cache, &rs, 0, info, e);
	tpl_resolved_free(&rs);
	free(cache);
	return rc;
}
