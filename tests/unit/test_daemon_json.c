/* sbxd's pure parts: API JSON shapes (docs/protocol.md §2), list filters and
 * pages, the metadata query parser, and the state file round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/daemon/api_json.h"
#include "../../src/daemon/files.h"
#include "../../src/daemon/listq.h"
#include "../../src/daemon/record.h"
#include "../../src/daemon/store.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"

static void fill(sbxd_record *r, const char *id, int64_t started, sb_state state)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", id);
	r->template_id = xstrdup("code-interpreter");
	r->alias = xstrdup("code-interpreter-v1");
	r->template_dir = xstrdup("/var/cache/sbx/templates/ci-abc");
	r->runtime = xstrdup("ns");
	r->token = xstrdup("tok123");
	r->cpus = 2;
	r->memory_mb = 512;
	r->disk_mb = 2048;
	r->internet = 1;
	r->started_at = started;
	r->end_at = started + 300000;
	r->timeout_s = 300;
	r->state = state;
	kv_set(&r->metadata, "user", "u1");
}

/* Exactly these keys, no others. */
static void assert_keys(json_t *j, const char *const *keys)
{
	size_t n = 0;
	for (const char *const *k = keys; *k; k++, n++)
		if (!json_object_get(j, *k))
			fail_msg("missing key %s", *k);
	if (json_object_size(j) != n) {
		char *s = json_dumps(j, 0);
		fail_msg("extra keys in %s", s);
	}
}

static void test_sandbox_shape(void **state)
{
	(void)state;
	sbxd_record r;
	fill(&r, "abc123", 1700000000123, SB_RUNNING);
	json_t *j = json_sandbox(&r);
	static const char *const keys[] = { "sandboxID", "templateID", "clientID", "envdVersion", "envdAccessToken",
					    "trafficAccessToken", "domain", "alias", NULL };
	assert_keys(j, keys);
	assert_string_equal(json_string_value(json_object_get(j, "sandboxID")), "abc123");
	assert_string_equal(json_string_value(json_object_get(j, "templateID")), "code-interpreter");
	assert_string_equal(json_string_value(json_object_get(j, "alias")), "code-interpreter-v1");
	assert_string_equal(json_string_value(json_object_get(j, "envdVersion")), "0.6.13");
	assert_string_equal(json_string_value(json_object_get(j, "envdAccessToken")), "tok123");
	assert_string_equal(json_string_value(json_object_get(j, "trafficAccessToken")), "tok123");
	assert_true(json_is_string(json_object_get(j, "clientID")));
	assert_true(json_is_null(json_object_get(j, "domain")));
	json_decref(j);
	record_free(&r);
}

static void test_detail_and_listed_shapes(void **state)
{
	(void)state;
	sbxd_record r;
	fill(&r, "abc123", 1700000000123, SB_PAUSED);
	r.auto_pause = 1;
	json_t *d = json_sandbox_detail(&r), *l = json_listed_sandbox(&r);
	static const char *const lkeys[] = { "sandboxID", "templateID", "alias", "clientID", "startedAt", "endAt",
					     "cpuCount", "memoryMB", "diskSizeMB", "metadata", "state",
					     "envdVersion", "volumeMounts", "runtime", NULL };
	static const char *const dkeys[] = { "sandboxID", "templateID", "alias", "clientID", "startedAt", "endAt",
					     "cpuCount", "memoryMB", "diskSizeMB", "metadata", "state",
					     "envdVersion", "volumeMounts", "runtime", "envdAccessToken", "domain",
					     "allowInternetAccess", "lifecycle", NULL };
	assert_keys(l, lkeys);
	assert_keys(d, dkeys);
	assert_string_equal(json_string_value(json_object_get(d, "startedAt")), "2023-11-14T22:13:20.123000Z");
	assert_string_equal(json_string_value(json_object_get(d, "endAt")), "2023-11-14T22:18:20.123000Z");
	assert_string_equal(json_string_value(json_object_get(d, "state")), "paused");
	assert_string_equal(json_string_value(json_object_get(d, "runtime")), "ns");
	assert_int_equal(json_integer_value(json_object_get(d, "cpuCount")), 2);
	assert_int_equal(json_integer_value(json_object_get(d, "memoryMB")), 512);
	assert_int_equal(json_integer_value(json_object_get(d, "diskSizeMB")), 2048);
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "metadata"), "user")), "u1");
	assert_true(json_is_true(json_object_get(d, "allowInternetAccess")));
	json_t *lc = json_object_get(d, "lifecycle");
	assert_string_equal(json_string_value(json_object_get(lc, "onTimeout")), "pause");
	assert_true(json_is_false(json_object_get(lc, "autoResume")));
	assert_null(json_object_get(l, "envdAccessToken"));
	json_decref(d);
	json_decref(l);
	/* with a network config: SandboxDetail's network, allowPublicTraffic from the record */
	r.network = json_pack("{s:[s]}", "denyOut", "0.0.0.0/0");
	r.public_traffic = 0;
	d = json_sandbox_detail(&r);
	char *net = json_dumps(json_object_get(d, "network"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(net, "{\"allowPublicTraffic\":false,\"denyOut\":[\"0.0.0.0/0\"]}");
	free(net);
	json_decref(d);
	/* starting sandboxes are reported as running */
	r.state = SB_STARTING;
	l = json_listed_sandbox(&r);
	assert_string_equal(json_string_value(json_object_get(l, "state")), "running");
	json_decref(l);
	record_free(&r);
}

static void test_metric_and_error_shapes(void **state)
{
	(void)state;
	rt_stats st = { .cpu_count = 2, .cpu_used_pct = 12.5, .mem_used = 1000, .mem_total = 4000,
			.disk_used = 5, .disk_total = 10 };
	json_t *m = json_metric(&st, 1700000000500);
	static const char *const keys[] = { "timestamp", "timestampUnix", "cpuCount", "cpuUsedPct", "memUsed",
					    "memTotal", "memCache", "diskUsed", "diskTotal", NULL };
	assert_keys(m, keys);
	assert_string_equal(json_string_value(json_object_get(m, "timestamp")), "2023-11-14T22:13:20.500000Z");
	assert_int_equal(json_integer_value(json_object_get(m, "timestampUnix")), 1700000000);
	assert_true(json_real_value(json_object_get(m, "cpuUsedPct")) == 12.5);
	assert_int_equal(json_integer_value(json_object_get(m, "memTotal")), 4000);
	json_decref(m);
	json_t *e = json_error(404, "nope");
	char *s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"code\":404,\"message\":\"nope\"}");
	free(s);
	json_decref(e);
}

