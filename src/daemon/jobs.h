/*
 * jobs: runtime work too slow for the event loop (creating a sandbox's disk
 * and namespaces, tearing them down: hundreds of ms) runs in a forked child
 * process; the loop only watches a pipe for its end.  No threads: the child
 * has a copy of sbxd's memory, does its one job and _exit()s.  A sandbox
 * created in a child is picked up in sbxd with the driver's adopt() -- the
 * runtime interface makes every sandbox adoptable from its state dir.
 */
#ifndef SBX_DAEMON_JOBS_H
#define SBX_DAEMON_JOBS_H
#include "daemon_int.h"

/* In the child: 0, or -1 with *e (sent back to the parent). */
typedef int (*job_fn)(void *arg, sbx_err *e);
/* In sbxd, once the child exited: ok = 1 when job_fn returned 0. */
typedef void (*job_done_cb)(int ok, const char *err, void *ud);

int job_start(sbxd *d, job_fn fn, void *arg, job_done_cb cb, void *ud, sbx_err *e);
/* Jobs still running. */
int job_count(sbxd *d);
/* Stop watching every job (sbxd stopping after waiting long enough): the
 * children finish on their own, nobody hears about it. */
void jobs_abandon(sbxd *d);

#endif
