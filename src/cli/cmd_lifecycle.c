/* sbx kill, timeout, pause, resume: one sandbox's life. */
#include "cli.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include "cmd_show.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static int want_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 1;
		}
	return 0;
}

static int usage_error(const char *name, const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "sbx %s: ", name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return 2;
}

/* --- kill ------------------------------------------------------------------ */

static const char kill_usage[] =
	"usage: sbx kill ID... | --all\nKills sandboxes (running, paused or dead) for good.\n";

typedef struct all_wait {
	sbx_wait w;
	char **ids;
	size_t n;
} all_wait;

static void on_all(const sbx_info *items, size_t n, const char *next, const sbx_err *e, void *ud)
{
	(void)next;
	all_wait *a = ud;
	if (!e) {
		a->ids = xcalloc(n + 1, sizeof *a->ids);
		for (size_t i = 0; i < n; i++)
			a->ids[i] = xstrdup(items[i].id);
		a->n = n;
	}
	sbx_wait_set(&a->w, e);
}

static int kill_one(cli *c, const char *id)
{
	sbx_wait w = { 0 };
	sbx_err e;
	if (sbx_api_kill(c->s.client, id, sbx_wait_done, &w, NULL, &e) < 0 || sbx_sync_wait(&c->s, &w, 0, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	printf("killed %s\n", id);
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	if (want_help(argc, argv, kill_usage))
		return 0;
	int all = argc == 2 && !strcmp(argv[1], "--all");
	if (argc < 2)
		return usage_error("kill", kill_usage, "%s", "no sandbox id given");
	for (int i = 1; i < argc && !all; i++)
		if (argv[i][0] == '-')
			return usage_error("kill", kill_usage, "unexpected option '%s'", argv[i]);
	cli c = { 0 };
	if (cli_open(&c, "kill")) {
		cli_close(&c);
		return 1;
	}
	int rc = 0;
	if (all) {
		all_wait a = { 0 };
		sbx_err e;
		sbx_list_opts o = { .state = NULL };   /* running, paused and (sbxd) dead */
		if (sbx_api_list_all(c.s.client, &o, on_all, &a, NULL, &e) < 0 || sbx_sync_wait(&c.s, &a.w, 0, &e) < 0)
			rc = cli_fail(&c, "%s", e.msg);
		for (size_t i = 0; i < a.n; i++) {
			rc |= kill_one(&c, a.ids[i]);
			free(a.ids[i]);
		}
		free(a.ids);
	} else {
		for (int i = 1; i < argc; i++) {
			char *id = cli_resolve(&c, argv[i]);
			rc |= id ? kill_one(&c, id) : 1;
			free(id);
		}
	}
	cli_close(&c);
	return rc;
}

/* --- timeout --------------------------------------------------------------- */

static const char timeout_usage[] =
	"usage: sbx timeout ID SECONDS\nSets how long from now the sandbox lives (90, 90s, 5m, 2h, 1d).\n";

int cmd_timeout(int argc, char **argv)
{
	if (want_help(argc, argv, timeout_usage))
		return 0;
	if (argc != 3)
		return usage_error("timeout", timeout_usage, "%s", "want an id and a duration");
	int secs;
	sbx_err e;
	if (opt_seconds(argv[2], &secs, &e) < 0)
		return usage_error("timeout", timeout_usage, "%s", e.msg);
	cli c = { 0 };
	int rc = 1;
	if (cli_open(&c, "timeout"))
		goto out;
	char *id = cli_resolve(&c, argv[1]);
	if (!id)
		goto out;
	sbx_wait w = { 0 };
	if (sbx_api_set_timeout(c.s.client, id, secs, sbx_wait_done, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c.s, &w, 0, &e) < 0) {
		cli_fail(&c, "%s", e.msg);
	} else {
		char d[32];
		cli_duration(secs, d, sizeof d);
		printf("sandbox %s now ends in %s\n", id, d);
		rc = 0;
	}
	free(id);
out:
	cli_close(&c);
	return rc;
}

/* --- pause / resume -------------------------------------------------------- */

static const char pause_usage[] =
	"usage: sbx pause ID\nFreezes the sandbox (its processes and files are kept); `sbx resume ID` thaws it.\n"
	"A VM sandbox (qemu, ch) is written to disk, memory included: that takes seconds, and a\n"
	"terminal shows how far it got.\n";
static const char resume_usage[] =
	"usage: sbx resume ID [--timeout S]\nThaws a paused sandbox; --timeout sets its new time to live.\n";

static void on_connected(const sbx_info *info, const sbx_err *e, void *ud)
{
	(void)info;
	sbx_wait_set(ud, e);
}

#define PROGRESS_POLL_MS 500

typedef struct progress_poll {
	sbx_wait w;
	char text[128];
} progress_poll;

static void on_progress(const sbx_info *info, const sbx_err *e, void *ud)
{
	progress_poll *p = ud;
	if (info)
		cli_progress_text(info, p->text, sizeof p->text);
	sbx_wait_set(&p->w, e);
}

/* Waits for w (a pause or resume of id); on a terminal, shows the
 * runtime's progress meanwhile (VM runtimes write memory to disk: seconds). */
static int wait_showing_progress(cli *c, const char *id, sbx_wait *w, sbx_err *e)
{
	int tty = cli_isatty(2), shown = 0;
	sbx_err ignore;
	while (tty && !w->done) {
		if (sbx_sync_wait(&c->s, w, PROGRESS_POLL_MS, &ignore) == 0 || w->done)
			break;
		progress_poll p = { 0 };
		if (sbx_api_get(c->s.client, id, on_progress, &p, NULL, &ignore) < 0 ||
		    sbx_sync_wait(&c->s, &p.w, 0, &ignore) < 0 || !*p.text)
			continue;
		fprintf(stderr, "\r\033[K%s", p.text);
		shown = 1;
	}
	if (shown)
		fprintf(stderr, "\r\033[K");
	return sbx_sync_wait(&c->s, w, 0, e);
}

int cmd_pause(int argc, char **argv)
{
	if (want_help(argc, argv, pause_usage))
		return 0;
	if (argc != 2 || argv[1][0] == '-')
		return usage_error("pause", pause_usage, "%s", "want one sandbox id");
	cli c = { 0 };
	int rc = 1;
	sbx_err e;
	if (cli_open(&c, "pause"))
		goto out;
	char *id = cli_resolve(&c, argv[1]);
	if (!id)
		goto out;
	sbx_wait w = { 0 };
	if (sbx_api_pause(c.s.client, id, sbx_wait_done, &w, NULL, &e) < 0 ||
	    wait_showing_progress(&c, id, &w, &e) < 0) {
		cli_fail(&c, "%s", e.msg);
	} else {
		printf("paused %s\n", id);
		rc = 0;
	}
	free(id);
out:
	cli_close(&c);
	return rc;
}

int cmd_resume(int argc, char **argv)
{
	if (want_help(argc, argv, resume_usage))
		return 0;
	const char *prefix = NULL;
	int secs = 0;
	sbx_err e;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (opt_seconds(argv[++i], &secs, &e) < 0)
				return usage_error("resume", resume_usage, "%s", e.msg);
		} else if (argv[i][0] == '-' || prefix) {
			return usage_error("resume", resume_usage, "unexpected argument '%s'", argv[i]);
		} else {
			prefix = argv[i];
		}
	}
	if (!prefix)
		return usage_error("resume", resume_usage, "%s", "no sandbox id given");
	cli c = { 0 };
	int rc = 1;
	if (cli_open(&c, "resume"))
		goto out;
	json_t *j = cli_describe(&c, prefix);
	if (!j)
		goto out;
	const char *id = json_string_value(json_object_get(j, "sandboxID"));
	const char *st = json_string_value(json_object_get(j, "state"));
	/* connect answers a running sandbox too (it only extends the timeout) */
	int was_running = st && !strcmp(st, "running");
	sbx_wait w = { 0 };
	if (!id) {
		cli_fail(&c, "the server described the sandbox without a sandboxID");
	} else if (sbx_api_connect(c.s.client, id, secs, on_connected, &w, NULL, &e) < 0 ||
		   wait_showing_progress(&c, id, &w, &e) < 0) {
		cli_fail(&c, "%s", e.msg);
	} else {
		printf(was_running ? "sandbox %s is already running\n" : "resumed %s\n", id);
		rc = 0;
	}
	json_decref(j);
out:
	cli_close(&c);
	return rc;
}
