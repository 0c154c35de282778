/* libsbx's pure configuration parts: where calls go (local sbxd, a given
 * API URL, E2B's cloud), data-plane URLs and headers, sandbox descriptions,
 * id prefixes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/client/api.h"
#include "../../src/client/config.h"
#include "../../src/client/idprefix.h"
#include "../../src/client/sandbox.h"

static void test_local_default(void **state)
{
	(void)state;
	sbx_config_env env = { .state_dir = "/s", .local_key = "k" };
	sbx_config c;
	assert_int_equal(sbx_config_build(&env, &c, NULL), 0);
	assert_true(c.local);
	assert_string_equal(c.api_url, "http://127.0.0.1:49982");
	assert_string_equal(c.sandbox_url, c.api_url);   /* sbxd proxies the data plane */
	assert_string_equal(c.api_key, "k");
	assert_string_equal(c.state_dir, "/s");
	sbx_config_free(&c);
	/* where sbxd said it listens, trailing slash dropped; no key yet */
	sbx_config_env env2 = { .state_dir = "/s", .local_url = "http://127.0.0.1:5000/" };
	assert_int_equal(sbx_config_build(&env2, &c, NULL), 0);
	assert_string_equal(c.api_url, "http://127.0.0.1:5000");
	assert_null(c.api_key);
	sbx_config_free(&c);
}

static void test_api_url_given(void **state)
{
	(void)state;
	sbx_config_env env = { .api_url = "http://h:1", .sandbox_url = "http://h:2/", .local_key = "lk" };
	sbx_config c;
	assert_int_equal(sbx_config_build(&env, &c, NULL), 0);
	assert_false(c.local);
	assert_string_equal(c.api_url, "http://h:1");
	assert_string_equal(c.sandbox_url, "http://h:2");
	assert_string_equal(c.api_key, "lk");   /* the local key when E2B_API_KEY is unset */
	sbx_config_free(&c);
	sbx_config_env bad = { .api_url = "h:1" };
	sbx_err e;
	assert_int_equal(sbx_config_build(&bad, &c, &e), -1);
	assert_non_null(strstr(e.msg, "E2B_API_URL"));
}

static void test_cloud(void **state)
{
	(void)state;
	sbx_config_env env = { .api_key = "e2b_x", .local_key = "lk" };
	sbx_config c;
	sbx_sandbox sb;
	assert_int_equal(sbx_config_build(&env, &c, NULL), 0);
	assert_false(c.local);
	assert_string_equal(c.api_url, "https://api.e2b.app");
	assert_string_equal(c.api_key, "e2b_x");
	assert_null(c.sandbox_url);
	assert_int_equal(sbx_sandbox_init(&sb, &c, "abc123", "tok", NULL, NULL, NULL), 0);
	assert_string_equal(sb.envd_url, "https://49983-abc123.e2b.app");
	assert_string_equal(sb.code_url, "https://49999-abc123.e2b.app");
	sbx_sandbox_free(&sb);
	/* the domain the control plane answered with wins */
	assert_int_equal(sbx_sandbox_init(&sb, &c, "abc123", NULL, NULL, "example.com", NULL), 0);
	assert_string_equal(sb.envd_url, "https://49983-abc123.example.com");
	sbx_sandbox_free(&sb);
	sbx_config_free(&c);
	sbx_config_env env2 = { .api_key = "k", .domain = "my.dev" };
	assert_int_equal(sbx_config_build(&env2, &c, NULL), 0);
	assert_string_equal(c.api_url, "https://api.my.dev");
	sbx_config_free(&c);
}

