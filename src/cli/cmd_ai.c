/* sbx ai: a model answers a request by running code in a sandbox. */
#include "cli.h"
#include "cmd_ai_render.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include "../ai/exec_sbx.h"
#include "../ai/provider.h"
#include "../ai/run.h"
#include "../util/buf.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define DEFAULT_TEMPLATE "code-interpreter"
#define SANDBOX_TIMEOUT_S 3600     /* a run may take long; --keep leaves it this long */
#define EXIT_STEP_LIMIT 3
#define EXIT_STOPPED 130
#define FLUSH_MS 5000              /* at most, for calls still in flight at the end */

static const char usage[] =
	"usage: sbx ai [--sandbox ID] [--template T] [--keep] [--provider P] [--model M]\n"
	"              [--max-steps N] [--charts DIR] [--transcript FILE] [--no-stream] REQUEST\n"
	"       sbx ai --providers\n"
	"A model answers REQUEST (- reads it from stdin) by running Python and commands in a\n"
	"sandbox: its words stream as they come, then each piece of code it runs and what came\n"
	"out; charts are saved as DIR/chart-N.png. Without --sandbox a sandbox is created from\n"
	"T (default code-interpreter) and killed at the end unless --keep.\n"
	"  --provider P     openai, anthropic, groq, mistral, together, ollama, llamacpp, lmstudio,\n"
	"                   vllm or one of ai.conf (default: SBX_AI_PROVIDER, ai.conf, then the\n"
	"                   first of openai, anthropic with a key set); --providers lists them\n"
	"  --model M        the model (default: SBX_AI_MODEL, ai.conf, the provider's default)\n"
	"  --max-steps N    model turns at most (default 10, or max_steps in ai.conf)\n"
	"  --charts DIR     where charts go (default .)\n"
	"  --transcript F   save the conversation as JSON (also when stopped or failed)\n"
	"  --no-stream      ask for each model turn whole instead of streamed\n"
	"Exits 0 when answered, 1 on an error, 3 at the step limit, 130 when stopped (Ctrl-C).\n"
	"docs/ai.md tells how to point sbx at each provider.\n";

typedef struct ai_args {
	const char *sandbox, *template_id, *provider, *model, *charts, *transcript, *request;
	int keep, max_steps, no_stream, providers;
} ai_args;

static int parse_ai(int argc, char **argv, ai_args *a, sbx_err *e)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char **val = NULL;
		if (!strcmp(s, "--help") || !strcmp(s, "-h"))
			return sbx_error(e, OPT_HELP);
		else if (!strcmp(s, "--keep"))
			a->keep = 1;
		else if (!strcmp(s, "--no-stream"))
			a->no_stream = 1;
		else if (!strcmp(s, "--providers"))
			a->providers = 1;
		else if (!strcmp(s, "--sandbox"))
			val = &a->sandbox;
		else if (!strcmp(s, "--template"))
			val = &a->template_id;
		else if (!strcmp(s, "--provider"))
			val = &a->provider;
		else if (!strcmp(s, "--model"))
			val = &a->model;
		else if (!strcmp(s, "--charts"))
			val = &a->charts;
		else if (!strcmp(s, "--transcript"))
			val = &a->transcript;
		else if (!strcmp(s, "--max-steps")) {
			if (i + 1 >= argc)
				return sbx_error(e, "--max-steps wants a number");
			if (opt_int(argv[++i], 1, 1000, "--max-steps", &a->max_steps, e) < 0)
				return -1;
		} else if (s[0] == '-' && s[1])
			return sbx_error(e, "unknown option %s", s);
		else if (a->request)
			return sbx_error(e, "one request only (quote it)");
		else
			a->request = s;
		if (val) {
			if (i + 1 >= argc)
				return sbx_error(e, "%s wants a value", s);
			*val = argv[++i];
		}
	}
	if (!a->providers && !a->request)
		return sbx_error(e, "no request given");
	if (a->sandbox && (a->template_id || a->keep))
		return sbx_error(e, "--sandbox uses that sandbox: --template and --keep are for a new one");
	return 0;
}

static int list_providers(const ai_args *a)
{
	ai_env env;
	ai_provider *v = NULL, active = { 0 };
	size_t n = 0;
	sbx_err e;
	ai_env_default(&env);
	int rc = ai_providers_list(&env, &v, &n, &e);
	if (rc < 0) {
		fprintf(stderr, "sbx ai: %s\n", e.msg);
		ai_env_free_default(&env);
		return 1;
	}
	int have_active = ai_provider_resolve(&env, a->provider, a->model, &active, &e) == 0;
	printf("  %-11s %-10s %-40s %s\n", "PROVIDER", "KIND", "BASE URL", "MODEL");
	for (size_t i = 0; i < n; i++) {
		int mark = have_active && !strcmp(v[i].name, active.name);
		printf("%c %-11s %-10s %-40s %s", mark ? '*' : ' ', v[i].name,
		       v[i].kind == AI_KIND_ANTHROPIC ? "anthropic" : "openai", v[i].base_url,
		       v[i].model ? v[i].model : "-");
		if (v[i].missing)
			printf("  (unusable: %s)", v[i].missing);
		putchar('\n');
	}
	if (!have_active)
		printf("\nno provider is chosen: %s\n", e.msg);
	if (have_active)
		ai_provider_free(&active);
	ai_providers_free(v, n);
	ai_env_free_default(&env);
	return 0;
}

