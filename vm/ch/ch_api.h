/*
 * ch_api: cloud-hypervisor's REST API (v50–v53) over its --api-socket, the
 * way its own client (api_client, ch-remote) speaks it: HTTP/1.1 over a
 * Unix socket, http://localhost/api/v1/<endpoint>, PUT for actions and GET
 * for vm.info / vmm.ping, every PUT with a Content-Length (its server,
 * micro_http, has no chunked encoding), no Expect: 100-continue.
 * Success is 204 (200 + JSON for GETs); a failure is a JSON array of
 * strings, one per level of the error chain, which we turn into one
 * message: "cloud-hypervisor refused vm.restore: a; b; c (HTTP 500)" plus
 * what to do.
 */
#ifndef SBX_CH_API_H
#define SBX_CH_API_H
#include <jansson.h>
#include "../../src/util/buf.h"
#include "../../src/util/err.h"

typedef struct ch_api {
	char *sock;        /* the API socket */
	char *log;         /* the VMM's log, named in messages (may be NULL) */
	void *curl;        /* CURL *, reused across calls */
} ch_api;

typedef struct ch_version {
	int major, minor;  /* 0.0 when unknown */
	char text[64];     /* "v53.0" as the VMM gave it */
} ch_version;

/* Calls may then be made on a; log may be NULL. */
void ch_api_init(ch_api *a, const char *sock, const char *log);
void ch_api_free(ch_api *a);

/* One request.  body may be NULL (PUT then sends Content-Length: 0).  The
 * status lands in *status and the reply body in resp (may be NULL).  -1
 * only when no reply came (socket gone, timeout). */
int ch_api_call(ch_api *a, const char *method, const char *endpoint, const char *body, int timeout_ms,
		long *status, sbx_buf *resp, sbx_err *e);

/* GET vmm.ping: the VMM's version.  -1 when it does not answer (yet). */
int ch_api_ping(ch_api *a, ch_version *v, int timeout_ms, sbx_err *e);
/* Poll vmm.ping until it answers, at most timeout_ms. */
int ch_api_wait(ch_api *a, ch_version *v, int timeout_ms, sbx_err *e);
/* PUT endpoint with body (NULL: none); 0 on 2xx, else the refusal. */
int ch_api_put(ch_api *a, const char *endpoint, json_t *body, int timeout_ms, sbx_err *e);
/* GET vm.info's "state" ("Created", "Running", "Paused", "Shutdown",
 * ...).  Caller frees *state. */
int ch_api_state(ch_api *a, char **state, sbx_err *e);
/* PUT vm.snapshot {destination_url: file://dir} (dir must exist). */
int ch_api_snapshot(ch_api *a, const char *dir, int timeout_ms, sbx_err *e);
/* PUT vm.restore from dir, leaving the VM running (resume: true on v52+,
 * else a vm.resume after). */
int ch_api_restore(ch_api *a, const ch_version *v, const char *dir, int timeout_ms, sbx_err *e);

/* Pure parts, for tests. */
/* "53.0.0", "v52.1", "v50.0-12-gabc": 0, or -1 when there is no number. */
int ch_version_parse(const char *s, ch_version *v);
/* 1 when this host lets a VMM use userfaultfd (OnDemand restore):
 * /dev/userfaultfd read-write, or vm.unprivileged_userfaultfd = 1.  The
 * paths are parameters for tests. */
int ch_uffd_allowed(const char *dev, const char *sysctl);
/* vm.restore's RestoreConfig for dir on version v: memory_restore_mode
 * (OnDemand when uffd, else Copy) and resume only where v has them
 * (v52+). */
json_t *ch_restore_body(const char *dir, const ch_version *v, int uffd);
/* The message for a refusal of endpoint with status and the reply body
 * (the error array; anything else is shown as text, cut short). */
void ch_api_refusal(sbx_err *e, const char *endpoint, long status, const char *body, size_t len,
		    const char *log);

#endif
