/* sbx network: a sandbox's outbound rules, shown or replaced (updateNetwork). */
#include "cli.h"
#include "cmd_args.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sbx network ID [--json]\n"
	"       sbx network ID [--allow-out X]... [--deny-out X]... [--no-internet | --internet]\n"
	"       sbx network ID --clear\n"
	"Shows a sandbox's outbound rules, or replaces them (rules not given are dropped):\n"
	"  --allow-out X   let it reach X: a CIDR, an IP or a domain name (comma-separated or\n"
	"                  repeated); allowed entries win over denied ones\n"
	"  --deny-out X    block X: a CIDR or an IP (0.0.0.0/0: everything not allowed)\n"
	"  --no-internet   block every address except those allowed; --internet lifts that\n"
	"  --clear         drop every rule (everything allowed again)\n";

static void print_list(const char *label, const json_t *arr)
{
	printf("%-11s", label);
	if (!json_array_size(arr))
		fputs(" -", stdout);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		printf("%s %s", i ? "," : "", json_string_value(v) ? json_string_value(v) : "?");
	putchar('\n');
}

static int show(cli *c, const char *prefix, int json)
{
	json_t *j = cli_describe(c, prefix);
	if (!j)
		return 1;
	json_t *net = json_object_get(j, "network"), *inet = json_object_get(j, "allowInternetAccess");
	if (json) {
		json_t *o = json_pack("{s:O?,s:O?}", "network", net, "allowInternetAccess", inet);
		char *s = json_dumps(o, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(o);
	} else {
		printf("%-11s %s\n", "internet:", json_is_false(inet) ? "no (only what allow-out lists)" : "yes");
		print_list("allow out:", json_object_get(net, "allowOut"));
		print_list("deny out:", json_object_get(net, "denyOut"));
		json_t *pub = json_object_get(net, "allowPublicTraffic");
		if (json_is_boolean(pub))
			printf("%-11s %s\n", "public:", json_is_true(pub) ? "yes" : "no (ports need the traffic token)");
	}
	json_decref(j);
	return 0;
}

int cmd_network(int argc, char **argv)
{
	cli c = { .name = "network" };
	network_args a;
	sbx_err e;
	int rc = 1;
	if (parse_network(argc, argv, &a, &e) < 0) {
		network_args_free(&a);
		return cli_usage_or(&c, &e, usage);
	}
	if (cli_open(&c, "network"))
		goto out;
	if (!a.update) {
		rc = show(&c, a.id, a.json);
		goto out;
	}
	char *id = cli_resolve(&c, a.id);
	if (!id)
		goto out;
	sbx_netcfg n = { .allow_out = (const char *const *)a.allow_out, .nallow_out = a.nallow,
			 .deny_out = (const char *const *)a.deny_out, .ndeny_out = a.ndeny,
			 .allow_internet = a.clear ? 1 : a.internet };
	sbx_wait w = { 0 };
	if (sbx_network_update(c.s.client, id, &n, sbx_wait_done, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c.s, &w, 0, &e) < 0) {
		cli_fail(&c, "%s", e.msg);
	} else {
		printf(a.clear ? "sandbox %s: every outbound rule dropped\n" : "sandbox %s: outbound rules replaced\n", id);
		rc = 0;
	}
	free(id);
out:
	cli_close(&c);
	network_args_free(&a);
	return rc;
}