/* --- the run ---------------------------------------------------------------------- */

typedef struct ai_cli {
	ai_render rr;              /* first: the observers' ud */
	cli c;
	sbx_sandbox sb;
	char *created;             /* the sandbox this command made */
	int prompt_done;
	char *prompt;
	sbx_err prompt_err;
	int prompt_failed;
	ai_run *run;
	int done;
	ai_end end;
	char *end_msg;
	int sigfd;
	int interrupted;           /* Ctrl-C before the run began */
} ai_cli;

static void on_prompt(char *prompt, const sbx_err *e, void *ud)
{
	ai_cli *s = ud;
	s->prompt_done = 1;
	s->prompt = prompt;
	if (e) {
		s->prompt_failed = 1;
		s->prompt_err = *e;
	}
}

static void on_done(void *ud, ai_end end, const char *msg)
{
	ai_cli *s = ud;
	s->done = 1;
	s->end = end;
	s->end_msg = msg ? xstrdup(msg) : NULL;
}

static void on_sigint(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)events;
	ai_cli *s = ud;
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof si) != (ssize_t)sizeof si)
		return;
	if (s->run && !s->done)
		ai_run_stop(s->run);
	else if (!s->interrupted && !s->run)
		ai_render_note(&s->rr, "stopping once the sandbox is ready");
	s->interrupted = 1;
}

typedef struct create_wait {
	sbx_wait w;
	json_t *j;
} create_wait;

static void on_created(const sbx_info *info, const sbx_err *e, void *ud)
{
	create_wait *cw = ud;
	if (info)
		cw->j = json_deep_copy(info->raw);
	sbx_wait_set(&cw->w, e);
}

static int create_sandbox(ai_cli *s, const char *template_id)
{
	sbx_err e;
	create_wait cw = { 0 };
	sbx_create_opts o = { .template_id = template_id, .timeout_s = SANDBOX_TIMEOUT_S };
	if (s->rr.tty_err)
		fprintf(stderr, "sbx ai: creating a sandbox from %s...\n", template_id);
	if (sbx_api_create(s->c.s.client, &o, on_created, &cw, NULL, &e) < 0 ||
	    sbx_sync_wait(&s->c.s, &cw.w, 0, &e) < 0)
		return cli_fail(&s->c, "cannot create a sandbox from %s: %s", template_id, e.msg), -1;
	sbx_info info;
	int rc = -1;
	if (sbx_info_parse(cw.j, &info, &e) < 0) {
		cli_fail(&s->c, "%s", e.msg);
	} else {
		s->created = xstrdup(info.id);
		if (sbx_info_sandbox(&info, sbx_client_config(s->c.s.client), &s->sb, &e) < 0)
			cli_fail(&s->c, "%s", e.msg);
		else
			rc = 0;
		sbx_info_clear(&info);
	}
	json_decref(cw.j);
	return rc;
}

