/*
 * sbx template: build, list and remove templates.  Builds are local (they
 * use vm/template/template.h directly, not sbxd): the build log streams under a
 * progress line that says which step runs and for how long.
 */
#include "cli.h"
#include "../util/selfpath.h"
#include "cmd_common.h"
#include "../../vm/template/template.h"
#include "../util/xalloc.h"
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cmd_opts.h"
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: sbx template build NAME|PATH|DIR [--name N] [--agent PATH] [--python DIR] [--templates DIR]\n"
	"       sbx template ls [--json]\n"
	"       sbx template rm NAME\n"
	"       sbx template prune [--unused-for DURATION]\n"
	"Builds a shipped recipe (base, code-interpreter), a recipe/Dockerfile at PATH, or an E2B\n"
	"template DIR (e2b.toml and/or e2b.Dockerfile / Dockerfile; or PATH/e2b.toml) into the\n"
	"template cache ($SBX_CACHE_DIR, else ~/.cache/sbx); builds need root and mmdebstrap.\n";

/* Next to the sbx binary in a checkout (build/sbx → vm/...), else installed. */
static char *find_path(const char *rel_checkout, const char *installed, int dir)
{
	char *p = self_find(rel_checkout, dir);
	return p ? p : xstrdup(installed);
}

typedef struct build_view {
	int tty;
	char step[256];
	time_t started, step_started;
} build_view;

static void draw_status(build_view *v)
{
	if (!v->tty || !v->step[0])
		return;
	char d[32];
	cli_duration(time(NULL) - v->started, d, sizeof d);
	fprintf(stderr, "\033[1m%.*s\033[0m  [%s]", 100, v->step, d);
	fflush(stderr);
}

static void on_log(void *ud, template_log_kind kind, const char *line)
{
	build_view *v = ud;
	if (v->tty)
		fprintf(stderr, "\r\033[K");
	switch (kind) {
	case TEMPLATE_LOG_STEP:
		snprintf(v->step, sizeof v->step, "%s", line);
		v->step_started = time(NULL);
		fprintf(stderr, "==> %s\n", line);
		break;
	case TEMPLATE_LOG_OUTPUT:
		fprintf(stderr, "    %s\n", line);
		break;
	case TEMPLATE_LOG_INFO:
		fprintf(stderr, "%s\n", line);
		break;
	}
	draw_status(v);
}

static int do_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, 0, 'n' }, { "agent", required_argument, 0, 'a' },
		{ "python", required_argument, 0, 'p' }, { "templates", required_argument, 0, 't' },
		{ 0, 0, 0, 0 },
	};
	const char *name = NULL;
	char *agent = NULL, *python = NULL, *templates = NULL;
	int c, rc = 1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'a': free(agent); agent = xstrdup(optarg); break;
		case 'p': free(python); python = xstrdup(optarg); break;
		case 't': free(templates); templates = xstrdup(optarg); break;
		default:
			fprintf(stderr, "sbx template build: option '%s' is unknown or wants a value\n%s", argv[optind - 1],
				usage);
			rc = 2;
			goto out;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "sbx template build: want one NAME or PATH\n%s", usage);
		rc = 2;
		goto out;
	}
	if (!agent)
		agent = find_path("sbx-agent", "/usr/lib/sbx/sbx-agent", 0);
	if (!python)
		python = find_path("../vm/python", "/usr/lib/sbx/python", 1);
	if (!templates)
		templates = find_path("../vm/templates", "/usr/lib/sbx/templates", 1);
	build_view v = { .tty = cli_isatty(2), .started = time(NULL) };
	template_opts o = { .templates_dir = templates, .agent_bin = agent, .python_dir = python, .log = on_log,
			    .log_ud = &v };
	template_info info = { 0 };
	sbx_err e;
	int r = template_build(&o, argv[optind], name, &info, &e);
	if (v.tty)
		fprintf(stderr, "\r\033[K");
	if (r < 0) {
		fprintf(stderr, "sbx template build: %s\n", e.msg);
		goto out;
	}
	char d[32];
	cli_duration(time(NULL) - v.started, d, sizeof d);
	printf("%s %s (%.12s) in %s\n", info.cached ? "already built:" : "built", info.name, info.hash, info.dir);
	for (size_t i = 0; i < info.naliases; i++)
		printf("  alias: %s\n", info.aliases[i]);
	if (info.start_cmd)
		printf("  start_cmd: %s\n", info.start_cmd);
	if (info.ready_cmd)
		printf("  ready_cmd: %s\n", info.ready_cmd);
	if (!info.cached)
		fprintf(stderr, "took %s\n", d);
	template_info_free(&info);
	rc = 0;
