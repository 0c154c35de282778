/*
 * cmd_opts: the pure parts of the sbx commands' arguments (values, K=V
 * lists, quoting, and each command's whole option set), so they are unit
 * tested without a daemon.  Every parser returns 0, or -1 with e.
 */
#ifndef SBX_CLI_OPTS_H
#define SBX_CLI_OPTS_H
#include <stddef.h>
#include "../client/api.h"

/* "K=V" appended to *kv (key and value copied). */
int opt_kv(const char *arg, const char *what, sbx_kv **kv, size_t *n, sbx_err *e);
void opt_kv_free(sbx_kv *kv, size_t n);
/* "90", "90s", "5m", "2h", "1d", "1h30m" → seconds (1 .. 1 year). */
int opt_seconds(const char *s, int *out, sbx_err *e);
/* "512", "512M", "2G" → MiB. */
int opt_memory_mb(const char *s, int *out, sbx_err *e);
int opt_int(const char *s, int min, int max, const char *what, int *out, sbx_err *e);
/* After getopt_long (opterr = 0) returned '?': which option was unknown or
 * lacked its value. */
int opt_bad(int argc, char **argv, sbx_err *e);
/* argv as one bash command line: a single argument is taken as a command
 * line already; several are quoted one by one. */
char *opt_shell_join(char *const *argv, size_t n);

typedef struct create_args {
	const char *template_id, *runtime;
	const char *from;                /* --from SNAPSHOT */
	int timeout_s, cpus, memory_mb, no_internet, json;
	sbx_kv *env, *meta;
	size_t nenv, nmeta;
	char **allow_out, **deny_out;    /* --allow-out / --deny-out (heap strv) */
	size_t nallow, ndeny;
	sbx_volume_mount *mounts;        /* --volume NAME:/path */
	size_t nmounts;
} create_args;
int parse_create(int argc, char **argv, create_args *a, sbx_err *e);
void create_args_free(create_args *a);

typedef struct exec_args {
	const char *id, *cwd, *user;
	int tty, stdin_fwd;
	char **env;            /* "K=V", NULL-terminated (heap array, strings from argv) */
	size_t nenv;
	char *const *cmd;      /* from argv */
	size_t ncmd;
	long timeout_ms;
} exec_args;
int parse_exec(int argc, char **argv, exec_args *a, sbx_err *e);
void exec_args_free(exec_args *a);

typedef struct run_args {
	const char *id, *code, *file, *context, *language, *out_dir;
	int list_contexts;
	long timeout_ms;
} run_args;
int parse_run(int argc, char **argv, run_args *a, sbx_err *e);

/* --help asked: parse_* return -1 with e->msg "help". */
#define OPT_HELP "help"

#endif
