/*
 * template: recipes → root filesystems that sandboxes start from.
 *
 * A template is built once from a recipe, cached outside the checkout and
 * shared read-only by every sandbox (each gets its own copy-on-write layer).
 *
 * ── Recipe format (NAME.recipe) ─────────────────────────────────────────
 * One `key: value` per line; blank lines and lines starting with `#` are
 * ignored; a line ending in `\` continues on the next.
 *
 *   name: NAME            template name (default: the file name without .recipe)
 *   from: TEMPLATE        build on top of another template (its rootfs, env,
 *                         workdir, user); excludes `suite:`
 *   suite: bookworm       Debian suite to bootstrap (default bookworm)
 *   packages: a b c       Debian packages (repeatable; commas or spaces)
 *   alias: A [B…]         other names `template_find` accepts (repeatable)
 *   env: K=V              environment (repeatable); `$K`/`${K}` in V expand to
 *                         the value so far (parent's env, PATH default)
 *   workdir: /home/user   working directory of later steps and of the sandbox
 *   user: user            user of later `run:` steps and of the sandbox
 *   run: SHELL COMMAND    run with /bin/sh -c in the rootfs (repeatable, in order)
 *   copy: SRC DEST        copy SRC (file or directory, relative to the
 *                         recipe's directory) to DEST in the rootfs
 *
 * Steps (`run:`, `copy:`) run in file order, each seeing the env:, workdir:
 * and user: lines above it (like a Dockerfile); before any `user:` line they
 * run as root, before any `workdir:` in the parent's workdir (or /).
 * `packages:` are installed first, whatever their position.  The sandbox's
 * defaults are the last workdir:/user: (else the parent's, else /home/user
 * and user).
 *
 * ── Dockerfile subset (a file named Dockerfile or *.Dockerfile, or text
 * whose first instruction is FROM) ────────────────────────────────────────
 *   FROM <template>        base, code-interpreter, an alias, a template built
 *                          here, or e2bdev/code-interpreter[:tag] / e2bdev/base
 *   RUN cmd | RUN ["a","b"]    COPY [--chown=U[:G]] SRC… DEST | COPY ["SRC","DEST"]
 *   ENV K=V [K2=V2…] | ENV K V    WORKDIR path    USER name
 * Anything else is an error naming the line and the supported instructions.
 *
 * ── Built template ($SBX_CACHE_DIR/templates/NAME-HASH12/) ────────────────
 *   rootfs/      the tree; /usr/lib/sbx/sbx-agent, /usr/lib/sbx/python/
 *                (chart extension), user `user` (uid 1000, sudo without password)
 *   recipe       the normalised recipe that was built
 *   meta.json    name, hash, aliases, suite, env, workdir, user, built_at,
 *                packages, parent
 *   build.log    the full build output
 * HASH is SHA-256 over the normalised recipe, the files it copies, the
 * parent's hash, the sbx-agent binary, the vm/python tree and the builder
 * (vm/templates/mkrootfs.sh plus the builder's own version).  Builds need
 * root (mounts, chroot) and mmdebstrap.
 * Beside templates/, the cache holds bootstrap/SUITE-KEY12/rootfs (the
 * mmdebstrap output for a suite and package set, reused when only the agent
 * changes), apt-archives/ (.debs shared by all builds), logs/ (logs of
 * failed builds) and .locks/.
 *
 * Every call returns 0 or -1 with a message in *e saying what failed and what
 * to do.
 */
#ifndef SBX_TEMPLATE_H
#define SBX_TEMPLATE_H
#include <stddef.h>
#include "../../src/util/err.h"

/* ── parsed recipe ─────────────────────────────────────────────────────── */

typedef enum { TSTEP_RUN, TSTEP_COPY, TSTEP_FETCH } template_step_kind;

typedef struct template_step {
	template_step_kind kind;
	int line;          /* where it was written */
	char *run;         /* RUN: the shell command */
	char *src;         /* COPY: relative to the recipe's directory; FETCH: the URL */
	char *dest;        /* COPY, FETCH: absolute, or relative to the step's workdir */
	char *hash;        /* FETCH: "sha256:HEX" or "sha512:HEX", what the file must hash to */
	char *chown;       /* COPY --chown=U[:G], or NULL */
	char *user;        /* user in effect, or NULL (root) */
	char *workdir;     /* workdir in effect, or NULL (the parent's, or /) */
	size_t nenv;       /* env lines in effect: recipe->env[0 .. nenv) */
} template_step;

