/*
 * ch_vsock: the host side of cloud-hypervisor's hybrid vsock.  The VMM
 * listens on a Unix socket (VmConfig vsock.socket); the host connects,
 * writes "CONNECT <port>\n" and, once the guest accepted, reads
 * "OK <host port>\n"; after that the socket is the raw stream.  When
 * nothing listens on the port in the guest the VMM closes the socket
 * without an OK: the agent is not up yet, so we retry with backoff.
 */
#ifndef SBX_CH_VSOCK_H
#define SBX_CH_VSOCK_H
#include <stddef.h>
#include "../../src/util/buf.h"
#include "../../src/util/err.h"

/* The reply so far (len bytes): 1 and *host_port when it holds a whole
 * "OK <n>\n" (*used = its length: the stream starts after it), 0 when more
 * is needed, -1 when it is not an OK line. */
int ch_vsock_parse_ok(const char *buf, size_t len, unsigned *host_port, size_t *used);

/* Connect to guest port through the VMM's socket, retrying on EOF
 * without OK until timeout_ms.  *fd: the stream. */
int ch_vsock_connect(const char *sock, unsigned port, int timeout_ms, int *fd, sbx_err *e);

/* One HTTP request to the agent on port (token: X-Access-Token, may be
 * NULL; body JSON or NULL); 0 when it answers 2xx within timeout_ms.
 * *status (may be NULL): the answer's status, 0 when none came; out (may
 * be NULL): the raw answer, headers included, up to 1 MB. */
int ch_vsock_http(const char *sock, unsigned port, const char *method, const char *path, const char *token,
		  const char *body, int timeout_ms, long *status, sbx_buf *out, sbx_err *e);

/* GET /health from the agent on port through sock until it answers 2xx,
 * at most timeout_ms. */
int ch_vsock_health(const char *sock, unsigned port, int timeout_ms, sbx_err *e);

#endif
