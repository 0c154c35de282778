#include "agent_op.h"
#include "sandbox.h"
#include "startup.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op_kind { OP_HEALTH, OP_INIT, OP_START };


struct agent_op {
	sbox *sb;
	enum op_kind kind;
	http_call *call;
	int64_t timer;
	int64_t deadline;        /* monotonic ms */
	int delay;               /* next poll delay, ms */
	int cancelled;           /* on_done inside agent_op_cancel: hands off */
	char *token_hdr, *body;
	int init_after;          /* OP_HEALTH: POST /init (token_hdr, body) once it answers */
	int start_after;         /* OP_HEALTH/OP_INIT: the template's start-up once ready */
	char last_err[256];
	startup *su;             /* OP_START */
};

static void op_free(struct agent_op *op)
{
	sbx_loop *l = op->sb->d->loop;
	if (op->timer)
		loop_del_timer(l, op->timer);
	startup_free(op->su);
	free(op->token_hdr);
	free(op->body);
	free(op);
}

static void finish(struct agent_op *op, int ok, const char *err)
{
	sbox *sb = op->sb;
	sb->op = NULL;
	op_free(op);
	sbox_op_done(sb, ok, err);
}

static void start_call(struct agent_op *op);
static void start_startup(struct agent_op *op);

/* The restored guest's clock is the snapshot's: send the time as late as
 * possible (RFC 3339, as E2B's envd takes it). */
static void start_init(struct agent_op *op)
{
	char now[40];
	json_t *j = json_loads(op->body, 0, NULL);
	if (!json_is_object(j)) {   /* ours, so only a bug gets here: send what is sure */
		json_decref(j);
		j = json_object();
	}
	rfc3339_ms(wall_ms(), now, sizeof now);
	if (op->sb->ops->flags & RT_RESTORES)   /* others share the host's clock */
		json_object_set_new(j, "timestamp", json_string(now));
	free(op->body);
	op->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	op->kind = OP_INIT;
	op->init_after = 0;
	start_call(op);
}

static int64_t retry_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct agent_op *op = ud;
	op->timer = 0;
	start_call(op);
	return -1;
}

static void health_done(http_call *c, int ok, const char *err, void *ud)
{
	struct agent_op *op = ud;
	sbox *sb = op->sb;
	if (op->cancelled)
		return;
	int status = ok ? http_call_status(c) : 0;
	op->call = NULL;
	if (status >= 200 && status < 300) {
		if (op->init_after)
			start_init(op);
		else if (op->start_after)
			start_startup(op);
		else
			finish(op, 1, NULL);
		return;
	}
	if (ok)
		snprintf(op->last_err, sizeof op->last_err, "GET /health answered %d", status);
	else
		snprintf(op->last_err, sizeof op->last_err, "%s", err ? err : "no answer");
	if (!sb->ops->alive(sb->rt)) {
		finish(op, 0, "the sandbox's processes exited while its agent was starting");
		return;
	}
	if (now_ms() >= op->deadline) {
		char msg[512];
		snprintf(msg, sizeof msg, "the sandbox's agent did not answer in time (last try: %s)", op->last_err);
		finish(op, 0, msg);
		return;
	}
	/* Short polls: a connect to a unix socket that is not there yet costs
	 * next to nothing, and every ms here is create latency. */
	op->timer = loop_add_timer(sb->d->loop, op->delay, retry_timer, op);
	if (op->delay < 8)
		op->delay *= 2;
}

static void init_done(http_call *c, int ok, const char *err, void *ud)
{
	struct agent_op *op = ud;
	if (op->cancelled)
		return;
	int status = ok ? http_call_status(c) : 0;
	op->call = NULL;
	if (status == 204 || status == 200) {
		if (op->start_after)
			start_startup(op);
		else
			finish(op, 1, NULL);
		return;
	}
	char msg[512];
	if (ok)
		snprintf(msg, sizeof msg, "the sandbox's agent refused POST /init with %d", status);
	else
		snprintf(msg, sizeof msg, "POST /init to the sandbox's agent failed: %s", err ? err : "no answer");
	finish(op, 0, msg);
}

static void start_call(struct agent_op *op)
{
	sbox *sb = op->sb;
	char url[512];
	const char *hdrs[3] = { "Content-Type: application/json", op->token_hdr, NULL };
	http_call_opts o = {
		.unix_socket = sb->agent_sock,
		.connect_timeout_ms = 1000,
		.timeout_ms = op->kind == OP_HEALTH ? 3000 : 10000,
		.ud = op,
	};
	if (op->kind == OP_HEALTH) {
		snprintf(url, sizeof url, "%s/health", sb->agent_base);
		o.on_done = health_done;
	} else {
		snprintf(url, sizeof url, "%s/init", sb->agent_base);
		o.method = "POST";
		o.headers = hdrs;
		o.body = op->body;
		o.body_len = strlen(op->body);
		o.on_done = init_done;
	}
	o.url = url;
	op->call = http_call_start(sb->d->cl, &o);
}

static struct agent_op *op_new(sbox *sb, enum op_kind kind)
{
	agent_op_cancel(sb);
	struct agent_op *op = xcalloc(1, sizeof *op);
	op->sb = sb;
	op->kind = kind;
	op->delay = 2;
	sb->op = op;
	return op;
}

void agent_op_health(sbox *sb, int64_t timeout_ms)
{
	struct agent_op *op = op_new(sb, OP_HEALTH);
	op->deadline = now_ms() + timeout_ms;
	start_call(op);
}

void agent_op_init(sbox *sb, const char *token, const char *body)
{
	struct agent_op *op = op_new(sb, OP_INIT);
	op->token_hdr = xasprintf("X-Access-Token: %s", token);
	op->body = xstrdup(body);
	start_call(op);
}

void agent_op_health_init(sbox *sb, int64_t timeout_ms, const char *token, const char *body)
{
	struct agent_op *op = op_new(sb, OP_HEALTH);
	op->deadline = now_ms() + timeout_ms;
	op->init_after = 1;
	op->token_hdr = xasprintf("X-Access-Token: %s", token ? token : "");
	op->body = xstrdup(body);
	start_call(op);
}

static void startup_done(int ok, const char *err, void *ud)
{
	struct agent_op *op = ud;
	finish(op, ok, err);   /* frees op and op->su */
}

static void start_startup(struct agent_op *op)
{
	op->kind = OP_START;
	op->start_after = 0;
	op->su = startup_start(op->sb, startup_done, op);
}

void agent_op_then_start(sbox *sb)
{
	if (sb->op && (sb->start_cmd || sb->ready_cmd))
		sb->op->start_after = 1;
}

void agent_op_cancel(sbox *sb)
{
	struct agent_op *op = sb->op;
	if (!op)
		return;
	sb->op = NULL;
	op->cancelled = 1;
	if (op->call)
		http_call_cancel(op->call);
	op_free(op);
}

int agent_addr_parse(const char *addr, char **base, char **sock, sbx_err *e)
{
	if (!addr)
		return sbx_error(e, "the runtime reported no agent address");
	if (!strncmp(addr, "unix:", 5) && addr[5]) {
		*base = xstrdup("http://localhost");
		*sock = xstrdup(addr + 5);
		return 0;
	}
	if (!strncmp(addr, "tcp:", 4) && strchr(addr + 4, ':')) {
		*base = xasprintf("http://%s", addr + 4);
		*sock = NULL;
		return 0;
	}
	return sbx_error(e, "the runtime reported an agent address sbxd cannot reach: '%s'", addr);
}
