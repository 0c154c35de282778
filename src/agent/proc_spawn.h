/*
 * proc_spawn: start one process for process.Start (docs/protocol.md §3.4).
 *
 * The child runs as the request's user in a new session, with pipes (stdin
 * optional: /dev/null otherwise) or a PTY as its controlling terminal, and
 * the environment PATH, HOME, USER, LOGNAME (+ TERM for a PTY), then the
 * agent's global env, then the request's envs; later entries win.  Exec
 * failures are reported synchronously through a close-on-exec pipe.
 */
#ifndef SBX_PROC_SPAWN_H
#define SBX_PROC_SPAWN_H
#include <sys/types.h>
#include "agent.h"
#include "users.h"
#include "../proto/envd_json.h"

typedef struct proc_spawn_req {
	const sbx_user *user;
	const envd_proc_config *config;  /* cmd, args, envs (config->cwd is ignored) */
	const char *cwd;                 /* resolved: from proc_resolve_cwd */
	int pty;                         /* 1: run on a PTY of cols x rows */
	unsigned cols, rows;             /* 0: 80 x 24 */
	int with_stdin;                  /* pipes only: give the child a stdin pipe */
} proc_spawn_req;

typedef struct proc_io {
	pid_t pid;
	int in_fd;    /* stdin pipe write end, or a dup of the PTY master; -1: none */
	int out_fd;   /* stdout pipe read end, or the PTY master */
	int err_fd;   /* stderr pipe read end; -1 with a PTY */
} proc_io;

/* The working directory for a requested cwd: empty → the default workdir or
 * home; "~" and "~/x" → home; relative → joined to home.  Heap string, or
 * NULL with e ("cwd '<p>' does not exist": an invalid_argument). */
char *proc_resolve_cwd(agent *a, const sbx_user *u, const char *cwd, sbx_err *e);

/* Forks and execs.  All fds in io are non-blocking and close-on-exec.
 * Returns 0, or -1 with e (nothing left open; the child, if any, is reaped
 * by children.c).  *bad_request is set when the request itself is at fault. */
int proc_spawn(agent *a, const proc_spawn_req *req, proc_io *io, int *bad_request, sbx_err *e);

#endif
