/*
 * kernel_priv: what kernel.c (host, process, connection, handshake) and
 * kernel_exec.c (the execution queue) share.  Not for other modules.
 */
#ifndef SBX_KERNEL_PRIV_H
#define SBX_KERNEL_PRIV_H
#include "kernel.h"
#include "kernel_launch.h"

/* K_FAILED: no process (it failed, died, or was never started); the next
 * execution launches one. */
enum kstate { K_FAILED, K_STARTING, K_READY };
enum { CH_SHELL, CH_CONTROL, CH_IOPUB, CH_N };
enum { ST_SETUP, ST_PRE, ST_CODE, ST_POST, ST_N };

/* Deno publishes a cell's execute_result up to a few ms after its idle and
 * execute_reply: a cell with no result yet is held open this long after
 * both came, taking late IOPub output of its request. */
#define KEXEC_LATE_GRACE_MS 30

struct kexec {
	kernel *k;
	kexec *next;
	char *code[ST_N];
	char *what[ST_N];
	int step;                 /* current step, -1 before the first */
	char msg_id[37];          /* request of the current step; "" until sent */
	int got_reply, got_idle, saw_error;
	json_t *reply;            /* execute_reply content, kept until idle */
	char code_id[37];         /* request of the cell (ST_CODE); "" if not sent */
	int got_result;           /* the cell's execute_result came */
	int64_t code_end;         /* when the cell's reply and idle were both in */
	int64_t grace_timer;      /* waiting for late output before finishing */
	int pre_failed;
	int cancelled;
	kexec_ops ops;
	void *ud;
};

/* A process that was asked to exit and is waited for in the background. */
struct grave {
	pid_t pid;
	void *control;            /* kept open so the shutdown_request is delivered */
	int64_t timer;
	int64_t since;
	struct grave *next;
};

struct kernel {
	kernel_host *h;
	kernel *next;
	kspec spec;
	char *cwd;
	char *env_sig;
	char *prelude;            /* silent code every new process runs first */
	enum kstate state;
	klaunch proc;             /* files and pid of the current process */
	char session[37];
	void *sock[CH_N];
	int fd[CH_N];
	unsigned conn_gen;        /* bumps whenever the sockets change */
	int64_t hs_timer, hs_deadline;
	int got_info_reply, got_iopub;
	kexec *head, *tail;
};

struct kernel_host {
	agent *a;
	void *zctx;
	char *rundir;
	unsigned gen;
	kernel *kernels;
	struct grave *graves;
};

static inline jwire_ident kernel_ident(kernel *k)
{
	return (jwire_ident){ k->proc.key, k->session, "sbx-agent" };
}

/* kernel.c: (re)start the process of a kernel that has none. */
int kernel_launch_proc(kernel *k, sbx_err *e);

/* kernel_exec.c */
/* Starts the next step of the head execution when nothing is in flight. */
void kq_kick(kernel *k);
/* Queues k->prelude ahead of everything (the process just became ready). */
void kq_prelude(kernel *k);
/* Every pending execution gets error (name, value) and done. */
void kq_fail_all(kernel *k, const char *name, const char *value);
/* A message of a READY kernel: IOPub output / shell execute_reply. */
void kq_on_iopub(kernel *k, const jmsg *m);
void kq_on_execute_reply(kernel *k, const jmsg *m);

#endif
