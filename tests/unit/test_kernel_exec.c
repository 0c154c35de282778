/* kernel_exec: the execution queue against a fake kernel.  The agent's side
 * of the shell socket is a real ZeroMQ DEALER (the test holds the ROUTER);
 * replies and IOPub messages are handed to kq_on_* as the dispatcher would,
 * in the orders real kernels send them — Deno's execute_result after its
 * idle and execute_reply included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "../../src/agent/kernel_priv.h"
#include "../../src/util/timeutil.h"

typedef struct fake {
	agent a;
	kernel_host h;
	kernel k;
	void *router;
	/* what the execution reported */
	int results, streams, errors, done;
	int results_at_done;
	char last_text[64];
} fake;

static void on_output(const jmsg *m, void *ud)
{
	fake *f = ud;
	if (!strcmp(m->msg_type, "execute_result") || !strcmp(m->msg_type, "display_data")) {
		f->results++;
		const char *t = json_string_value(json_object_get(json_object_get(m->content, "data"), "text/plain"));
		snprintf(f->last_text, sizeof f->last_text, "%s", t ? t : "");
	} else if (!strcmp(m->msg_type, "stream")) {
		f->streams++;
	}
}

static void on_error(const char *name, const char *value, const char *tb, void *ud)
{
	(void)name;
	(void)value;
	(void)tb;
	((fake *)ud)->errors++;
}

static void on_done(void *ud)
{
	fake *f = ud;
	f->done++;
	f->results_at_done = f->results;
}

static const kexec_ops ops = { on_output, on_error, on_done };

