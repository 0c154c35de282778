/*
 * cmd_exec: `sbx exec`'s shared pieces — a running process's event sink
 * and the input pump that forwards local bytes to it in order (one
 * SendInput in flight; what arrives meanwhile is sent together next).
 */
#ifndef SBX_CLI_EXEC_H
#define SBX_CLI_EXEC_H
#include <signal.h>
#include "cmd_common.h"
#include "cmd_opts.h"
#include "../util/buf.h"

typedef struct exec_run {
	cli *c;
	sbx_sandbox sb;
	uint32_t pid;          /* 0 until START */
	int pty;
	int ended;             /* END came */
	int exit_status;
	int done;              /* the stream is over */
	int failed;
	sbx_err err;
	/* input */
	int in_fd;             /* -1: none */
	sbx_buf queue;
	int in_flight, in_eof, stdin_closed;
	sbx_wait sig_wait, resize_wait;   /* fire-and-forget calls' outcomes */
} exec_run;

/* The process events: output to fds 1/2, END → exit_status. */
void exec_on_event(const sbx_proc_event *ev, void *ud);
void exec_on_done(const sbx_err *e, void *ud);
/* Read what in_fd has now (non-blocking fd) and queue it; 0 at EOF. */
void exec_in_readable(sbx_loop *l, int fd, int events, void *ud);
/* Sends queued input when nothing is in flight and the pid is known. */
void exec_pump(exec_run *r);
/* The interactive PTY session (cmd_exec_tty.c). */
int exec_tty(exec_run *r, const exec_args *a);

#endif
