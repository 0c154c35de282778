/* sbx port: a sandbox's listening ports, and a local port forwarded to one. */
#include "cli.h"
#include "cmd_args.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include "../util/xalloc.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: sbx port ID [--json]\n"
	"       sbx port ID PORT [--local LPORT]\n"
	"With no PORT, lists the TCP ports servers listen on in the sandbox, with the URL\n"
	"sbxd serves each at (http://PORT-ID.localhost:SBXDPORT/: browsers on this machine\n"
	"resolve *.localhost themselves).  With PORT, listens on 127.0.0.1:LPORT (a free port\n"
	"unless told) and forwards each connection to PORT in the sandbox through sbxd, for\n"
	"tools that do not resolve *.localhost; any TCP protocol works.  Ctrl-C stops it.\n";

typedef struct ports_wait {
	sbx_wait w;
	json_t *j;
} ports_wait;

static void on_ports(const sbx_port *p, size_t n, const sbx_err *e, void *ud)
{
	ports_wait *pw = ud;
	if (!e) {
		pw->j = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_pack("{s:i,s:s,s:s}", "port", p[i].port, "address", p[i].address, "proto",
					      *p[i].proto ? p[i].proto : "tcp");
			json_object_set_new(o, "pid", p[i].pid ? json_integer(p[i].pid) : json_null());
			json_object_set_new(o, "cmd", *p[i].cmd ? json_string(p[i].cmd) : json_null());
			json_array_append_new(pw->j, o);
		}
	}
	sbx_wait_set(&pw->w, e);
}

static int list_ports(cli *c, const sbx_sandbox *sb, json_t **out, sbx_err *e)
{
	ports_wait pw = { 0 };
	if (sbx_ports_list(c->s.client, sb, on_ports, &pw, NULL, e) < 0 || sbx_sync_wait(&c->s, &pw.w, 0, e) < 0)
		return -1;
	*out = pw.j;
	return 0;
}

static int show_ports(cli *c, const sbx_sandbox *sb, int json)
{
	json_t *j;
	sbx_err e;
	if (list_ports(c, sb, &j, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	size_t i;
	json_t *v;
	json_array_foreach(j, i, v) {
		int port = (int)json_integer_value(json_object_get(v, "port"));
		char *url = sbx_port_url(sbx_client_config(c->s.client), sb, NULL, port);
		json_object_set_new(v, "url", json_string(url));
		free(url);
	}
	if (json) {
		char *s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
	} else if (!json_array_size(j)) {
		fprintf(stderr, "nothing listens in sandbox %s (start a server, e.g. `sbx exec %s -- python3 -m "
				"http.server 8000 &`)\n", sb->id, sb->id);
	} else {
		int tty = cli_isatty(1);
		printf("%-6s %-16s %-7s %-40s %s\n", "PORT", "ADDRESS", "PID", "URL", "COMMAND");
		json_array_foreach(j, i, v) {
			json_t *pid = json_object_get(v, "pid");
			const char *cmd = json_string_value(json_object_get(v, "cmd"));
			char ps[16];
			snprintf(ps, sizeof ps, "%lld", (long long)json_integer_value(pid));
			printf("%-6lld %-16s %-7s %-40s ", (long long)json_integer_value(json_object_get(v, "port")),
			       json_string_value(json_object_get(v, "address")), json_is_integer(pid) ? ps : "-",
			       json_string_value(json_object_get(v, "url")));
			/* the command line comes from the sandbox: no escapes on a terminal */
			cli_put_shown(stdout, cmd ? cmd : "-", strlen(cmd ? cmd : "-"), tty);
			putchar('\n');
		}
	}
	json_decref(j);
	return 0;
}

/* Set by SIGINT/SIGTERM (a handler, not signalfd: libcurl's threads could
 * take a blocked signal's default action). */
static volatile sig_atomic_t got_stop;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void on_fwd_error(const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "sbx port: %s\n", msg);
}

/* Warns (only) when nothing listens on port yet: connections would fail. */
static void check_listening(cli *c, const sbx_sandbox *sb, int port)
{
	json_t *j;
	sbx_err e;
	if (list_ports(c, sb, &j, &e) < 0)
		return;   /* an older agent without the list: the tunnel says it itself */
	size_t i;
	json_t *v;
	int found = 0;
	json_array_foreach(j, i, v)
		found |= json_integer_value(json_object_get(v, "port")) == port;
	if (!found)
		fprintf(stderr, "sbx port: nothing listens on port %d in sandbox %s yet; connections fail until "
				"something does (`sbx port %s` lists what listens)\n", port, sb->id, sb->id);
	json_decref(j);
}

static int forward(cli *c, const sbx_sandbox *sb, int port, int local_port)
{
	sbx_forward *f;
	sbx_err e;
	if (sbx_port_forward(c->s.client, sb, port, local_port, on_fwd_error, NULL, &f, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	check_listening(c, sb, port);
	char *url = sbx_port_url(sbx_client_config(c->s.client), sb, NULL, port);
	printf("forwarding http://127.0.0.1:%d/ to port %d of sandbox %s (Ctrl-C stops)\n", sbx_forward_local_port(f),
	       port, sb->id);
	printf("sbxd serves it at %s too\n", url);
	fflush(stdout);
	free(url);
	struct sigaction sa = { .sa_handler = on_stop }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	got_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!got_stop)
		loop_once(c->s.loop, 500);   /* a signal cuts the wait short (EINTR) */
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	fprintf(stderr, "stopped forwarding (%d connection%s)\n", sbx_forward_total(f),
		sbx_forward_total(f) == 1 ? "" : "s");
	sbx_forward_stop(f);
	return 0;
}

int cmd_port(int argc, char **argv)
{
	cli c = { .name = "port" };
	port_args a;
	sbx_err e;
	if (parse_port(argc, argv, &a, &e) < 0)
		return cli_usage_or(&c, &e, usage);
	int rc = 1;
	sbx_sandbox sb = { 0 };
	if (!cli_open(&c, "port") && cli_target(&c, a.id, &sb) == 0)
		rc = a.port ? forward(&c, &sb, a.port, a.local_port) : show_ports(&c, &sb, a.json);
	sbx_sandbox_free(&sb);
	cli_close(&c);
	return rc;
}