static char *read_request(const char *arg, sbx_err *e)
{
	if (strcmp(arg, "-"))
		return xstrdup(arg);
	sbx_buf b = SBX_BUF_INIT;
	if (buf_read_stream(&b, stdin) < 0) {
		buf_free(&b);
		sbx_error_errno(e, "cannot read the request from stdin");
		return NULL;
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	if (!b.len) {
		buf_free(&b);
		sbx_error(e, "the request on stdin is empty");
		return NULL;
	}
	return buf_detach(&b);
}

static int save_transcript(ai_cli *s, const ai_conv *conv, const char *path)
{
	json_t *j = ai_conv_to_json(conv);
	int rc = json_dump_file(j, path, JSON_INDENT(2)) == 0 ? 0 : -1;
	json_decref(j);
	if (rc < 0)
		ai_render_note(&s->rr, "cannot write the transcript to %s", path);
	return rc;
}

/* Runs the request in s->sb; the exit status. */
static int run_request(ai_cli *s, const ai_args *a, const ai_provider *prov, int max_steps, const char *request,
		       const char *template_id)
{
	sbx_err e;
	ai_prompt_op *pop = NULL;
	if (ai_sandbox_prompt(s->c.s.client, &s->sb, template_id, on_prompt, s, &pop, &e) < 0)
		return cli_fail(&s->c, "%s", e.msg);
	sbx_sync_until(&s->c.s, &s->prompt_done);
	if (s->prompt_failed)
		return cli_fail(&s->c, "cannot look into the sandbox: %s", s->prompt_err.msg);

	ai_conv conv;
	ai_conv_init(&conv, s->prompt);
	http_client *http = http_client_new(s->c.s.loop);
	ai_exec_observer xo = ai_render_exec_observer(&s->rr);
	ai_exec_sbx *x = ai_exec_sbx_new(s->c.s.client, &s->sb, NULL, &xo);
	ai_run_opts o = { .provider = prov, .conv = &conv, .request = request, .max_steps = max_steps,
			  .no_stream = a->no_stream, .exec = ai_exec_sbx_tools(x), .obs = ai_render_observer(&s->rr) };
	o.obs.on_done = on_done;
	int rc = 1;
	s->run = ai_run_start(s->c.s.loop, http, &o, &e);
	if (!s->run) {
		cli_fail(&s->c, "%s", e.msg);
	} else {
		if (s->interrupted)
			ai_run_stop(s->run);
		sbx_sync_until(&s->c.s, &s->done);
		fflush(stdout);
		switch (s->end) {
		case AI_END_ANSWER:
			rc = 0;
			if (s->end_msg)
				ai_render_note(&s->rr, "%s", s->end_msg);
			break;
		case AI_END_STOPPED:
			rc = EXIT_STOPPED;
			ai_render_note(&s->rr, "%s", s->end_msg ? s->end_msg : "stopped");
			break;
		case AI_END_STEP_LIMIT:
			rc = EXIT_STEP_LIMIT;
			ai_render_note(&s->rr, "%s", s->end_msg ? s->end_msg : "stopped at the step limit");
			break;
		case AI_END_ERROR:
			rc = 1;
			ai_render_note(&s->rr, "%s", s->end_msg ? s->end_msg : "the run failed");
			break;
		}
		if (rc == 0 && s->rr.write_failed)
			rc = 1;
	}
	if (a->transcript && save_transcript(s, &conv, a->transcript) < 0 && rc == 0)
		rc = 1;
	ai_run_free(s->run);
	s->run = NULL;
	/* a stopped command's kill is on its way: let it arrive */
	for (int64_t until = now_ms() + FLUSH_MS; sbx_client_busy(s->c.s.client) && now_ms() < until;)
		loop_once(s->c.s.loop, 100);
	ai_exec_sbx_free(x);
	http_client_free(http);
	ai_conv_free(&conv);
	return rc;
}

static void kill_created(ai_cli *s)
{
	sbx_wait w = { 0 };
	sbx_err e;
	if (sbx_api_kill(s->c.s.client, s->created, sbx_wait_done, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&s->c.s, &w, 0, &e) < 0)
		ai_render_note(&s->rr, "cannot kill sandbox %s: %s; kill it with `sbx kill %s`", s->created, e.msg,
			       s->created);
}

int cmd_ai(int argc, char **argv)
{
	ai_cli s;
	ai_args a;
	sbx_err e;
	memset(&s, 0, sizeof s);
	s.c.name = "ai";
	s.sigfd = -1;
	if (parse_ai(argc, argv, &a, &e) < 0)
		return cli_usage_or(&s.c, &e, usage);
	if (a.providers)
		return list_providers(&a);

	/* what can fail without a sandbox fails first */
	ai_env env;
	ai_provider prov;
	ai_env_default(&env);
	int rc = ai_provider_resolve(&env, a.provider, a.model, &prov, &e);
	int max_steps = a.max_steps ? a.max_steps : ai_max_steps(&env, 10);
	ai_env_free_default(&env);
	if (rc < 0)
		return cli_fail(&s.c, "%s; `sbx ai --providers` lists the providers", e.msg);
	rc = 1;
	char *request = read_request(a.request, &e);
	if (!request) {
		ai_provider_free(&prov);
		return cli_fail(&s.c, "%s", e.msg);
	}
	ai_render_init(&s.rr, stdout, stderr, a.charts);
	const char *tmpl = a.template_id ? a.template_id : DEFAULT_TEMPLATE;
	if (cli_open(&s.c, "ai"))
		goto out;
	/* Ctrl-C stops the run, which then ends as usual (transcript, kill);
	 * pressed while the sandbox is being made, the run stops as it starts
	 * (so the new sandbox is killed, not left behind) */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	s.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s.sigfd >= 0)
		loop_add_fd(s.c.s.loop, s.sigfd, LOOP_READ, on_sigint, &s);
	if (!(a.sandbox ? cli_target(&s.c, a.sandbox, &s.sb) : create_sandbox(&s, tmpl)))
		rc = run_request(&s, &a, &prov, max_steps, request, a.sandbox ? NULL : tmpl);
	if (s.sigfd >= 0) {
		loop_del_fd(s.c.s.loop, s.sigfd);
		close(s.sigfd);
	}
	if (s.created && !a.keep)
		kill_created(&s);
	else if (s.created)
		ai_render_note(&s.rr, "kept sandbox %s (`sbx kill %s` ends it)", s.created, s.created);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	cli_close(&s.c);
	sbx_sandbox_free(&s.sb);
	free(s.created);
	free(s.prompt);
	free(s.end_msg);
	free(request);
	ai_provider_free(&prov);
	return rc;
}
