/*
 * vm_state: what a VM driver (qemu, ch) knows about one sandbox, kept in
 * <state_dir>/state.json so any later process (a restarted sbxd, a
 * teardown job) can adopt, resume or destroy it.  Written before anything
 * is made and rewritten as pieces appear, by rename (never half-written).
 *
 * Layout of a VM sandbox's state dir (both drivers):
 *   state.json   this record            netns        the namespace's bind mount
 *   disk.qcow2   its writable disk      serial.log   guest console (kernel + agent)
 *   vmm.log      the VMM's own output   pause/       its snapshot while paused
 *   progress     RT_PROGRESS_FILE while pausing or resuming
 * plus driver sockets (qmp.sock; api.sock, vsock.sock).
 */
#ifndef SBX_VM_STATE_H
#define SBX_VM_STATE_H
#include <stdint.h>
#include <jansson.h>
#include "vm_net.h"
#include "vm_proc.h"

typedef enum { VMS_CREATING, VMS_RUNNING, VMS_PAUSED } vm_status;

typedef struct vm_state {
	char *dir;               /* absolute state dir */
	char *id;
	char *driver;            /* "qemu", "ch" */
	char *template_dir;
	char *snapshot;          /* the booted snapshot it was cloned from */
	char *token;             /* the agent's token until sbxd's /init */
	char *accel;             /* "kvm", "tcg" */
	vm_status status;
	vm_proc vmm;             /* pid 0 while paused */
	vm_net net;
	int cpus, memory_mb, disk_mb;
	int64_t created_ms;      /* wall clock */
	json_t *extra;           /* driver-owned fields (an object; never NULL after load) */
} vm_state;

int vm_state_save(const vm_state *st, sbx_err *e);
/* Load <dir>/state.json into a zeroed *st; driver must match. */
int vm_state_load(vm_state *st, const char *dir, const char *driver, sbx_err *e);
void vm_state_free(vm_state *st);

#endif
