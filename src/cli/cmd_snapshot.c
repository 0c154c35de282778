/* sbx snapshot create|ls|rm, sbx fork: saved sandbox states and copies. */
#include "cli.h"
#include "cmd_args.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char snapshot_usage[] =
	"usage: sbx snapshot create ID [--name NAME] [--json]\n"
	"       sbx snapshot ls [--sandbox ID] [--json]\n"
	"       sbx snapshot rm SNAPSHOT\n"
	"A snapshot saves a sandbox's state (a running one is paused for it, then resumed);\n"
	"`sbx create --from SNAPSHOT` starts new sandboxes from it, and it outlives the sandbox.\n"
	"VM runtimes (qemu, ch) keep memory and processes; ns keeps the files only.\n"
	"create prints the snapshot's id on its last line; a second snapshot with the same\n"
	"--name takes the name over.  SNAPSHOT is an id or a name.\n";

static void print_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	puts(s);
	free(s);
}

/* "cannot ...: not found (HTTP 404)" gets where to look. */
static int fail_hint(cli *c, const sbx_err *e, const char *hint)
{
	if (strstr(e->msg, "HTTP 404"))
		return cli_fail(c, "%s; %s", e->msg, hint);
	return cli_fail(c, "%s", e->msg);
}

typedef struct snap_wait {
	sbx_wait w;
	json_t *j;                       /* one snapshot, or an array of them */
} snap_wait;

static void on_snapshot(const sbx_snapshot *s, const sbx_err *e, void *ud)
{
	snap_wait *sw = ud;
	if (s)
		sw->j = json_deep_copy(s->raw);
	sbx_wait_set(&sw->w, e);
}

static void on_snapshots(const sbx_snapshot *s, size_t n, const sbx_err *e, void *ud)
{
	snap_wait *sw = ud;
	if (!e) {
		sw->j = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(sw->j, json_deep_copy(s[i].raw));
	}
	sbx_wait_set(&sw->w, e);
}

static int snap_create(cli *c, const snapshot_args *a)
{
	char *id = cli_resolve(c, a->id);
	if (!id)
		return 1;
	snap_wait sw = { 0 };
	sbx_err e;
	int rc = 1;
	if (cli_isatty(2))
		fprintf(stderr, "snapshotting %s (a VM's memory is written out: this can take a while)...\n", id);
	if (sbx_snapshot_create(c->s.client, id, a->name, on_snapshot, &sw, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &sw.w, 0, &e) < 0) {
		fail_hint(c, &e, "`sbx ls` lists the sandboxes");
	} else {
		if (a->json)
			print_json(sw.j);
		else
			puts(json_string_value(json_object_get(sw.j, "snapshotID")));
		rc = 0;
	}
	json_decref(sw.j);
	free(id);
	return rc;
}

/* SnapshotInfo is snapshotID and names; sbxd's extras (source sandbox,
 * runtime, what it keeps, when) get columns when the answer has them. */
static void print_snapshots(const json_t *arr)
{
	if (!json_array_size(arr)) {
		fprintf(stderr, "no snapshots (make one with `sbx snapshot create ID`)\n");
		return;
	}
	size_t i;
	json_t *v;
	int extras = 0;
	json_array_foreach(arr, i, v)
		extras |= json_is_string(json_object_get(v, "sandboxID"));
	if (extras)
		printf("%-34s %-22s %-8s %-7s %-12s %s\n", "SNAPSHOT", "SANDBOX", "RUNTIME", "KEEPS", "CREATED", "NAMES");
	else
		printf("%-34s %s\n", "SNAPSHOT", "NAMES");
	json_array_foreach(arr, i, v) {
		sbx_snapshot s;
		if (sbx_snapshot_parse(v, &s, NULL) < 0) {
			sbx_snapshot_clear(&s);
			continue;
		}
		char ago[32], names[256] = "";
		size_t len = 0;
		if (s.created_ms)
			cli_ago(s.created_ms, ago, sizeof ago);
		else
			snprintf(ago, sizeof ago, "-");
		for (size_t k = 0; k < s.nnames && len + 2 < sizeof names; k++)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", k ? "," : "", s.names[k]);
		if (extras)
			printf("%-34s %-22s %-8s %-7s %-12s %s\n", s.id, *s.sandbox_id ? s.sandbox_id : "-",
			       *s.runtime ? s.runtime : "-", s.memory < 0 ? "-" : s.memory ? "memory" : "files", ago,
			       *names ? names : "-");
		else
			printf("%-34s %s\n", s.id, *names ? names : "-");
		sbx_snapshot_clear(&s);
	}
}

