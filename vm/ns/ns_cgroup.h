/*
 * ns_cgroup: one cgroup per sandbox, on cgroup v2 or (where the controllers
 * still live in v1 hierarchies) cgroup v1.
 *
 * Layout: <hierarchy>/sbx/<id> — v2: one directory in the unified hierarchy
 * with memory, cpu and pids enabled; v1: one directory in each of the
 * memory, cpu, cpuacct, pids and freezer hierarchies (fewer when some are
 * mounted together).  Sandboxes sit beside, not under, whatever cgroup the
 * creating process is in, so they outlive it and are not charged to it.
 */
#ifndef SBX_NS_CGROUP_H
#define SBX_NS_CGROUP_H
#include <stdint.h>
#include <sys/types.h>
#include "../../src/util/err.h"

#define NSCG_MAX_DIRS 5
#define NSCG_DEFAULT_PIDS 1024

enum { NSCG_MEMORY, NSCG_CPU, NSCG_CPUACCT, NSCG_PIDS, NSCG_FREEZER, NSCG_NCTL };

typedef struct ns_cgroup {
	int version;                 /* 1 or 2; 0: none */
	int n;                       /* directories in dir[] */
	char *dir[NSCG_MAX_DIRS];    /* absolute; v2 has one */
	int ctl[NSCG_NCTL];          /* index into dir[] serving each controller */
} ns_cgroup;

/* 0 when a usable cgroup setup exists; else -1 and what is missing. */
int nscg_probe(sbx_err *e);

/* Create the sandbox's cgroup and write its limits (cpus/memory_mb 0: none;
 * pids 0: NSCG_DEFAULT_PIDS).  On failure nothing is left behind. */
int nscg_create(ns_cgroup *cg, const char *id, int cpus, int memory_mb, int pids, sbx_err *e);

/* "<dir>/cgroup.procs" for each directory, for a process that moves itself
 * in right after fork (where allocating is not safe).  Caller frees each. */
int nscg_procs_files(const ns_cgroup *cg, char *out[NSCG_MAX_DIRS]);

int nscg_freeze(const ns_cgroup *cg, int frozen, sbx_err *e);
/* 1 frozen, 0 not, -1 error. */
int nscg_frozen(const ns_cgroup *cg, sbx_err *e);

/* SIGKILL every process in the cgroup (thawing it so they can die) and wait
 * until it is empty. */
int nscg_kill_all(const ns_cgroup *cg, sbx_err *e);
/* Remove the directories (the cgroup must be empty); missing ones are fine. */
int nscg_remove(const ns_cgroup *cg, sbx_err *e);

/* CPU time used (ns), memory in use and the memory limit (0: none). */
int nscg_usage(const ns_cgroup *cg, uint64_t *cpu_ns, uint64_t *mem, uint64_t *mem_max, sbx_err *e);

void nscg_free(ns_cgroup *cg);

#endif
