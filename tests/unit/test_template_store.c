/* The cache of built templates: meta.json, list, find (name, alias,
 * directory; newest wins), remove, prune, the default cache dir. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../../src/util/xalloc.h"
#include "../../vm/template/template.h"
#include "../../vm/template/template_int.h"

typedef struct fx {
	char dir[64];
	template_opts o;
} fx;

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A built template as the builder leaves it (without a rootfs). */
static void fake(fx *f, const char *name, const char *hash12, const char *built_at, const char *alias,
		 const char *bootstrap)
{
	char *dir = xasprintf("%s/templates/%s-%s", f->dir, name, hash12);
	sbx_err e;
	assert_int_equal(tpl_mkdirs(dir, &e), 0);
	char hash[65];
	snprintf(hash, sizeof hash, "%s%052d", hash12, 0);
	char *aliases[] = { (char *)alias };
	char *env[] = { "A=1", "URL=http://x/?a=b" };
	char *pkgs[] = { "python3" };
	template_info t = {
		.name = (char *)name, .aliases = aliases, .naliases = alias ? 1 : 0,
		.suite = "bookworm", .workdir = "/home/user", .user = "user", .built_at = (char *)built_at,
		.env = env, .nenv = 2, .packages = pkgs, .npackages = 1,
	};
	memcpy(t.hash, hash, 65);
	char *meta = xasprintf("%s/meta.json", dir);
	assert_int_equal(tpl_meta_write(meta, &t, bootstrap, &e), 0);
	free(meta);
	free(dir);
}

