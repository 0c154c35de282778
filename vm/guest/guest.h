/*
 * guest: what every VM sandbox boots, shared by the qemu and ch drivers.
 *
 *  - the kernel: Debian's linux-image-cloud-amd64, fetched with
 *    `apt-get download` and unpacked into the cache (never installed on the
 *    host); its bzImage is booted directly;
 *  - an initramfs: sbx-guest-init (vm/guest/init.c, static) plus the virtio
 *    modules it loads in dependency order; it mounts the root disk
 *    (GUEST_ROOT_DEV, ext4, read-write: a per-sandbox qcow2 overlay over the
 *    template's image), configures lo and eth0 (GUEST_IP, gateway
 *    GUEST_GW), sets the hostname, and execs sbx-agent as PID 1 with its
 *    output on the serial console;
 *  - a template's disk: its rootfs as an ext4 image, built once beside it.
 *
 * Everything is built once and cached ($SBX_CACHE_DIR/guest/KEY/), keyed by
 * its inputs (the .deb, the init binary, the module list); concurrent
 * builders serialise on a lock.  Calls return 0 or -1 with what failed and
 * what to do in *e.
 */
#ifndef SBX_GUEST_H
#define SBX_GUEST_H
#include "../../src/util/err.h"

/* The guest's network, the same in every VM sandbox (each has its own
 * network namespace, vm/vm_net.h): guest eth0 GUEST_IP/30, default route
 * via GUEST_GW (the tap's address in the namespace). */
#define GUEST_IP "169.254.0.21"
#define GUEST_GW "169.254.0.22"
#define GUEST_MAC "02:fc:00:00:00:05"
#define GUEST_TAP "tap0"
/* The tap's own MAC, the same in every sandbox: a clone wakes up with the
 * snapshot's ARP cache, so a gateway MAC that changed would swallow the
 * guest's replies until the entry expires. */
#define GUEST_GW_MAC "\x02\xfc\x00\x00\x00\x06"
/* The agent listens here on eth0 (envd and code interpreter on one port),
 * and on vsock port GUEST_AGENT_PORT where the VM has a vsock device. */
#define GUEST_AGENT_PORT 49983
#define GUEST_ROOT_DEV "/dev/vda"
/* Every VM sandbox's disk: the template's ext4 image is this size (sparse)
 * and each sandbox's overlay has the same virtual size. */
#define GUEST_DISK_MB 4096

typedef struct guest_kernel {
	char *kernel;      /* bzImage */
	char *initramfs;   /* newc cpio */
	char *version;     /* e.g. "6.1.0-41-cloud-amd64" */
	char *key;         /* 16 hex: hash of everything above and guest_warm_recipe, for snapshot keys */
} guest_kernel;

/* The kernel and initramfs, building them if missing (~10 s; needs
 * apt-get, dpkg-deb and network access to Debian's mirror the first time). */
int guest_kernel_get(guest_kernel *out, sbx_err *e);
void guest_kernel_free(guest_kernel *g);

/* The kernel command line for a VM whose serial console is `console`
 * ("ttyS0"); extra (may be NULL) is appended.  Caller frees.
 * QEMU: `-M microvm` with its ACPI on (the default): the cloud kernel finds
 * virtio-mmio devices only through ACPI (it lacks
 * VIRTIO_MMIO_CMDLINE_DEVICES, so acpi=off leaves it without a disk); add
 * -no-reboot, as init's failures and power-off without ACPI end in a reset. */
char *guest_cmdline(const char *console, const char *extra);

/* <template_dir>/disk-<size_mb>.ext4: the template's rootfs as a sparse
 * ext4 image of size_mb (mkfs.ext4 -d), built once (~5 s) under a lock and
 * never replaced (overlays over it keep its size).  Caller frees *path. */
int guest_disk_image(const char *template_dir, int size_mb, char **path, sbx_err *e);

/* What a template's booted snapshot runs before it is saved, so a clone's
 * first cell and first chart find the interpreter, numpy, pandas and
 * matplotlib loaded: none without the chart extension (no Python); "1+1",
 * a figure where matplotlib is installed, then a reset of the user's
 * namespace and execution count (a clone's first cell is In[1], as in a
 * fresh kernel). */
typedef struct guest_cell {
	const char *code;   /* NULL ends the list */
	const char *want;   /* text the answer must hold, or NULL */
} guest_cell;
#define GUEST_WARM_MAX 4
/* Fills out (GUEST_WARM_MAX entries, NULL-terminated); returns how many. */
int guest_warm_cells(const char *template_dir, guest_cell out[GUEST_WARM_MAX]);
/* Every cell and expected answer any template may use, NULL-terminated:
 * part of guest_kernel.key, so a change to them makes new snapshots. */
extern const char *const guest_warm_recipe[];
/* The agent's answer to POST /execute (HTTP status, NDJSON body) for cell
 * c: 0, or -1 with why; *retry = 1 when its kernel did not start in time
 * (under TCG on a busy host the next try finds its files in the page cache). */
int guest_warm_check(const guest_cell *c, long status, const char *body, int *retry, sbx_err *e);

#endif