static void test_ids(void **state)
{
	(void)state;
	char a[SBXD_ID_LEN + 1], b[SBXD_ID_LEN + 1];
	record_new_id(a);
	record_new_id(b);
	assert_int_equal(strlen(a), SBXD_ID_LEN);
	assert_true(record_id_valid(a));
	assert_string_not_equal(a, b);
	assert_false(record_id_valid("ABC"));
	assert_false(record_id_valid("a/b"));
	assert_false(record_id_valid(""));
	assert_false(record_id_valid("../x"));
}

static void test_metadata_parser(void **state)
{
	(void)state;
	kvlist kv = { 0 };
	sbx_err e;
	/* captured: metadata=user%3Du1, which the server decodes to user=u1 */
	assert_int_equal(listq_parse_metadata("user=u1&k2=v2", &kv, &e), 0);
	assert_int_equal(kv.n, 2);
	assert_string_equal(kv_get(&kv, "user"), "u1");
	assert_string_equal(kv_get(&kv, "k2"), "v2");
	kv_free(&kv);
	/* the JS SDK: encodeURIComponent per part, then URLSearchParams: "a b"
	 * → a%20b → a%2520b (after the server's own decoding) */
	assert_int_equal(listq_parse_metadata("a%2520b=x%2526y", &kv, &e), 0);
	assert_string_equal(kv_get(&kv, "a b"), "x&y");
	kv_free(&kv);
	/* Python's urlencode: once, '+' for spaces */
	assert_int_equal(listq_parse_metadata("name=hello+world&z=", &kv, &e), 0);
	assert_string_equal(kv_get(&kv, "name"), "hello world");
	assert_string_equal(kv_get(&kv, "z"), "");
	kv_free(&kv);
	assert_int_equal(listq_parse_metadata("novalue", &kv, &e), -1);
	assert_non_null(strstr(e.msg, "key=value"));
	kv_free(&kv);
	assert_int_equal(listq_parse_metadata("=v", &kv, &e), -1);
	kv_free(&kv);
}

static void test_rfc3339(void **state)
{
	(void)state;
	int64_t ms;
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20.123Z", &ms), 0);
	assert_int_equal(ms, 1700000000123);
	assert_int_equal(rfc3339_parse("2023-11-14T23:13:20+01:00", &ms), 0);
	assert_int_equal(ms, 1700000000000);
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20.123456789Z", &ms), 0);
	assert_int_equal(ms, 1700000000123);
	assert_int_equal(rfc3339_parse("2023-11-14", &ms), -1);
	assert_int_equal(rfc3339_parse("2023-11-14T22:13:20", &ms), -1);
}

