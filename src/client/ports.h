/*
 * ports: servers listening inside a sandbox — the agent's list of them
 * (GET /sbx/ports on the data plane, an sbx extension), the URL sbxd
 * routes to one (http://PORT-ID.localhost:SBXDPORT/), and a local TCP
 * forwarder: each connection to a local port goes through sbxd's raw
 * tunnel (GET /sbx/tunnel/PORT, Upgrade: sbx-tcp) to 127.0.0.1:PORT in
 * the sandbox.  The forwarder runs on the client's loop (the workbench's
 * too); only a local sbxd (http://) has the tunnel.
 */
#ifndef SBX_CLIENT_PORTS_H
#define SBX_CLIENT_PORTS_H
#include "api.h"

/* One listening socket; strings "" when unknown. */
typedef struct sbx_port {
	int port;
	const char *address;             /* "0.0.0.0", "127.0.0.1", "::" */
	const char *proto;               /* "tcp" */
	int pid;                         /* 0: unknown */
	const char *cmd;
} sbx_port;

typedef void (*sbx_ports_cb)(const sbx_port *p, size_t n, const sbx_err *e, void *ud);

int sbx_ports_list(sbx_client *c, const sbx_sandbox *sb, sbx_ports_cb cb, void *ud, sbx_op **op, sbx_err *e);

typedef struct sbx_forward sbx_forward;
/* A connection could not be forwarded (msg says why and what to do), or
 * the listener failed; the forwarder goes on with the other connections. */
typedef void (*sbx_forward_cb)(const char *msg, void *ud);

/* Listens on 127.0.0.1:local_port (0: a free port) and forwards to port in
 * the sandbox.  Stop it with sbx_forward_stop before freeing the client. */
int sbx_port_forward(sbx_client *c, const sbx_sandbox *sb, int port, int local_port, sbx_forward_cb on_error,
		     void *ud, sbx_forward **out, sbx_err *e);
int sbx_forward_local_port(const sbx_forward *f);
/* Connections open now, and forwarded so far. */
int sbx_forward_open(const sbx_forward *f);
int sbx_forward_total(const sbx_forward *f);
/* Closes the listener and every connection; f is freed. */
void sbx_forward_stop(sbx_forward *f);

/* --- pure ------------------------------------------------------------------- */
/* The answer's elements that are objects with a port 1..65535 (strings
 * point into j; *out heap, free it). */
int sbx_ports_parse(const json_t *j, sbx_port **out, size_t *n, sbx_err *e);
/* "http://host[:port][/...]" → host (heap) and port (80 when not said). */
int sbx_url_host_port(const char *url, char **host, int *port, sbx_err *e);
/* http://PORT-ID.localhost:SBXDPORT/ for a sandbox whose data plane is the
 * local sbxd at http://host:SBXDPORT; else E2B's https://PORT-ID.DOMAIN/
 * (domain: the control plane's answer or the config's).  Heap. */
char *sbx_port_url(const sbx_config *cfg, const sbx_sandbox *sb, const char *domain, int port);

#endif
