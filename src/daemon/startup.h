/*
 * startup: a template's start-up in a new sandbox (e2b.toml's start_cmd and
 * ready_cmd, docs/templates.md), once its agent answers.
 *
 * sb->start_cmd is started with process.Process/Start (bash -l -c, as
 * sb->start_user in sb->start_cwd) and left running: it outlives the
 * stream, which is only watched.  Then sb->ready_cmd runs the same way
 * every 50 ms..1 s until it exits 0.  done runs once, from a timer: ok
 * when ready_cmd exited 0 (or, without one, when start_cmd started); else
 * err says which command ended how, with its last output — start_cmd
 * could not start or exited non-zero before ready, or ready_cmd did not
 * exit 0 within STARTUP_READY_TIMEOUT_MS.  Everything the agent sends is
 * taken as hostile input.
 */
#ifndef SBX_DAEMON_STARTUP_H
#define SBX_DAEMON_STARTUP_H
#include "daemon_int.h"

#define STARTUP_READY_TIMEOUT_MS 45000   /* under the SDKs' 60 s request timeout */

typedef struct startup startup;
typedef void (*startup_done_cb)(int ok, const char *err, void *ud);

startup *startup_start(sbox *sb, startup_done_cb done, void *ud);
/* Stops watching (done will not run); start_cmd's process goes on.  done
 * may call it. */
void startup_free(startup *su);

#endif
