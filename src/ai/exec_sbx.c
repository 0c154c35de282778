/* exec_sbx: the model's tools run in a sandbox through libsbx (see exec_sbx.h). */
#include "exec_sbx.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOME "/home/user"
#define MAX_READ (1024 * 1024)       /* read_file: larger files are refused */
#define MAX_WRITE (16 * 1024 * 1024)
#define PROMPT_MAX_PACKAGES 300

enum { OP_NONE, OP_CODE, OP_PROC, OP_READ, OP_WRITE };

struct ai_exec_sbx {
	sbx_client *c;
	const sbx_sandbox *sb;
	char *context_id;
	ai_exec_observer obs;

	/* the call running */
	int kind;
	ai_run *run;
	sbx_op *op;
	ai_call call;              /* a copy: the observer gets it */
	ai_toolres res;
	uint32_t pid;              /* run_command, once started */
	int fd;                    /* read_file / write_file: the bytes */
	char *path;
	int64_t size;
	int too_big;
};

static void call_clear(ai_exec_sbx *x)
{
	free(x->call.id);
	free(x->call.name);
	free(x->call.args);
	memset(&x->call, 0, sizeof x->call);
	ai_toolres_free(&x->res);
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	free(x->path);
	x->path = NULL;
	x->kind = OP_NONE;
	x->op = NULL;
	x->run = NULL;
	x->pid = 0;
	x->too_big = 0;
}

/* Ends the call: its result goes to the run (which may start the next call
 * on x at once, so x is cleared first). */
static void deliver(ai_exec_sbx *x, const char *text, int is_error)
{
	ai_run *r = x->run;
	char *t = xstrdup(text);
	call_clear(x);
	ai_run_tool_done(r, t, is_error);
	free(t);
}

static void deliver_res(ai_exec_sbx *x)
{
	int is_error = 0;
	char *t = ai_toolres_text(&x->res, &is_error);
	deliver(x, t, is_error);
	free(t);
}

static char *abs_path(const char *p)
{
	return p[0] == '/' ? xstrdup(p) : xasprintf(HOME "/%s", p);
}

/* --- execute_python ---------------------------------------------------------- */

static void code_event(const sbx_code_event *ev, void *ud)
{
	ai_exec_sbx *x = ud;
	if (x->obs.on_code_event)
		x->obs.on_code_event(x->obs.ud, &x->call, ev);
	switch (ev->type) {
	case SBX_CODE_STDOUT:
		ai_toolres_stdout(&x->res, ev->text, strlen(ev->text));
		break;
	case SBX_CODE_STDERR:
		ai_toolres_stderr(&x->res, ev->text, strlen(ev->text));
		break;
	case SBX_CODE_RESULT: {
		const sbx_result *res = &ev->result;
		const char *title = json_string_value(json_object_get(res->chart, "title"));
		const char *type = json_string_value(json_object_get(res->chart, "type"));
		ai_toolres_result(&x->res, res->text, res->png || res->jpeg || res->svg, title, type);
		break;
	}
	case SBX_CODE_ERROR:
		ai_toolres_error(&x->res, ev->name, ev->value, ev->traceback);
		break;
	}
}

static void code_done(const sbx_err *e, void *ud)
{
	ai_exec_sbx *x = ud;
	if (e)
		ai_toolres_error(&x->res, "ExecutionFailed", e->msg, NULL);
	deliver_res(x);
}

static int start_code(ai_exec_sbx *x, const char *code, sbx_err *e)
{
	sbx_exec_opts o = { .code = code, .context_id = x->context_id };
	sbx_code_handler h = { .on_event = code_event, .on_done = code_done, .ud = x };
	return sbx_code_exec(x->c, x->sb, &o, &h, &x->op, e);
}

/* --- run_command --------------------------------------------------------------- */

