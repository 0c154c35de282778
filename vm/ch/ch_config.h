/*
 * ch_config: the VmConfig sbx gives cloud-hypervisor's vm.create, and the
 * per-clone copy of a snapshot directory with its config.json patched.
 *
 * A snapshot's config.json holds absolute per-VM paths (disk, vsock
 * socket, serial file); every clone restores from its own copy of the
 * snapshot dir whose config.json points at the clone's files, every other
 * field kept as the VMM wrote it (fields we do not know included).  The
 * tap keeps its name: every sandbox has its own network namespace with its
 * own tap0.  memory-ranges is hard-linked (CH reads it, never writes it).
 */
#ifndef SBX_CH_CONFIG_H
#define SBX_CH_CONFIG_H
#include <jansson.h>
#include "../../src/util/err.h"

typedef struct ch_vm_params {
	int cpus;
	int memory_mb;
	const char *kernel, *initramfs, *cmdline;
	const char *disk;      /* qcow2 overlay */
	const char *serial;    /* serial log file */
	const char *vsock;     /* hybrid vsock socket */
} ch_vm_params;

/* The body of vm.create. */
json_t *ch_vmconfig(const ch_vm_params *p);

/* Point cfg (a snapshot's config.json) at this clone's disk, vsock socket
 * and serial file; -1 when cfg lacks what sbx put there. */
int ch_config_patch(json_t *cfg, const char *disk, const char *vsock, const char *serial, sbx_err *e);

/* Make dst (created, must not exist) a restorable copy of snapshot dir
 * src for a clone: config.json patched, memory-ranges hard-linked (copied
 * when the link fails, e.g. across filesystems), other files copied. */
int ch_snapshot_clone(const char *src, const char *dst, const char *disk, const char *vsock,
		      const char *serial, sbx_err *e);


#endif
