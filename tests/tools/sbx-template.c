/*
 * sbx-template: a small driver for vm/template/template.h until `sbx template` exists.
 *
 *   sbx-template build NAME|PATH [--name N] [--agent BIN] [--python DIR] [--templates DIR] [-q]
 *   sbx-template ls
 *   sbx-template path NAME        prints the newest built template dir
 *   sbx-template rm NAME          every build of NAME (or one NAME-HASH12)
 *   sbx-template prune            all but the newest build of each name
 *
 * Defaults: the checkout is $SBX_ROOT or two levels above this binary
 * (build/tools/); the agent is ../sbx-agent beside the tools dir; recipes in
 * vm/templates, the chart extension in vm/python; the cache is
 * $SBX_CACHE_DIR (else ~/.cache/sbx).  Build output goes to stderr; the
 * template dir is the last line on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/util/selfpath.h"
#include "../../src/util/xalloc.h"
#include "../../vm/template/template.h"

typedef struct ui {
	int quiet;
} ui;

static void on_log(void *ud, template_log_kind kind, const char *line)
{
	const ui *u = ud;
	if (kind == TEMPLATE_LOG_STEP)
		fprintf(stderr, "==> %s\n", line);
	else if (kind == TEMPLATE_LOG_INFO)
		fprintf(stderr, "--- %s\n", line);
	else if (!u->quiet)
		fprintf(stderr, "    %s\n", line);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: sbx-template build NAME|PATH [--name N] [--agent BIN] [--python DIR] [--templates DIR] [-q]\n"
		"       sbx-template ls | path NAME | rm NAME | prune\n");
	return 2;
}

/* The directory of this executable. */
static char *exe_dir(void)
{
	char *p = self_dir();
	return p ? p : xstrdup(".");
}

static int cmd_build(template_opts *o, int argc, char **argv)
{
	const char *what = NULL, *name = NULL;
	ui u = { 0 };
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-q"))
			u.quiet = 1;
		else if (!strcmp(a, "--name") && v)
			name = argv[++i];
		else if (!strcmp(a, "--agent") && v)
			o->agent_bin = argv[++i];
		else if (!strcmp(a, "--python") && v)
			o->python_dir = argv[++i];
		else if (!strcmp(a, "--templates") && v)
			o->templates_dir = argv[++i];
		else if (a[0] != '-' && !what)
			what = a;
		else
			return usage();
	}
	if (!what)
		return usage();
	o->log = on_log;
	o->log_ud = &u;
	template_info info;
	sbx_err e = { "" };
	if (template_build(o, what, name, &info, &e) < 0) {
		fprintf(stderr, "sbx-template: %s\n", e.msg);
		return 1;
	}
	fprintf(stderr, "%s: %s %s\n", info.name, info.cached ? "cached" : "built", info.hash);
	printf("%s\n", info.dir);
	template_info_free(&info);
	return 0;
}

static int cmd_ls(template_opts *o)
{
	template_info *list;
	size_t n;
	sbx_err e = { "" };
	if (template_list(o, &list, &n, &e) < 0) {
		fprintf(stderr, "sbx-template: %s\n", e.msg);
		return 1;
	}
	printf("%-20s %-12s %-27s %-20s %s\n", "NAME", "HASH", "BUILT", "ALIASES", "FROM");
	for (size_t i = 0; i < n; i++) {
		char aliases[256] = "-";
		size_t off = 0;
		for (size_t j = 0; j < list[i].naliases && off < sizeof aliases; j++)
			off += (size_t)snprintf(aliases + off, sizeof aliases - off, "%s%s", j ? "," : "",
						list[i].aliases[j]);
		printf("%-20s %-12.12s %-27s %-20s %s\n", list[i].name, list[i].hash, list[i].built_at, aliases,
		       list[i].parent ? list[i].parent : "-");
	}
	template_list_free(list, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	char *bin = exe_dir();
	const char *root_env = getenv("SBX_ROOT");
	char *root = root_env && *root_env ? xstrdup(root_env) : xasprintf("%s/../..", bin);
	char *agent = xasprintf("%s/../sbx-agent", bin);
	char *templates = xasprintf("%s/vm/templates", root);
	char *python = xasprintf("%s/vm/python", root);
	char *agent_abs = realpath(agent, NULL), *templates_abs = realpath(templates, NULL);
	char *python_abs = realpath(python, NULL);
	template_opts o = {
		.templates_dir = templates_abs ? templates_abs : templates,
		.agent_bin = agent_abs ? agent_abs : agent,
		.python_dir = python_abs ? python_abs : python,
	};
	int rc;
	sbx_err e = { "" };
	const char *cmd = argv[1];
	if (!strcmp(cmd, "build")) {
		rc = cmd_build(&o, argc - 2, argv + 2);
	} else if (!strcmp(cmd, "ls") && argc == 2) {
		rc = cmd_ls(&o);
	} else if (!strcmp(cmd, "path") && argc == 3) {
		template_info info;
		rc = template_find(&o, argv[2], &info, &e) < 0 ? 1 : 0;
		if (rc == 0)
			printf("%s\n", info.dir);
		template_info_free(&info);
	} else if (!strcmp(cmd, "rm") && argc == 3) {
		int n = 0;
		rc = template_remove(&o, argv[2], &n, &e) < 0 ? 1 : 0;
		if (rc == 0)
			printf("removed %d build%s of %s\n", n, n == 1 ? "" : "s", argv[2]);
	} else if (!strcmp(cmd, "prune") && argc == 2) {
		int n = 0;
		rc = template_prune(&o, 0, &n, &e) < 0 ? 1 : 0;
		if (rc == 0)
			printf("removed %d director%s\n", n, n == 1 ? "y" : "ies");
	} else {
		rc = usage();
	}
	if (rc == 1 && e.msg[0])
		fprintf(stderr, "sbx-template: %s\n", e.msg);
	free(bin);
	free(root);
	free(agent);
	free(templates);
	free(python);
	free(agent_abs);
	free(templates_abs);
	free(python_abs);
	return rc;
}