static void test_single_url_headers(void **state)
{
	(void)state;
	sbx_config_env env = { .state_dir = "/s", .local_url = "http://127.0.0.1:7" };
	sbx_config c;
	sbx_sandbox sb;
	sbx_err e;
	assert_int_equal(sbx_config_build(&env, &c, NULL), 0);
	assert_int_equal(sbx_sandbox_init(&sb, &c, "id1", "tok", "ttok", NULL, NULL), 0);
	assert_string_equal(sb.envd_url, "http://127.0.0.1:7");
	assert_string_equal(sb.code_url, "http://127.0.0.1:7");
	const char *extra[] = { "X-A: 1", NULL };
	char **h = sbx_sandbox_headers(&sb, SBX_PORT_CODE, extra);
	assert_string_equal(h[0], "E2b-Sandbox-Id: id1");
	assert_string_equal(h[1], "E2b-Sandbox-Port: 49999");
	assert_string_equal(h[2], "X-Access-Token: tok");
	assert_string_equal(h[3], "E2B-Traffic-Access-Token: ttok");
	assert_string_equal(h[4], "X-A: 1");
	assert_null(h[5]);
	sbx_strv_free(h);
	sbx_sandbox_free(&sb);
	/* an id goes into host names and headers: plain only */
	assert_int_equal(sbx_sandbox_init(&sb, &c, "a b\r\n", NULL, NULL, NULL, &e), -1);
	sbx_config_free(&c);
}

static void test_info_parse(void **state)
{
	(void)state;
	json_t *j = json_loads("{\"sandboxID\":\"s1\",\"templateID\":\"t\",\"alias\":\"base\",\"clientID\":\"local\","
			       "\"startedAt\":\"2024-01-01T00:00:01.5Z\",\"endAt\":\"2024-01-01T01:00:01+01:00\","
			       "\"cpuCount\":2,\"memoryMB\":512,\"diskSizeMB\":1024,\"metadata\":{\"k\":\"v\"},"
			       "\"state\":\"paused\",\"envdVersion\":\"0.6.13\",\"envdAccessToken\":\"tok\","
			       "\"domain\":null,\"allowInternetAccess\":false}",
			       0, NULL);
	sbx_info in;
	assert_int_equal(sbx_info_parse(j, &in, NULL), 0);
	assert_string_equal(in.id, "s1");
	assert_string_equal(in.state, "paused");
	assert_string_equal(in.domain, "");
	assert_int_equal(in.cpus, 2);
	assert_int_equal(in.internet, 0);
	assert_int_equal(in.nmetadata, 1);
	assert_string_equal(in.metadata[0].value, "v");
	assert_int_equal(in.started_ms, 1704067201500LL);
	assert_int_equal(in.end_ms, 1704067201000LL);
	sbx_info_clear(&in);
	json_decref(j);
	j = json_loads("{\"templateID\":\"t\"}", 0, NULL);
	sbx_err e;
	assert_int_equal(sbx_info_parse(j, &in, &e), -1);
	json_decref(j);
	assert_int_equal(sbx_parse_time("garbage"), 0);
	assert_int_equal(sbx_parse_time("1970-01-02T00:00:00Z"), 86400000LL);
}

static void test_metadata_query(void **state)
{
	(void)state;
	sbx_kv kv[] = { { "user", "u1" }, { "a b", "x&y" } };
	char *q = sbx_metadata_query(kv, 1);
	assert_string_equal(q, "user%3Du1");
	free(q);
	q = sbx_metadata_query(kv, 2);
	assert_string_equal(q, "user%3Du1%26a%2520b%3Dx%2526y");
	free(q);
}

static void test_id_prefix(void **state)
{
	(void)state;
	const char *ids[] = { "abc123", "abd456", "xyz789", "ab" };
	sbx_err e;
	assert_int_equal(sbx_id_resolve("x", ids, 4, &e), 2);
	assert_int_equal(sbx_id_resolve("abc", ids, 4, &e), 0);
	assert_int_equal(sbx_id_resolve("ab", ids, 4, &e), 3);        /* exact beats prefix */
	assert_int_equal(sbx_id_resolve("a", ids, 4, &e), -1);
	assert_non_null(strstr(e.msg, "matches 3 sandboxes"));
	assert_non_null(strstr(e.msg, "abc123"));
	assert_non_null(strstr(e.msg, "abd456"));
	assert_int_equal(sbx_id_resolve("nope", ids, 4, &e), -1);
	assert_string_equal(e.msg, "no sandbox 'nope' (see `sbx ls`)");
	assert_int_equal(sbx_id_resolve("", ids, 4, &e), -1);
	assert_int_equal(sbx_id_resolve("a", ids, 0, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_default),      cmocka_unit_test(test_api_url_given),
		cmocka_unit_test(test_cloud),              cmocka_unit_test(test_single_url_headers),
		cmocka_unit_test(test_info_parse),         cmocka_unit_test(test_metadata_query),
		cmocka_unit_test(test_id_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
