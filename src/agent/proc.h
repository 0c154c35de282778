/*
 * proc: the processes started by process.Start and the streams attached to
 * them (the Start stream plus any Connect streams).
 *
 * Output is read through the event loop and sent to every attached stream
 * as data events (≤32 KiB for pipes, ≤16 KiB for a PTY); reading pauses
 * while a client lags more than 1 MiB behind.  A process outlives its
 * streams.  When it exits, the remaining output is drained (waiting up to
 * 1 s for other holders of its pipes), then every stream gets the end event
 * and end-stream; the end event is kept 30 s for late Connects.  The
 * deadline of the Start stream (Connect-Timeout-Ms) kills the process.
 */
#ifndef SBX_AGENT_PROC_H
#define SBX_AGENT_PROC_H
#include <stdint.h>
#include "agent.h"
#include "proc_spawn.h"
#include "rpc.h"
#include "../util/err.h"

#define PROC_END_KEEP_MS 30000
#define PROC_EXIT_GRACE_MS 1000
#define PROC_INPUT_MAX ((size_t)16 << 20)

typedef struct proc proc;

struct envd_process {
	agent *a;
	proc *head;
	int64_t bp_timer;   /* polls lagging clients while some output is paused */
};

/* Spawns req and adds it to the table.  config is taken (moved) and its cwd
 * replaced by the resolved one.  Returns NULL with e; *code is the Connect
 * code to answer with. */
proc *proc_start(struct envd_process *t, const proc_spawn_req *req, envd_proc_config *config,
		 const char *tag, const char **code, sbx_err *e);

/* Attaches s: sends the start event (and, for an ended process, the end
 * event and end-stream).  starter: s is the Start stream. */
void proc_attach(proc *p, rpc_stream *s, int starter);

/* By pid or tag; ended processes only when include_ended. */
proc *proc_find(struct envd_process *t, int kind, uint32_t pid, const char *tag, int include_ended);

/* Each returns 0, or -1 with *code and e. */
int proc_write(proc *p, int pty_input, const void *data, size_t len, const char **code, sbx_err *e);
int proc_close_stdin(proc *p, const char **code, sbx_err *e);
int proc_resize(proc *p, unsigned cols, unsigned rows, const char **code, sbx_err *e);
int proc_signal(proc *p, int sig, const char **code, sbx_err *e);

/* ProcessInfo of every running process, appended to arr. */
void proc_list(struct envd_process *t, json_t *arr);

/* Kills and forgets every process; attached streams end with unavailable. */
void proc_table_free(struct envd_process *t);

#endif