static void test_list_params(void **state)
{
	(void)state;
	listq q;
	sbx_err e;
	listq_params p = { .state = "running,paused", .metadata = "user=u1", .limit = "10" };
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING, &e), 0);
	assert_int_equal(q.states, LISTQ_RUNNING | LISTQ_PAUSED);
	assert_int_equal(q.limit, 10);
	assert_string_equal(kv_get(&q.metadata, "user"), "u1");
	listq_free(&q);
	listq_params bad[] = {
		{ .state = "running,sleeping" }, { .limit = "0" }, { .limit = "101" }, { .limit = "x" },
		{ .order = "up" }, { .next_token = "garbage" }, { .started_after = "yesterday" },
		{ .metadata = "k" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(listq_parse(&q, &bad[i], LISTQ_RUNNING, &e), -1);
		assert_true(strlen(e.msg) > 10);
	}
	listq_params none = { 0 };
	assert_int_equal(listq_parse(&q, &none, LISTQ_RUNNING, &e), 0);
	assert_int_equal(q.states, LISTQ_RUNNING);
	assert_int_equal(q.limit, LISTQ_MAX_LIMIT);
	listq_free(&q);
}

static void test_list_filter_and_pages(void **state)
{
	(void)state;
	enum { N = 7 };
	sbxd_record r[N];
	const sbxd_record *all[N], *out[N];
	char id[16];
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof id, "sb%d", i);
		fill(&r[i], id, 1000 + i * 10, i % 3 == 2 ? SB_PAUSED : SB_RUNNING);
		all[i] = &r[i];
	}
	kv_set(&r[1].metadata, "team", "a");
	kv_set(&r[4].metadata, "team", "a");
	r[5].pooled = 1;        /* never listed */
	r[6].state = SB_STARTING; /* not yet */
	listq q;
	sbx_err e;
	char *next;
	listq_params p = { 0 };

	/* default (v2): running and paused, newest first */
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING | LISTQ_PAUSED, &e), 0);
	size_t k = listq_run(&q, all, N, out, &next);
	assert_int_equal(k, 5);
	assert_null(next);
	assert_string_equal(out[0]->id, "sb4");
	assert_string_equal(out[4]->id, "sb0");
	listq_free(&q);

	/* v1 default: running only */
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING, &e), 0);
	k = listq_run(&q, all, N, out, &next);
	assert_int_equal(k, 4);   /* sb0 sb1 sb3 sb4 */
	listq_free(&q);

	p.state = "paused";
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING, &e), 0);
	k = listq_run(&q, all, N, out, &next);
	assert_int_equal(k, 1);   /* sb5 is paused too, but a pool sandbox */
	assert_string_equal(out[0]->id, "sb2");
	listq_free(&q);

	p.state = NULL;
	p.metadata = "team=a&user=u1";
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING | LISTQ_PAUSED, &e), 0);
	k = listq_run(&q, all, N, out, &next);
	assert_int_equal(k, 2);
	listq_free(&q);
	p.metadata = "team=b";
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING | LISTQ_PAUSED, &e), 0);
	assert_int_equal(listq_run(&q, all, N, out, &next), 0);
	listq_free(&q);

	/* pages of 2, oldest first, following tokens */
	p.metadata = NULL;
	p.order = "asc";
	p.limit = "2";
	const char *want[] = { "sb0", "sb1", "sb2", "sb3", "sb4" };
	size_t seen = 0;
	char *tok = NULL;
	for (int page = 0; page < 5; page++) {
		p.next_token = tok;
		assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING | LISTQ_PAUSED, &e), 0);
		k = listq_run(&q, all, N, out, &next);
		for (size_t i = 0; i < k; i++)
			assert_string_equal(out[i]->id, want[seen++]);
		listq_free(&q);
		free(tok);
		tok = next;
		if (!tok)
			break;
	}
	assert_int_equal(seen, 5);
	/* a token survives its sandbox going away */
	p.order = NULL;
	p.next_token = NULL;
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING | LISTQ_PAUSED, &e), 0);
	k = listq_run(&q, all, N, out, &next);
	assert_int_equal(k, 2);
	assert_string_equal(out[1]->id, "sb3");
	listq_free(&q);
	const sbxd_record *fewer[] = { &r[0], &r[1], &r[2], &r[4] };   /* sb3 killed */
	p.next_token = next;
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING | LISTQ_PAUSED, &e), 0);
	free(next);
	k = listq_run(&q, fewer, 4, out, &next);
	assert_int_equal(k, 2);
	assert_string_equal(out[0]->id, "sb2");
	assert_string_equal(out[1]->id, "sb1");
	listq_free(&q);
	free(next);

	/* template filter matches the id or the alias */
	p = (listq_params){ .template = "code-interpreter-v1" };
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING | LISTQ_PAUSED, &e), 0);
	assert_int_equal(listq_run(&q, all, N, out, &next), 5);
	listq_free(&q);
	p.template = "base";
	assert_int_equal(listq_parse(&q, &p, LISTQ_RUNNING | LISTQ_PAUSED, &e), 0);
	assert_int_equal(listq_run(&q, all, N, out, &next), 0);
	listq_free(&q);
	for (int i = 0; i < N; i++)
		record_free(&r[i]);
}

