/*
 * kernel_launch: start one kernel process (the part of kernel.c that knows
 * about fork/exec, connection files and logs, not about messages).
 *
 * Files of launch number N live in the runtime dir: kN.json (connection
 * file, 0600), kN-1 … kN-5 (ipc sockets the kernel binds), kN.log (the
 * kernel's stdout/stderr).  Paths stay short because ipc endpoints are
 * Unix sockets (sun_path holds 107 bytes).  Only ipykernel gets ipc: other
 * kernels may not support it (Deno's takes the ip as a host name), so they
 * get tcp on 127.0.0.1 with free ports picked as jupyter_client picks them.
 */
#ifndef SBX_KERNEL_LAUNCH_H
#define SBX_KERNEL_LAUNCH_H
#include <sys/types.h>
#include "agent.h"
#include "kernelspec.h"

enum { KPORT_SHELL = 1, KPORT_IOPUB = 2, KPORT_STDIN = 3, KPORT_CONTROL = 4, KPORT_HB = 5 };

typedef struct klaunch {
	char *conn_path;   /* connection file */
	char *ip;          /* ipc endpoint prefix: endpoint N is ipc://<ip>-N */
	int tcp;           /* tcp://127.0.0.1:<ports[N]> instead */
	int ports[6];      /* indexed by KPORT_* */
	char *log_path;
	char key[65];      /* HMAC key: 64 random hex characters */
	pid_t pid;         /* process (and process group) id; 0 after klaunch_clear */
} klaunch;

/* Writes the connection file and forks/execs the kernel: its own session
 * (so killpg reaches its children), SIGKILL when the agent dies, stdin
 * /dev/null, stdout/stderr to the log, working directory cwd ("/" if that
 * is gone).  For ipykernel, adds our IPython options and the sbx_e2b
 * extension.  The caller registers out->pid with children_watch. */
int klaunch_start(agent *a, const char *rundir, unsigned gen, const kspec *spec,
		  const char *cwd, klaunch *out, sbx_err *e);
/* "ipc://<ip>-<port>" or "tcp://127.0.0.1:<ports[port]>" into buf. */
void klaunch_endpoint(const klaunch *l, int port, char *buf, size_t n);
/* Removes the launch's files and frees its strings (does not touch pid). */
void klaunch_clear(klaunch *l);
/* Last lines of a kernel log (at most ~max bytes), "" when empty; heap. */
char *klaunch_log_tail(const char *log_path, size_t max);

/* "exit status 1" / "signal 9 (Killed)" for a waitpid status; heap. */
char *kproc_describe_status(int status);
/* 1 when pid no longer runs (gone, or a zombie nobody reaped yet). */
int kproc_gone(pid_t pid);

#endif
