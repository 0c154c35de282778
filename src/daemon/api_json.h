/*
 * api_json: the control plane's response bodies, in the exact shapes of
 * E2B's OpenAPI schema (docs/protocol.md §2), built from a record.
 * Each returns a new jansson reference.
 */
#ifndef SBX_DAEMON_API_JSON_H
#define SBX_DAEMON_API_JSON_H
#include <jansson.h>
#include "record.h"
#include "../../vm/runtime.h"

/* Sandbox: the create/connect answer. */
json_t *json_sandbox(const sbxd_record *r);
/* SandboxDetail: GET /sandboxes/{id}. */
json_t *json_sandbox_detail(const sbxd_record *r);
/* ListedSandbox: one element of the lists. */
json_t *json_listed_sandbox(const sbxd_record *r);
/* SandboxMetric at unix-ms time ts. */
json_t *json_metric(const rt_stats *st, int64_t ts_ms);
/* {"code":code,"message":msg}: every error the control plane sends. */
json_t *json_error(int code, const char *msg);

#endif
