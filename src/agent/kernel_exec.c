/*
 * kernel_exec: the execution queue of one kernel.  One execution at a time;
 * each is up to four execute_requests (setup, pre, code, post) sent one
 * after another, a step being complete when both its execute_reply (shell)
 * and its idle status (IOPub) have arrived, in either order.  Output is
 * routed by parent_header.msg_id; the cell's error is reported once (the
 * IOPub error, else the one in execute_reply).  stop_on_error is off:
 * nothing is ever queued inside the kernel, so there is nothing to abort.
 *
 * Output of the cell that arrives after its idle and reply (Deno does this
 * with execute_result) is still taken while the later steps run, and an
 * execution whose cell produced no execute_result waits up to
 * KEXEC_LATE_GRACE_MS after the cell ended before it finishes.
 */
#include "kernel_priv.h"
#include "../proto/code_result.h"
#include "../util/log.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void kexec_free(kexec *x)
{
	if (x->grace_timer)
		loop_del_timer(x->k->h->a->loop, x->grace_timer);
	for (int i = 0; i < ST_N; i++) {
		free(x->code[i]);
		free(x->what[i]);
	}
	json_decref(x->reply);
	free(x);
}

static void x_error(kexec *x, const char *name, const char *value, const char *tb)
{
	if (!x->cancelled && x->ops.error)
		x->ops.error(name, value, tb ? tb : "", x->ud);
}

/* Unlinks x from its kernel's queue, reports done, frees it. */
static void x_finish(kexec *x)
{
	kernel *k = x->k;
	kexec **pp = &k->head;
	kexec *prev = NULL;
	while (*pp && *pp != x) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = x->next;
		if (k->tail == x)
			k->tail = prev;
	}
	if (!x->cancelled && x->ops.done)
		x->ops.done(x->ud);
	kexec_free(x);
}

void kq_fail_all(kernel *k, const char *name, const char *value)
{
	kexec *list = k->head;
	k->head = k->tail = NULL;
	while (list) {
		kexec *x = list;
		list = x->next;
		x->next = NULL;
		x_error(x, name, value, "");
		if (!x->cancelled && x->ops.done)
			x->ops.done(x->ud);
		kexec_free(x);
	}
}

static int step_allowed(const kexec *x, int s)
{
	if (!x->code[s])
		return 0;
	if (s == ST_CODE)
		return !x->pre_failed && !x->cancelled;
	if (s == ST_POST)
		return !x->pre_failed;
	return 1;
}

static void send_step(kernel *k, kexec *x)
{
	int silent = x->step != ST_CODE;
	json_t *c = json_pack("{s:s,s:b,s:b,s:{},s:b,s:b}", "code", x->code[x->step],
			      "silent", silent, "store_history", !silent, "user_expressions",
			      "allow_stdin", 0, "stop_on_error", 0);
	sbx_err e;
	jwire_ident id = kernel_ident(k);
	x->got_reply = x->got_idle = x->saw_error = 0;
	json_decref(x->reply);
	x->reply = NULL;
	int rc = c ? jwire_send(k->sock[CH_SHELL], &id, "execute_request", c, x->msg_id, &e)
		   : sbx_error(&e, "the code is not valid UTF-8");
	json_decref(c);
	if (rc == 0 && x->step == ST_CODE)
		memcpy(x->code_id, x->msg_id, sizeof x->code_id);
	if (rc < 0) {
		x->msg_id[0] = '\0';
		x_error(x, "KernelError", e.msg, "");
		if (x->step == ST_PRE)
			x->pre_failed = 1;
		x->got_reply = x->got_idle = 1;   /* treated as finished */
	}
}

static int64_t on_grace(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	kexec *x = ud;
	x->grace_timer = 0;
	x->code_id[0] = '\0';   /* nothing more is waited for */
	kq_kick(x->k);
	return -1;
}

/* ms to wait for late output of the cell before finishing x; 0: none. */
static int64_t grace_left(const kexec *x)
{
	if (!x->code_id[0] || x->got_result || x->cancelled)
		return 0;
	int64_t left = x->code_end + KEXEC_LATE_GRACE_MS - now_ms();
	return left > 0 ? left : 0;
}

/* Starts the head's next step, or finishes it; repeats while steps finish
 * synchronously (failed sends). */
void kq_kick(kernel *k)
{
	while (k->state == K_READY && k->head) {
		kexec *x = k->head;
		if (x->msg_id[0] && !(x->got_reply && x->got_idle))
			return;   /* a step is in flight */
		if (x->grace_timer)
			return;   /* waiting for the cell's late output */
		int s = x->step + 1;
		while (s < ST_N && !step_allowed(x, s))
			s++;
		if (s >= ST_N) {
			int64_t left = grace_left(x);
			if (left) {
				x->grace_timer = loop_add_timer(k->h->a->loop, left, on_grace, x);
				return;
			}
			x_finish(x);
			continue;
		}
		x->step = s;
		send_step(k, x);
		if (!(x->got_reply && x->got_idle))
			return;
	}
}

