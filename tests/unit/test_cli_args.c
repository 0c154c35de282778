/* Issue 12's arguments and answers: the CLI's parsers (src/cli/cmd_args.c,
 * create's new options in cmd_opts.c) and libsbx's pure parts for
 * snapshots, fork, ports, events, volumes and network rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/cli/cmd_args.h"
#include "../../src/cli/cmd_opts.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(fn, a, e, ...) fn(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), a, e)

static void test_mounts_and_rules(void **state)
{
	(void)state;
	sbx_err e;
	sbx_volume_mount *m = NULL;
	size_t n = 0;
	assert_int_equal(opt_volume_mount("data:/mnt/data", &m, &n, &e), 0);
	assert_string_equal(m[0].name, "data"), assert_string_equal(m[0].path, "/mnt/data");
	assert_int_equal(opt_volume_mount("data", &m, &n, &e), -1);
	assert_non_null(strstr(e.msg, "NAME:/path"));
	assert_int_equal(opt_volume_mount(":/x", &m, &n, &e), -1);
	assert_int_equal(opt_volume_mount("data:rel", &m, &n, &e), -1);
	assert_int_equal(opt_volume_mount("data:/", &m, &n, &e), -1);
	assert_int_equal(n, 1);
	opt_mounts_free(m, n);

	char **v = NULL;
	n = 0;
	assert_int_equal(opt_rules("10.0.0.0/8,example.com", "--allow-out", &v, &n, &e), 0);
	assert_int_equal(opt_rules("1.2.3.4  5.6.7.8", "--allow-out", &v, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "10.0.0.0/8"), assert_string_equal(v[1], "example.com");
	assert_string_equal(v[3], "5.6.7.8"), assert_null(v[4]);
	assert_int_equal(opt_rules("a,,b", "--deny-out", &v, &n, &e), -1);
	assert_non_null(strstr(e.msg, "--deny-out 'a,,b' has an empty entry"));
	assert_int_equal(opt_rules("a,", "--deny-out", &v, &n, &e), -1);
	assert_int_equal(opt_rules("", "--deny-out", &v, &n, &e), -1);
	assert_int_equal(opt_rules("  ", "--deny-out", &v, &n, &e), -1);
	sbx_strv_free(v);
}

static void test_create_options(void **state)
{
	(void)state;
	create_args a;
	sbx_err e;
	assert_int_equal(PARSE(parse_create, &a, &e, "create", "--from", "snap1", "--volume", "v:/data",
			       "--allow-out", "1.1.1.1,example.com", "--deny-out", "0.0.0.0/0", "--no-internet"), 0);
	assert_string_equal(a.from, "snap1");
	assert_null(a.template_id);
	assert_int_equal(a.nmounts, 1), assert_string_equal(a.mounts[0].path, "/data");
	assert_int_equal(a.nallow, 2), assert_string_equal(a.allow_out[1], "example.com");
	assert_int_equal(a.ndeny, 1), assert_int_equal(a.no_internet, 1);
	create_args_free(&a);
	assert_int_equal(PARSE(parse_create, &a, &e, "create", "base", "--from", "snap1"), -1);
	assert_non_null(strstr(e.msg, "--from"));
	create_args_free(&a);
	assert_int_equal(PARSE(parse_create, &a, &e, "create", "--volume", "nopath"), -1);
	create_args_free(&a);
}

static void test_snapshot_fork(void **state)
{
	(void)state;
	snapshot_args s;
	fork_args f;
	sbx_err e;
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "create", "abc", "--name", "n1"), 0);
	assert_int_equal(s.sub, SNAP_CREATE), assert_string_equal(s.id, "abc"), assert_string_equal(s.name, "n1");
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "ls", "--sandbox", "abc", "--json"), 0);
	assert_int_equal(s.sub, SNAP_LS), assert_string_equal(s.sandbox, "abc"), assert_int_equal(s.json, 1);
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "rm", "n1:default"), 0);
	assert_int_equal(s.sub, SNAP_RM), assert_string_equal(s.id, "n1:default");
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "rm"), -1);
	assert_string_equal(e.msg, "no snapshot id or name given");
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "create"), -1);
	assert_string_equal(e.msg, "no sandbox id given");
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "ls", "extra"), -1);
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "rm", "x", "--name", "y"), -1);
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "take", "x"), -1);
	assert_non_null(strstr(e.msg, "unknown subcommand 'take'"));
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot"), -1);
	assert_int_equal(PARSE(parse_snapshot, &s, &e, "snapshot", "--help"), -1);
	assert_string_equal(e.msg, OPT_HELP);

	assert_int_equal(PARSE(parse_fork, &f, &e, "fork", "abc", "--count", "3", "--timeout", "5m"), 0);
	assert_string_equal(f.id, "abc"), assert_int_equal(f.count, 3), assert_int_equal(f.timeout_s, 300);
	assert_int_equal(PARSE(parse_fork, &f, &e, "fork", "abc", "--count", "0"), -1);
	assert_int_equal(PARSE(parse_fork, &f, &e, "fork", "abc", "--count", "21"), -1);
	assert_int_equal(PARSE(parse_fork, &f, &e, "fork"), -1);
	assert_int_equal(PARSE(parse_fork, &f, &e, "fork", "a", "b"), -1);
}

static void test_port_volume_network_events(void **state)
{
	(void)state;
	port_args p;
	volume_args v;
	network_args n;
	events_args ev;
	sbx_err e;
	assert_int_equal(PARSE(parse_port, &p, &e, "port", "abc"), 0);
	assert_int_equal(p.port, 0);
	assert_int_equal(PARSE(parse_port, &p, &e, "port", "abc", "8000", "--local", "18000"), 0);
	assert_int_equal(p.port, 8000), assert_int_equal(p.local_port, 18000);
	assert_int_equal(PARSE(parse_port, &p, &e, "port", "abc", "70000"), -1);
	assert_int_equal(PARSE(parse_port, &p, &e, "port", "abc", "--local", "1"), -1);
	assert_int_equal(PARSE(parse_port, &p, &e, "port", "abc", "80", "--json"), -1);

	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "ls"), 0);
	assert_int_equal(v.sub, VOL_LS), assert_null(v.name);
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "ls", "data"), 0);
	assert_int_equal(v.sub, VOL_FILES), assert_string_equal(v.path, "/");
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "files", "data", "/sub"), 0);
	assert_int_equal(v.sub, VOL_FILES), assert_string_equal(v.path, "/sub");
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "put", "data", "-", "/a.txt"), 0);
	assert_int_equal(v.sub, VOL_PUT), assert_string_equal(v.local, "-"), assert_string_equal(v.path, "/a.txt");
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "get", "data", "/a.txt"), 0);
	assert_int_equal(v.sub, VOL_GET), assert_null(v.local);
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "rm", "data"), 0);
	assert_int_equal(v.sub, VOL_RM);
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "rm", "data", "/x"), -1);
	assert_non_null(strstr(e.msg, "unexpected argument '/x'"));
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "put", "data", "f"), -1);
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "get", "data", ""), -1);
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "rm", "data", "--json"), -1);
	assert_int_equal(PARSE(parse_volume, &v, &e, "volume", "format", "data"), -1);

	assert_int_equal(PARSE(parse_network, &n, &e, "network", "abc"), 0);
	assert_int_equal(n.update, 0), assert_int_equal(n.internet, -1);
	network_args_free(&n);
	assert_int_equal(PARSE(parse_network, &n, &e, "network", "abc", "--allow-out", "1.1.1.1", "--deny-out",
			       "0.0.0.0/0,::/0", "--no-internet"), 0);
	assert_int_equal(n.update, 1), assert_int_equal(n.nallow, 1), assert_int_equal(n.ndeny, 2);
	assert_int_equal(n.internet, 0);
	network_args_free(&n);
	assert_int_equal(PARSE(parse_network, &n, &e, "network", "abc", "--clear"), 0);
	assert_int_equal(n.update, 1), assert_int_equal(n.clear, 1);
	network_args_free(&n);
	assert_int_equal(PARSE(parse_network, &n, &e, "network", "abc", "--clear", "--internet"), -1);
	network_args_free(&n);
	assert_int_equal(PARSE(parse_network, &n, &e, "network", "abc", "--json", "--internet"), -1);
	network_args_free(&n);

	assert_int_equal(PARSE(parse_events, &ev, &e, "events"), 0);
	assert_null(ev.id), assert_int_equal(ev.limit, 0);
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "abc", "--limit", "5"), 0);
	assert_string_equal(ev.id, "abc"), assert_int_equal(ev.limit, 5);
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "--limit", "0"), -1);
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "a", "b"), -1);
	/* --type: known names, short or prefixed, repeated or comma lists */
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "--type", "paused,resumed", "-t",
			       "sandbox.lifecycle.killed"), 0);
	assert_string_equal(ev.types[0], "paused,resumed"), assert_string_equal(ev.types[1], "sandbox.lifecycle.killed");
	assert_null(ev.types[2]), assert_int_equal(ev.ntypes, 3);
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "--type", "pasued"), -1);
	assert_non_null(strstr(e.msg, "'pasued' is not an event type; want one of created, updated"));
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "--type", "paused,"), -1);
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "--type", ""), -1);
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "--type", "sandbox.lifecycle."), -1);
	assert_int_equal(PARSE(parse_events, &ev, &e, "events", "--type",
			       "created,created,created,created,created,created,created,created,created",
			       "--type", "killed,killed,killed,killed,killed,killed,killed,killed"), -1);
	assert_non_null(strstr(e.msg, "at most 16"));
}

