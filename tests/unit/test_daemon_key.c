/* sbxd's API key: minted in E2B's form (what E2B SDKs 2.27-2.45 demand
 * before they send anything), an old sbx_ key migrated in place with a
 * note, any other key kept with a warning; the X-API-KEY check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/daemon/config.h"
#include "../../src/util/xalloc.h"

#define HEX "0123456789abcdef0123456789abcdef01234567"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[256];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_mint(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-dkey.XXXXXX";
	assert_non_null(mkdtemp(dir));
	/* the config dir does not exist yet: made 0700 */
	char *path = xasprintf("%s/cfg/sbx/api_key", dir), *key = NULL, *note = NULL, *again = NULL;
	sbx_err e;
	assert_int_equal(sbxd_api_key(path, &key, &note, &e), 0);
	assert_null(note);
	assert_true(sbx_key_has_form(key, SBX_KEY_PREFIX));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *text = slurp(path), *want = xasprintf("%s\n", key);
	assert_string_equal(text, want);
	/* the next start serves the same key */
	assert_int_equal(sbxd_api_key(path, &again, &note, &e), 0);
	assert_string_equal(again, key);
	assert_null(note);
	free(text), free(want), free(again), free(key);
	unlink(path);
	free(path);
	path = xasprintf("%s/cfg/sbx", dir);
	assert_int_equal(rmdir(path), 0);
	free(path);
	path = xasprintf("%s/cfg", dir);
	assert_int_equal(rmdir(path), 0);
	free(path);
	assert_int_equal(rmdir(dir), 0);
}

static void test_migrate_and_keep(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-dkey.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/api_key", dir), *key = NULL, *note = NULL, *text;
	sbx_err e;
	/* sbxd's old form: same digits, E2B's prefix, on disk too, said so */
	put(path, "sbx_" HEX "\n");
	assert_int_equal(sbxd_api_key(path, &key, &note, &e), 0);
	assert_string_equal(key, "e2b_" HEX);
	assert_non_null(note);
	assert_non_null(strstr(note, path));
	assert_non_null(strstr(note, "old key is still accepted"));
	text = slurp(path);
	assert_string_equal(text, "e2b_" HEX "\n");
	free(text), free(key), free(note);
	/* a key the user chose is theirs: kept, with a warning */
	put(path, "my-own-long-secret-key\n");
	assert_int_equal(sbxd_api_key(path, &key, &note, &e), 0);
	assert_string_equal(key, "my-own-long-secret-key");
	assert_non_null(note);
	assert_non_null(strstr(note, "not in E2B's form"));
	text = slurp(path);
	assert_string_equal(text, "my-own-long-secret-key\n");
	free(text), free(key), free(note);
	/* an unusable file is an error, not silently replaced */
	put(path, "short\n");
	assert_int_equal(sbxd_api_key(path, &key, &note, &e), -1);
	assert_non_null(strstr(e.msg, "does not hold a valid API key"));
	assert_null(note);
	unlink(path);
	free(path);
	assert_int_equal(rmdir(dir), 0);
}

static void test_key_matches(void **state)
{
	(void)state;
	assert_true(sbxd_key_matches("e2b_" HEX, "e2b_" HEX));
	assert_true(sbxd_key_matches("e2b_" HEX, "sbx_" HEX));   /* exported before the migration */
	assert_false(sbxd_key_matches("e2b_" HEX, "e2b_" "1123456789abcdef0123456789abcdef01234567"));
	assert_false(sbxd_key_matches("e2b_" HEX, "sbx_" "1123456789abcdef0123456789abcdef01234567"));
	assert_false(sbxd_key_matches("e2b_" HEX, "xyz_" HEX));
	assert_false(sbxd_key_matches("e2b_" HEX, HEX));
	assert_false(sbxd_key_matches("e2b_" HEX, ""));
	assert_false(sbxd_key_matches("e2b_" HEX, NULL));
	assert_false(sbxd_key_matches("e2b_" HEX, "e2b_" HEX "0"));
	/* a user's own key matches only itself */
	assert_true(sbxd_key_matches("my-own-long-secret-key", "my-own-long-secret-key"));
	assert_false(sbxd_key_matches("my-own-long-secret-key", "my-own-long-secret-kex"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mint),
		cmocka_unit_test(test_migrate_and_keep),
		cmocka_unit_test(test_key_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
