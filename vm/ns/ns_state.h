/*
 * ns_state: what the ns driver knows about one sandbox, kept in
 * <state_dir>/state.json so that any later process can adopt or destroy it.
 *
 * It is written before anything is made (so a creator killed half-way
 * leaves a record of what to undo) and rewritten as pieces appear.
 */
#ifndef SBX_NS_STATE_H
#define SBX_NS_STATE_H
#include <stdint.h>
#include <sys/types.h>
#include "ns_cgroup.h"

typedef struct ns_state {
	char *dir;                /* absolute state dir */
	char *id;
	char *template_dir;
	pid_t pid;                /* the sandbox's init (the agent), as the host sees it; 0: none yet */
	uint64_t start_time;      /* its start time in clock ticks, against pid reuse */
	ns_cgroup cg;
	char veth[16];            /* host link, "" without network */
	int net_index;            /* -1 without network */
	int loop;                 /* loop device of the disk image, -1: none */
	int uid_slot;             /* its host uid range (ns_uid.h), -1: none yet */
	int cpus, memory_mb, disk_mb, pids;
	int64_t created_ms;       /* wall clock, ms since the epoch */
	/* What a new init needs after a filesystem-only pause (pause_disk):
	 * the agent's token, env and binary, and whether it has a network. */
	char *token;              /* may be NULL */
	char **env;               /* KEY=VALUE, NULL-terminated; may be NULL */
	char *agent_bin;          /* may be NULL */
	int internet;
	int disk_paused;          /* 1: no process; disk/ holds its files (pause_disk) */
} ns_state;

int nss_save(const ns_state *st, sbx_err *e);
/* Load <dir>/state.json into a zeroed *st. */
int nss_load(ns_state *st, const char *dir, sbx_err *e);
void nss_free(ns_state *st);

/* 1 when st->pid is still the sandbox's init (same start time, not a zombie). */
int nss_alive(const ns_state *st);

#endif
