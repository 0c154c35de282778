/* sbx: one binary, one command table. */
#include "cli.h"
#include "../../ui/workbench.h"
#include <stdio.h>
#include <string.h>

typedef struct sbx_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} sbx_cmd;

static const sbx_cmd commands[] = {
	{ "workbench", cmd_workbench, "the terminal workbench (what `sbx` alone opens)" },
	{ "serve", cmd_serve, "run sbxd, the local E2B control plane, in the foreground" },
	{ "env", cmd_env, "print the E2B_* exports that point E2B SDK code at sbxd" },
	{ "create", cmd_create, "create a sandbox; prints its id" },
	{ "ls", cmd_ls, "list sandboxes" },
	{ "info", cmd_info, "show one sandbox" },
	{ "runtimes", cmd_runtimes, "the runtimes sandboxes can run on here (ns, qemu, ch), or why not" },
	{ "kill", cmd_kill, "kill sandboxes (or --all)" },
	{ "timeout", cmd_timeout, "set how long a sandbox lives from now" },
	{ "pause", cmd_pause, "pause a sandbox" },
	{ "resume", cmd_resume, "resume a paused sandbox" },
	{ "exec", cmd_exec, "run a command in a sandbox (-t: interactive terminal)" },
	{ "run", cmd_run, "run code in a sandbox's kernel" },
	{ "files", cmd_files, "list, get, put, rm, mkdir, mv a sandbox's files" },
	{ "logs", cmd_logs, "show a sandbox's logs" },
	{ "snapshot", cmd_snapshot, "save a sandbox's state; list and remove snapshots" },
	{ "fork", cmd_fork, "copy a sandbox into new ones, from its current state" },
	{ "port", cmd_port, "list a sandbox's listening ports, or forward a local port to one" },
	{ "network", cmd_network, "show or replace a sandbox's outbound rules" },
	{ "volume", cmd_volume, "persistent volumes that sandboxes mount, and their files" },
	{ "events", cmd_events, "sandboxes' lifecycle events" },
	{ "template", cmd_template, "build, list and remove templates" },
	{ "ai", cmd_ai, "a model answers a request by running code in a sandbox" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sbx [COMMAND [ARGS...]]\n\nWith no command, sbx opens the workbench.\n\ncommands:\n");
	for (const sbx_cmd *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n`sbx COMMAND --help` tells more about each.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || (argv[1][0] == '-' && argv[1][1] == '-' && strcmp(argv[1], "--help")))
		return cmd_workbench(argc, argv);  /* `sbx`, `sbx --theme dark`... */
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (const sbx_cmd *c = commands; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "sbx: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