static int snap_ls(cli *c, const snapshot_args *a)
{
	char *sid = NULL;
	if (a->sandbox && !(sid = cli_resolve(c, a->sandbox)))
		return 1;
	snap_wait sw = { 0 };
	sbx_err e;
	int rc = 1;
	if (sbx_snapshot_list(c->s.client, sid, on_snapshots, &sw, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &sw.w, 0, &e) < 0) {
		cli_fail(c, "%s", e.msg);
	} else {
		if (a->json)
			print_json(sw.j);
		else
			print_snapshots(sw.j);
		rc = 0;
	}
	json_decref(sw.j);
	free(sid);
	return rc;
}

static int snap_rm(cli *c, const snapshot_args *a)
{
	sbx_wait w = { 0 };
	sbx_err e;
	if (sbx_snapshot_delete(c->s.client, a->id, sbx_wait_done, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &w, 0, &e) < 0)
		return fail_hint(c, &e, "`sbx snapshot ls` lists the snapshots");
	printf("deleted snapshot %s\n", a->id);
	return 0;
}

int cmd_snapshot(int argc, char **argv)
{
	cli c = { .name = "snapshot" };
	snapshot_args a;
	sbx_err e;
	if (parse_snapshot(argc, argv, &a, &e) < 0)
		return cli_usage_or(&c, &e, snapshot_usage);
	int rc = 1;
	if (!cli_open(&c, "snapshot"))
		rc = a.sub == SNAP_CREATE ? snap_create(&c, &a) : a.sub == SNAP_LS ? snap_ls(&c, &a) : snap_rm(&c, &a);
	cli_close(&c);
	return rc;
}

/* --- fork ------------------------------------------------------------------ */

static const char fork_usage[] =
	"usage: sbx fork ID [--count N] [--timeout S] [--json]\n"
	"Copies a sandbox: it is snapshotted (briefly paused, then resumed, its id and time\n"
	"left unchanged) and N new sandboxes (1 unless told, at most 20) start from that state.\n"
	"Prints each new sandbox's id on its own line; a copy that could not start is reported\n"
	"on stderr (exit 1 when any failed).  --timeout: the copies' time to live (E2B's default: 15 s).\n";

typedef struct fork_wait {
	sbx_wait w;
	json_t *j;
} fork_wait;

static void on_fork(const sbx_fork_result *r, size_t n, const sbx_err *e, void *ud)
{
	fork_wait *fw = ud;
	if (!e) {
		fw->j = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();
			if (r[i].ok)
				json_object_set_new(o, "sandbox", json_deep_copy(r[i].sandbox.raw));
			else
				json_object_set_new(o, "error", json_pack("{s:i,s:s}", "code", r[i].code, "message",
									 r[i].message));
			json_array_append_new(fw->j, o);
		}
	}
	sbx_wait_set(&fw->w, e);
}

int cmd_fork(int argc, char **argv)
{
	cli c = { .name = "fork" };
	fork_args a;
	sbx_err e;
	if (parse_fork(argc, argv, &a, &e) < 0)
		return cli_usage_or(&c, &e, fork_usage);
	int rc = 1;
	char *id = NULL;
	fork_wait fw = { 0 };
	if (cli_open(&c, "fork") || !(id = cli_resolve(&c, a.id)))
		goto out;
	if (sbx_fork(c.s.client, id, a.count, a.timeout_s, on_fork, &fw, NULL, &e) < 0 ||
	    sbx_sync_wait(&c.s, &fw.w, 0, &e) < 0) {
		fail_hint(&c, &e, "`sbx ls` lists the sandboxes");
		goto out;
	}
	if (a.json) {
		print_json(fw.j);
	}
	rc = json_array_size(fw.j) ? 0 : cli_fail(&c, "sbxd answered the fork of %s with no sandbox", id);
	size_t i;
	json_t *v;
	json_array_foreach(fw.j, i, v) {
		json_t *sb = json_object_get(v, "sandbox");
		if (sb && !a.json) {
			puts(json_string_value(json_object_get(sb, "sandboxID")));
		} else if (!sb) {
			json_t *er = json_object_get(v, "error");
			rc = cli_fail(&c, "copy %zu of %s did not start: %s", i + 1, id,
				      json_string_value(json_object_get(er, "message")));
		}
	}
out:
	json_decref(fw.j);
	free(id);
	cli_close(&c);
	return rc;
}
