#include "cmd_ai_render.h"
#include "cmd_common.h"
#include "cmd_run_render.h"
#include "../util/b64.h"
#include "../util/buf.h"
#include "../util/fsutil.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_ARGS_MAX 4000   /* a malformed call's raw arguments, shown */

void ai_render_init(ai_render *r, FILE *out, FILE *err, const char *charts_dir)
{
	memset(r, 0, sizeof *r);
	r->out = out;
	r->err = err;
	r->tty_out = cli_isatty(fileno(out));
	r->tty_err = cli_isatty(fileno(err));
	r->charts_dir = charts_dir ? charts_dir : ".";
	r->at_bol = 1;
}

static void put_out(ai_render *r, const char *s, size_t n)
{
	if (!n)
		return;
	cli_put_shown(r->out, s, n, r->tty_out);
	r->at_bol = s[n - 1] == '\n';
	fflush(r->out);
}

static void end_line(ai_render *r)
{
	if (!r->at_bol)
		put_out(r, "\n", 1);
}

static void put_err(ai_render *r, const char *s, size_t n)
{
	end_line(r);
	cli_put_shown(r->err, s, n, r->tty_err);
	if (n && s[n - 1] != '\n')
		fputc('\n', r->err);
	fflush(r->err);
}

void ai_render_note(ai_render *r, const char *fmt, ...)
{
	sbx_buf b = SBX_BUF_INIT;
	va_list ap;
	char tmp[2048];
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_printf(&b, "sbx ai: %s", tmp);
	fflush(r->out);
	put_err(r, b.data, b.len);
	buf_free(&b);
}

/* --- the run's observer ------------------------------------------------------- */

static void on_text(void *ud, const char *delta, size_t len)
{
	put_out(ud, delta, len);
}

static void on_turn_end(void *ud)
{
	end_line(ud);
}

static void show_block(ai_render *r, const char *head, const char *body)
{
	end_line(r);
	put_out(r, head, strlen(head));
	put_out(r, body, strlen(body));
	end_line(r);
}

static void on_call(void *ud, const ai_call *call)
{
	ai_render *r = ud;
	json_t *args = json_loads(call->args, 0, NULL);
	const char *code = json_string_value(json_object_get(args, "code"));
	const char *cmd = json_string_value(json_object_get(args, "command"));
	const char *path = json_string_value(json_object_get(args, "path"));
	const char *content = json_string_value(json_object_get(args, "content"));
	char head[300];
	r->call_shown = 0;
	if (!strcmp(call->name, "execute_python") && code) {
		show_block(r, "--- python ---\n", code);
		put_out(r, "--- output ---\n", 15);
	} else if (!strcmp(call->name, "run_command") && cmd) {
		show_block(r, "$ ", cmd);
	} else if (!strcmp(call->name, "read_file") && path) {
		show_block(r, "--- read_file ", path);
	} else if (!strcmp(call->name, "write_file") && path && content) {
		snprintf(head, sizeof head, "--- write_file (%zu bytes) ", strlen(content));
		show_block(r, head, path);
	} else {
		/* what the model sent, malformed or not, for the user to see */
		size_t n = strlen(call->args);
		snprintf(head, sizeof head, "--- %.100s ", call->name);
		char *a = xstrndup(call->args, n > SHOWN_ARGS_MAX ? SHOWN_ARGS_MAX : n);
		show_block(r, head, a);
		free(a);
	}
	json_decref(args);
}

static void on_result(void *ud, const ai_call *call, const char *text, int is_error)
{
	(void)call;
	ai_render *r = ud;
	/* what the sandbox printed was shown as it came; the rest (a call that
	 * did not run, a file read) is shown as the model gets it */
	if (r->call_shown && !is_error)
		return;
	if (r->call_shown && is_error) {
		end_line(r);
		return;
	}
	if (is_error)
		put_err(r, text, strlen(text));
	else {
		put_out(r, text, strlen(text));
		end_line(r);
	}
}

static void on_status(void *ud, const char *msg)
{
	if (msg)
		ai_render_note(ud, "%s", msg);
}

ai_observer ai_render_observer(ai_render *r)
{
	ai_observer o = { .on_text = on_text, .on_turn_end = on_turn_end, .on_call = on_call,
			  .on_result = on_result, .on_status = on_status, .ud = r };
	return o;
}

