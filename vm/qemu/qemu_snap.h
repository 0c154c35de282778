/*
 * qemu_snap: a template's booted snapshot for the qemu driver, the image
 * every sandbox of that template is cloned from.
 *
 * $SBX_CACHE_DIR/vm/qemu/KEY/ (KEY: qemu_snap_key) holds
 *   ram          guest RAM, a memory-backend-file written share=on while the
 *                template booted; clones map it share=off (copy-on-write)
 *   state        devices and vCPUs, QEMU's migration stream (x-ignore-shared)
 *   disk.qcow2   the frozen disk, an overlay over the template's disk.ext4
 *   meta.json    token, machine, accelerator, vCPUs, RAM, kernel, command
 *                line, sizes, QEMU version, build time (written last: a dir
 *                without it is an unfinished build and is redone)
 *   serial.log, vmm.log   the cold boot's console and QEMU's output
 * Built on first need (cold boot in a throwaway vm_net, the agent's /health,
 * warm-up of Python and matplotlib, stop, save, quit) under a lock.
 */
#ifndef SBX_QEMU_SNAP_H
#define SBX_QEMU_SNAP_H
#include "qemu_argv.h"
#include "../../src/util/err.h"

typedef struct qemu_snap {
	char *dir;
	char *token;           /* the agent's token inside the snapshot */
	char *qemu;            /* absolute qemu-system-x86_64 */
	char *machine, *accel;
	char *kernel, *initrd, *cmdline;
	int cpus, memory_mb;
} qemu_snap;

/* The snapshot of template_dir for cpus x memory_mb, building it when
 * missing (log lines go to stderr: sbxd's job log). */
int qemu_snap_get(const char *template_dir, int cpus, int memory_mb, qemu_snap *out, sbx_err *e);
/* Loads an existing snapshot dir (a sandbox's record names it). */
int qemu_snap_load(const char *dir, qemu_snap *out, sbx_err *e);
void qemu_snap_free(qemu_snap *s);
/* c's machine, accel, cpus, RAM, kernel fields and ram_path (share=off)
 * from s; the caller fills the per-VM paths.  Strings borrowed from s. */
void qemu_snap_cfg(const qemu_snap *s, qemu_vm_cfg *c);

/* QEMU's version ("7.2.22"); NULL with why in e. */
char *qemu_version(const char *qemu, sbx_err *e);

#endif
