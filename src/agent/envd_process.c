/*
 * envd_process: the process.Process Connect service (docs/protocol.md
 * §3.4): Start, Connect, List, SendInput, SendSignal, Update, CloseStdin.
 * The processes themselves live in proc.c.
 */
#include "agent.h"
#include "proc.h"
#include "rpc.h"
#include "users.h"
#include "../util/xalloc.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define KEEPALIVE "{\"event\":{\"keepalive\":{}}}"

void envd_process_init(agent *a)
{
	a->process = xcalloc(1, sizeof *a->process);
	a->process->a = a;
}

void envd_process_free(agent *a)
{
	if (!a->process)
		return;
	proc_table_free(a->process);
	free(a->process);
	a->process = NULL;
}

/* The selected process, or NULL having answered with the error. */
static proc *select_unary(agent *a, http_req *r, const envd_selector *sel)
{
	proc *p = proc_find(a->process, sel->kind, sel->pid, sel->tag, 0);
	if (sel->kind == ENVD_SEL_NONE)
		agent_connect_error(r, "invalid_argument", "process selector is required: give process.pid or process.tag");
	else if (!p && sel->kind == ENVD_SEL_PID)
		agent_connect_error(r, "not_found", "process with pid %u not found", sel->pid);
	else if (!p)
		agent_connect_error(r, "not_found", "process with tag '%s' not found", sel->tag);
	return p;
}

/* --- streams -------------------------------------------------------------- */

static void on_start(agent *a, rpc_stream *s, json_t *j, void *ud)
{
	(void)ud;
	envd_start_req req;
	sbx_user u;
	sbx_err e;
	const char *code;
	if (envd_decode_start(j, &req, &e) < 0) {
		rpc_stream_finish(s, "invalid_argument", "%s", e.msg);
		return;
	}
	if (user_resolve(a, http_req_header(rpc_stream_req(s), "Authorization"), NULL, &u, &e) < 0) {
		rpc_stream_finish(s, "unauthenticated", "%s", e.msg);
		envd_start_req_free(&req);
		return;
	}
	char *cwd = proc_resolve_cwd(a, &u, req.process.cwd, &e);
	if (!cwd) {
		rpc_stream_finish(s, "invalid_argument", "%s", e.msg);
		envd_start_req_free(&req);
		return;
	}
	proc_spawn_req sr = {
		.user = &u, .config = &req.process, .cwd = cwd, .pty = req.pty.set,
		.cols = req.pty.cols, .rows = req.pty.rows, .with_stdin = req.stdin_on,
	};
	proc *p = proc_start(a->process, &sr, &req.process, req.tag, &code, &e);
	if (p)
		proc_attach(p, s, 1);
	else
		rpc_stream_finish(s, code, "error starting process: %s", e.msg);
	free(cwd);
	envd_start_req_free(&req);
}

static void on_connect(agent *a, rpc_stream *s, json_t *j, void *ud)
{
	(void)ud;
	envd_select_req req;
	sbx_err e;
	if (envd_decode_select(j, &req, &e) < 0) {
		rpc_stream_finish(s, "invalid_argument", "%s", e.msg);
		return;
	}
	const envd_selector *sel = &req.process;
	proc *p = proc_find(a->process, sel->kind, sel->pid, sel->tag, 1);
	if (sel->kind == ENVD_SEL_NONE)
		rpc_stream_finish(s, "invalid_argument", "process selector is required: give process.pid or process.tag");
	else if (!p && sel->kind == ENVD_SEL_PID)
		rpc_stream_finish(s, "not_found", "process with pid %u not found", sel->pid);
	else if (!p)
		rpc_stream_finish(s, "not_found", "process with tag '%s' not found", sel->tag);
	else
		proc_attach(p, s, 0);
	envd_select_req_free(&req);
}

/* --- unary methods -------------------------------------------------------- */

