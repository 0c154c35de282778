/* sbx run: run code in a sandbox's kernel; streams, results, errors. */
#include "cli.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include "cmd_run_render.h"
#include "../util/buf.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: sbx run ID [-c CODE | FILE | -] [--context C | --language L] [--out DIR] [--timeout S]\n"
	"       sbx run ID --list-contexts\n"
	"Runs code in the sandbox's Jupyter kernel (Python unless told), printing output as it\n"
	"comes, then results; images are saved as files in DIR (with --out). Exits 1 when the\n"
	"code raised.\n";

typedef struct run_state {
	run_render rr;
	int raised, render_failed;
	sbx_wait w;
} run_state;

static void on_event(const sbx_code_event *ev, void *ud)
{
	run_state *s = ud;
	switch (ev->type) {
	case SBX_CODE_STDOUT:
		fputs(ev->text, stdout);
		fflush(stdout);
		break;
	case SBX_CODE_STDERR:
		fputs(ev->text, stderr);
		fflush(stderr);
		break;
	case SBX_CODE_COUNT:
		s->rr.exec_count = ev->execution_count;
		break;
	case SBX_CODE_RESULT:
		if (render_result(&s->rr, &ev->result) < 0)
			s->render_failed = 1;
		break;
	case SBX_CODE_ERROR:
		s->raised = 1;
		fflush(stdout);
		if (*ev->traceback)
			fprintf(stderr, "%s\n", ev->traceback);
		else
			fprintf(stderr, "%s: %s\n", ev->name, ev->value);
		break;
	}
}

static void on_done(const sbx_err *e, void *ud)
{
	run_state *s = ud;
	sbx_wait_set(&s->w, e);
}

static char *read_all(const char *file, sbx_err *e)
{
	sbx_buf b = SBX_BUF_INIT;
	int rc = strcmp(file, "-") ? buf_read_file(&b, file, e)
				   : buf_read_stream(&b, stdin) < 0 ? sbx_error_errno(e, "cannot read stdin") : 0;
	if (rc < 0) {
		buf_free(&b);
		return NULL;
	}
	buf_putc(&b, '\0');
	b.len--;
	return buf_detach(&b);
}

typedef struct ctx_wait {
	sbx_wait w;
} ctx_wait;

static void on_contexts(const sbx_context *ctx, size_t n, const sbx_err *e, void *ud)
{
	ctx_wait *c = ud;
	if (!e) {
		printf("%-40s %-12s %s\n", "CONTEXT", "LANGUAGE", "CWD");
		for (size_t i = 0; i < n; i++)
			printf("%-40s %-12s %s\n", ctx[i].id, ctx[i].language, ctx[i].cwd);
	}
	sbx_wait_set(&c->w, e);
}

int cmd_run(int argc, char **argv)
{
	cli c = { .name = "run" };
	run_args a;
	sbx_err e;
	sbx_sandbox sb = { 0 };
	char *code = NULL;
	int rc = 1;
	if (parse_run(argc, argv, &a, &e) < 0)
		return cli_usage_or(&c, &e, usage);
	if (a.file && !(code = read_all(a.file, &e)))
		return cli_fail(&c, "%s", e.msg);
	if (cli_open(&c, "run") || cli_target(&c, a.id, &sb) < 0)
		goto out;
	if (a.list_contexts) {
		ctx_wait cw = { 0 };
		if (sbx_context_list(c.s.client, &sb, on_contexts, &cw, NULL, &e) < 0 ||
		    sbx_sync_wait(&c.s, &cw.w, 0, &e) < 0)
			cli_fail(&c, "%s", e.msg);
		else
			rc = 0;
		goto out;
	}
	run_state s = { .rr = { .out_dir = a.out_dir, .out = stdout } };
	sbx_exec_opts o = { .code = code ? code : a.code, .context_id = a.context, .language = a.language,
			    .timeout_ms = a.timeout_ms };
	sbx_code_handler h = { .on_event = on_event, .on_done = on_done, .ud = &s };
	if (sbx_code_exec(c.s.client, &sb, &o, &h, NULL, &e) < 0 || sbx_sync_wait(&c.s, &s.w, 0, &e) < 0) {
		fflush(stdout);
		cli_fail(&c, "%s", e.msg);
		goto out;
	}
	rc = s.raised || s.render_failed ? 1 : 0;
out:
	cli_close(&c);
	sbx_sandbox_free(&sb);
	free(code);
	return rc;
}
