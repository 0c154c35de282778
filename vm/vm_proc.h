/*
 * vm_proc: a VMM process (qemu-system-x86_64, cloud-hypervisor) of one VM
 * sandbox: started detached (own session, no sbxd fds, so it outlives any
 * sbxd) in the sandbox's network namespace with its output appended to a
 * log, and found again later by pid + start time (against pid reuse).
 */
#ifndef SBX_VM_PROC_H
#define SBX_VM_PROC_H
#include <stdint.h>
#include <sys/types.h>
#include "vm_net.h"

typedef struct vm_proc {
	pid_t pid;            /* 0: none */
	uint64_t start_time;  /* clock ticks since boot (/proc/PID/stat field 22) */
} vm_proc;

/* Start argv[0] (absolute) with argv in net's namespace (net may be NULL:
 * the host's), stdin /dev/null, stdout and stderr appended to log_path. */
int vm_proc_spawn(const char *const *argv, const vm_net *net, const char *log_path, vm_proc *out,
		  sbx_err *e);
/* 1 while p is that process and not a zombie. */
int vm_proc_alive(const vm_proc *p);
/* A pidfd for p (-1 when it is gone): polls readable when it exits. */
int vm_proc_pidfd(const vm_proc *p);
/* SIGKILL it and wait (bounded) until it is gone; 0 if it already was. */
int vm_proc_kill(vm_proc *p, sbx_err *e);

#endif
