/* template_steps: the steps of one build (see template_build.c for their
 * order): bootstrap or copy the rootfs, packages, agent + extension + user,
 * run:/copy:, the final check and meta.json. */
#include "template.h"
#include "template_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"

void tpl_step(tpl_build *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->what, sizeof b->what, fmt, ap);
	va_end(ap);
	b->step++;
	tpl_log_line(&b->log, TEMPLATE_LOG_STEP, "step %d/%d: %s", b->step, b->nsteps, b->what);
}

/* Runs cmd in the rootfs as root in /. */
static int chroot_sh(tpl_build *b, const char *cmd, const tpl_bind *binds, size_t nbinds, sbx_err *e)
{
	tpl_chroot c = { .rootfs = b->rootfs, .cmd = cmd, .binds = binds, .nbinds = nbinds };
	return tpl_chroot_run(&b->log, &c, e);
}

/* The Debian packages that provide the agent's shared libraries, so the
 * agent runs in the rootfs whatever it was linked against (ASan too).  One
 * dpkg-query for all of them: each call costs most of a second. */
int tpl_agent_packages(tpl_build *b, sbx_err *e)
{
	char *ldd[] = { "ldd", (char *)b->o->agent_bin, NULL };
	sbx_buf out = SBX_BUF_INIT;
	if (tpl_capture(ldd, &out) < 0) {
		buf_free(&out);
		return 0;   /* static, or no ldd: nothing to add */
	}
	int rc = 0;
	char **libs = NULL, **q = NULL;
	size_t nlibs = 0, nq = 0;
	strv_push(&q, &nq, xstrdup("dpkg-query"));
	strv_push(&q, &nq, xstrdup("-S"));
	char *sv = NULL;
	for (char *line = strtok_r(out.data, "\n", &sv); line && rc == 0; line = strtok_r(NULL, "\n", &sv)) {
		line += strspn(line, " \t");
		if (strstr(line, "=> not found"))
			rc = sbx_error(e, "sbx-agent (%s) needs %.*s, which is not installed here; install it "
				       "or rebuild the agent", b->o->agent_bin, (int)strcspn(line, " \t"), line);
		char *arrow = strstr(line, "=> /");
		if (rc || !arrow)
			continue;
		char *lib = arrow + 3;
		lib[strcspn(lib, " (")] = '\0';
		strv_push(&libs, &nlibs, xstrdup(lib));
		/* dpkg knows a file by the path its package ships (/lib or /usr/lib). */
		strv_push(&q, &nq, xstrdup(lib));
		strv_push(&q, &nq, !strncmp(lib, "/usr/", 5) ? xstrdup(lib + 4) : xasprintf("/usr%s", lib));
		char *real = realpath(lib, NULL);
		if (real)
			strv_push(&q, &nq, real);
	}
	buf_reset(&out);
	if (rc == 0 && nlibs) {
		strv_push(&q, &nq, NULL);
		tpl_capture(q, &out);   /* exits 1 for the candidates no package ships */
		nq--;
	}
	for (size_t i = 0; i < nlibs && rc == 0; i++) {
		char *pkg = NULL, *real = realpath(libs[i], NULL);
		char *alt = !strncmp(libs[i], "/usr/", 5) ? xstrdup(libs[i] + 4) : xasprintf("/usr%s", libs[i]);
		const char *cands[] = { libs[i], alt, real };
		char *sv2 = NULL, *text = xstrdup(buf_cstr(&out));
		for (char *line = strtok_r(text, "\n", &sv2); line && !pkg; line = strtok_r(NULL, "\n", &sv2)) {
			char *colon = strstr(line, ": /");
			for (size_t c = 0; colon && c < 3 && !pkg; c++)
				if (cands[c] && !strcmp(colon + 2, cands[c]))
					pkg = xstrndup(line, strcspn(line, ":, "));
		}
		free(text);
		if (!pkg)
			rc = sbx_error(e, "sbx-agent needs %s, which no Debian package provides; build the agent "
				       "against Debian's libraries", libs[i]);
		else if (!strv_has(b->agent_pkgs, b->nagent_pkgs, pkg))
			strv_push(&b->agent_pkgs, &b->nagent_pkgs, pkg);
		else
			free(pkg);
		free(alt);
		free(real);
	}
	strv_free(libs, nlibs);
	strv_free(q, nq);
	buf_free(&out);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The mmdebstrap output for (suite, packages, mkrootfs.sh), cached in
 * CACHE/bootstrap/SUITE-KEY so a new agent does not mean a new bootstrap. */
int tpl_bootstrap(tpl_build *b, const char *suite, sbx_err *e)
{
	const template_recipe *r = b->rs->r;
	char **pk = NULL;
	size_t np = 0;
	/* Not the agent's libraries: they differ between an agent and its ASan
	 * build, and the packages step adds them in seconds. */
	for (size_t i = 0; i < r->npackages; i++)
		if (!strv_has(pk, np, r->packages[i]))
			strv_push(&pk, &np, xstrdup(r->packages[i]));
	if (!strv_has(pk, np, "passwd"))   /* useradd, for the user account */
		strv_push(&pk, &np, xstrdup("passwd"));
	if (np)
		qsort(pk, np, sizeof *pk, cmp_str);
	char *script = xasprintf("%s/mkrootfs.sh", b->o->templates_dir);
	tpl_sha *s = tpl_sha_new();
	tpl_sha_str(s, "sbx bootstrap 1");
	tpl_sha_str(s, suite);
	for (size_t i = 0; i < np; i++)
		tpl_sha_str(s, pk[i]);
	int rc = tpl_sha_file(s, script, e);
	char key[65];
	tpl_sha_final(s, key);
	b->bootstrap = xasprintf("%s-%.12s", suite, key);
	char *dir = xasprintf("%s/bootstrap/%s", b->cache, b->bootstrap);
	char *ok = xasprintf("%s/rootfs/etc/debian_version", dir);
	char *tmp = xasprintf("%s/bootstrap/.tmp-%s.%ld", b->cache, b->bootstrap, (long)getpid());
	int lock = -1, alock = -1;
	if (rc == 0 && !tpl_is_file(ok)) {
		lock = tpl_lock(b->cache, b->bootstrap, &b->log, e);
		rc = lock < 0 ? -1 : 0;
	}
	if (rc == 0 && !tpl_is_file(ok)) {
		char *archives = xasprintf("%s/apt-archives", b->cache);
		char *target = xasprintf("%s/rootfs", tmp);
		tpl_log_line(&b->log, TEMPLATE_LOG_INFO, "mmdebstrap %s with %zu packages (once per "
			     "suite and package set; later builds reuse it)", suite, np);
		char **argv = xcalloc(np + 6, sizeof *argv);
		argv[0] = "sh";
		argv[1] = script;
		argv[2] = (char *)suite;
		argv[3] = target;
		argv[4] = archives;
		for (size_t i = 0; i < np; i++)
			argv[5 + i] = pk[i];
		rc = tpl_mkdirs(tmp, e);
		/* One apt at a time on the shared archive cache: apt locks it. */
		if (rc == 0 && (alock = tpl_lock(b->cache, "apt-archives", &b->log, e)) < 0)
			rc = -1;
		if (rc == 0 && tpl_spawn(&b->log, "mkrootfs.sh (mmdebstrap)", argv, 1, e) < 0)
			rc = -1;
		if (rc == 0 && rename(tmp, dir) < 0)
			rc = sbx_error_errno(e, "cannot move the bootstrap layer into %s", dir);
		if (rc < 0) {
			sbx_err ignored;
			tpl_rmtree(tmp, &ignored);
		}
		free(argv);
		free(archives);
		free(target);
	} else if (rc == 0) {
		tpl_log_line(&b->log, TEMPLATE_LOG_INFO, "bootstrap layer %s is cached", b->bootstrap);
	}
	if (alock >= 0)
		close(alock);
	if (lock >= 0)
		close(lock);
	if (rc == 0) {
		char *src = xasprintf("%s/rootfs", dir);
		char *argv[] = { "cp", "-a", "--reflink=auto", src, b->rootfs, NULL };
		rc = tpl_spawn(&b->log, "cp", argv, 0, e);
		free(src);
	}
	strv_free(pk, np);
	free(script);
	free(dir);
	free(ok);
	free(tmp);
	return rc;
}

int tpl_copy_parent(tpl_build *b, sbx_err *e)
{
	char *src = xasprintf("%s/rootfs", b->parent->dir);
	char *argv[] = { "cp", "-a", "--reflink=auto", src, b->rootfs, NULL };
	int rc = tpl_spawn(&b->log, "cp", argv, 0, e);
	free(src);
	return rc;
}

/* The recipe's packages (from: builds) and the agent's, where missing. */
int tpl_install_packages(tpl_build *b, sbx_err *e)
{
	const template_recipe *r = b->rs->r;
	sbx_buf list = SBX_BUF_INIT;
	for (size_t i = 0; b->parent && i < r->npackages; i++)
		buf_printf(&list, " %s", r->packages[i]);
	for (size_t i = 0; i < b->nagent_pkgs; i++)
		buf_printf(&list, " %s", b->agent_pkgs[i]);
	sbx_buf cmd = SBX_BUF_INIT;
	buf_printf(&cmd,
		   "set -e\n"
		   "missing=\n"
		   "for p in%s; do\n"
		   "  dpkg-query -W -f='${Status}\\n' \"${p%%%%[=/]*}\" 2>/dev/null | grep -q '^install ok installed$' "
		   "|| missing=\"$missing $p\"\n"
		   "done\n"
		   "if [ -z \"$missing\" ]; then echo 'nothing to install'; exit 0; fi\n"
		   "echo \"installing:$missing\"\n"
		   "if [ ! -e /usr/sbin/policy-rc.d ]; then\n"
		   "  printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d\n"
		   "  trap 'rm -f /usr/sbin/policy-rc.d' EXIT\n"
		   "fi\n"
		   /* The dpkg excludes leave no man directories, and update-alternatives
		    * fails on a slave link into one (openjdk's postinst: java.1.gz);
		    * removed again below unless such links were made. */
		   "mkdir -p /usr/share/man/man1\n"
		   "a=/.sbx-build/apt\n"
		   "apt-get -q update\n"
		   "apt-get -q -y --no-install-recommends -o Dir::Cache::Archives=$a/ install $missing\n"
		   "rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin\n"
		   "rmdir /usr/share/man/man1 2>/dev/null || true\n",
		   list.len ? buf_cstr(&list) : "");
	char *archives = xasprintf("%s/apt-archives", b->cache), *partial = xasprintf("%s/partial", archives);
	tpl_bind bind = { archives, "apt", 1 };
	int alock = -1, rc = tpl_mkdirs(partial, e);
	if (rc == 0 && (alock = tpl_lock(b->cache, "apt-archives", &b->log, e)) < 0)
		rc = -1;
	if (rc == 0)
		rc = chroot_sh(b, buf_cstr(&cmd), &bind, 1, e);
	if (alock >= 0)
		close(alock);
	free(archives);
	free(partial);
	buf_free(&cmd);
	buf_free(&list);
	return rc;
}

/* The agent, the chart extension and the `user` account (uid 1000). */
static const char setup_script[] =
	"set -e\n"
	"install -d -m 0755 /usr/lib/sbx\n"
	"install -m 0755 /.sbx-build/sbx-agent /usr/lib/sbx/sbx-agent\n"
	"rm -rf /usr/lib/sbx/python\n"
	"cp -R /.sbx-build/python /usr/lib/sbx/python\n"
	"find /usr/lib/sbx/python \\( -name __pycache__ -o -name '*.pyc' \\) -prune -exec rm -rf {} +\n"
	"chmod -R u=rwX,go=rX /usr/lib/sbx/python\n"
	/* Compiled once here: the user cannot write there, and each kernel start
	 * would compile the extension again. */
	"if [ -x /usr/bin/python3 ]; then /usr/bin/python3 -m compileall -q /usr/lib/sbx/python >/dev/null || true; fi\n"
	"if ! getent passwd user >/dev/null; then\n"
	"  if getent passwd 1000 >/dev/null; then\n"
	"    echo \"uid 1000 belongs to $(getent passwd 1000 | cut -d: -f1); sbx needs it for 'user'\" >&2; exit 1\n"
	"  fi\n"
	"  if ! command -v useradd >/dev/null; then\n"
	"    echo 'useradd is missing: add the passwd package to the packages' >&2; exit 1\n"
	"  fi\n"
	"  useradd --uid 1000 --user-group --create-home --home-dir /home/user --shell /bin/bash user\n"
	"fi\n"
	"if getent group sudo >/dev/null; then usermod -a -G sudo user; fi\n"
	"install -d -m 0755 /etc/sudoers.d\n"
	"printf 'user ALL=(ALL:ALL) NOPASSWD: ALL\\n' >/etc/sudoers.d/sbx-user\n"
	"chmod 0440 /etc/sudoers.d/sbx-user\n"
	/* Not the build host's name. */
	"echo sandbox >/etc/hostname\n"
	"printf '127.0.0.1\\tlocalhost\\n127.0.1.1\\tsandbox\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n' >/etc/hosts\n";

int tpl_setup(tpl_build *b, sbx_err *e)
{
	tpl_bind binds[] = { { b->o->agent_bin, "sbx-agent", 0 }, { b->o->python_dir, "python", 0 } };
	return chroot_sh(b, setup_script, binds, 2, e);
}

/* The step's workdir: its own, else the parent's, else /. */
static const char *step_workdir(tpl_build *b, const template_step *s)
{
	return s->workdir ? s->workdir : b->parent ? b->parent->workdir : "/";
}

int tpl_copy_in(tpl_build *b, const template_step *s, const char *src, const char *name, sbx_err *e)
{
	sbx_buf dest = SBX_BUF_INIT, cmd = SBX_BUF_INIT;
	if (s->dest[0] != '/') {
		const char *w = step_workdir(b, s);
		buf_printf(&dest, "%s%s", w, strcmp(w, "/") ? "/" : "");
	}
	buf_puts(&dest, s->dest);
	buf_puts(&cmd, "set -- ");
	tpl_sh_quote(&cmd, buf_cstr(&dest));
	buf_putc(&cmd, ' ');
	tpl_sh_quote(&cmd, name);
	buf_putc(&cmd, ' ');
	tpl_sh_quote(&cmd, s->chown ? s->chown : "");
	buf_puts(&cmd,
		 "\nset -e\n"
		 "src=/.sbx-build/src dest=$1\n"
		 "if [ -d \"$src\" ]; then\n"
		 "  mkdir -p \"$dest\"; cp -R --preserve=mode,timestamps \"$src\"/. \"$dest\"/\n"
		 "  if [ -n \"$3\" ]; then (cd \"$src\" && find . -print0) | (cd \"$dest\" && xargs -0 chown -h \"$3\"); fi\n"
		 "else\n"
		 "  case $dest in\n"
		 "  */) mkdir -p \"$dest\"; target=$dest$2 ;;\n"
		 "  *) if [ -d \"$dest\" ]; then target=$dest/$2; else mkdir -p \"$(dirname \"$dest\")\"; target=$dest; fi ;;\n"
		 "  esac\n"
		 "  cp --preserve=mode,timestamps \"$src\" \"$target\"\n"
		 "  if [ -n \"$3\" ]; then chown -h \"$3\" \"$target\"; fi\n"
		 "fi\n");
	tpl_bind bind = { src, "src", 0 };
	int rc = chroot_sh(b, buf_cstr(&cmd), &bind, 1, e);
	buf_free(&dest);
	buf_free(&cmd);
	return rc;
}

int tpl_run_step(tpl_build *b, const template_step *s, sbx_err *e)
{
	if (s->kind == TSTEP_FETCH)
		return tpl_fetch_step(b, s, e);
	/* The parent's env, then the recipe's env lines above this step. */
	char **env = NULL;
	size_t nenv = 0;
	for (size_t i = 0; b->parent && i < b->parent->nenv; i++)
		tpl_env_set(&env, &nenv, b->parent->env[i]);
	for (size_t i = 0; i < s->nenv; i++)
		tpl_env_set(&env, &nenv, b->envs[i]);
	int rc;
	if (s->kind == TSTEP_RUN) {
		tpl_chroot c = { .rootfs = b->rootfs, .cmd = s->run, .user = s->user, .cwd = step_workdir(b, s),
				 .env = env, .nenv = nenv };
		rc = tpl_chroot_run(&b->log, &c, e);
	} else {
		char *src = xasprintf("%s/%s", b->rs->r->dir, s->src);
		char *dup = xstrdup(s->src), *base = strrchr(dup, '/');
		while (base && !base[1] && base != dup) {   /* "dir/" → "dir" */
			*base = '\0';
			base = strrchr(dup, '/');
		}
		rc = tpl_copy_in(b, s, src, base ? base + 1 : dup, e);
		free(dup);
		free(src);
	}
	strv_free(env, nenv);
	return rc;
}

static char **merged_packages(const tpl_build *b, size_t *n)
{
	char **v = NULL;
	*n = 0;
	for (size_t i = 0; b->parent && i < b->parent->npackages; i++)
		if (!strv_has(v, *n, b->parent->packages[i]))
			strv_push(&v, n, xstrdup(b->parent->packages[i]));
	for (size_t i = 0; i < b->rs->r->npackages; i++)
		if (!strv_has(v, *n, b->rs->r->packages[i]))
			strv_push(&v, n, xstrdup(b->rs->r->packages[i]));
	return v;
}

/* The agent runs in the tree; the workdir exists; recipe and meta.json. */
int tpl_finish(tpl_build *b, template_info *meta, sbx_err *e)
{
	const template_recipe *r = b->rs->r;
	memset(meta, 0, sizeof *meta);
	meta->name = xstrdup(r->name);
	memcpy(meta->hash, b->rs->hash, 65);
	for (size_t i = 0; i < r->naliases; i++)
		strv_push(&meta->aliases, &meta->naliases, xstrdup(r->aliases[i]));
	meta->suite = xstrdup(b->parent ? b->parent->suite : r->suite ? r->suite : TEMPLATE_DEFAULT_SUITE);
	meta->workdir = xstrdup(r->workdir ? r->workdir : b->parent ? b->parent->workdir : "/home/user");
	meta->user = xstrdup(r->user ? r->user : b->parent ? b->parent->user : "user");
	char now[40];
	rfc3339_now(now, sizeof now);
	meta->built_at = xstrdup(now);
	meta->parent = r->from ? xstrdup(r->from) : NULL;
	for (size_t i = 0; i < b->nenv; i++)
		strv_push(&meta->env, &meta->nenv, xstrdup(b->env[i]));
	meta->packages = merged_packages(b, &meta->npackages);

	sbx_buf cmd = SBX_BUF_INIT;
	buf_puts(&cmd, "set -- ");
	tpl_sh_quote(&cmd, meta->workdir);
	buf_putc(&cmd, ' ');
	tpl_sh_quote(&cmd, meta->user);
	buf_puts(&cmd, "\nset -e\n"
		 /* A liveness check: an ASan agent's exit-time leak report is not ours. */
		 "ASAN_OPTIONS=detect_leaks=0 /usr/lib/sbx/sbx-agent --version\n"
		 "if [ ! -d \"$1\" ]; then\n"
		 "  mkdir -p \"$1\"\n"
		 "  if [ \"$2\" != root ] && getent passwd \"$2\" >/dev/null; then chown \"$2\": \"$1\"; fi\n"
		 "fi\n");
	int rc = chroot_sh(b, buf_cstr(&cmd), NULL, 0, e);
	buf_free(&cmd);
	if (rc < 0)
		return sbx_error(e, "sbx-agent does not run inside the template, or the workdir %s cannot "
			      "be made (see the output above)", meta->workdir);
	char *norm = template_normalize(r), *path = xasprintf("%s/recipe", b->tmp);
	FILE *f = fopen(path, "we");
	if (!f || fputs(norm, f) < 0 || fclose(f) != 0)
		rc = sbx_error_errno(e, "cannot write %s", path);
	free(norm);
	free(path);
	if (rc == 0) {
		path = xasprintf("%s/meta.json", b->tmp);
		rc = tpl_meta_write(path, meta, b->bootstrap, e);
		free(path);
	}
	return rc;
}

/* Expanded env lines: the parent's env (PATH defaulted) is what $K refers to. */
void tpl_expand_env(tpl_build *b)
{
	char **ctx = NULL;
	size_t nctx = 0;
	char *path = xasprintf("PATH=%s", TEMPLATE_DEFAULT_PATH);
	tpl_env_set(&ctx, &nctx, path);
	free(path);
	for (size_t i = 0; b->parent && i < b->parent->nenv; i++) {
		tpl_env_set(&ctx, &nctx, b->parent->env[i]);
		tpl_env_set(&b->env, &b->nenv, b->parent->env[i]);
	}
	const template_recipe *r = b->rs->r;
	for (size_t i = 0; i < r->nenv; i++) {
		const char *eq = strchr(r->env[i], '=');
		char *v = tpl_expand(eq + 1, ctx, nctx);
		char *kv = xasprintf("%.*s=%s", (int)(eq - r->env[i]), r->env[i], v);
		tpl_env_set(&ctx, &nctx, kv);
		tpl_env_set(&b->env, &b->nenv, kv);
		strv_push(&b->envs, &b->nenvs, kv);
		free(v);
	}
	strv_free(ctx, nctx);
}