static int setup(void **state)
{
	fake *f = calloc(1, sizeof *f);
	f->a.loop = loop_new();
	f->h.a = &f->a;
	f->h.zctx = zmq_ctx_new();
	f->router = zmq_socket(f->h.zctx, ZMQ_ROUTER);
	assert_int_equal(zmq_bind(f->router, "inproc://shell"), 0);
	f->k.h = &f->h;
	f->k.state = K_READY;
	f->k.spec.name = "fake";
	strcpy(f->k.session, "00000000-0000-4000-8000-000000000000");
	for (int c = 0; c < CH_N; c++)
		f->k.fd[c] = -1;
	f->k.sock[CH_SHELL] = zmq_socket(f->h.zctx, ZMQ_DEALER);
	assert_int_equal(zmq_connect(f->k.sock[CH_SHELL], "inproc://shell"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fake *f = *state;
	kq_fail_all(&f->k, "TestOver", "");
	int zero = 0;
	zmq_setsockopt(f->k.sock[CH_SHELL], ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(f->router, ZMQ_LINGER, &zero, sizeof zero);
	zmq_close(f->k.sock[CH_SHELL]);
	zmq_close(f->router);
	zmq_ctx_term(f->h.zctx);
	loop_free(f->a.loop);
	free(f);
	return 0;
}

/* Hands the kernel a message with parent msg_id parent. */
static void deliver(fake *f, int channel, const char *type, const char *parent, json_t *content)
{
	jmsg m = { 0 };
	m.msg_type = type;
	m.msg_id = "m";
	m.parent_id = parent;
	m.content = content;
	if (channel == CH_IOPUB)
		kq_on_iopub(&f->k, &m);
	else
		kq_on_execute_reply(&f->k, &m);
	json_decref(content);
}

static void reply_ok(fake *f, const char *parent)
{
	deliver(f, CH_SHELL, "execute_reply", parent, json_pack("{s:s,s:i}", "status", "ok", "execution_count", 1));
}

static void status(fake *f, const char *parent, const char *st)
{
	deliver(f, CH_IOPUB, "status", parent, json_pack("{s:s}", "execution_state", st));
}

static void result(fake *f, const char *parent, const char *text)
{
	deliver(f, CH_IOPUB, "execute_result", parent,
		json_pack("{s:i,s:{s:s},s:{}}", "execution_count", 1, "data", "text/plain", text, "metadata"));
}

static void stream(fake *f, const char *parent)
{
	deliver(f, CH_IOPUB, "stream", parent, json_pack("{s:s,s:s}", "name", "stdout", "text", "a\n"));
}

/* Runs the loop until the execution is done (bounded: 5 s). */
static void run_until_done(fake *f)
{
	int64_t deadline = now_ms() + 5000;
	while (!f->done && now_ms() < deadline)
		loop_once(f->a.loop, 50);
}

static kexec *start(fake *f, const kexec_req *req)
{
	kexec *x;
	sbx_err e;
	assert_int_equal(kernel_execute(&f->k, req, &ops, f, &x, &e), 0);
	assert_non_null(x);
	assert_true(x->msg_id[0]);
	return x;
}

/* Deno: execute_reply, idle, then the execute_result. */
static void test_result_after_idle_and_reply(void **state)
{
	fake *f = *state;
	kexec_req req = { .code = "console.log(\"a\"); 1+1" };
	kexec *x = start(f, &req);
	char id[37];
	memcpy(id, x->msg_id, sizeof id);
	status(f, id, "busy");
	stream(f, id);
	reply_ok(f, id);
	status(f, id, "idle");
	result(f, id, "2");
	run_until_done(f);
	assert_int_equal(f->done, 1);
	assert_int_equal(f->streams, 1);
	assert_int_equal(f->results_at_done, 1);   /* the late result is the cell's */
	assert_string_equal(f->last_text, "2");
	assert_int_equal(f->errors, 0);
	assert_null(f->k.head);
}

/* A late result while the silent post step (env_vars restore) runs. */
static void test_result_during_post_step(void **state)
{
	fake *f = *state;
	kexec_req req = { .pre = "set", .code = "process.env.FOO", .post = "restore" };
	kexec *x = start(f, &req);
	char pre[37], code[37];
	memcpy(pre, x->msg_id, sizeof pre);
	reply_ok(f, pre);
	status(f, pre, "idle");
	memcpy(code, x->msg_id, sizeof code);
	assert_string_not_equal(code, pre);
	reply_ok(f, code);
	status(f, code, "idle");
	assert_string_not_equal(x->msg_id, code);   /* post was sent */
	char post[37];
	memcpy(post, x->msg_id, sizeof post);
	result(f, code, "bar");                       /* the cell's, late */
	result(f, post, "silent");                    /* a silent step's: not shown */
	reply_ok(f, post);
	status(f, post, "idle");
	run_until_done(f);
	assert_int_equal(f->done, 1);
	assert_int_equal(f->results_at_done, 1);
	assert_string_equal(f->last_text, "bar");
}

/* A cell with no result: done waits out the grace window, then comes; a
 * result in time still counts, nothing after done is delivered. */
static void test_no_result_grace_then_done(void **state)
{
	fake *f = *state;
	kexec_req req = { .code = "x = 1" };
	kexec *x = start(f, &req);
	char id[37];
	memcpy(id, x->msg_id, sizeof id);
	reply_ok(f, id);
	status(f, id, "idle");
	assert_int_equal(f->done, 0);   /* held open for late output */
	run_until_done(f);
	assert_int_equal(f->done, 1);
	assert_int_equal(f->results, 0);
	result(f, id, "too late");      /* no execution any more: dropped */
	assert_int_equal(f->results, 0);
}

/* An in-order result (ipykernel) finishes at once: no grace wait. */
static void test_result_in_order_no_wait(void **state)
{
	fake *f = *state;
	kexec_req req = { .code = "1+1" };
	kexec *x = start(f, &req);
	char id[37];
	memcpy(id, x->msg_id, sizeof id);
	result(f, id, "2");
	status(f, id, "idle");
	reply_ok(f, id);
	assert_int_equal(f->done, 1);   /* synchronously, no timer */
	assert_int_equal(f->results_at_done, 1);
}

/* The next cell queued behind a held one starts when the first finishes,
 * and the first's late result does not leak into the second. */
static void test_queue_after_grace(void **state)
{
	fake *f = *state;
	kexec_req r1 = { .code = "1+1" }, r2 = { .code = "2+2" };
	kexec *x1 = start(f, &r1);
	char id1[37];
	memcpy(id1, x1->msg_id, sizeof id1);
	kexec *x2;
	sbx_err e;
	fake g = { 0 };
	assert_int_equal(kernel_execute(&f->k, &r2, &ops, &g, &x2, &e), 0);
	assert_false(x2->msg_id[0]);    /* queued */
	reply_ok(f, id1);
	status(f, id1, "idle");
	result(f, id1, "2");            /* late but within the window */
	assert_int_equal(f->done, 1);   /* the result ended the wait */
	assert_int_equal(f->results_at_done, 1);
	assert_true(x2->msg_id[0]);     /* the next cell was sent */
	result(f, id1, "2 again");      /* stale parent: nobody's */
	assert_int_equal(g.results, 0);
	char id2[37];
	memcpy(id2, x2->msg_id, sizeof id2);
	result(f, id2, "4");
	status(f, id2, "idle");
	reply_ok(f, id2);
	assert_int_equal(g.done, 1);
	assert_string_equal(g.last_text, "4");
}

/* The code of the next execute_request the fake kernel received, and
 * whether it was silent. */
static void recv_request(fake *f, char *code, size_t n, int *silent)
{
	zmq_msg_t part;
	int more = 1, i = 0;
	code[0] = '\0';
	*silent = -1;
	while (more) {
		zmq_msg_init(&part);
		assert_true(zmq_msg_recv(&part, f->router, 0) >= 0);
		/* identity, <IDS|MSG>, signature, header, parent, metadata, content */
		if (i++ == 6) {
			json_t *c = json_loadb(zmq_msg_data(&part), zmq_msg_size(&part), 0, NULL);
			snprintf(code, n, "%s", json_string_value(json_object_get(c, "code")));
			*silent = json_is_true(json_object_get(c, "silent"));
			json_decref(c);
		}
		more = zmq_msg_more(&part);
		zmq_msg_close(&part);
	}
}

/* A new process runs the kernel's prelude before the cells that waited for
 * it; the prelude's output and failure are nobody's cell's. */
static void test_prelude_first(void **state)
{
	fake *f = *state;
	f->k.state = K_STARTING;
	f->k.prelude = "globalThis.require = 1";
	kexec_req req = { .code = "typeof require" };
	kexec *x;
	sbx_err e;
	assert_int_equal(kernel_execute(&f->k, &req, &ops, f, &x, &e), 0);
	assert_false(x->msg_id[0]);   /* waits for the kernel */
	f->k.state = K_READY;         /* as become_ready does: */
	kq_prelude(&f->k);
	kq_kick(&f->k);
	char code[64];
	int silent;
	recv_request(f, code, sizeof code, &silent);
	assert_string_equal(code, "globalThis.require = 1");
	assert_int_equal(silent, 1);
	assert_false(x->msg_id[0]);   /* the cell still waits */
	char pid[37];
	memcpy(pid, f->k.head->msg_id, sizeof pid);
	result(f, pid, "prelude's");
	deliver(f, CH_SHELL, "execute_reply", pid, json_pack("{s:s,s:s,s:s,s:[]}", "status", "error", "ename", "E",
							      "evalue", "v", "traceback"));
	status(f, pid, "idle");
	assert_int_equal(f->results + f->errors, 0);
	assert_true(x->msg_id[0]);    /* now the cell */
	recv_request(f, code, sizeof code, &silent);
	assert_string_equal(code, "typeof require");
	assert_int_equal(silent, 0);
	char id[37];
	memcpy(id, x->msg_id, sizeof id);
	result(f, id, "function");
	reply_ok(f, id);
	status(f, id, "idle");
	assert_int_equal(f->done, 1);
	assert_string_equal(f->last_text, "function");
	f->k.prelude = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_result_after_idle_and_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_result_during_post_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_result_grace_then_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_result_in_order_no_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_after_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prelude_first, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
