/*
 * daemon_int: the state shared by sbxd's modules (one event loop owns it
 * all).  Each module's own header lists what it offers; this one only
 * holds the structs.
 */
#ifndef SBX_DAEMON_INT_H
#define SBX_DAEMON_INT_H
#include "record.h"
#include "runtimes.h"
#include "sbxd.h"
#include "../http/client.h"
#include "../http/server.h"

typedef struct sbox sbox;
struct pool;
struct agent_op;
struct job;
struct mhist;
struct ev_store;

/* Called once an operation that readies a sandbox (start, resume, pool
 * claim) finishes; ok = 0 with err when it failed or the sandbox died. */
typedef void (*sbox_ready_cb)(sbox *sb, int ok, const char *err, void *ud);
/* Called once a killed sandbox is torn down (ok = 0: not fully, err says why). */
typedef void (*sbox_killed_cb)(int ok, const char *err, void *ud);

struct sbox_waiter {
	sbox_ready_cb cb;
	void *ud;
	unsigned gen;                /* sb->wait_gen when it was queued */
	struct sbox_waiter *next;
};

struct sbox {
	sbxd *d;
	sbox *prev, *next;
	sbxd_record rec;
	const runtime_ops *ops;
	rt_sandbox *rt;
	char *agent_sock;            /* unix socket of the agent, or NULL (tcp) */
	char *agent_base;            /* "http://localhost" or "http://HOST:PORT" */
	int64_t timeout_timer;       /* 0: none armed */
	struct agent_op *op;         /* the readying operation in flight */
	struct sbox_waiter *waiters; /* who waits for it */
	unsigned wait_gen;           /* bumped by each notify: who came later waits on */
	int ready;                   /* the agent answered since the last start/resume */
	int creating;                /* the runtime's create runs in a job */
	int pausing, resuming;       /* RT_SLOW_PAUSE: pause()/resume() runs in a job */
	int snapshotting;            /* snapshot() runs in a job (sbox_snapshot) */
	char *snapshot_dir;          /* created from this user snapshot, until its create ends */
	char *init_token;            /* RT_RESTORES from a user snapshot: its agent's token until /init */
	int disk_op;                 /* that job drops the memory (pause_disk) */
	char *first_init;            /* the /init body after the first /health (RT_RESTORES: always;
	                                else when the template sets a user/workdir), or NULL */
	char *start_user, *start_cwd;     /* the template's start-up (agent_op_start) */
	char *start_cmd, *ready_cmd;
	int killed;                  /* off the list, torn down by a job (not SB_DEAD: that one died) */
	sbox_killed_cb kill_cb;      /* who waits for the teardown */
	void *kill_ud;
	char *kill_why;
	int teardowns;               /* attempts so far */
	int64_t retry_timer;         /* the next attempt, when one failed */
	int watch_fd;                /* liveness.c: the runtime's watch fd, -1: none */
	int net_updating;            /* api_network.c: a set_net job runs for it */
	char exec_id[37];            /* events.h: this run's sandboxExecutionId (uuid) */
	int64_t exec_started_ms;     /* when this run began (create, resume, adoption) */
	struct mhist *metrics;       /* metrics_hist.h: its recent samples, or NULL */
};

struct sbxd {
	sbx_loop *loop;
	http_server *srv;
	http_client *cl;
	char *state_dir, *sb_dir, *api_key, *agent_bin;
	const runtime_ops *rt;                 /* the default for new sandboxes */
	const runtime_ops *const *runtimes;    /* every driver sbxd serves */
	rt_table rts;                          /* what each can do here (probed at start) */
	sbxd_template_fn find_template;
	sbox *boxes;                           /* live sandboxes */
	sbox *dying;                           /* killed, being torn down */
	struct job *jobs;                      /* jobs.c */
	struct pool *pool;
	int port;
	int stopping;
	int64_t live_timer;                    /* liveness.c's backstop */
	char *hosts_file;                      /* names for network rules (netrules.h), or NULL */
	int64_t net_timer;                     /* api_network.c: names resolved again */
	int64_t net_refresh_ms;
	struct ev_store *events;               /* events.h */
	int64_t events_timer;
	int64_t metrics_timer;                 /* metrics_hist.h's sampler */
};

#endif
