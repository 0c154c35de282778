/*
 * proc: processes in a sandbox through envd's process.Process service
 * (docs/protocol.md §3.4).  Asynchronous; see client.h.
 *
 * Start and Connect stream a process's events: START (its pid) first, then
 * STDOUT/STDERR (or PTY) bytes as they come, then END; then on_done runs
 * once — e NULL when the stream ended cleanly.  Cancelling the op only
 * stops watching: the process goes on (envd does not kill on disconnect);
 * use sbx_proc_signal to stop it.
 */
#ifndef SBX_CLIENT_PROC_H
#define SBX_CLIENT_PROC_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "client.h"

enum { SBX_PROC_START, SBX_PROC_STDOUT, SBX_PROC_STDERR, SBX_PROC_PTY, SBX_PROC_END, SBX_PROC_KEEPALIVE };

typedef struct sbx_proc_event {
	int type;
	uint32_t pid;                  /* START */
	const unsigned char *data;     /* STDOUT, STDERR, PTY */
	size_t len;
	int exit_code, exited;         /* END: exit_code -1 when killed by a signal */
	const char *status;            /* END: "exit status 1", "signal: killed" */
	const char *error;             /* END: NULL unless it failed */
} sbx_proc_event;

typedef struct sbx_proc_handler {
	void (*on_event)(const sbx_proc_event *ev, void *ud);   /* never KEEPALIVE */
	void (*on_done)(const sbx_err *e, void *ud);
	void *ud;
} sbx_proc_handler;

typedef struct sbx_proc_opts {
	const char *cmd;
	const char *const *args;       /* NULL-terminated; may be NULL */
	const char *const *env;        /* "K=V", NULL-terminated; may be NULL */
	const char *cwd, *tag, *user;  /* NULL: envd's defaults */
	int stdin_open;                /* keep stdin open for sbx_proc_send_input */
	int pty;                       /* a PTY of cols x rows (input then goes there) */
	unsigned cols, rows;
	long timeout_ms;               /* Connect-Timeout-Ms: also its lifetime; 0: none */
} sbx_proc_opts;

/* Which process: by pid, or by tag when tag is non-NULL. */
typedef struct sbx_proc_ref {
	uint32_t pid;
	const char *tag;
} sbx_proc_ref;

typedef struct sbx_proc_info {
	uint32_t pid;
	const char *tag;               /* NULL: none */
	const char *cmd, *cwd;
	const char *const *args;       /* NULL-terminated */
	size_t nargs;
} sbx_proc_info;

typedef void (*sbx_proc_list_cb)(const sbx_proc_info *p, size_t n, const sbx_err *e, void *ud);

int sbx_proc_start(sbx_client *c, const sbx_sandbox *sb, const sbx_proc_opts *o, const sbx_proc_handler *h,
		   sbx_op **op, sbx_err *e);
int sbx_proc_connect(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, const sbx_proc_handler *h, sbx_op **op,
		     sbx_err *e);
/* Input for the process's stdin, or its PTY when pty is set. */
int sbx_proc_send_input(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, int pty, const void *data,
			size_t len, sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* sig: 9 (SIGKILL) or 15 (SIGTERM), all envd accepts. */
int sbx_proc_signal(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, int sig, sbx_done_cb cb, void *ud,
		    sbx_op **op, sbx_err *e);
int sbx_proc_resize(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, unsigned cols, unsigned rows,
		    sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_proc_close_stdin(sbx_client *c, const sbx_sandbox *sb, sbx_proc_ref p, sbx_done_cb cb, void *ud,
			 sbx_op **op, sbx_err *e);
int sbx_proc_list(sbx_client *c, const sbx_sandbox *sb, sbx_proc_list_cb cb, void *ud, sbx_op **op, sbx_err *e);

/* --- pure parts (proc_event.c) --------------------------------------------- */
/* One StartResponse/ConnectResponse message → ev.  Data bytes are decoded
 * into *owned (free it after use); strings point into msg. */
int sbx_proc_event_parse(const json_t *msg, sbx_proc_event *ev, unsigned char **owned, sbx_err *e);
/* The StartRequest for o (a new reference). */
json_t *sbx_proc_start_request(const sbx_proc_opts *o, sbx_err *e);
/* Shell exit status for an END event: the code, or 128+N for "signal: ..." */
int sbx_proc_exit_status(const sbx_proc_event *end);

#endif