/* Both the execute_reply and the matching idle are in: judge the step. */
static void step_done(kernel *k, kexec *x)
{
	const char *status = json_string_value(json_object_get(x->reply, "status"));
	const char *what = x->what[x->step];
	if (status && !strcmp(status, "error") && !(x->step == ST_CODE && x->saw_error)) {
		const char *en = json_string_value(json_object_get(x->reply, "ename"));
		const char *ev = json_string_value(json_object_get(x->reply, "evalue"));
		char *tb = code_traceback_join(json_object_get(x->reply, "traceback"));
		char *val = what ? xasprintf("%s failed: %s: %s", what, en ? en : "Error", ev ? ev : "")
				 : xstrdup(ev ? ev : "");
		x_error(x, en ? en : "Error", val, tb);
		free(val);
		free(tb);
	} else if (status && !strcmp(status, "aborted")) {
		x_error(x, "ExecutionAborted", "The kernel aborted this request without running it.", "");
	}
	if (x->step == ST_PRE && (!status || strcmp(status, "ok")))
		x->pre_failed = 1;
	if (x->step == ST_CODE)
		x->code_end = now_ms();
	kq_kick(k);
}

/* Output of the cell after its idle and reply: still the cell's. */
static void late_output(kernel *k, kexec *x, const jmsg *m)
{
	if (!strcmp(m->msg_type, "status"))
		return;
	log_debug("kernel %s: %s came after the cell's idle and reply", k->spec.name, m->msg_type);
	if (!strcmp(m->msg_type, "execute_result"))
		x->got_result = 1;
	if (!x->cancelled && x->ops.output)
		x->ops.output(m, x->ud);
	if (x->got_result && x->grace_timer) {
		/* the one result came: nothing more to wait for */
		loop_del_timer(k->h->a->loop, x->grace_timer);
		x->grace_timer = 0;
		kq_kick(k);
	}
}

void kq_on_iopub(kernel *k, const jmsg *m)
{
	kexec *x = k->head;
	if (x && x->code_id[0] && !strcmp(m->parent_id, x->code_id) &&
	    (x->step != ST_CODE || x->got_idle)) {
		late_output(k, x, m);
		return;
	}
	if (!x || !x->msg_id[0] || strcmp(m->parent_id, x->msg_id) || x->got_idle)
		return;   /* someone else's output, or a silent step's after idle */
	if (!strcmp(m->msg_type, "status")) {
		const char *st = json_string_value(json_object_get(m->content, "execution_state"));
		if (!st || strcmp(st, "idle"))
			return;
		x->got_idle = 1;
		if (x->got_reply)
			step_done(k, x);
		return;
	}
	if (x->step != ST_CODE)
		return;   /* silent steps: their failure comes from the reply */
	if (!strcmp(m->msg_type, "error"))
		x->saw_error = 1;
	if (!strcmp(m->msg_type, "execute_result"))
		x->got_result = 1;
	if (!x->cancelled && x->ops.output)
		x->ops.output(m, x->ud);
}

void kq_on_execute_reply(kernel *k, const jmsg *m)
{
	kexec *x = k->head;
	if (!x || !x->msg_id[0] ||
	    strcmp(m->parent_id, x->msg_id) || x->got_reply)
		return;
	x->got_reply = 1;
	x->reply = json_incref(m->content);
	if (x->got_idle)
		step_done(k, x);
}

static void prelude_error(const char *name, const char *value, const char *tb, void *ud)
{
	(void)tb;
	kernel *k = ud;
	log_warn("kernel %s: its prelude failed: %s: %s", k->spec.name, name, value);
}

void kq_prelude(kernel *k)
{
	if (!k->prelude)
		return;
	static const kexec_ops ops = { NULL, prelude_error, NULL };
	kexec *x = xcalloc(1, sizeof *x);
	x->code[ST_SETUP] = xstrdup(k->prelude);
	x->k = k;
	x->step = -1;
	x->ops = ops;
	x->ud = k;
	x->next = k->head;   /* nothing is in flight: the process is new */
	k->head = x;
	if (!k->tail)
		k->tail = x;
}

int kernel_execute(kernel *k, const kexec_req *req, const kexec_ops *ops, void *ud, kexec **out,
		   sbx_err *e)
{
	*out = NULL;
	if (k->state == K_FAILED && kernel_launch_proc(k, e) < 0)
		return -1;
	kexec *x = xcalloc(1, sizeof *x);
	const char *codes[ST_N] = { req->setup, req->pre, req->code, req->post };
	const char *whats[ST_N] = { req->setup_what, req->pre_what, NULL, req->post_what };
	for (int i = 0; i < ST_N; i++) {
		x->code[i] = codes[i] ? xstrdup(codes[i]) : NULL;
		x->what[i] = whats[i] ? xstrdup(whats[i]) : NULL;
	}
	x->k = k;
	x->step = -1;
	x->ops = *ops;
	x->ud = ud;
	if (k->tail)
		k->tail->next = x;
	else
		k->head = x;
	k->tail = x;
	*out = x;   /* before kicking: a failed send finishes x at once */
	kq_kick(k);
	return 0;
}

void kexec_cancel(kexec *x)
{
	kernel *k = x->k;
	x->cancelled = 1;
	if (k->head != x || x->step != ST_CODE || !x->msg_id[0] || x->got_reply || !k->proc.pid)
		return;   /* queued or between steps: kick() skips the cell */
	if (k->spec.interrupt_message) {
		sbx_err e;
		jwire_ident id = kernel_ident(k);
		json_t *empty = json_object();
		if (jwire_send(k->sock[CH_CONTROL], &id, "interrupt_request", empty, NULL, &e) < 0)
			log_warn("kernel %s: %s", k->spec.name, e.msg);
		json_decref(empty);
	} else {
		/* ipykernel turns SIGINT into KeyboardInterrupt only while a
		 * request runs; killpg also reaches the cell's subprocesses. */
		killpg(k->proc.pid, SIGINT);
	}
}
