/* sbx create: a new sandbox; its id alone on the last line of stdout. */
#include "cli.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sbx create [TEMPLATE] [--template T | --from SNAPSHOT] [--timeout S] [--runtime R]\n"
	"                  [--env K=V]... [--meta K=V]... [--cpus N] [--memory MB] [--volume NAME:/path]...\n"
	"                  [--allow-out X]... [--deny-out X]... [--no-internet] [--json]\n"
	"Creates a sandbox (template 'base' unless told) and prints its id on the last line\n"
	"(ID=$(sbx create | tail -n1)); --json prints E2B's answer instead.\n"
	"  --timeout S     seconds (or 90s, 5m, 2h) before it is killed; default 300\n"
	"  --runtime R     ns | qemu | ch | auto: where it runs (`sbx runtimes` says which work\n"
	"                  here; sbxd's default when not given)\n"
	"  --from SNAP     start from a snapshot (`sbx snapshot ls`), on the snapshot's runtime\n"
	"  --volume N:/P   mount volume N (`sbx volume create N`) at /P in the sandbox\n"
	"  --allow-out X   let the sandbox reach X (CIDR, IP or domain name; comma-separated or\n"
	"                  repeated); allowed entries win over denied ones\n"
	"  --deny-out X    block X (CIDR or IP; 0.0.0.0/0 blocks everything not allowed)\n"
	"  --no-internet   block every outbound address except those of --allow-out\n";

int cmd_create(int argc, char **argv)
{
	cli c = { .name = "create" };
	create_args a;
	sbx_err e;
	int rc = 1;
	if (parse_create(argc, argv, &a, &e) < 0) {
		create_args_free(&a);
		return cli_usage_or(&c, &e, usage);
	}
	if (cli_open(&c, "create"))
		goto out;
	sbx_create_opts o = {
		.template_id = a.template_id, .timeout_s = a.timeout_s, .env = a.env, .nenv = a.nenv,
		.metadata = a.meta, .nmetadata = a.nmeta, .cpus = a.cpus, .memory_mb = a.memory_mb,
		.runtime = a.runtime, .from_snapshot = a.from, .mounts = a.mounts, .nmounts = a.nmounts,
	};
	sbx_netcfg net = { .allow_out = (const char *const *)a.allow_out, .nallow_out = a.nallow,
			   .deny_out = (const char *const *)a.deny_out, .ndeny_out = a.ndeny,
			   .allow_internet = a.no_internet ? 0 : -1 };
	if (a.nallow || a.ndeny || a.no_internet)
		o.network = &net;
	json_t *j = cli_create(&c, &o, &e);
	if (!j) {
		cli_fail(&c, "%s", e.msg);
		goto out;
	}
	if (a.json) {
		char *s = json_dumps(j, JSON_COMPACT);
		puts(s);
		free(s);
	} else {
		puts(json_string_value(json_object_get(j, "sandboxID")));
	}
	json_decref(j);
	rc = 0;
out:
	cli_close(&c);
	create_args_free(&a);
	return rc;
}