static json_t *J(const char *s)
{
	json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
	assert_non_null(j);
	return j;
}

static void test_answers(void **state)
{
	(void)state;
	sbx_err e;
	json_t *j = J("{\"snapshotID\":\"n1:default\",\"names\":[\"local/n1:default\",3],\"sandboxID\":\"abc\","
		      "\"memory\":false,\"createdAt\":\"2026-01-02T03:04:05Z\"}");
	sbx_snapshot s;
	assert_int_equal(sbx_snapshot_parse(j, &s, &e), 0);
	assert_string_equal(s.id, "n1:default");
	assert_int_equal(s.nnames, 1), assert_string_equal(s.names[0], "local/n1:default");
	assert_string_equal(s.sandbox_id, "abc"), assert_int_equal(s.memory, 0), assert_true(s.created_ms > 0);
	assert_string_equal(s.runtime, "");
	sbx_snapshot_clear(&s);
	json_decref(j);
	j = J("{\"names\":[]}");
	assert_int_equal(sbx_snapshot_parse(j, &s, &e), -1);
	sbx_snapshot_clear(&s);
	json_decref(j);

	j = J("[{\"sandbox\":{\"sandboxID\":\"f1\",\"templateID\":\"n1:default\"}},"
	      "{\"error\":{\"code\":500,\"message\":\"out of memory\"}}, {}]");
	sbx_fork_result *r;
	size_t n;
	assert_int_equal(sbx_fork_parse(j, &r, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_true(r[0].ok), assert_string_equal(r[0].sandbox.id, "f1");
	assert_false(r[1].ok), assert_int_equal(r[1].code, 500), assert_string_equal(r[1].message, "out of memory");
	assert_false(r[2].ok), assert_non_null(strstr(r[2].message, "neither"));
	sbx_fork_results_free(r, n);
	json_decref(j);
	j = J("{\"code\":404}");
	assert_int_equal(sbx_fork_parse(j, &r, &n, &e), -1);
	json_decref(j);

	/* ports from a sandbox: hostile; out-of-range and non-object entries dropped */
	j = J("[{\"port\":8000,\"address\":\"0.0.0.0\",\"proto\":\"tcp\",\"pid\":42,\"cmd\":\"python3\"},"
	      "{\"port\":0},{\"port\":70000},\"x\",{\"port\":22,\"pid\":null,\"cmd\":null}]");
	sbx_port *p;
	assert_int_equal(sbx_ports_parse(j, &p, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].port, 8000), assert_int_equal(p[0].pid, 42), assert_string_equal(p[0].cmd, "python3");
	assert_int_equal(p[1].port, 22), assert_int_equal(p[1].pid, 0), assert_string_equal(p[1].cmd, "");
	free(p);
	json_decref(j);

	j = J("{\"version\":\"v1\",\"id\":\"u\",\"type\":\"sandbox.lifecycle.paused\",\"sandboxId\":\"abc\","
	      "\"timestamp\":\"2026-01-02T03:04:05.5Z\",\"eventData\":null}");
	sbx_event ev;
	assert_int_equal(sbx_event_parse(j, &ev, &e), 0);
	assert_string_equal(sbx_event_short(ev.type), "paused");
	assert_string_equal(ev.sandbox_id, "abc"), assert_true(ev.ts_ms % 1000 == 500);
	json_decref(j);
	assert_string_equal(sbx_event_short("plain"), "plain");

	j = J("{\"volumeID\":\"v1\",\"name\":\"data\",\"token\":\"t\"}");
	sbx_volume v;
	assert_int_equal(sbx_volume_parse(j, &v, &e), 0);
	assert_string_equal(v.name, "data"), assert_string_equal(v.token, "t"), assert_string_equal(v.domain, "");
	json_decref(j);
	j = J("{\"name\":\"a.txt\",\"path\":\"/a.txt\",\"type\":\"file\",\"size\":5,\"mode\":420}");
	sbx_volume_entry en;
	assert_int_equal(sbx_volume_entry_parse(j, &en, &e), 0);
	assert_int_equal(en.size, 5), assert_int_equal(en.mode, 420), assert_string_equal(en.type, "file");
	json_decref(j);
}

static void test_urls_and_rules_json(void **state)
{
	(void)state;
	sbx_err e;
	char *host;
	int port;
	assert_int_equal(sbx_url_host_port("http://127.0.0.1:49982", &host, &port, &e), 0);
	assert_string_equal(host, "127.0.0.1"), assert_int_equal(port, 49982);
	free(host);
	assert_int_equal(sbx_url_host_port("http://[::1]:8/x", &host, &port, &e), 0);
	assert_string_equal(host, "::1"), assert_int_equal(port, 8);
	free(host);
	assert_int_equal(sbx_url_host_port("http://localhost/", &host, &port, &e), 0);
	assert_int_equal(port, 80);
	free(host);
	assert_int_equal(sbx_url_host_port("https://api.e2b.app", &host, &port, &e), -1);
	assert_non_null(strstr(e.msg, "local sbxd"));
	assert_int_equal(sbx_url_host_port("http://h:99999", &host, &port, &e), -1);
	assert_int_equal(sbx_url_host_port("http://:80", &host, &port, &e), -1);

	sbx_config cfg = { .sandbox_url = "http://127.0.0.1:49982", .domain = "e2b.app" };
	sbx_sandbox sb = { .id = "abc" };
	char *u = sbx_port_url(&cfg, &sb, NULL, 8000);
	assert_string_equal(u, "http://8000-abc.localhost:49982/");
	free(u);
	cfg.sandbox_url = NULL;
	u = sbx_port_url(&cfg, &sb, "example.dev", 8000);
	assert_string_equal(u, "https://8000-abc.example.dev/");
	free(u);

	const char *allow[] = { "1.1.1.1", "example.com" }, *deny[] = { "0.0.0.0/0" };
	sbx_netcfg n = { .allow_out = allow, .nallow_out = 2, .deny_out = deny, .ndeny_out = 1, .allow_internet = -1 };
	json_t *j = sbx_netcfg_update_json(&n);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"allowOut\":[\"1.1.1.1\",\"example.com\"],\"denyOut\":[\"0.0.0.0/0\"]}");
	free(s);
	json_decref(j);
	sbx_netcfg none = { .allow_internet = 0 };
	j = sbx_netcfg_update_json(&none);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"allow_internet_access\":false}");
	free(s);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mounts_and_rules), cmocka_unit_test(test_create_options),
		cmocka_unit_test(test_snapshot_fork),    cmocka_unit_test(test_port_volume_network_events),
		cmocka_unit_test(test_answers),          cmocka_unit_test(test_urls_and_rules_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
