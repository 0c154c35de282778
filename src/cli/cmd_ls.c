/* sbx ls, sbx info: what sandboxes there are, and one in detail. */
#include "cli.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include "cmd_show.h"
#include "../util/xalloc.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char ls_usage[] =
	"usage: sbx ls [--json] [--state running|paused|dead] [--meta K=V]...\n"
	"Lists sandboxes (all of them unless --state says; dead: the agent died, see `sbx info ID`).\n";

typedef struct ls_wait {
	sbx_wait w;
	json_t *items;
} ls_wait;

static void on_list(const sbx_info *items, size_t n, const char *next, const sbx_err *e, void *ud)
{
	(void)next;
	ls_wait *l = ud;
	if (!e) {
		l->items = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(l->items, json_deep_copy(items[i].raw));
	}
	sbx_wait_set(&l->w, e);
}

static void meta_text(const sbx_info *in, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < in->nmetadata && len + 4 < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s=%s", i ? "," : "", in->metadata[i].key,
					in->metadata[i].value);
	if (!out[0])
		snprintf(out, n, "-");
}

static void print_table(json_t *items)
{
	size_t i;
	json_t *v;
	if (!json_array_size(items)) {
		fprintf(stderr, "no sandboxes (make one with `sbx create`)\n");
		return;
	}
	printf("%-22s %-18s %-8s %-9s %4s %7s %-12s %-10s %s\n", "ID", "TEMPLATE", "STATE", "RUNTIME", "CPU", "MEM",
	       "STARTED", "TIME LEFT", "METADATA");
	json_array_foreach(items, i, v) {
		sbx_info in;
		char started[32], left[32], mem[16], meta[256], rt[64];
		if (sbx_info_parse(v, &in, NULL) < 0)
			continue;
		cli_ago(in.started_ms, started, sizeof started);
		if (in.end_ms && !strcmp(in.state, "running"))
			cli_duration((in.end_ms - cli_now_ms()) / 1000, left, sizeof left);
		else
			snprintf(left, sizeof left, "-");
		snprintf(mem, sizeof mem, "%dM", in.memory_mb);
		meta_text(&in, meta, sizeof meta);
		cli_runtime_text(&in, rt, sizeof rt);
		printf("%-22s %-18s %-8s %-9s %4d %7s %-12s %-10s %s\n", in.id, *in.alias ? in.alias : in.template_id,
		       in.state, rt, in.cpus, mem, started, left, meta);
		sbx_info_clear(&in);
	}
}

int cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' }, { "state", required_argument, 0, 's' },
		{ "meta", required_argument, 0, 'm' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	cli c = { .name = "ls" };
	int ch, json = 0, rc = 1;
	const char *state = NULL;   /* the server's default: every state */
	sbx_kv *meta = NULL;
	size_t nmeta = 0;
	sbx_err e;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "jm:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 's': state = optarg; break;
		case 'm':
			if (opt_kv(optarg, "--meta", &meta, &nmeta, &e) < 0)
				goto usage;
			break;
		case 'h': fputs(ls_usage, stdout); opt_kv_free(meta, nmeta); return 0;
		default: sbx_error(&e, "unknown option '%s'", argv[optind - 1]); goto usage;
		}
	}
	if (optind < argc) {
		sbx_error(&e, "unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	if (cli_open(&c, "ls"))
		goto out;
	ls_wait l = { 0 };
	sbx_list_opts o = { .state = state, .metadata = meta, .nmetadata = nmeta };
	if (sbx_api_list_all(c.s.client, &o, on_list, &l, NULL, &e) < 0 || sbx_sync_wait(&c.s, &l.w, 0, &e) < 0) {
		cli_fail(&c, "%s", e.msg);
		goto out;
	}
	if (json) {
		char *s = json_dumps(l.items, JSON_INDENT(2));
		puts(s);
		free(s);
	} else {
		print_table(l.items);
	}
	json_decref(l.items);
	rc = 0;
out:
	cli_close(&c);
	opt_kv_free(meta, nmeta);
	return rc;
usage:
	opt_kv_free(meta, nmeta);
	return cli_usage_or(&c, &e, ls_usage);
}

/* --- info ------------------------------------------------------------------ */

static const char info_usage[] = "usage: sbx info ID [--json]\nShows one sandbox (ID may be a unique prefix).\n";

static void print_info(const sbx_info *in)
{
	char started[32], left[32], meta[512];
	cli_ago(in->started_ms, started, sizeof started);
	if (in->end_ms && !strcmp(in->state, "running"))
		cli_duration((in->end_ms - cli_now_ms()) / 1000, left, sizeof left);
	else
		snprintf(left, sizeof left, "-");
	meta_text(in, meta, sizeof meta);
	printf("id:        %s\n", in->id);
	printf("template:  %s%s%s%s\n", in->template_id, *in->alias && strcmp(in->alias, in->template_id) ? " (as " : "",
	       *in->alias && strcmp(in->alias, in->template_id) ? in->alias : "",
	       *in->alias && strcmp(in->alias, in->template_id) ? ")" : "");
	printf("state:     %s\n", in->state);
	const char *why = json_string_value(json_object_get(in->raw, "stateReason"));
	if (why)
		printf("reason:    %s (kill it with `sbx kill %s`; `sbx logs %s` shows its last logs)\n", why, in->id,
		       in->id);
	if (*in->runtime) {
		char rt[64];
		cli_runtime_text(in, rt, sizeof rt);
		printf("runtime:   %s%s\n", rt, !strcmp(in->accel, "tcg") ? " (emulated: no KVM)" : "");
	}
	if (*in->progress_op) {
		char pr[128];
		cli_progress_text(in, pr, sizeof pr);
		printf("progress:  %s\n", pr);
	}
	printf("cpus:      %d\n", in->cpus);
	printf("memory:    %d MiB\n", in->memory_mb);
	printf("disk:      %d MiB\n", in->disk_mb);
	if (in->internet >= 0)
		printf("internet:  %s\n", in->internet ? "yes" : "no");
	printf("started:   %s (%s)\n", in->started_at, started);
	printf("ends:      %s (in %s)\n", in->end_at, left);
	printf("metadata:  %s\n", meta);
	printf("envd:      %s\n", in->envd_version);
}

int cmd_info(int argc, char **argv)
{
	cli c = { .name = "info" };
	int json = 0, rc = 1;
	const char *id = NULL;
	sbx_err e;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(info_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' || id) {
			sbx_error(&e, "unexpected argument '%s'", argv[i]);
			return cli_usage_or(&c, &e, info_usage);
		} else {
			id = argv[i];
		}
	}
	if (!id) {
		sbx_error(&e, "no sandbox id given");
		return cli_usage_or(&c, &e, info_usage);
	}
	if (cli_open(&c, "info"))
		goto out;
	json_t *j = cli_describe(&c, id);
	if (!j)
		goto out;
	if (json) {
		char *s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
	} else {
		sbx_info in;
		if (sbx_info_parse(j, &in, &e) == 0)
			print_info(&in);
		sbx_info_clear(&in);
	}
	json_decref(j);
	rc = 0;
out:
	cli_close(&c);
	return rc;
}