static void test_state_file_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-test-store.XXXXXX";
	assert_non_null(mkdtemp(dir));
	sbxd_record r, back;
	sbx_err e;
	fill(&r, "roundtrip1", 1700000000123, SB_PAUSED);
	r.auto_pause = 1;
	r.auto_resume = 1;
	r.internet = 0;
	r.network = json_pack("{s:[s,s],s:b}", "allowOut", "1.1.1.1", "name.test", "allowPublicTraffic", 0);
	r.public_traffic = 0;
	kv_set(&r.metadata, "weird key", "va\"lue\n");
	assert_int_equal(store_save(dir, &r, &e), 0);
	/* a second save replaces it (temp + rename leaves no temp behind) */
	r.timeout_s = 42;
	assert_int_equal(store_save(dir, &r, &e), 0);
	char **ids;
	size_t n;
	assert_int_equal(store_list(dir, &ids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "roundtrip1");
	store_list_free(ids);
	assert_int_equal(store_load(dir, "roundtrip1", &back, &e), 0);
	json_t *a = record_to_json(&r), *b = record_to_json(&back);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	assert_int_equal(back.timeout_s, 42);
	assert_int_equal(back.state, SB_PAUSED);
	assert_string_equal(kv_get(&back.metadata, "weird key"), "va\"lue\n");
	assert_true(json_equal(back.network, r.network));   /* network rules survive a restart */
	assert_int_equal(back.public_traffic, 0);
	struct stat st;
	char *path = xasprintf("%s/roundtrip1.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a damaged file is an error that names the file */
	FILE *f = fopen(path, "w");
	fputs("{\"v\":1", f);
	fclose(f);
	record_free(&back);
	assert_int_equal(store_load(dir, "roundtrip1", &back, &e), -1);
	assert_non_null(strstr(e.msg, path));
	/* remove takes the record, the log and the runtime dir */
	char *rt = store_rt_dir(dir, "roundtrip1");
	assert_int_equal(mkdir(rt, 0700), 0);
	store_log(dir, "roundtrip1", "hello %d", 1);
	assert_int_equal(store_remove(dir, "roundtrip1", &e), 0);
	assert_int_equal(store_list(dir, &ids, &n, &e), 0);
	assert_int_equal(n, 0);
	store_list_free(ids);
	assert_int_equal(access(rt, F_OK), -1);
	free(rt);
	free(path);
	record_free(&r);
	assert_int_equal(fsu_rm_rf(dir, 0, &e), 0);
}

static void test_record_rejects(void **state)
{
	(void)state;
	sbxd_record r;
	sbx_err e;
	const char *bad[] = {
		"{}",
		"{\"v\":2,\"id\":\"a\",\"templateID\":\"t\",\"alias\":\"t\",\"templateDir\":\"/d\",\"runtime\":\"ns\","
		"\"token\":\"x\",\"cpuCount\":1,\"memoryMB\":1,\"diskSizeMB\":1,\"startedAt\":1,\"endAt\":2,"
		"\"timeout\":1,\"state\":\"running\"}",
		"{\"v\":1,\"id\":\"A/B\",\"templateID\":\"t\",\"alias\":\"t\",\"templateDir\":\"/d\",\"runtime\":\"ns\","
		"\"token\":\"x\",\"cpuCount\":1,\"memoryMB\":1,\"diskSizeMB\":1,\"startedAt\":1,\"endAt\":2,"
		"\"timeout\":1,\"state\":\"running\"}",
		"{\"v\":1,\"id\":\"ab\",\"templateID\":\"t\",\"alias\":\"t\",\"templateDir\":\"/d\",\"runtime\":\"ns\","
		"\"token\":\"x\",\"cpuCount\":1,\"memoryMB\":1,\"diskSizeMB\":1,\"startedAt\":1,\"endAt\":2,"
		"\"timeout\":1,\"state\":\"dancing\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		assert_int_equal(record_from_json(j, &r, &e), -1);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sandbox_shape),
		cmocka_unit_test(test_detail_and_listed_shapes),
		cmocka_unit_test(test_metric_and_error_shapes),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_metadata_parser),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_list_params),
		cmocka_unit_test(test_list_filter_and_pages),
		cmocka_unit_test(test_state_file_round_trip),
		cmocka_unit_test(test_record_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