/* --- the sandbox's outputs ------------------------------------------------------ */

static void save_chart(ai_render *r, const sbx_result *res)
{
	const char *b64 = res->png;
	size_t n;
	unsigned char *bytes = b64_decode(b64, strlen(b64), &n);
	unsigned w = 0, h = 0;
	char desc[1024] = "", dims[48] = "";
	sbx_err e;
	if (!bytes) {
		ai_render_note(r, "a chart came back that is not valid base64; not saved");
		r->write_failed = 1;
		return;
	}
	if (render_png_size(bytes, n, &w, &h))
		snprintf(dims, sizeof dims, ", %ux%u", w, h);
	if (res->chart)
		render_chart(res->chart, desc, sizeof desc);
	if (fsu_mkdirs(r->charts_dir, 0755, &e) < 0) {
		ai_render_note(r, "cannot save the chart: %s", e.msg);
		r->write_failed = 1;
		free(bytes);
		return;
	}
	char *path = xasprintf("%s/chart-%d.png", r->charts_dir, ++r->ncharts);
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(bytes, 1, n, f) == n;
	if (f && fclose(f) != 0)
		ok = 0;
	if (ok) {
		sbx_buf b = SBX_BUF_INIT;
		buf_printf(&b, "[chart saved to %s%s%s%s]\n", path, dims, *desc ? ": " : "", desc);
		end_line(r);
		put_out(r, b.data, b.len);
		buf_free(&b);
	} else {
		ai_render_note(r, "cannot write %s: %s", path, strerror(errno));
		r->write_failed = 1;
	}
	free(path);
	free(bytes);
}

static void on_code_event(void *ud, const ai_call *call, const sbx_code_event *ev)
{
	(void)call;
	ai_render *r = ud;
	switch (ev->type) {
	case SBX_CODE_STDOUT:
		r->call_shown = 1;
		put_out(r, ev->text, strlen(ev->text));
		break;
	case SBX_CODE_STDERR:
		r->call_shown = 1;
		fflush(r->out);
		cli_put_shown(r->err, ev->text, strlen(ev->text), r->tty_err);
		fflush(r->err);
		break;
	case SBX_CODE_RESULT: {
		const sbx_result *res = &ev->result;
		r->call_shown = 1;
		if (res->png)
			save_chart(r, res);
		else if (res->text) {
			put_out(r, res->text, strlen(res->text));
			end_line(r);
		} else if (res->jpeg || res->svg) {
			const char *line = "[an image the terminal cannot show; `sbx run --out` saves them]\n";
			put_out(r, line, strlen(line));
		}
		break;
	}
	case SBX_CODE_ERROR: {
		/* IPython colours its traceback: take the escapes out, not just mask them */
		sbx_buf b = SBX_BUF_INIT;
		r->call_shown = 1;
		if (ev->traceback && *ev->traceback)
			ai_text_clean(&b, ev->traceback, strlen(ev->traceback));
		else
			buf_printf(&b, "%s: %s", ev->name ? ev->name : "Error", ev->value ? ev->value : "");
		put_err(r, b.data ? b.data : "", b.len);
		buf_free(&b);
		break;
	}
	}
}

static void on_proc_event(void *ud, const ai_call *call, const sbx_proc_event *ev)
{
	(void)call;
	ai_render *r = ud;
	switch (ev->type) {
	case SBX_PROC_STDOUT:
	case SBX_PROC_PTY:
		r->call_shown = 1;
		put_out(r, (const char *)ev->data, ev->len);
		break;
	case SBX_PROC_STDERR:
		r->call_shown = 1;
		fflush(r->out);
		cli_put_shown(r->err, (const char *)ev->data, ev->len, r->tty_err);
		fflush(r->err);
		break;
	case SBX_PROC_END: {
		int st = sbx_proc_exit_status(ev);
		r->call_shown = 1;
		if (st != 0) {
			char line[64];
			snprintf(line, sizeof line, "[exit status %d]\n", st);
			end_line(r);
			put_out(r, line, strlen(line));
		}
		break;
	}
	}
}

ai_exec_observer ai_render_exec_observer(ai_render *r)
{
	ai_exec_observer o = { .on_code_event = on_code_event, .on_proc_event = on_proc_event, .ud = r };
	return o;
}
