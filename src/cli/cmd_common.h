/*
 * cmd_common: what every client command of sbx shares — the blocking
 * libsbx session (with sbxd auto-start), sandbox ids by unique prefix, and
 * the way errors and times are printed.
 */
#ifndef SBX_CLI_COMMON_H
#define SBX_CLI_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include "../client/libsbx.h"

typedef struct cli {
	const char *name;          /* "exec": messages read "sbx exec: ..." */
	sbx_sync s;
	int open;
} cli;

/* Loads the configuration, starts sbxd when it is local and silent, opens
 * the session.  0, or 1 after printing why. */
int cli_open(cli *c, const char *name);
void cli_close(cli *c);
/* Prints "sbx NAME: msg" on stderr; returns 1 (the exit status). */
int cli_fail(const cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For parse_* results: prints usage on --help (0) or the error plus usage (2). */
int cli_usage_or(const cli *c, const sbx_err *e, const char *usage);

/* The full id for a prefix (heap), or NULL after printing why. */
char *cli_resolve(cli *c, const char *prefix);
/* The sandbox's description (JSON, a new reference) by id prefix; NULL
 * after printing why. */
json_t *cli_describe(cli *c, const char *prefix);
/* A running sandbox's data plane by id prefix; -1 after printing why. */
int cli_target(cli *c, const char *prefix, sbx_sandbox *sb);

/* "3m 20s", "2h 5m", "4d 3h" */
void cli_duration(int64_t secs, char *out, size_t n);
/* "12 s ago", "5m ago" from a unix-ms time (now if 0) */
void cli_ago(int64_t ms, char *out, size_t n);
int64_t cli_now_ms(void);
/* 1 when fd is a terminal (progress lines go only there). */
int cli_isatty(int fd);
/* Writes bytes that came from a sandbox (or a model).  On a terminal
 * (tty) their control bytes — escape sequences that could move the
 * cursor, retitle the window or answer for the user — are shown as '?';
 * piped to a file or program the bytes are kept as they are. */
void cli_put_shown(FILE *f, const char *text, size_t len, int tty);

#endif
