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

/* The template's start-up (startup.h: sb->start_cmd, sb->ready_cmd) once
 * the operation in flight (health, /init) succeeds; it is part of that
 * operation: waiters hear of it when the start-up is over, and its failure
 * (the caller kills the sandbox) says why. */
void agent_op_then_start(sbox *sb);

/* "unix:PATH" / "tcp:HOST:PORT" → curl's base URL and unix socket. */
int agent_addr_parse(const char *addr, char **base, char **sock, sbx_err *e);

#endif
