/*
 * api: sbxd's HTTP front door.  api_handle() sees every request:
 *   /sandboxes..., /v2/sandboxes...   control plane (X-API-KEY), api_*.c
 *   anything with E2b-Sandbox-Id      data plane, proxy.c
 *   GET /health                       sbxd itself (no key), for `sbx`
 * Errors always carry E2B's body {"code":N,"message":"..."}.
 */
#ifndef SBX_DAEMON_API_H
#define SBX_DAEMON_API_H
#include <jansson.h>
#include "daemon_int.h"
#include "../proto/jsontext.h"   /* json_text: strings a client sent */

void api_handle(http_req *r, void *sbxd_ptr);

/* Responses (j is stolen). */
void api_json(http_req *r, int status, json_t *j);
void api_error(http_req *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void api_not_found(http_req *r, const char *id);

/*
 * One request's context, alive until the request closes (its close
 * callback frees it and withdraws it from whatever it waits on).
 */
typedef struct api_ctx {
	sbxd *d;
	http_req *r;
	char id[SBXD_ID_MAX + 1];
	sbox *waiting;          /* queued on sbox_when_ready(waiting, ...) */
	sbox_ready_cb wait_cb;
	int answered;
	int status;             /* what to answer once ready (connect: 200/201) */
	int created;            /* waiting on a sandbox this request created */
	char handed_out[SBXD_ID_MAX + 1];   /* the sandbox a 201 is on its way for */
	sbox *killing;          /* waiting for sbox_kill's teardown */
	struct create_req *create;   /* api_create.c */
	struct net_update *net_update;   /* api_network.c: a set_net job answers it */
} api_ctx;

api_ctx *api_ctx_new(sbxd *d, http_req *r, const char *id);
void api_wait(api_ctx *c, sbox *sb, sbox_ready_cb cb);
/* Call first thing in a ready callback: the wait is over. */
void api_wait_over(api_ctx *c);

/* Control-plane handlers: api_create.c, api_sandboxes.c */
void api_create(sbxd *d, http_req *r);
void api_list(sbxd *d, http_req *r, int v2);
void api_get(sbxd *d, http_req *r, const char *id);
void api_kill(sbxd *d, http_req *r, const char *id);
void api_connect(sbxd *d, http_req *r, const char *id, int v1_resume);
void api_timeout(sbxd *d, http_req *r, const char *id, int refresh);
void api_pause(sbxd *d, http_req *r, const char *id);
void api_metrics(sbxd *d, http_req *r, const char *id);
void api_logs(sbxd *d, http_req *r, const char *id);
void api_create_ctx_free(struct create_req *cr);
/* api_snapshots.c: user snapshots and fork. */
void api_snapshot_create(sbxd *d, http_req *r, const char *id);
void api_snapshot_list(sbxd *d, http_req *r);
void api_snapshot_delete(sbxd *d, http_req *r, const char *ref);
void api_fork(sbxd *d, http_req *r, const char *id);

/* api_network.c: PUT /sandboxes/{id}/network (E2B's updateNetwork), and
 * the names of every sandbox's allowOut resolved again every
 * d->net_refresh_ms (started and stopped with sbxd). */
void api_network(sbxd *d, http_req *r, const char *id);
void api_network_detach(struct net_update *nu);   /* its request went away */
void api_network_start(sbxd *d);
void api_network_stop(sbxd *d);

/* Body limits and the one JSON reader all POST handlers use: NULL (and a
 * 400 sent) when the body is not a JSON object; an empty body is {}. */
#define API_BODY_LIMIT (1024 * 1024)
json_t *api_parse_body(http_req *r, const char *body, size_t len);
/* j[key] as an int in [min, max]: 1 and *out when given, 0 when absent or
 * null (*out untouched), -1 (and a 400 naming the key sent) otherwise. */
int api_get_int(http_req *r, json_t *j, const char *key, int min, int max, int *out);

#endif
