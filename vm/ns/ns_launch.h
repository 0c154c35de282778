/*
 * ns_launch: start a sandbox's init (the agent) in its own namespaces.
 *
 *   creator ──fork──> helper: setsid, join the sandbox cgroup, cd disk/,
 *                     become the range's first uid, unshare(user), report
 *   creator: write the helper's uid_map and gid_map (0..65535 -> the range),
 *            attach the idmapped rootfs (nsmnt_host_attach), "maps"
 *                     helper: unshare(mnt pid net uts ipc cgroup), fork,
 *                     report, exit
 *                       └──> init (PID 1 inside): mount and pivot_root,
 *                            wait for "go", configure its network, set the
 *                            hostname, drop capabilities, install the
 *                            seccomp filter, exec the agent
 *   creator: detach the rootfs on the host (the sandbox keeps its copy)
 *
 * The user namespace is created by the range's own uid, not by root: the
 * kernel charges per-user counts (inotify instances and watches, user
 * namespaces, ...) up the namespace chain to its owner, so each sandbox
 * spends its own host uid's quota and none of root's or another sandbox's.
 * The creator (root) writes the maps, which also leaves setgroups allowed
 * (for initgroups and sudo inside).
 *
 * The helper exits at once, so the init is not the creator's child: it
 * survives the creator's death and is reaped by the host's init (or the
 * nearest child subreaper, e.g. sbxd) when it ends.  Between the fork and
 * "go" the creator builds the veth pair into the init's network namespace.
 * A pipe closed on exec tells the creator the agent started, or carries the
 * reason it did not.  Everything the children use is built before forking,
 * so they only make system calls (safe in a multi-threaded creator).
 */
#ifndef SBX_NS_LAUNCH_H
#define SBX_NS_LAUNCH_H
#include <sys/types.h>
#include "ns_cgroup.h"
#include "ns_mount.h"
#include "ns_seccomp.h"
#include <stdint.h>

typedef struct ns_launch {
	nsmnt_plan mnt;
	char *procs[NSCG_MAX_DIRS];   /* cgroup.procs files to join */
	int nprocs;
	char *hostname;
	char *exe;                    /* the agent, as a path inside */
	char **argv, **envp;
	int log_fd;                   /* the agent's stdout/stderr */
	int cap_last;
	uint32_t uid_base;            /* host uid of root inside */
	nssec_filter sec;
	/* pipes, -1 when closed */
	int go_w, err_r;
	pid_t pid;                    /* the init, as seen from the host */
} ns_launch;

/* Take ownership of the strings in mnt; argv and envp are copied. */
void nsl_init(ns_launch *l, nsmnt_plan *mnt, const ns_cgroup *cg, uint32_t uid_base,
	      const char *hostname, const char *exe, const char *const *argv,
	      const char *const *envp, int log_fd);

/* Fork the helper; on return l->pid is the init, waiting for nsl_go. */
int nsl_spawn(ns_launch *l, sbx_err *e);

/* Let the init proceed (net_index -1: no veth) and wait until it has
 * exec'd the agent (0) or failed (-1, with its reason). */
int nsl_go(ns_launch *l, int net_index, sbx_err *e);

/* The init's failure report, if it sent one within timeout_ms ("" if it
 * is still running fine); -1 on timeout. */
int nsl_report(const ns_launch *l, char *buf, size_t n, int timeout_ms);

/* Close pipes and free; an init still waiting for "go" then exits. */
void nsl_free(ns_launch *l);

#endif
