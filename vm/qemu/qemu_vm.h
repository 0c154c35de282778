/*
 * qemu_vm: one QEMU process of a VM sandbox or booted snapshot, started
 * from a qemu_vm_cfg (vm_proc: detached, in the sandbox's netns) and driven
 * over QMP: save its whole state to a file (stop, migrate to
 * "exec:cat > FILE", waiting with progress), load one into a QEMU started
 * with -incoming defer, continue, quit.
 */
#ifndef SBX_QEMU_VM_H
#define SBX_QEMU_VM_H
#include "qemu_argv.h"
#include "qemu_qmp.h"
#include "../vm_proc.h"

/* Spawns QEMU (any stale QMP socket removed first) with its output appended
 * to vmm_log and connects QMP; on failure kills it and says why with the
 * tail of vmm_log. */
int qvm_start(const qemu_vm_cfg *c, const vm_net *net, const char *vmm_log, vm_proc *p, qmp *q, sbx_err *e);

/* Stops the VM and writes its state to path (x-ignore-shared: RAM in a
 * share=on backend stays out of it), waiting up to timeout_ms; while it
 * runs, progress_file (may be NULL) gets "DONE TOTAL\n" (RT_PROGRESS_FILE). */
int qvm_save(qmp *q, const char *path, int ignore_shared, const char *progress_file, int timeout_ms,
	     sbx_err *e);
/* Loads state from path into a QEMU started with incoming = 1 and runs it. */
int qvm_load(qmp *q, const char *path, int ignore_shared, int timeout_ms, sbx_err *e);

/* The last lines (up to max bytes) of a log file, for error messages.
 * Caller frees; "" when unreadable. */
char *qvm_log_tail(const char *path, size_t max);

/* Shell-safe: the paths we pass inside "exec:cat ..." URIs. */
int qvm_path_ok(const char *path);

#endif