typedef struct template_recipe {
	char *name;        /* NULL when neither name: nor the file name gives one */
	char *path;        /* the source file (for messages) */
	char *dir;         /* its directory: COPY sources are relative to it */
	int dockerfile;    /* parsed as a Dockerfile */
	char *from;        /* parent template, or NULL */
	char *suite;       /* NULL: the parent's, or bookworm */
	char **packages;   size_t npackages;  /* in order written */
	char **aliases;    size_t naliases;
	char **env;        size_t nenv;       /* "K=V", in order; later ones win */
	char *workdir;     /* last workdir, or NULL */
	char *user;        /* last user, or NULL */
	template_step *steps; size_t nsteps;
} template_recipe;

/* Parses TEXT (read from PATH, which need not exist: it names the recipe in
 * messages, gives the default name and the COPY base directory).  A
 * Dockerfile is recognised by the file name or by a leading FROM. */
int template_parse(const char *text, const char *path, template_recipe **out, sbx_err *e);
/* Reads and parses the file at PATH. */
int template_load(const char *path, template_recipe **out, sbx_err *e);
void template_recipe_free(template_recipe *r);
/* The canonical recipe text: what is hashed and stored as `recipe`.  Comments,
 * blank lines, spacing, package order and duplicates do not change it. */
char *template_normalize(const template_recipe *r);
/* 1 when NAME is a valid template name: [a-z0-9][a-z0-9._-]*, at most 64. */
int template_name_ok(const char *name);

/* ── hash ──────────────────────────────────────────────────────────────── */

typedef struct template_hash_inputs {
	const char *agent_bin;    /* sbx-agent binary installed into the rootfs */
	const char *python_dir;   /* the vm/python tree (chart extension) */
	const char *builder;      /* vm/templates/mkrootfs.sh */
	const char *parent_hash;  /* the from: template's hash, or NULL */
} template_hash_inputs;

/* 64 hex digits + NUL into out. */
int template_hash(const template_recipe *r, const template_hash_inputs *in, char out[65], sbx_err *e);

/* ── the cache of built templates ──────────────────────────────────────── */

typedef enum {
	TEMPLATE_LOG_STEP,     /* "step N/M: what" */
	TEMPLATE_LOG_OUTPUT,   /* one line of a command's output */
	TEMPLATE_LOG_INFO      /* a note: cached, where the result went, … */
} template_log_kind;
typedef void (*template_log_cb)(void *ud, template_log_kind kind, const char *line);

typedef struct template_opts {
	const char *cache_dir;     /* NULL: template_cache_dir() */
	const char *templates_dir; /* vm/templates: shipped recipes and mkrootfs.sh (build) */
	const char *agent_bin;     /* sbx-agent to install (build) */
	const char *python_dir;    /* vm/python (build) */
	template_log_cb log;       /* may be NULL */
	void *log_ud;
} template_opts;

typedef struct template_info {
	char *name;
	char hash[65];
	char *dir;                 /* the built template directory */
	char **aliases;  size_t naliases;
	char *suite, *workdir, *user, *built_at, *parent;   /* parent may be NULL */
	char **env;      size_t nenv;       /* "K=V" */
	char **packages; size_t npackages;  /* the recipe's and its parents' */
	int cached;                /* template_build: it was already built */
} template_info;

/* $SBX_CACHE_DIR, else $XDG_CACHE_HOME/sbx, else ~/.cache/sbx (heap string). */
char *template_cache_dir(void);

/* Builds NAME (a recipe in templates_dir, by name or alias) or the recipe /
 * Dockerfile at PATH; name_override replaces the recipe's name.  Returns at
 * once, info->cached = 1, when that exact hash is built.  Streams the build
 * log to opts->log. */
int template_build(const template_opts *o, const char *name_or_path, const char *name_override,
		   template_info *info, sbx_err *e);
/* The newest build whose name or alias is NAME (or whose directory name is
 * NAME, e.g. base-0123456789ab). */
int template_find(const template_opts *o, const char *name, template_info *info, sbx_err *e);
/* Every build, by name then newest first. */
int template_list(const template_opts *o, template_info **out, size_t *n, sbx_err *e);
/* Removes every build of NAME (name, alias or one directory name); *removed
 * gets how many.  Sandboxes using them must be gone first. */
int template_remove(const template_opts *o, const char *name, int *removed, sbx_err *e);
/* Removes all but the newest build of each name, and bootstrap layers no
 * build refers to; *removed gets how many directories went. */
int template_prune(const template_opts *o, int *removed, sbx_err *e);

void template_info_free(template_info *info);
void template_list_free(template_info *list, size_t n);

#endif