out:
	free(agent);
	free(python);
	free(templates);
	return rc;
}

static int do_ls(int argc, char **argv)
{
	int json = argc == 2 && !strcmp(argv[1], "--json");
	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "sbx template ls: unexpected argument '%s'\n%s", argv[argc - 1], usage);
		return 2;
	}
	template_opts o = { 0 };
	template_info *list = NULL;
	size_t n = 0;
	sbx_err e;
	if (template_list(&o, &list, &n, &e) < 0) {
		fprintf(stderr, "sbx template ls: %s\n", e.msg);
		return 1;
	}
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *al = json_array();
			for (size_t k = 0; k < list[i].naliases; k++)
				json_array_append_new(al, json_string(list[i].aliases[k]));
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o,s:s?,s:s?}", "name", list[i].name, "hash",
							      list[i].hash, "dir", list[i].dir, "aliases", al, "built_at",
							      list[i].built_at, "parent", list[i].parent));
		}
		char *s = json_dumps(arr, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(arr);
	} else if (!n) {
		fprintf(stderr, "no templates built (build one with `sbx template build base`)\n");
	} else {
		printf("%-20s %-13s %-22s %-24s %s\n", "NAME", "HASH", "BUILT", "ALIASES", "FROM");
		for (size_t i = 0; i < n; i++) {
			char al[128] = "";
			size_t len = 0;
			for (size_t k = 0; k < list[i].naliases && len + 2 < sizeof al; k++)
				len += (size_t)snprintf(al + len, sizeof al - len, "%s%s", k ? "," : "", list[i].aliases[k]);
			printf("%-20s %-13.12s %-22.19s %-24s %s\n", list[i].name, list[i].hash,
			       list[i].built_at ? list[i].built_at : "-", al[0] ? al : "-",
			       list[i].parent ? list[i].parent : "-");
		}
	}
	template_list_free(list, n);
	return 0;
}

static int do_rm(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "sbx template rm: want one NAME\n%s", usage);
		return 2;
	}
	template_opts o = { 0 };
	int removed = 0;
	sbx_err e;
	if (template_remove(&o, argv[1], &removed, &e) < 0) {
		fprintf(stderr, "sbx template rm: %s\n", e.msg);
		return 1;
	}
	printf("removed %d build%s of %s\n", removed, removed == 1 ? "" : "s", argv[1]);
	return 0;
}

static int do_prune(int argc, char **argv)
{
	int secs = 0;
	sbx_err e;
	if (argc == 3 && !strcmp(argv[1], "--unused-for")) {
		if (opt_seconds(argv[2], &secs, &e) < 0) {
			fprintf(stderr, "sbx template prune: %s\n", e.msg);
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "sbx template prune: usage: sbx template prune [--unused-for DURATION]\n");
		return 2;
	}
	template_opts o = { 0 };
	int removed = 0;
	if (template_prune(&o, secs, &removed, &e) < 0) {
		fprintf(stderr, "sbx template prune: %s\n", e.msg);
		return 1;
	}
	printf("removed %d old build%s and cache%s\n", removed, removed == 1 ? "" : "s", removed == 1 ? "" : "s");
	return 0;
}

int cmd_template(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "build"))
		return do_build(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ls"))
		return do_ls(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rm"))
		return do_rm(argc - 1, argv + 1);
	if (!strcmp(argv[1], "prune"))
		return do_prune(argc - 1, argv + 1);
	fprintf(stderr, "sbx template: unknown action '%s'\n%s", argv[1], usage);
	return 2;
}
