/*
 * ns_mount: a sandbox's file systems.
 *
 * On the host, under the state dir:
 *   disk.img   sparse ext4 image of the disk limit (only with a disk limit)
 *   disk/      that image loop-mounted (or a plain directory bound onto
 *              itself without a limit), owned by the sandbox's root (its
 *              range's first uid, see ns_uid.h), mode 0700, holding
 *              everything the sandbox can write and its mount points:
 *     upper/ work/   the overlayfs upper and work dirs (ids in the range)
 *     run/           bind-mounted at /run/sbx inside: the agent's socket
 *     log/agent.log  the agent's stdout and stderr
 *     lower/         the template's rootfs, idmapped into the range and
 *                    read-only: attached only while the sandbox starts
 *     agent          the host's agent binary, bound likewise (when the
 *                    template has none)
 *     vol<N>         volumes (spec->mounts), idmapped likewise but writable,
 *                    attached only while the sandbox starts
 *     root/          mount point of the sandbox's root, used only inside
 *                    its own mount namespace (the host never sees the overlay)
 *   agent.log  the agent log's tail, saved there by nsmnt_disk_destroy
 *
 * Why an ext4 image and not tmpfs: tmpfs pages are charged to the sandbox's
 * memory cgroup and stay in RAM, so files would eat the memory limit and
 * large disks would need as much RAM.  An image is sparse, costs only what
 * is written, and a full one gives ENOSPC inside and nothing outside.
 *
 * Inside (nsmnt_child_setup, in the sandbox's fresh mount namespace, owned
 * by its user namespace, working directory disk/): the overlay of lower/
 * (never written) and upper/, given by names relative to disk/ so that no
 * host path shows in the sandbox's mountinfo; its own /proc, /sys
 * read-only, a minimal /dev on tmpfs (the host's device nodes bound: a user
 * namespace cannot mknod) with a private devpts and /dev/shm, /run/sbx,
 * then pivot_root into it — at once, since until then the new namespace
 * holds copies of every host mount, other sandboxes' disks included, and
 * would keep them busy.  nsmnt_child_harden then makes /proc's kernel knobs
 * read-only or masks them (after the network set-up, which writes
 * /proc/sys/net).  /tmp is the rootfs's own, on the sandbox disk.
 */
#ifndef SBX_NS_MOUNT_H
#define SBX_NS_MOUNT_H
#include <stdint.h>
#include "../../src/util/err.h"
#include "../runtime.h"

/* In-sandbox path of the agent when the template ships none. */
#define NSMNT_AGENT_PATH "/usr/lib/sbx/sbx-agent"
/* The overlay, relative to disk/; userxattr: trusted.* xattrs are out of a
 * user namespace's reach. */
#define NSMNT_OVERLAY_OPTS "lowerdir=lower,upperdir=upper,workdir=work,userxattr"

/* Make <state>/disk (an ext4 image of disk_mb, or a plain dir when 0) with
 * the directories above, owned for the range at uid_base.  Sets *loop to
 * the loop device number (-1 without an image).  On failure nothing is left. */
int nsmnt_disk_create(const char *state_dir, int disk_mb, uint32_t uid_base, int *loop, sbx_err *e);

/* Save the log's tail to <state>/agent.log, unmount what is left attached,
 * the image (waiting for its loop device to be released) or the bind, then
 * delete image and disk.  The sandbox's processes must be gone. */
int nsmnt_disk_destroy(const char *state_dir, int loop, sbx_err *e);

/* Seed the upper layer before the first mount: /etc/hostname, /etc/hosts,
 * /etc/resolv.conf (the host's, minus loopback resolvers a sandbox cannot
 * reach), the /run/sbx mount point, and a mount point for the agent at
 * NSMNT_AGENT_PATH when with_agent; owners and modes as the template's,
 * in the range at uid_base. */
int nsmnt_seed_upper(const char *state_dir, const char *rootfs, const char *id,
		     int with_agent, uint32_t uid_base, sbx_err *e);

/* Everything the child needs, prepared before fork. */
typedef struct nsmnt_plan {
	char *disk;          /* <state>/disk: the init's working directory */
	char *rootfs;        /* the template's rootfs */
	char *agent_src;     /* host binary bound at NSMNT_AGENT_PATH, or NULL */
	char *shm_opts;
	int n_vols;          /* volumes (rt_mount): host dir vol_src[i], attached */
	char **vol_src;      /* at disk/vol<i> like lower/, bound at vol_dst[i] inside */
	char **vol_dst;
} nsmnt_plan;

int nsmnt_plan_init(nsmnt_plan *p, const char *state_dir, const char *rootfs,
		    const char *agent_src, int memory_mb, sbx_err *e);
void nsmnt_plan_free(nsmnt_plan *p);
/* Adds the sandbox's volumes to the plan: each host directory is attached
 * idmapped through the sandbox's user namespace (so a file's owner on the
 * host is the same uid inside every sandbox that mounts it), nosuid and
 * nodev, and bound at its path in the sandbox; the path's directories are
 * made in the sandbox's root, never through a symlink. */
void nsmnt_plan_mounts(nsmnt_plan *p, const rt_mount *m, int n);

/* In the creator, once the sandbox's user namespace has its id maps and
 * before its mount namespace is made: attach disk/lower (the rootfs,
 * idmapped through userns_fd, read-only) and disk/agent.  Detach them (on
 * the host only) once the sandbox's namespace holds its copies. */
int nsmnt_host_attach(const nsmnt_plan *p, int userns_fd, sbx_err *e);
void nsmnt_host_detach(const nsmnt_plan *p);

/* In the child, in its new mount (and pid) namespace, in disk/.  Only system calls.
 * Returns 0 with / the sandbox root, or -1 with *what naming the failed step. */
int nsmnt_child_setup(const nsmnt_plan *p, const char **what);
/* Then, inside the new root: /proc's kernel knobs read-only or masked. */
int nsmnt_child_harden(const char **what);

#endif
