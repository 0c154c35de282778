/*
 * ns_snap: user snapshots of ns sandboxes — the filesystem only.
 *
 * A snapshot dir holds upper/ (a copy of the frozen sandbox's overlay upper
 * layer: everything it wrote, whiteouts and overlay xattrs included, owned
 * by the source's host uid range) and ns.json {"driver":"ns","uid_base":N}.
 * Processes are not kept: the host kernel's processes cannot be written out
 * without CRIU, so a sandbox created from it starts a fresh init on a copy.
 *
 * The copy never follows a symlink (every step is *at with O_NOFOLLOW), and
 * what the driver writes itself at create (/etc/hosts, /etc/hostname,
 * /etc/resolv.conf, the agent's mount point, and the directories above
 * them when they are not directories) is left out of a restore, so a
 * hostile upper cannot redirect those writes onto the host.  Hard links
 * become separate files; security.capability xattrs are dropped (their
 * owner id names the source's uid range).
 */
#ifndef SBX_NS_SNAP_H
#define SBX_NS_SNAP_H
#include <stdint.h>
#include "../../src/util/err.h"

/* Copies <state_dir>/disk/upper to <dir>/upper and writes <dir>/ns.json. */
int nssnap_save(const char *state_dir, uint32_t uid_base, const char *dir, sbx_err *e);
/* Fills <state_dir>/disk/upper (existing, empty) from snapshot dir's upper,
 * moving owners from the snapshot's uid range to uid_base's. */
int nssnap_restore(const char *dir, const char *state_dir, uint32_t uid_base, sbx_err *e);

#endif
