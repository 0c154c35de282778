/*
 * qemu_agent: blocking HTTP calls to a guest's sbx-agent from the host (the
 * booted snapshot's build: wait for /health, warm the code interpreter).
 * addr is vm_net_agent_addr's "tcp:HOST:PORT".
 */
#ifndef SBX_QEMU_AGENT_H
#define SBX_QEMU_AGENT_H
#include "../../src/util/buf.h"

/* 0 with the status in *status and the body in out (bounded to 1 MiB);
 * -1 with why when no exchange happened. */
int qagent_call(const char *addr, const char *method, const char *path, const char *token, const char *body,
		long timeout_ms, long *status, sbx_buf *out, sbx_err *e);

#endif
