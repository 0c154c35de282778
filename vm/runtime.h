/*
 * runtime: the interface between sbxd and a sandbox driver: runtime_ns
 * (vm/ns/, Linux namespaces), runtime_qemu (vm/qemu/) and runtime_ch
 * (vm/ch/, cloud-hypervisor), the last two sharing one guest (vm/guest/)
 * and the VM plumbing in vm/vm_*.  sbxd creates, pauses, resumes and
 * destroys sandboxes through it and reaches each sandbox's sbx-agent at the
 * address the driver reports.
 *
 * Every call returns 0 or -1 with a message in *e that says what failed and
 * what to do.  Calls may block briefly (mounts, forks) but never wait for the
 * agent to become ready: sbxd polls the agent's /health itself.
 *
 * A sandbox outlives the process that created it: all a driver needs to find
 * it again (after sbxd restarts or crashes) lives in spec->state_dir, and
 * adopt() rebuilds the handle from there.
 */
#ifndef SBX_RUNTIME_H
#define SBX_RUNTIME_H
#include <stdint.h>
#include "../src/util/err.h"

typedef struct rt_limits {
	int cpus;          /* 0: no limit */
	int memory_mb;     /* 0: no limit */
	int disk_mb;       /* 0: no limit (size of the writable layer) */
	int pids;          /* 0: driver default */
} rt_limits;

/* A directory of the host mounted into a sandbox (a volume, issue 12). */
typedef struct rt_mount {
	const char *host_dir;      /* absolute, exists */
	const char *path;          /* absolute path inside the sandbox; made if missing */
} rt_mount;

/* Outbound traffic rules of a sandbox (E2B's network config).  Addresses
 * only: sbxd resolves domain names before calling the driver.  Each entry
 * is "A.B.C.D", "A.B.C.D/N", an IPv6 address or "ADDR/N".  allow_out wins
 * over deny_out; with internet 0 everything outside allow_out is denied.
 * The sandbox's own loopback and the host's agent channel are never
 * affected. */
typedef struct rt_net {
	int internet;
	const char *const *allow_out;   /* NULL-terminated, or NULL */
	const char *const *deny_out;    /* NULL-terminated, or NULL */
} rt_net;

typedef struct rt_spec {
	const char *id;            /* sandbox id, [a-z0-9]+ */
	const char *template_dir;  /* a built template (see vm/template/template.h) */
	const char *state_dir;     /* per-sandbox dir, owned by the driver; exists */
	const char *agent_bin;     /* sbx-agent binary to run inside when the template has none */
	rt_limits limits;
	int internet;              /* 0: no outbound network */
	const char *access_token;  /* given to the agent (--access-token) */
	const char *const *env;    /* KEY=VALUE, NULL-terminated; the agent's global env */
	/* Non-NULL: start from this user snapshot (a dir written by snapshot())
	 * instead of the template's fresh state; template_dir is still the
	 * snapshot's template. */
	const char *snapshot_dir;
	const char *const *allow_out;   /* rt_net's lists at create (internet above) */
	const char *const *deny_out;
	const rt_mount *mounts;    /* volumes, n_mounts of them */
	int n_mounts;
} rt_spec;

/* Flags of a driver (runtime_ops.flags). */
/* Its sandboxes start as clones of a booted snapshot and come back from
 * pause as restores: after create sbxd sends the agent POST /init with the
 * sandbox's env, token, time, hostname and fresh entropy (authenticated by
 * agent_token()), after resume one with the time. */
#define RT_RESTORES 0x1
/* pause()/resume() take seconds (memory written to or read from disk):
 * sbxd runs them in jobs and shows their progress (RT_PROGRESS_FILE). */
#define RT_SLOW_PAUSE 0x2

/* While pause() or resume() runs, a driver with RT_SLOW_PAUSE keeps
 * "<state_dir>/" RT_PROGRESS_FILE up to date: one line "DONE TOTAL" + LF,
 * in bytes (TOTAL 0 while unknown); it removes the file when done. */
#define RT_PROGRESS_FILE "progress"


typedef struct rt_stats {
	int cpu_count;
	double cpu_used_pct;
	uint64_t mem_used, mem_total;    /* bytes */
	uint64_t disk_used, disk_total;  /* bytes */
} rt_stats;

typedef struct rt_sandbox rt_sandbox;   /* driver-private */

typedef struct runtime_ops {
	const char *name;                                   /* "ns", "qemu", "ch" */
	unsigned flags;                                     /* RT_* above */
	/* 1 when this machine can run the driver; else 0 and why in *e (what
	 * to install or fix).  Cheap after the first call (results of probes
	 * are cached). */
	int (*available)(sbx_err *e);
	/* The accelerator its sandboxes run on here: "kvm" or "tcg" for VMs;
	 * NULL for ns (no VM). */
	const char *(*accel)(void);
	int (*create)(const rt_spec *spec, rt_sandbox **out, sbx_err *e);
	int (*adopt)(const char *state_dir, rt_sandbox **out, sbx_err *e);
	/* "unix:PATH" (or "tcp:HOST:PORT") where the sandbox's agent listens. */
	const char *(*agent_addr)(rt_sandbox *s);
	/* RT_RESTORES drivers: the access token the agent holds until sbxd's
	 * first /init (the booted snapshot's, never spec->access_token).  May
	 * be NULL for other drivers. */
	const char *(*agent_token)(rt_sandbox *s);
	/* 1 while the sandbox's processes exist (running or paused).  A paused
	 * VM sandbox has no process, only its snapshot on disk: 1 while that is
	 * intact (and watch() gives -1). */
	int (*alive)(rt_sandbox *s);
	/* An fd that polls readable once the sandbox's processes are gone (a
	 * pidfd of its init), for any process, not only the creator; the
	 * caller closes it.  -1 when the driver has none or the sandbox is
	 * already gone (alive() tells which).  May be NULL: sbxd then only
	 * polls alive(). */
	int (*watch)(rt_sandbox *s);
	int (*pause)(rt_sandbox *s, sbx_err *e);
	int (*resume)(rt_sandbox *s, sbx_err *e);
	int (*stats)(rt_sandbox *s, rt_stats *st, sbx_err *e);
	/* Save the paused sandbox's state under dir (made by the caller, empty)
	 * so that create() with spec->snapshot_dir = dir starts a copy of it:
	 * memory included for VM drivers, the filesystem for ns.  The sandbox
	 * stays paused. */
	int (*snapshot)(rt_sandbox *s, const char *dir, sbx_err *e);
	/* A filesystem-only pause (E2B's pause({keepMemory: false})): every
	 * process stops, the writable layer is kept; the next resume() starts
	 * the sandbox fresh (a new boot / a new init) on that layer.  NULL where
	 * the driver cannot. */
	int (*pause_disk)(rt_sandbox *s, sbx_err *e);
	/* Replace the sandbox's outbound rules at run time (updateNetwork). */
	int (*set_net)(rt_sandbox *s, const rt_net *net, sbx_err *e);
	/* Kill everything, remove what the driver made (mounts, cgroups, links);
	 * frees s.  Leaves state_dir's logs for sbxd to remove. */
	int (*destroy)(rt_sandbox *s, sbx_err *e);
	/* Free the handle only; the sandbox keeps running (sbxd shutting down). */
	void (*release)(rt_sandbox *s);
} runtime_ops;

extern const runtime_ops runtime_ns;
extern const runtime_ops runtime_qemu;
extern const runtime_ops runtime_ch;

#endif
