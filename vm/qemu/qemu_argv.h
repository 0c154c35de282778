/*
 * qemu_argv: the pure parts of the qemu driver: QEMU's command line for a
 * VM sandbox, the key of a booted snapshot, QEMU's version from its
 * --version text.  The booted snapshot and every clone and resume of it run
 * with the same machine, devices, RAM size and vCPU count (migration needs
 * them identical); only paths, share= and -incoming differ.
 */
#ifndef SBX_QEMU_ARGV_H
#define SBX_QEMU_ARGV_H

typedef struct qemu_vm_cfg {
	const char *qemu;         /* absolute path of qemu-system-x86_64 */
	const char *machine;      /* "microvm" or "q35" */
	const char *accel;        /* "kvm" or "tcg" */
	int cpus, memory_mb;
	const char *kernel, *initrd, *cmdline;
	const char *ram_path;     /* the memory-backend-file */
	int ram_share;            /* 1: writes go to the file (snapshot boot) */
	const char *disk;         /* qcow2 */
	const char *qmp_sock;
	const char *serial_log;   /* appended to */
	int net;                  /* 1: virtio-net on GUEST_TAP (the VMM runs in the netns) */
	int incoming;             /* 1: -incoming defer (restore) */
} qemu_vm_cfg;

/* QEMU's argv (NULL-terminated heap strings; sbx_strv_free). */
char **qemu_argv(const qemu_vm_cfg *c);

/* "7.2.22" from `qemu-system-x86_64 --version`'s output; NULL when the text
 * has none.  Caller frees. */
char *qemu_version_parse(const char *text);

/* A booted snapshot's directory name: the template's hash (first 12 hex),
 * the guest's key, QEMU's version, the machine, accelerator, vCPUs and RAM
 * (a snapshot fixes the last two: each pair gets its own).  NULL when a
 * part could put anything but [A-Za-z0-9._] in a path.  Caller frees. */
char *qemu_snap_key(const char *template_hash, const char *guest_key, const char *qemu_version,
		    const char *machine, const char *accel, int cpus, int memory_mb);

#endif
