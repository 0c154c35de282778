/*
 * vm_disk: a VM sandbox's writable disk, a qcow2 overlay (qemu-img) over a
 * read-only base: the template's ext4 image (guest.h) for the template's
 * booted snapshot, the snapshot's own frozen overlay for its clones.  Both
 * QEMU and cloud-hypervisor (image_type Qcow2, backing_files on) open it.
 */
#ifndef SBX_VM_DISK_H
#define SBX_VM_DISK_H
#include <stdint.h>
#include "../src/util/err.h"

/* Create path as a qcow2 overlay of base (format "raw" or "qcow2", given
 * explicitly: never probed).  Fails if path exists. */
int vm_disk_overlay(const char *base, const char *base_fmt, const char *path, sbx_err *e);
/* Bytes allocated on the host for path (what the sandbox wrote). */
int vm_disk_used(const char *path, uint64_t *bytes, sbx_err *e);

#endif