static int setup(void **state)
{
	fx *f = xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sbx-tstore.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->o.cache_dir = f->dir;
	fake(f, "base", "aaaaaaaaaaaa", "2024-01-01T00:00:00.000000Z", NULL, "bookworm-111111111111");
	fake(f, "base", "bbbbbbbbbbbb", "2024-02-01T00:00:00.000000Z", NULL, "bookworm-222222222222");
	fake(f, "code-interpreter", "cccccccccccc", "2024-01-15T00:00:00.000000Z", "code-interpreter-v1", NULL);
	sbx_err e;
	char *p = xasprintf("%s/templates/not-a-template", f->dir);
	assert_int_equal(tpl_mkdirs(p, &e), 0);
	free(p);
	p = xasprintf("%s/templates/.tmp-base-dddddddddddd.1", f->dir);
	assert_int_equal(tpl_mkdirs(p, &e), 0);
	free(p);
	p = xasprintf("%s/bootstrap/bookworm-111111111111/rootfs/etc", f->dir);
	assert_int_equal(tpl_mkdirs(p, &e), 0);
	free(p);
	p = xasprintf("%s/bootstrap/bookworm-222222222222/rootfs", f->dir);
	assert_int_equal(tpl_mkdirs(p, &e), 0);
	free(p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	sbx_err e;
	tpl_rmtree(f->dir, &e);
	free(f);
	return 0;
}

static void test_list_and_meta(void **state)
{
	fx *f = *state;
	template_info *l;
	size_t n;
	sbx_err e = { "" };
	assert_int_equal(template_list(&f->o, &l, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(l[0].name, "base");
	assert_string_equal(l[0].built_at, "2024-02-01T00:00:00.000000Z");
	assert_string_equal(l[1].name, "base");
	assert_string_equal(l[2].name, "code-interpreter");
	assert_int_equal(l[2].naliases, 1);
	assert_string_equal(l[2].aliases[0], "code-interpreter-v1");
	assert_int_equal(l[0].nenv, 2);
	assert_string_equal(l[0].env[1], "URL=http://x/?a=b");
	assert_string_equal(l[0].workdir, "/home/user");
	assert_string_equal(l[0].user, "user");
	assert_string_equal(l[0].suite, "bookworm");
	assert_null(l[0].parent);
	assert_int_equal(l[0].npackages, 1);
	assert_int_equal(strncmp(l[0].hash, "bbbbbbbbbbbb", 12), 0);
	char *want = xasprintf("%s/templates/base-bbbbbbbbbbbb", f->dir);
	assert_string_equal(l[0].dir, want);
	free(want);
	template_list_free(l, n);
}

static void test_find(void **state)
{
	fx *f = *state;
	template_info t;
	sbx_err e = { "" };
	assert_int_equal(template_find(&f->o, "base", &t, &e), 0);
	assert_int_equal(strncmp(t.hash, "bbbbbbbbbbbb", 12), 0);
	template_info_free(&t);
	assert_int_equal(template_find(&f->o, "code-interpreter-v1", &t, &e), 0);
	assert_string_equal(t.name, "code-interpreter");
	template_info_free(&t);
	assert_int_equal(template_find(&f->o, "base-aaaaaaaaaaaa", &t, &e), 0);
	assert_int_equal(strncmp(t.hash, "aaaaaaaaaaaa", 12), 0);
	template_info_free(&t);
	assert_int_equal(template_find(&f->o, "nope", &t, &e), -1);
	assert_non_null(strstr(e.msg, "no built template 'nope' (built: base, code-interpreter)"));
	assert_non_null(strstr(e.msg, "sbx template build nope"));
}

static void test_remove(void **state)
{
	fx *f = *state;
	int n = 0;
	sbx_err e = { "" };
	assert_int_equal(template_remove(&f->o, "base-aaaaaaaaaaaa", &n, &e), 0);
	assert_int_equal(n, 1);
	char *p = xasprintf("%s/templates/base-aaaaaaaaaaaa", f->dir);
	assert_false(is_dir(p));
	free(p);
	assert_int_equal(template_remove(&f->o, "code-interpreter-v1", &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(template_remove(&f->o, "base", &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(template_remove(&f->o, "base", &n, &e), -1);
	assert_non_null(strstr(e.msg, "no built template 'base' to remove (built: none)"));
	/* Nothing half-removed is left in sight. */
	template_info *l;
	size_t cnt;
	assert_int_equal(template_list(&f->o, &l, &cnt, &e), 0);
	assert_int_equal(cnt, 0);
	template_list_free(l, cnt);
}

static void test_prune(void **state)
{
	fx *f = *state;
	int n = 0;
	sbx_err e = { "" };
	assert_int_equal(template_prune(&f->o, 0, &n, &e), 0);
	/* The older base, the bootstrap layer only it used, the stale .tmp. */
	assert_int_equal(n, 2);
	char *p = xasprintf("%s/templates/base-aaaaaaaaaaaa", f->dir);
	assert_false(is_dir(p));
	free(p);
	p = xasprintf("%s/templates/.tmp-base-dddddddddddd.1", f->dir);
	assert_true(is_dir(p));   /* pid 1 is alive: not stale */
	free(p);
	p = xasprintf("%s/bootstrap/bookworm-111111111111", f->dir);
	assert_false(is_dir(p));
	free(p);
	p = xasprintf("%s/bootstrap/bookworm-222222222222", f->dir);
	assert_true(is_dir(p));
	free(p);
	p = xasprintf("%s/templates/code-interpreter-cccccccccccc", f->dir);
	assert_true(is_dir(p));
	free(p);
}

static void mk(fx *f, const char *rel, int dir)
{
	sbx_err e;
	char *p = xasprintf("%s/%s", f->dir, rel);
	if (dir) {
		assert_int_equal(tpl_mkdirs(p, &e), 0);
	} else {
		FILE *fp = fopen(p, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	free(p);
}

static int exists(fx *f, const char *rel)
{
	char *p = xasprintf("%s/%s", f->dir, rel);
	struct stat st;
	int ok = lstat(p, &st) == 0;
	free(p);
	return ok;
}

static void age(fx *f, const char *rel, long secs)
{
	char *p = xasprintf("%s/%s", f->dir, rel);
	struct timespec t[2] = { { time(NULL) - secs, 0 }, { time(NULL) - secs, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW), 0);
	free(p);
}

/* Superseded builds, unused bootstrap layers and the runtimes' caches of
 * gone builds go only once idle for min_idle_s; the newest build's cache and
 * anything recently used stay. */
static void test_prune_idle(void **state)
{
	fx *f = *state;
	mk(f, "vm/qemu/aaaaaaaaaaaa-k-qemu7", 1);
	mk(f, "vm/qemu/aaaaaaaaaaaa-k-qemu7.lock", 0);
	mk(f, "vm/qemu/bbbbbbbbbbbb-k-qemu7", 1);
	mk(f, "vm/ch/eeeeeeeeeeee-k-v53", 1);        /* a build removed earlier */
	int n = -1;
	sbx_err e = { "" };
	assert_int_equal(template_prune(&f->o, 3600, &n, &e), 0);
	assert_int_equal(n, 0);   /* everything was touched just now */
	assert_true(exists(f, "templates/base-aaaaaaaaaaaa"));
	assert_true(exists(f, "vm/ch/eeeeeeeeeeee-k-v53"));

	const char *old[] = { "templates/base-aaaaaaaaaaaa", "bootstrap/bookworm-111111111111",
			      "vm/qemu/aaaaaaaaaaaa-k-qemu7", "vm/qemu/aaaaaaaaaaaa-k-qemu7.lock",
			      "vm/qemu/bbbbbbbbbbbb-k-qemu7", "vm/ch/eeeeeeeeeeee-k-v53" };
	for (size_t i = 0; i < sizeof old / sizeof *old; i++)
		age(f, old[i], 7200);
	assert_int_equal(template_prune(&f->o, 3600, &n, &e), 0);
	assert_int_equal(n, 5);
	assert_false(exists(f, "templates/base-aaaaaaaaaaaa"));
	assert_false(exists(f, "bootstrap/bookworm-111111111111"));
	assert_false(exists(f, "vm/qemu/aaaaaaaaaaaa-k-qemu7"));
	assert_false(exists(f, "vm/qemu/aaaaaaaaaaaa-k-qemu7.lock"));
	assert_false(exists(f, "vm/ch/eeeeeeeeeeee-k-v53"));
	assert_true(exists(f, "vm/qemu/bbbbbbbbbbbb-k-qemu7"));   /* the newest base's */
	assert_true(exists(f, "templates/base-bbbbbbbbbbbb"));
	assert_true(exists(f, "bootstrap/bookworm-222222222222"));
}

static void test_cache_dir(void **state)
{
	(void)state;
	char *saved[3];
	const char *vars[] = { "SBX_CACHE_DIR", "XDG_CACHE_HOME", "HOME" };
	for (int i = 0; i < 3; i++)
		saved[i] = getenv(vars[i]) ? xstrdup(getenv(vars[i])) : NULL;
	setenv("SBX_CACHE_DIR", "/c/sbx", 1);
	char *d = template_cache_dir();
	assert_string_equal(d, "/c/sbx");
	free(d);
	unsetenv("SBX_CACHE_DIR");
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	d = template_cache_dir();
	assert_string_equal(d, "/xdg/sbx");
	free(d);
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/home/x", 1);
	d = template_cache_dir();
	assert_string_equal(d, "/home/x/.cache/sbx");
	free(d);
	for (int i = 0; i < 3; i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
}

static void test_rmtree(void **state)
{
	fx *f = *state;
	sbx_err e = { "" };
	char *p = xasprintf("%s/tree/a/b/c", f->dir);
	assert_int_equal(tpl_mkdirs(p, &e), 0);
	free(p);
	/* A link out of the tree is removed, not followed. */
	p = xasprintf("%s/tree/a/out", f->dir);
	char *target = xasprintf("%s/templates", f->dir);
	assert_int_equal(symlink(target, p), 0);
	free(p);
	p = xasprintf("%s/tree", f->dir);
	assert_int_equal(tpl_rmtree(p, &e), 0);
	assert_false(is_dir(p));
	assert_true(is_dir(target));
	assert_int_equal(tpl_rmtree(p, &e), 0);   /* already gone: fine */
	free(p);
	free(target);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_and_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_idle, setup, teardown),
		cmocka_unit_test(test_cache_dir),
		cmocka_unit_test_setup_teardown(test_rmtree, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
