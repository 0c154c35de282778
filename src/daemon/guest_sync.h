/*
 * guest_sync: `sync` in a VM sandbox before its VMM is stopped without
 * its memory (a filesystem-only pause): the guest's page cache would go
 * with the VMM, and writes not yet on its disk with it.  One
 * process.Process/Start of /bin/sync as root through the sandbox's agent,
 * bounded by GUEST_SYNC_MS; done runs once, from the loop, whatever
 * happened (ok 0: the sync could not be confirmed, why in err).
 * sb->sync_call holds the call meanwhile; guest_sync_cancel drops it
 * (done then does not run).
 */
#ifndef SBX_DAEMON_GUEST_SYNC_H
#define SBX_DAEMON_GUEST_SYNC_H
#include "daemon_int.h"

#define GUEST_SYNC_MS 20000

typedef void (*guest_sync_cb)(sbox *sb, int ok, const char *err);

void guest_sync(sbox *sb, guest_sync_cb done);
void guest_sync_cancel(sbox *sb);

#endif
