/* sbx runtimes: what sbxd can run sandboxes on here, and why not. */
#include "cli.h"
#include "cmd_common.h"
#include "cmd_show.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sbx runtimes [--json]\n"
	"Lists the sandbox runtimes sbxd serves: available or why not (what to install or fix),\n"
	"the accelerator (kvm, or tcg: emulated), which one `auto` picks and sbxd's default.\n"
	"Choose one per sandbox with `sbx create --runtime R`.\n";

typedef struct health_wait {
	sbx_wait w;
	json_t *j;
} health_wait;

static void on_health(const sbx_health *h, const sbx_err *e, void *ud)
{
	health_wait *hw = ud;
	if (h)
		hw->j = json_deep_copy(h->raw);
	sbx_wait_set(&hw->w, e);
}

int cmd_runtimes(int argc, char **argv)
{
	cli c = { .name = "runtimes" };
	int json = 0, rc = 1;
	sbx_err e;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else {
			sbx_error(&e, "unexpected argument '%s'", argv[i]);
			return cli_usage_or(&c, &e, usage);
		}
	}
	if (cli_open(&c, "runtimes"))
		goto out;
	health_wait hw = { 0 };
	sbx_health h;
	if (sbx_api_health_info(c.s.client, 10000, on_health, &hw, NULL, &e) < 0 ||
	    sbx_sync_wait(&c.s, &hw.w, 0, &e) < 0) {
		cli_fail(&c, "%s", e.msg);
		goto out;
	}
	if (json) {
		char *s = json_dumps(json_object_get(hw.j, "runtimes"), JSON_INDENT(2));
		puts(s ? s : "[]");
		free(s);
	} else if (sbx_health_parse(hw.j, &h, &e) == 0) {
		cli_runtimes_print(stdout, &h);
		sbx_health_clear(&h);
	}
	json_decref(hw.j);
	rc = 0;
out:
	cli_close(&c);
	return rc;
}