static void on_list(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)j, (void)ud;
	json_t *arr = json_array();
	proc_list(a->process, arr);
	rpc_reply(r, json_pack("{s:o}", "processes", arr));
}

static void on_send_input(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	envd_input_req req;
	sbx_err e;
	const char *code;
	if (envd_decode_input(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return;
	}
	proc *p = select_unary(a, r, &req.process);
	if (!p)
		;
	else if (req.kind == ENVD_INPUT_NONE)
		agent_connect_error(r, "invalid_argument", "input is required: give input.stdin or input.pty (base64)");
	else if (proc_write(p, req.kind == ENVD_INPUT_PTY, req.data, req.len, &code, &e) < 0)
		agent_connect_error(r, code, "%s", e.msg);
	else
		rpc_reply(r, json_object());
	envd_input_req_free(&req);
}

static void on_send_signal(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	envd_signal_req req;
	sbx_err e;
	const char *code;
	if (envd_decode_signal(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return;
	}
	proc *p = select_unary(a, r, &req.process);
	int sig = req.signal == ENVD_SIGNAL_SIGKILL ? SIGKILL : req.signal == ENVD_SIGNAL_SIGTERM ? SIGTERM : 0;
	if (!p)
		;
	else if (!sig)
		agent_connect_error(r, "unimplemented", "invalid signal %d: only SIGNAL_SIGTERM and SIGNAL_SIGKILL are supported",
				    req.signal);
	else if (proc_signal(p, sig, &code, &e) < 0)
		agent_connect_error(r, code, "%s", e.msg);
	else
		rpc_reply(r, json_object());
	envd_signal_req_free(&req);
}

static void on_update(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	envd_update_req req;
	sbx_err e;
	const char *code;
	if (envd_decode_update(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return;
	}
	proc *p = select_unary(a, r, &req.process);
	if (!p)
		;
	else if (req.pty.set && proc_resize(p, req.pty.cols, req.pty.rows, &code, &e) < 0)
		agent_connect_error(r, code, "%s", e.msg);
	else
		rpc_reply(r, json_object());
	envd_update_req_free(&req);
}

static void on_close_stdin(agent *a, http_req *r, json_t *j, void *ud)
{
	(void)ud;
	envd_select_req req;
	sbx_err e;
	const char *code;
	if (envd_decode_select(j, &req, &e) < 0) {
		agent_connect_error(r, "invalid_argument", "%s", e.msg);
		return;
	}
	proc *p = select_unary(a, r, &req.process);
	if (!p)
		;
	else if (proc_close_stdin(p, &code, &e) < 0)
		agent_connect_error(r, code, "%s", e.msg);
	else
		rpc_reply(r, json_object());
	envd_select_req_free(&req);
}

void envd_process_route(agent *a, http_req *r, const char *method)
{
	static const struct {
		const char *name;
		rpc_unary_fn fn;
	} unary[] = {
		{ "List", on_list },           { "SendInput", on_send_input },
		{ "SendSignal", on_send_signal }, { "Update", on_update },
		{ "CloseStdin", on_close_stdin },
	};
	const char *slash = strrchr(method, '/');
	if (slash)
		method = slash + 1;
	if (!strcmp(method, "Start")) {
		rpc_stream_open(a, r, KEEPALIVE, on_start, NULL);
		return;
	}
	if (!strcmp(method, "Connect")) {
		rpc_stream_open(a, r, KEEPALIVE, on_connect, NULL);
		return;
	}
	for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++) {
		if (!strcmp(method, unary[i].name)) {
			rpc_unary(a, r, unary[i].fn, NULL);
			return;
		}
	}
	if (!strcmp(method, "StreamInput"))
		agent_connect_error(r, "unimplemented",
				    "process.Process/StreamInput (client streaming) is not supported over HTTP/1.1: use SendInput");
	else
		agent_connect_error(r, "unimplemented", "process.Process/%s does not exist", method);
}
