/*
 * health: GET /health with its answer — a local sbxd's status, pid, and
 * (an sbx extension) the runtimes it can run and its default.  The
 * workbench's create form lists them; the object is handed over as
 * answered (valid during the callback), the caller picks what it knows.
 */
#ifndef SBX_CLIENT_HEALTH_H
#define SBX_CLIENT_HEALTH_H
#include <jansson.h>
#include "client.h"

typedef void (*sbx_json_cb)(const json_t *j, const sbx_err *e, void *ud);

int sbx_api_health_json(sbx_client *c, long timeout_ms, sbx_json_cb cb, void *ud, sbx_op **op, sbx_err *e);

#endif
