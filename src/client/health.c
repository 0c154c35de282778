/* health: see health.h. */
#include "health.h"
#include "client_int.h"
#include "../util/xalloc.h"
#include <stdlib.h>

typedef struct health_ctx {
	sbx_json_cb cb;
	void *ud;
} health_ctx;

static void fin_health(sbx_op *op, const sbx_err *e)
{
	health_ctx *c = op->ctx;
	if (e) {
		c->cb(NULL, e, c->ud);
		return;
	}
	sbx_err pe;
	json_t *j = op_json(op, &pe);
	if (j && !json_is_object(j)) {
		sbx_error(&pe, "cannot %s: the answer is not a JSON object", op->what);
		json_decref(j);
		j = NULL;
	}
	c->cb(j, j ? NULL : &pe, c->ud);
	json_decref(j);
}

int sbx_api_health_json(sbx_client *cl, long timeout_ms, sbx_json_cb cb, void *ud, sbx_op **out, sbx_err *e)
{
	(void)e;
	health_ctx *c = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->ud = ud;
	char *url = xasprintf("%s/health", cl->cfg.api_url);
	op_spec sp = { .what = "check sbxd", .kind = OP_API, .method = "GET", .url = url, .timeout_ms = timeout_ms,
		       .connect_timeout_ms = timeout_ms };
	sbx_op *op = op_start(cl, &sp);
	op->on_finish = fin_health;
	op->ctx = c;
	op->ctx_free = free;
	free(url);
	op_out(out, op);
	return 0;
}