static void proc_event(const sbx_proc_event *ev, void *ud)
{
	ai_exec_sbx *x = ud;
	if (x->obs.on_proc_event)
		x->obs.on_proc_event(x->obs.ud, &x->call, ev);
	switch (ev->type) {
	case SBX_PROC_START:
		x->pid = ev->pid;
		break;
	case SBX_PROC_STDOUT:
	case SBX_PROC_PTY:
		ai_toolres_stdout(&x->res, (const char *)ev->data, ev->len);
		break;
	case SBX_PROC_STDERR:
		ai_toolres_stderr(&x->res, (const char *)ev->data, ev->len);
		break;
	case SBX_PROC_END:
		ai_toolres_exit(&x->res, sbx_proc_exit_status(ev));
		if (ev->error && *ev->error)
			ai_toolres_error(&x->res, "ProcessError", ev->error, NULL);
		break;
	}
}

static void proc_done(const sbx_err *e, void *ud)
{
	ai_exec_sbx *x = ud;
	if (e)
		ai_toolres_error(&x->res, "CommandFailed", e->msg, NULL);
	deliver_res(x);
}

static int start_proc(ai_exec_sbx *x, const char *command, sbx_err *e)
{
	const char *args[] = { "-l", "-c", command, NULL };
	sbx_proc_opts o = { .cmd = "/bin/bash", .args = args, .cwd = HOME };
	sbx_proc_handler h = { .on_event = proc_event, .on_done = proc_done, .ud = x };
	return sbx_proc_start(x->c, x->sb, &o, &h, &x->op, e);
}

/* --- read_file / write_file ------------------------------------------------------ */

static void read_progress(int64_t done, int64_t total, void *ud)
{
	ai_exec_sbx *x = ud;
	if (done > MAX_READ || total > MAX_READ) {
		char msg[300];
		snprintf(msg, sizeof msg, "error: %s is larger than %d KiB; read a part of it with run_command "
			 "(head, tail, sed -n) or execute_python", x->path, MAX_READ / 1024);
		sbx_op_cancel(x->op);
		deliver(x, msg, 1);
	}
}

static void read_done(const sbx_err *e, void *ud)
{
	ai_exec_sbx *x = ud;
	if (e) {
		char msg[1200];
		snprintf(msg, sizeof msg, "error: %s", e->msg);
		deliver(x, msg, 1);
		return;
	}
	struct stat st;
	char *data = NULL;
	size_t n = 0;
	if (fstat(x->fd, &st) == 0 && st.st_size > 0 && st.st_size <= MAX_READ) {
		n = (size_t)st.st_size;
		data = xmalloc(n);
		if (pread(x->fd, data, n, 0) != (ssize_t)n)
			n = 0;
	}
	if (n && memchr(data, '\0', n)) {
		char msg[300];
		snprintf(msg, sizeof msg, "error: %s is a binary file (%zu bytes); inspect it with execute_python",
			 x->path, n);
		free(data);
		deliver(x, msg, 1);
		return;
	}
	if (n)
		ai_toolres_stdout(&x->res, data, n);
	else
		ai_toolres_stdout(&x->res, "(the file is empty)", 19);
	free(data);
	deliver_res(x);
}

static int start_read(ai_exec_sbx *x, const char *path, sbx_err *e)
{
	x->path = abs_path(path);
	x->fd = memfd_create("sbx-ai-read", MFD_CLOEXEC);
	if (x->fd < 0)
		return sbx_error_errno(e, "cannot make a buffer for %s", x->path);
	return sbx_files_read(x->c, x->sb, x->path, x->fd, read_progress, read_done, x, &x->op, e);
}

static void write_done(const sbx_err *e, void *ud)
{
	ai_exec_sbx *x = ud;
	char msg[1200];
	if (e)
		snprintf(msg, sizeof msg, "error: %s", e->msg);
	else
		snprintf(msg, sizeof msg, "wrote %lld bytes to %s", (long long)x->size, x->path);
	deliver(x, msg, e != NULL);
}

