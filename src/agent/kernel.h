/*
 * kernel: one Jupyter kernel process spoken to over ZeroMQ, driven by the
 * agent's event loop (no threads).
 *
 * A kernel_host holds what all kernels of an agent share: the ZeroMQ
 * context, a private 0700 runtime directory for connection files, ipc
 * sockets and kernel logs, and the processes that are shutting down.
 *
 * kernel_new launches the process and returns at once; the readiness
 * handshake (kernel_info nudges every 500 ms until the kernel_info_reply and
 * some IOPub message have arrived, 60 s deadline) runs in the loop and
 * executions queue meanwhile.  Executions run one at a time; each is a short
 * list of requests (optional silent setup / pre steps, the cell, an optional
 * silent post step) sent back to back with nothing in between, so per-cell
 * environment changes cannot leak into another cell.
 *
 * Every execution ends with exactly one done callback.  Failures that are
 * not the cell's own (the kernel died, was restarted, could not start, the
 * context was deleted) arrive as an error callback with a clear name and
 * value first.  After an unexpected death the kernel restarts by itself; its
 * state is lost and the error says so.
 */
#ifndef SBX_KERNEL_H
#define SBX_KERNEL_H
#include "agent.h"
#include "kernel_wire.h"
#include "kernelspec.h"

typedef struct kernel_host kernel_host;
typedef struct kernel kernel;
typedef struct kexec kexec;

kernel_host *kernel_host_new(agent *a, sbx_err *e);
/* Stops every kernel (shutdown_request, then SIGTERM, then SIGKILL of its
 * process group, waiting at most ~2 s in all) and removes the runtime dir.
 * Meant for agent exit: it waits without the loop. */
void kernel_host_free(kernel_host *h);

/* Launches spec's kernel with working directory cwd.  The environment is the
 * agent's plus agent->env plus the kernelspec's, with cfg.python_path first
 * on PYTHONPATH.  prelude (may be NULL) is run silently by every process of
 * this kernel once it is ready, before any execution.  deferred: the process
 * starts with the first execution (or restart), not now. */
kernel *kernel_new(kernel_host *h, const kspec *spec, const char *cwd, const char *prelude,
		   int deferred, sbx_err *e);
/* Pending executions get error (name, value) and done; then the process is
 * asked to shut down and reaped in the background. */
void kernel_free(kernel *k, const char *name, const char *value);
/* Kills the process group and starts a fresh process; pending executions
 * get a ContextRestarting error. */
int kernel_restart(kernel *k, sbx_err *e);

/* An opaque string the owner uses to remember which global environment the
 * process has (set at launch from agent->env, see kernel_env_signature). */
const char *kernel_env_sig(const kernel *k);
void kernel_set_env_sig(kernel *k, const char *sig);
/* Signature of an agent_env as kernel_env_sig reports it (heap string). */
char *kernel_env_signature(const agent_env *env);

typedef struct kexec_ops {
	/* IOPub output of the cell itself: stream, execute_input, display_data,
	 * execute_result, error, update_display_data, clear_output. */
	void (*output)(const jmsg *m, void *ud);
	/* An error the cell's own output did not show: the execute_reply error
	 * when no IOPub error came, a failed silent step, an abort, or the
	 * kernel dying/restarting/failing to start. */
	void (*error)(const char *name, const char *value, const char *traceback, void *ud);
	/* Exactly once, last.  The kexec is freed right after. */
	void (*done)(void *ud);
} kexec_ops;

typedef struct kexec_req {
	const char *setup;      /* silent, optional: its failure is reported, the cell still runs */
	const char *pre;        /* silent, optional: its failure is reported and skips code and post */
	const char *code;       /* the cell */
	const char *post;       /* silent, optional: runs after the cell whenever pre succeeded */
	const char *setup_what; /* "setting the global environment" — prefixes failure values */
	const char *pre_what;
	const char *post_what;
} kexec_req;

/* Queues an execution and stores it in *out.  Returns -1 (e set, *out NULL,
 * no callbacks) only when the kernel cannot even be launched; later
 * failures come through ops.  ops may run before this returns (a request
 * that cannot be sent), so *out is written first and done is the owner's
 * cue to forget it. */
int kernel_execute(kernel *k, const kexec_req *req, const kexec_ops *ops, void *ud, kexec **out,
		   sbx_err *e);
/* The client went away: no more callbacks; a running cell is interrupted
 * (SIGINT to the kernel's process group), a queued one never runs.  Silent
 * post steps still run so the kernel's state stays consistent. */
void kexec_cancel(kexec *x);

#endif
