/*
 * ns_sandbox: the ns driver's handle and the pieces its entry points share.
 * ns_create.c builds a sandbox; ns_runtime.c holds the other runtime_ops.
 */
#ifndef SBX_NS_SANDBOX_H
#define SBX_NS_SANDBOX_H
#include "../runtime.h"
#include "ns_state.h"

/* Host-side paths under the state dir (see ns_mount.h for the layout). */
#define NS_SOCK_REL "/disk/run/agent.sock"
#define NS_LOG_REL "/disk/log/agent.log"

struct rt_sandbox {
	ns_state st;
	char *addr;             /* "unix:<state>/disk/run/agent.sock" */
	uint64_t last_cpu_ns;   /* previous stats sample */
	int64_t last_ms;        /* its time (monotonic); 0: none yet */
};

int ns_create(const rt_spec *spec, rt_sandbox **out, sbx_err *e);

/* After a filesystem-only pause (st->disk_paused): a new init and agent on
 * the sandbox's disk, as at create (same token, env, network), its
 * processes and memory gone.  Saves st. */
int ns_relaunch(ns_state *st, sbx_err *e);

/* Wrap a loaded or freshly built state (taken over) in a handle. */
rt_sandbox *ns_handle(ns_state *st);

/* Undo everything st records: processes, veth, cgroup, disk, state.json.
 * Keeps going past failures, reporting the first; state.json stays when
 * anything failed, so that destroy can be retried. */
int ns_teardown(ns_state *st, sbx_err *e);

#endif
