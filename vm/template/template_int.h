/*
 * template_int: what the template_*.c files share and nothing else includes.
 *
 * Words, strings lists, SHA-256 of files and trees, child processes whose
 * output is streamed line by line into the build log, the chroot runner, the
 * safe tree removal and the cache's lock files.
 */
#ifndef SBX_TEMPLATE_INT_H
#define SBX_TEMPLATE_INT_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "../../src/util/buf.h"
#include "template.h"

/* Bump when the build steps (template_build.c) change what they produce:
 * it is part of every template hash, so old builds are not reused. */
#define TEMPLATE_BUILDER_VERSION "sbx-template-builder 2"
#define TEMPLATE_DEFAULT_SUITE "bookworm"
#define TEMPLATE_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ── string lists ── */
void strv_push(char ***v, size_t *n, char *s);          /* takes s */
void strv_free(char **v, size_t n);
int strv_has(char *const *v, size_t n, const char *s);

/* Shell-ish words: whitespace separates; "…" (\" and \\ escape) and '…'
 * group; \x outside quotes is x, except that \$ stays \$ (for env expansion).
 * -1 on an unterminated quote. */
int tpl_split_words(const char *s, char ***words, size_t *n);
/* A word as tpl_split_words reads it back (quoted only when needed). */
void tpl_put_word(sbx_buf *b, const char *w);
/* 'single-quoted' for /bin/sh. */
void tpl_sh_quote(sbx_buf *b, const char *s);
/* Expands $K and ${K} in v against env ("K=V", later entries win); unknown
 * names expand to ""; \$ gives a literal $. */
char *tpl_expand(const char *v, char *const *env, size_t nenv);
/* env with K=V set (replacing an earlier K). */
void tpl_env_set(char ***env, size_t *n, const char *kv);

/* ── parsing: template_parse.c (recipe format, shared rules) and
 * template_dockerfile.c ── */
typedef struct tpl_parser {
	template_recipe *r;
	sbx_err *e;
	int line;
	int seen_from;   /* Dockerfile: FROM came */
	int seen_name;
	int seen_suite;
} tpl_parser;

