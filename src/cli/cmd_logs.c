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

/* A VM's serial log is whatever the guest wrote to its console: on a
 * terminal its control bytes (escape sequences that could move the cursor,
 * retitle the window or answer for the user) are shown as '?'; piped to a
 * file or program, the bytes are kept as they are. */
static void put_shown(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		putchar((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : c);
	}
}

static void on_text(const char *text, size_t len, const sbx_err *e, void *ud)
{
	logs_wait *l = ud;
	if (text && l->tty)
		put_shown(text, len);
	else if (text)
		fwrite(text, 1, len, stdout);
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
