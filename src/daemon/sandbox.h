/*
 * sandbox: the life of one sandbox in sbxd — create, adopt, pause, resume,
 * timeout changes, kill — keeping memory, the state file and the runtime
 * in step.  Slow runtime work (create, destroy) runs in jobs (jobs.h);
 * readying operations (the runtime's create, the agent's start-up, resume,
 * pool claim) are asynchronous: callers queue on sbox_when_ready().
 *
 * A killed sandbox leaves d->boxes at once (the API no longer sees it) and
 * is freed once its teardown job is done, never inside a caller's stack;
 * sb->killed tells a callback that it is on its way out.
 */
#ifndef SBX_DAEMON_SANDBOX_H
#define SBX_DAEMON_SANDBOX_H
#include "daemon_int.h"

typedef struct sbox_new_args {
	const sbxd_template *tpl;
	const char *alias;          /* the name asked for */
	int cpus, memory_mb, disk_mb;
	int internet;
	int timeout_s;
	int auto_pause, auto_resume;
	int auto_pause_disk;        /* autoPause (timeout) keeps only the disk */
	int pooled;
	const char *token;          /* NULL: a fresh random one */
	const kvlist *metadata;     /* may be NULL */
	const kvlist *env;          /* may be NULL */
	const runtime_ops *ops;     /* NULL: sbxd's default runtime */
	/* From a user snapshot (snapshots.h): its driver dir, and (RT_RESTORES)
	 * the token its agent holds until the first /init.  NULL: none. */
	const char *snapshot_dir, *init_token;
	json_t *network;            /* the record's network (copied; netrules.h), may be NULL */
	int no_public_traffic;      /* network.allowPublicTraffic false */
	const json_t *volume_mounts;   /* [{name, path, volumeID}] (api_volumes.h), or NULL */
} sbox_new_args;

/* A dead sandbox stays visible (state "dead", its reason, its logs) until
 * it is killed or until max(endAt, death + this), then it is torn down. */
#define SBOX_DEAD_KEEP_MS (10 * 60 * 1000)
#define SBOX_START_TIMEOUT_MS 30000
#define SBOX_RESUME_TIMEOUT_MS 15000

sbox *sbox_find(sbxd *d, const char *id);
/* Records it, starts the runtime's create in a job, then waits for its
 * agent; -1 only when nothing could be started. */
int sbox_create(sbxd *d, const sbox_new_args *a, sbox **out, sbx_err *e);
/* Takes the record over (at sbxd start); -1 (and why) when the sandbox is
 * gone: what is left of it is then torn down like a killed one. */
int sbox_adopt(sbxd *d, sbxd_record *rec, sbox **out, sbx_err *e);

/* cb runs when no readying operation is in flight (at once if none is):
 * ok = whether the agent is answering. */
void sbox_when_ready(sbox *sb, sbox_ready_cb cb, void *ud);
void sbox_unwait(sbox *sb, sbox_ready_cb cb, void *ud);
/* For agent_op: the operation finished; tells every waiter. */
void sbox_op_done(sbox *sb, int ok, const char *err);

/* Takes it off the list, fails its waiters (why), and tears it and its
 * files down in a job; cb (may be NULL) hears how that went. */
void sbox_kill(sbox *sb, const char *why, sbox_killed_cb cb, void *ud);
/* The caller of sbox_kill no longer wants its cb. */
void sbox_kill_detach(sbox *sb);
/* sbxd stopping with sb's teardown unfinished: free it (its record stays
 * on disk, so the next sbxd finishes the job). */
void sbox_abandon(sbox *sb);
/* Its agent or runtime died under it (liveness.h): state SB_DEAD with why,
 * persisted; waiters fail; no longer watched; torn down at its expiry.  A
 * pool sandbox is killed instead.  No-op when not running or paused. */
void sbox_died(sbox *sb, const char *why);
/* For a dead sandbox: "sandbox ID's agent died (why); kill it ... and
 * create a new one", what every refused request says. */
void sbox_dead_msg(const sbox *sb, char *out, size_t n);
/* Pauses it: at once, or (RT_SLOW_PAUSE) in a job, sb->pausing set until
 * it is done; sbox_when_ready() callers then hear how it went (ok = 1:
 * paused).  -1 when it cannot be paused (nothing started). */
int sbox_pause(sbox *sb, sbx_err *e);
/* E2B's pause({keepMemory: false}): in a job, its processes stop and its
 * disk stays (the runtime's pause_disk); rec.paused_disk once done.  -1
 * when the runtime cannot. */
int sbox_pause_disk(sbox *sb, sbx_err *e);
/* Thaws it (RT_SLOW_PAUSE or after a filesystem-only pause: in a job,
 * sb->resuming set meanwhile; the latter starts it afresh), sets
 * the timeout and waits for the agent (+ /init for RT_RESTORES drivers);
 * sbox_when_ready() callers hear when it is ready.  -1: nothing started. */
int sbox_resume(sbox *sb, int timeout_s, sbx_err *e);
/* Saves the paused sandbox's state under dir with the driver's snapshot(),
 * in a job (sb->snapshotting meanwhile: it cannot be paused, resumed or
 * torn down until that ends); cb hears how it went (ok = 0 also when it
 * was killed meanwhile).  -1: nothing started. */
int sbox_snapshot(sbox *sb, const char *dir, void (*cb)(int ok, const char *err, void *ud), void *ud, sbx_err *e);
/* Paused with its memory: drops it and starts the sandbox afresh on its
 * disk (connect {memory: false}); paused without: sbox_resume. */
int sbox_resume_fresh(sbox *sb, int timeout_s, sbx_err *e);
/* "pausing" / "resuming" while such a job runs, else NULL; with its
 * progress from the driver's RT_PROGRESS_FILE (0 0 while unknown). */
const char *sbox_transit(sbox *sb, int64_t *done, int64_t *total);
/* The accelerator its runtime uses here ("kvm", "tcg"), or NULL. */
const char *sbox_accel(sbox *sb);
/* end = now + timeout_s; persisted and (re)armed. */
void sbox_set_timeout(sbox *sb, int timeout_s);
void sbox_save(sbox *sb);
/* Frees the handle only; the sandbox lives on (sbxd stopping). */
void sbox_release(sbox *sb);
/* In a job's child only (names may need DNS): the record's outbound
 * rules (internet + network) resolved for the driver (rt_net); free with
 * sbox_net_free.  -1 when the record's rules do not parse. */
int sbox_net_resolve(sbox *sb, rt_net *net, sbx_err *e);
void sbox_net_free(rt_net *net);
/* A line in both sbxd's log and the sandbox's own event log. */
void sbox_log(sbox *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last lines of the runtime's logs, for error messages ("" if none). */
char *sbox_log_tail(sbox *sb, int lines);

#endif
