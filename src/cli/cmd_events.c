/* sbx events: sandboxes' lifecycle events (created, paused, killed, ...). */
#include "cli.h"
#include "cmd_args.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sbx events [ID] [--limit N] [--type T[,T...]]... [--json]\n"
	"The latest lifecycle events (created, paused, resumed, snapshotted, killed, ...),\n"
	"newest first: of one sandbox (ID, which may be gone by now), or of every one.\n"
	"--limit: how many (1 to 100; the server's default is 10).\n"
	"--type: only these types (created, updated, paused, resumed, snapshotted,\n"
	"killed, died); repeat it or give a comma list.\n";

typedef struct ev_wait {
	sbx_wait w;
	json_t *j;
} ev_wait;

static void on_events(const sbx_event *ev, size_t n, const sbx_err *e, void *ud)
{
	ev_wait *w = ud;
	if (!e) {
		w->j = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(w->j, json_deep_copy(ev[i].raw));
	}
	sbx_wait_set(&w->w, e);
}

static void print_events(const json_t *arr, const char *id)
{
	if (!json_array_size(arr)) {
		fprintf(stderr, id ? "no events for sandbox %s\n" : "no events%s\n", id ? id : "");
		return;
	}
	int tty = cli_isatty(1);
	printf("%-26s %-12s %-22s %s\n", "TIME", "EVENT", "SANDBOX", "DATA");
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		sbx_event ev;
		if (sbx_event_parse(v, &ev, NULL) < 0)
			continue;
		char ago[32];
		cli_ago(ev.ts_ms, ago, sizeof ago);
		printf("%-26s %-12s %-22s ", ev.ts_ms ? ago : ev.timestamp, sbx_event_short(ev.type), ev.sandbox_id);
		char *d = ev.data && !json_is_null(ev.data) ? json_dumps(ev.data, JSON_COMPACT) : NULL;
		cli_put_shown(stdout, d ? d : "-", strlen(d ? d : "-"), tty);
		putchar('\n');
		free(d);
	}
}

int cmd_events(int argc, char **argv)
{
	cli c = { .name = "events" };
	events_args a;
	sbx_err e;
	if (parse_events(argc, argv, &a, &e) < 0)
		return cli_usage_or(&c, &e, usage);
	int rc = 1;
	ev_wait w = { 0 };
	if (cli_open(&c, "events"))
		goto out;
	/* a killed sandbox's events outlive it: the id is taken as given */
	if (sbx_events(c.s.client, a.id, a.limit, a.types, on_events, &w, NULL, &e) < 0 || sbx_sync_wait(&c.s, &w.w, 0, &e) < 0) {
		cli_fail(&c, "%s", e.msg);
		goto out;
	}
	if (a.json) {
		char *s = json_dumps(w.j, JSON_INDENT(2));
		puts(s);
		free(s);
	} else {
		print_events(w.j, a.id);
	}
	rc = 0;
out:
	json_decref(w.j);
	cli_close(&c);
	return rc;
}