/* "PATH:LINE: message" into p->e; returns -1. */
int tpl_perr(tpl_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Each checks its argument, records it (steps snapshot the user, workdir
 * and env count in effect) and returns 0, or -1 via tpl_perr. */
int tpl_set_from(tpl_parser *p, const char *image);
int tpl_add_env(tpl_parser *p, const char *kv);
int tpl_set_workdir(tpl_parser *p, const char *dir);
int tpl_set_user(tpl_parser *p, const char *user);
int tpl_add_run(tpl_parser *p, const char *cmd);
int tpl_add_copy(tpl_parser *p, const char *chown, char **words, size_t n);   /* SRC… DEST */
/* fetch: URL HASH DEST (recipe format only). */
int tpl_add_fetch(tpl_parser *p, const char *val);
/* One logical Dockerfile line. */
int tpl_docker_line(tpl_parser *p, const char *line);

/* ── SHA-256 ── */
typedef struct tpl_sha tpl_sha;
tpl_sha *tpl_sha_new(void);
void tpl_sha_update(tpl_sha *s, const void *p, size_t n);
void tpl_sha_str(tpl_sha *s, const char *str);             /* str and a NUL */
void tpl_sha_final(tpl_sha *s, char hex[65]);             /* frees s */
int tpl_sha_file(tpl_sha *s, const char *path, sbx_err *e);
/* Every entry under dir, sorted: relative path, type, permission bits,
 * content or link target.  Skips __pycache__ and *.pyc when skip_pycache. */
int tpl_sha_tree(tpl_sha *s, const char *dir, int skip_pycache, sbx_err *e);

/* ── the build log ── */
typedef struct tpl_log {
	int fd;                      /* build.log, or -1 */
	int64_t t0;                  /* now_ms() at the start: build.log shows the time since */
	template_log_cb cb;
	void *ud;
	char *tail[16];              /* ring of the last output lines (for errors) */
	size_t ntail;                /* lines seen */
} tpl_log;

void tpl_log_line(tpl_log *l, template_log_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The last n output lines, "\n"-separated, into b. */
void tpl_log_tail(tpl_log *l, size_t n, sbx_buf *b);
void tpl_log_close(tpl_log *l);

/* ── processes ── */
typedef struct tpl_bind {
	const char *src;             /* host path (file or directory) */
	const char *name;            /* mounted at /.sbx-build/NAME */
	int writable;                /* else read-only */
} tpl_bind;

typedef struct tpl_chroot {
	const char *rootfs;
	const char *cmd;             /* run as /bin/sh -c CMD */
	const char *user;            /* NULL: root */
	const char *cwd;             /* created when missing; NULL: / */
	char *const *env;            /* "K=V" on top of PATH/HOME/USER/LANG…; later win */
	size_t nenv;
	const tpl_bind *binds;
	size_t nbinds;
} tpl_chroot;

/* Runs argv (argv[0] looked up in PATH) with stdout+stderr streamed to the
 * log, in a private mount namespace when private_mounts (so nothing it
 * mounts outlives it).  0 when it exits 0; else -1 saying how WHAT ended. */
int tpl_spawn(tpl_log *l, const char *what, char *const argv[], int private_mounts, sbx_err *e);
/* Runs r->cmd inside the rootfs: new mount/pid/uts/ipc namespaces, /proc,
 * /dev, /sys and the host's resolv.conf mounted for the duration only. */
int tpl_chroot_run(tpl_log *l, const tpl_chroot *r, sbx_err *e);
/* argv's stdout into out (stderr discarded); 0 when it exits 0. */
int tpl_capture(char *const argv[], sbx_buf *out);

/* Removes a tree without crossing into mounts (anything still mounted below
 * is detached first).  A missing path is not an error. */
int tpl_rmtree(const char *path, sbx_err *e);
/* mkdir -p with mode 0755. */
int tpl_mkdirs(const char *path, sbx_err *e);
/* Exclusive lock on CACHE/.locks/KEY.lock (says so in the log when it has
 * to wait); returns the fd to close, or -1. */
int tpl_lock(const char *cache_dir, const char *key, tpl_log *l, sbx_err *e);
/* Whole file into a heap string (NUL-terminated); NULL with *e on failure. */
char *tpl_read_file(const char *path, size_t *len, sbx_err *e);

/* ── resolving (template_resolve.c) ── */
/* A recipe with its hash, and its parent: another recipe, or a template
 * that only exists built (parent_built). */
typedef struct tpl_resolved {
	template_recipe *r;
	char hash[65];
	struct tpl_resolved *parent;
	template_info parent_built;
	int has_parent_built;
} tpl_resolved;

/* Loads NAME (a recipe in o->templates_dir, by name or alias), a recipe or
 * Dockerfile PATH, or a directory holding a Dockerfile; resolves its from:
 * chain and computes every hash. */
int tpl_resolve_arg(const template_opts *o, const char *arg, const char *name_override,
		    tpl_resolved *rs, sbx_err *e);
void tpl_resolved_free(tpl_resolved *rs);
int tpl_is_file(const char *path);
int tpl_is_dir(const char *path);

/* ── one build (template_build.c runs the steps of template_steps.c) ── */
typedef struct tpl_build {
	const template_opts *o;
	const char *cache;
	const tpl_resolved *rs;
	const template_info *parent;   /* NULL for a bootstrap build */
	tpl_log log;
	char *tmp;                     /* the temp template dir */
	char *rootfs;
	char *bootstrap;               /* bootstrap layer name, or NULL */
	char **agent_pkgs;  size_t nagent_pkgs;
	char **env;         size_t nenv;   /* parent's env + the recipe's, expanded */
	char **envs;        size_t nenvs;  /* the recipe's env lines, expanded */
	int step, nsteps;
	char what[160];                /* the step being run */
} tpl_build;

/* "step N/M: what" into the log; b->what keeps it for error messages. */
void tpl_step(tpl_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* b->env (parent's env + the recipe's) and b->envs (the recipe's lines),
 * with $K expanded. */
void tpl_expand_env(tpl_build *b);
/* The Debian packages of the agent's shared libraries, into b->agent_pkgs. */
int tpl_agent_packages(tpl_build *b, sbx_err *e);
/* b->rootfs from the (cached) bootstrap layer of suite + the recipe's packages. */
int tpl_bootstrap(tpl_build *b, const char *suite, sbx_err *e);
/* b->rootfs as a copy of the parent's. */
int tpl_copy_parent(tpl_build *b, sbx_err *e);
int tpl_install_packages(tpl_build *b, sbx_err *e);
/* sbx-agent, the chart extension, user `user`, hostname. */
int tpl_setup(tpl_build *b, sbx_err *e);
int tpl_run_step(tpl_build *b, const template_step *s, sbx_err *e);
/* Copies the host file or directory SRC into the rootfs at s->dest (as
 * copy: does; NAME is the file name when s->dest is a directory). */
int tpl_copy_in(tpl_build *b, const template_step *s, const char *src, const char *name, sbx_err *e);

/* ── fetch: (template_fetch.c) ── */
/* "sha256:HEX", "sha512:HEX" or an SRI "sha256-B64"/"sha512-B64" (npm's
 * dist.integrity) → "ALGO:hex" in *out (heap); -1 with a reason in why. */
int tpl_hash_spec(const char *spec, char **out, char why[160]);
/* The file a fetch: step names, from $CACHE/downloads/ALGO-HEX when there
 * (checked again), else downloaded with curl(1) and checked; then copied
 * into the rootfs like copy:.  A hash mismatch fails the step. */
int tpl_fetch_step(tpl_build *b, const template_step *s, sbx_err *e);
/* Checks the agent runs, makes the workdir, writes recipe and meta.json;
 * fills meta. */
int tpl_finish(tpl_build *b, template_info *meta, sbx_err *e);

/* ── the cache (template.c) ── */
/* Removes .tmp-*.PID and .trash-*.PID leftovers whose process is gone. */
void tpl_clean_stale(const char *cache_dir);
int tpl_meta_read(const char *dir, template_info *info, sbx_err *e);
int tpl_meta_write(const char *path, const template_info *info, const char *bootstrap, sbx_err *e);

#endif
