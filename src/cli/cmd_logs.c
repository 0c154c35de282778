/* sbx logs: what sbxd and the runtime logged about a sandbox. */
#include "cli.h"
#include "cmd_common.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] = "usage: sbx logs ID\nPrints sbxd's events and the runtime's logs for the sandbox.\n";

typedef struct logs_wait {
	sbx_wait w;
	int tty;   /* stdout is a terminal */
} logs_wait;

static void on_text(const char *text, size_t len, const sbx_err *e, void *ud)
{
	logs_wait *l = ud;
	/* a VM's serial log is whatever the guest wrote to its console */
	if (text)
		cli_put_shown(stdout, text, len, l->tty);
	sbx_wait_set(&l->w, e);
}

int cmd_logs(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "sbx logs: want one sandbox id\n%s", usage);
		return 2;
	}
	cli c = { 0 };
	int rc = 1;
	sbx_err e;
	if (cli_open(&c, "logs"))
		goto out;
	char *id = cli_resolve(&c, argv[1]);
	if (!id)
		goto out;
	logs_wait l = { .tty = cli_isatty(1) };
	if (sbx_api_logs(c.s.client, id, on_text, &l, NULL, &e) < 0 || sbx_sync_wait(&c.s, &l.w, 0, &e) < 0)
		cli_fail(&c, "%s", e.msg);
	else
		rc = 0;
	free(id);
out:
	cli_close(&c);
	return rc;
}