static int start_write(ai_exec_sbx *x, const char *path, const char *content, sbx_err *e)
{
	size_t n = strlen(content);
	x->path = abs_path(path);
	if (n > MAX_WRITE)
		return sbx_error(e, "the content is larger than %d MiB; write it in parts or with execute_python",
				 MAX_WRITE >> 20);
	x->fd = memfd_create("sbx-ai-write", MFD_CLOEXEC);
	if (x->fd < 0)
		return sbx_error_errno(e, "cannot make a buffer for %s", x->path);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(x->fd, content + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return sbx_error_errno(e, "cannot buffer %s", x->path);
		off += (size_t)w;
	}
	lseek(x->fd, 0, SEEK_SET);
	x->size = (int64_t)n;
	return sbx_files_write(x->c, x->sb, x->path, x->fd, x->size, NULL, write_done, x, &x->op, e);
}

/* --- the executor ------------------------------------------------------------------ */

static const char *arg(const json_t *args, const char *k)
{
	const char *s = json_string_value(json_object_get(args, k));
	return s ? s : "";
}

static int x_start(void *ud, ai_run *r, const ai_call *call, const json_t *args, sbx_err *e)
{
	ai_exec_sbx *x = ud;
	call_clear(x);
	x->run = r;
	x->call.id = xstrdup(call->id);
	x->call.name = xstrdup(call->name);
	x->call.args = xstrdup(call->args);
	ai_toolres_init(&x->res);
	int rc;
	if (!strcmp(call->name, "execute_python")) {
		x->kind = OP_CODE;
		rc = start_code(x, arg(args, "code"), e);
	} else if (!strcmp(call->name, "run_command")) {
		x->kind = OP_PROC;
		rc = start_proc(x, arg(args, "command"), e);
	} else if (!strcmp(call->name, "read_file")) {
		x->kind = OP_READ;
		rc = start_read(x, arg(args, "path"), e);
	} else if (!strcmp(call->name, "write_file")) {
		x->kind = OP_WRITE;
		rc = start_write(x, arg(args, "path"), arg(args, "content"), e);
	} else {
		rc = sbx_error(e, "there is no tool \"%s\"", call->name);
	}
	if (rc < 0)
		call_clear(x);
	return rc;
}

static void ignore_done(const sbx_err *e, void *ud)
{
	(void)e, (void)ud;
}

static void x_cancel(void *ud, ai_run *r)
{
	(void)r;
	ai_exec_sbx *x = ud;
	if (x->op)
		sbx_op_cancel(x->op);   /* a cell whose client goes away is interrupted */
	if (x->kind == OP_PROC && x->pid) {
		sbx_proc_ref p = { .pid = x->pid };
		sbx_proc_signal(x->c, x->sb, p, 9, ignore_done, NULL, NULL, NULL);
	}
	call_clear(x);
}

ai_exec_sbx *ai_exec_sbx_new(sbx_client *c, const sbx_sandbox *sb, const char *context_id,
			     const ai_exec_observer *obs)
{
	ai_exec_sbx *x = xcalloc(1, sizeof *x);
	x->c = c;
	x->sb = sb;
	x->context_id = context_id ? xstrdup(context_id) : NULL;
	if (obs)
		x->obs = *obs;
	x->fd = -1;
	return x;
}

ai_tool_exec ai_exec_sbx_tools(ai_exec_sbx *x)
{
	ai_tool_exec t = { .start = x_start, .cancel = x_cancel, .ud = x };
	return t;
}

void ai_exec_sbx_free(ai_exec_sbx *x)
{
	if (!x)
		return;
	if (x->op)
		sbx_op_cancel(x->op);
	call_clear(x);
	free(x->context_id);
	free(x);
}

/* --- the system prompt for a sandbox ------------------------------------------------- */

struct ai_prompt_op {
	sbx_op *op;            /* the step running */
	sbx_client *c;
	const sbx_sandbox *sb;
	char *template_id;
	char **files;
	size_t nfiles;
	sbx_buf out;
	ai_prompt_cb cb;
	void *ud;
};
typedef struct ai_prompt_op prompt_op;

