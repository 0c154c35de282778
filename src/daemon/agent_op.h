/*
 * agent_op: the asynchronous exchanges sbxd has with a sandbox's agent over
 * its unix socket (or TCP), one at a time per sandbox (sb->op).  When one
 * finishes it calls sbox_op_done(); cancelling is silent.
 */
#ifndef SBX_DAEMON_AGENT_OP_H
#define SBX_DAEMON_AGENT_OP_H
#include "daemon_int.h"

/* Polls GET /health until it answers 2xx (the agent is up), the sandbox's
 * processes are gone, or timeout_ms passes. */
void agent_op_health(sbox *sb, int64_t timeout_ms);
/* POST /init with body (JSON), authenticated with token (the agent's
 * current one): hands a pooled sandbox its env vars and new token. */
void agent_op_init(sbox *sb, const char *token, const char *body);
/* RT_RESTORES: agent_op_health, then POST /init with body (a JSON object;
 * "timestamp" is set to the time it is sent), authenticated with token.
 * The sandbox is ready only once that /init succeeded. */
void agent_op_health_init(sbox *sb, int64_t timeout_ms, const char *token, const char *body);
void agent_op_cancel(sbox *sb);

/* The template's start-up, once the operation in flight (health, /init)
 * succeeds: sb->start_cmd runs (bash -l -c, as sb->start_user in
 * sb->start_cwd) in the background and stays running; then sb->ready_cmd
 * runs every 50 ms..1 s until it exits 0.  The operation fails (the caller
 * kills the sandbox) when start_cmd cannot start or exits non-zero first,
 * or when ready_cmd has not exited 0 within AGENT_READY_TIMEOUT_MS; the
 * messages quote the commands and their last output.  Without ready_cmd
 * the sandbox is ready once start_cmd has started. */
#define AGENT_READY_TIMEOUT_MS 45000   /* under the SDKs' 60 s request timeout */
void agent_op_then_start(sbox *sb);

/* "unix:PATH" / "tcp:HOST:PORT" → curl's base URL and unix socket. */
int agent_addr_parse(const char *addr, char **base, char **sock, sbx_err *e);

#endif
