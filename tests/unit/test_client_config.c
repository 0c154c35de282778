/* libsbx's pure configuration parts: where calls go (local sbxd, a given
 * API URL, E2B's cloud), data-plane URLs and headers, sandbox descriptions,
 * id prefixes, reading the local API key.  Linked with libsbx and
 * libsbxcore only (see the Makefile): libsbx needs nothing of sbxd. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/client/api.h"
#include "../../src/client/config.h"
#include "../../src/client/idprefix.h"
#include "../../src/client/sandbox.h"
#include "../../src/proto/local.h"
#include "../../src/util/xalloc.h"

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

static void test_key_form(void **state)
{
	(void)state;
	const char *hex = "0123456789abcdef0123456789abcdef01234567";
	char *k = xasprintf("e2b_%s", hex);
	assert_true(sbx_key_has_form(k, SBX_KEY_PREFIX));
	assert_false(sbx_key_has_form(k, SBX_KEY_LEGACY_PREFIX));
	free(k);
	k = xasprintf("sbx_%s", hex);
	assert_true(sbx_key_has_form(k, SBX_KEY_LEGACY_PREFIX));
	assert_false(sbx_key_has_form(k, SBX_KEY_PREFIX));   /* what SDKs 2.27-2.45 refuse */
	free(k);
	assert_false(sbx_key_has_form("e2b_0123", SBX_KEY_PREFIX));                                      /* short */
	assert_false(sbx_key_has_form("e2b_0123456789ABCDEF0123456789abcdef01234567", SBX_KEY_PREFIX));   /* upper */
	assert_false(sbx_key_has_form("e2b_0123456789abcdef0123456789abcdef012345678", SBX_KEY_PREFIX));  /* 41 */
	assert_false(sbx_key_has_form("", SBX_KEY_PREFIX));
}

/* Writes data to dir/name; returns the path. */
static char *put(const char *dir, const char *name, const char *data, size_t n)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return p;
}

static void test_key_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-keytest.XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *k1 = "e2b_0123456789abcdef0123456789abcdef01234567";
	char *key = NULL, *p;
	sbx_err e;
	/* the key as stored, newline dropped; an old sbx_ key reads as it is */
	char *text = xasprintf("%s\n", k1);
	p = put(dir, "a", text, strlen(text));
	assert_int_equal(sbx_api_key_read_file(p, &key, &e), 0);
	assert_string_equal(key, k1);
	free(key), unlink(p), free(p), free(text);
	p = put(dir, "b", "sbx_0123456789abcdef0123456789abcdef01234567", 44);
	assert_int_equal(sbx_api_key_read_file(p, &key, &e), 0);
	assert_string_equal(key, "sbx_0123456789abcdef0123456789abcdef01234567");
	free(key), unlink(p), free(p);
	/* none: ENOENT, so the caller can tell "not made yet" */
	p = xasprintf("%s/none", dir);
	assert_int_equal(sbx_api_key_read_file(p, &key, &e), -1);
	assert_int_equal(errno, ENOENT);
	free(p);
	/* not a key: too short, a NUL, spaces */
	const struct { const char *data; size_t n; } bad[] = {
		{ "short\n", 6 }, { "e2b_0123456789\0abcdef0123456789", 30 }, { "e2b_0123 456789abcdef0123", 25 }, { "", 0 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = put(dir, "bad", bad[i].data, bad[i].n);
		assert_int_equal(sbx_api_key_read_file(p, &key, &e), -1);
		assert_int_equal(errno, EINVAL);
		assert_non_null(strstr(e.msg, "does not hold a valid API key"));
		unlink(p), free(p);
	}
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_default),      cmocka_unit_test(test_api_url_given),
		cmocka_unit_test(test_cloud),              cmocka_unit_test(test_single_url_headers),
		cmocka_unit_test(test_info_parse),         cmocka_unit_test(test_metadata_query),
		cmocka_unit_test(test_id_prefix),          cmocka_unit_test(test_key_form),
		cmocka_unit_test(test_key_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
