/* proc_event: process.proto messages ↔ C, on the client side (pure). */
#include "proc.h"
#include "../util/b64.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static int int_field(const json_t *o, const char *camel, const char *snake, int *out)
{
	json_t *v = json_object_get(o, camel);
	if (!v)
		v = json_object_get(o, snake);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		*out = (int)json_integer_value(v);
	else if (json_is_string(v))
		*out = atoi(json_string_value(v));
	else
		return -1;
	return 0;
}

static int data_event(const json_t *d, sbx_proc_event *ev, unsigned char **owned, sbx_err *e)
{
	static const struct { const char *k; int t; } kinds[] = {
		{ "stdout", SBX_PROC_STDOUT }, { "stderr", SBX_PROC_STDERR }, { "pty", SBX_PROC_PTY },
	};
	int found = 0;
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(d, kinds[i].k);
		if (!v || json_is_null(v))
			continue;
		if (found++)
			return sbx_error(e, "a data event carries more than one of stdout, stderr and pty");
		if (!json_is_string(v))
			return sbx_error(e, "data.%s is not a base64 string", kinds[i].k);
		size_t n;
		unsigned char *b = b64_decode(json_string_value(v), json_string_length(v), &n);
		if (!b)
			return sbx_error(e, "data.%s is not valid base64", kinds[i].k);
		ev->type = kinds[i].t;
		ev->data = b;
		ev->len = n;
		*owned = b;
	}
	if (!found) {   /* an empty DataEvent: zero bytes of stdout */
		ev->type = SBX_PROC_STDOUT;
		ev->data = (const unsigned char *)"";
	}
	return 0;
}

int sbx_proc_event_parse(const json_t *msg, sbx_proc_event *ev, unsigned char **owned, sbx_err *e)
{
	memset(ev, 0, sizeof *ev);
	*owned = NULL;
	const json_t *x = json_object_get(msg, "event"), *v;
	if (!json_is_object(x))
		return sbx_error(e, "a process message has no event");
	int n = 0;
	if ((v = json_object_get(x, "start")) && json_is_object(v)) {
		int pid = 0;
		n++;
		ev->type = SBX_PROC_START;
		if (int_field(v, "pid", "pid", &pid) < 0 || pid < 0)
			return sbx_error(e, "start.pid is not a number");
		ev->pid = (uint32_t)pid;
	}
	if ((v = json_object_get(x, "data")) && json_is_object(v)) {
		if (n++)
			return sbx_error(e, "a process event sets more than one kind");
		if (data_event(v, ev, owned, e) < 0)
			return -1;
	}
	if ((v = json_object_get(x, "end")) && json_is_object(v)) {
		if (n++)
			return sbx_error(e, "a process event sets more than one kind");
		ev->type = SBX_PROC_END;
		if (int_field(v, "exitCode", "exit_code", &ev->exit_code) < 0)
			return sbx_error(e, "end.exitCode is not a number");
		json_t *ex = json_object_get(v, "exited");
		ev->exited = json_is_true(ex);
		ev->status = json_string_value(json_object_get(v, "status"));
		if (!ev->status)
			ev->status = "";
		ev->error = json_string_value(json_object_get(v, "error"));
	}
	if ((v = json_object_get(x, "keepalive")) && json_is_object(v)) {
		if (n++)
			return sbx_error(e, "a process event sets more than one kind");
		ev->type = SBX_PROC_KEEPALIVE;
	}
	if (!n) {
		ev->type = SBX_PROC_KEEPALIVE;   /* an event kind newer than us: nothing to do */
	}
	return 0;
}

json_t *sbx_proc_start_request(const sbx_proc_opts *o, sbx_err *e)
{
	if (!o->cmd || !*o->cmd) {
		sbx_error(e, "no command to start");
		return NULL;
	}
	json_t *p = json_object(), *args = json_array(), *envs = json_object();
	json_object_set_new(p, "cmd", json_string(o->cmd));
	for (const char *const *a = o->args; a && *a; a++)
		json_array_append_new(args, json_string(*a));
	for (const char *const *kv = o->env; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		if (!eq || eq == *kv) {
			sbx_error(e, "environment entry '%s' is not KEY=VALUE", *kv);
			json_decref(p), json_decref(args), json_decref(envs);
			return NULL;
		}
		char key[256];
		snprintf(key, sizeof key, "%.*s", (int)(eq - *kv), *kv);
		json_object_set_new(envs, key, json_string(eq + 1));
	}
	json_object_set_new(p, "args", args);
	if (json_object_size(envs))
		json_object_set_new(p, "envs", envs);
	else
		json_decref(envs);
	if (o->cwd && *o->cwd)
		json_object_set_new(p, "cwd", json_string(o->cwd));
	json_t *req = json_pack("{s:o}", "process", p);
	if (o->tag && *o->tag)
		json_object_set_new(req, "tag", json_string(o->tag));
	if (o->pty)
		json_object_set_new(req, "pty", json_pack("{s:{s:i,s:i}}", "size", "cols", o->cols ? o->cols : 80,
							  "rows", o->rows ? o->rows : 24));
	else
		json_object_set_new(req, "stdin", json_boolean(o->stdin_open));
	return req;
}

static const struct { const char *name; int sig; } sigs[] = {
	{ "hangup", SIGHUP }, { "interrupt", SIGINT }, { "quit", SIGQUIT }, { "illegal instruction", SIGILL },
	{ "aborted", SIGABRT }, { "floating point exception", SIGFPE }, { "killed", SIGKILL },
	{ "segmentation fault", SIGSEGV }, { "broken pipe", SIGPIPE }, { "alarm clock", SIGALRM },
	{ "terminated", SIGTERM }, { "bus error", SIGBUS }, { "user defined signal 1", SIGUSR1 },
	{ "user defined signal 2", SIGUSR2 },
};

int sbx_proc_exit_status(const sbx_proc_event *end)
{
	if (end->exit_code >= 0 && (end->exited || end->exit_code > 0))
		return end->exit_code & 255;
	const char *s = end->status ? end->status : "";
	if (!strncmp(s, "signal: ", 8)) {
		for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
			if (!strncmp(s + 8, sigs[i].name, strlen(sigs[i].name)))
				return 128 + sigs[i].sig;
		return 128 + 1;
	}
	return end->exit_code >= 0 ? end->exit_code & 255 : 1;
}
