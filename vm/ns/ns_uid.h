/*
 * ns_uid: the host uid/gid range each sandbox's user namespace maps to.
 *
 * Every sandbox gets NSUID_SIZE ids (0..65535 inside) at
 * NSUID_FIRST + slot * NSUID_SIZE on the host, slot < NSUID_SLOTS: between
 * 0x70000000 and 0x7FFDFFFF, the block systemd documents as unused (above
 * its container ranges, below its "foreign" range), so no host account,
 * systemd-nspawn container or other sandbox shares it.  A slot is taken by
 * creating NSUID_DIR/<slot> with O_EXCL (holding the owner's state dir), so
 * concurrent creators never share one (they also take turns under a flock
 * of NSUID_DIR); ranges that a host account or group (getpwent/getgrent)
 * or a subordinate range of /etc/subuid or /etc/subgid overlaps are skipped, and an entry whose state dir has no state.json any
 * more (a failed destroy, then the dir removed) is taken over.  Slots are
 * searched from 0.  The slot is recorded in
 * state.json, so adopt() and a restarted sbxd keep it; release removes the
 * entry only if it still names the same state dir.  NSUID_DIR is on /run:
 * after a reboot no sandbox runs, and a dead one's range may be reused.
 */
#ifndef SBX_NS_UID_H
#define SBX_NS_UID_H
#include <stdint.h>
#include "../../src/util/err.h"

#define NSUID_FIRST 0x70000000u
#define NSUID_SIZE 65536u
#define NSUID_SLOTS 4094
#define NSUID_DIR "/run/sbx-ns/uids"

/* Host uid (and gid) of id 0 inside for a slot. */
uint32_t nsuid_base(int slot);

/* Take a free slot for the sandbox at state_dir; *slot is set on success. */
int nsuid_alloc(const char *state_dir, int *slot, sbx_err *e);

/* Give the slot back if it is still state_dir's; a missing entry is fine. */
int nsuid_release(int slot, const char *state_dir, sbx_err *e);

#endif