/* importlib.metadata, not pip: it is there whenever Python is */
static const char pkg_script[] =
	"import importlib.metadata as m\n"
	"n = {(d.metadata['Name'] or '').strip() for d in m.distributions()}\n"
	"print('\\n'.join(sorted((x for x in n if x), key=str.lower)))\n";

static void prompt_free(prompt_op *p)
{
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	buf_free(&p->out);
	free(p->template_id);
	free(p);
}

void ai_sandbox_prompt_cancel(ai_prompt_op *p)
{
	if (!p)
		return;
	if (p->op)
		sbx_op_cancel(p->op);
	prompt_free(p);
}

static void prompt_finish(prompt_op *p)
{
	char **pk = NULL;
	size_t npk = 0;
	for (char *s = p->out.data, *nl; s && *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl)
			break;
		if (nl > s && npk < PROMPT_MAX_PACKAGES) {
			pk = xrealloc(pk, (npk + 2) * sizeof *pk);
			pk[npk++] = xstrndup(s, (size_t)(nl - s));
			pk[npk] = NULL;
		}
	}
	ai_prompt_info info = { .template_id = p->template_id, .home = HOME,
				.packages = (const char *const *)pk, .files = (const char *const *)p->files };
	char *prompt = ai_system_prompt(&info);
	for (size_t i = 0; i < npk; i++)
		free(pk[i]);
	free(pk);
	ai_prompt_cb cb = p->cb;
	void *ud = p->ud;
	prompt_free(p);
	cb(prompt, NULL, ud);
}

static void pkg_event(const sbx_proc_event *ev, void *ud)
{
	prompt_op *p = ud;
	if (ev->type == SBX_PROC_STDOUT && p->out.len < 256 * 1024)
		buf_append(&p->out, ev->data, ev->len);
}

/* No Python or no packages: the prompt just lists none. */
static void pkg_done(const sbx_err *e, void *ud)
{
	prompt_op *p = ud;
	p->op = NULL;
	if (e)
		buf_reset(&p->out);
	prompt_finish(p);
}

static void on_home(const sbx_entry *en, size_t n, const sbx_err *e, void *ud)
{
	prompt_op *p = ud;
	p->op = NULL;
	for (size_t i = 0; !e && i < n && p->nfiles < 200; i++) {
		if (en[i].name[0] == '.')
			continue;
		p->files = xrealloc(p->files, (p->nfiles + 2) * sizeof *p->files);
		p->files[p->nfiles++] = en[i].type == SBX_FILE_DIR ? xasprintf("%s/", en[i].name) : xstrdup(en[i].name);
		p->files[p->nfiles] = NULL;
	}
	const char *args[] = { "-c", pkg_script, NULL };
	sbx_proc_opts o = { .cmd = "/usr/bin/python3", .args = args, .cwd = HOME, .timeout_ms = 30000 };
	sbx_proc_handler h = { .on_event = pkg_event, .on_done = pkg_done, .ud = p };
	sbx_err se;
	if (sbx_proc_start(p->c, p->sb, &o, &h, &p->op, &se) < 0)
		prompt_finish(p);
}

int ai_sandbox_prompt(sbx_client *c, const sbx_sandbox *sb, const char *template_id, ai_prompt_cb cb, void *ud,
		      ai_prompt_op **op, sbx_err *e)
{
	prompt_op *p = xcalloc(1, sizeof *p);
	p->c = c;
	p->sb = sb;
	p->template_id = template_id ? xstrdup(template_id) : NULL;
	p->cb = cb;
	p->ud = ud;
	if (sbx_fs_list(c, sb, HOME, 1, on_home, p, &p->op, e) < 0) {
		prompt_free(p);
		return -1;
	}
	if (op)
		*op = p;
	return 0;
}
