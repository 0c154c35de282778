/* path_name_safe / path_name_show and dirat: names from a server never
 * leave the host directory they are created in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/dirat.h"
#include "../../src/util/path.h"
#include "../../src/util/xalloc.h"

static void test_name_safe(void **state)
{
	(void)state;
	const char *good[] = { "a", "a.txt", ".hidden", "..x", "x..", "...", "a b", "é", "-rf", NULL };
	const char *bad[] = { "", ".", "..", "/", "a/b", "../x", "/etc", "x/", "a\nb", "\x1b[2J", "tab\t",
			      "del\x7f", NULL };
	for (const char **g = good; *g; g++)
		assert_true(path_name_safe(*g));
	for (const char **b = bad; *b; b++)
		assert_false(path_name_safe(*b));
}

static void expect_unsafe(const char *rel, const char *want)
{
	char *bad = path_rel_unsafe(rel);
	if (!want) {
		assert_null(bad);
		return;
	}
	assert_non_null(bad);
	assert_string_equal(bad, want);
	free(bad);
}

static void test_rel_unsafe(void **state)
{
	(void)state;
	expect_unsafe("a/b/c.txt", NULL);
	expect_unsafe("a", NULL);
	expect_unsafe("a/../../x", "..");
	expect_unsafe("/etc/passwd", "");
	expect_unsafe("a//b", "");
	expect_unsafe("a/", "");
	expect_unsafe("a/./b", ".");
	expect_unsafe("ok/ctl\001/x", "ctl\001");
	expect_unsafe("ok/new\nline", "new\nline");
	expect_unsafe("ok/del\177", "del\177");
}

static void expect_show(const char *name, const char *want)
{
	char *s = path_name_show(name);
	assert_string_equal(s, want);
	free(s);
}

static void test_name_show(void **state)
{
	(void)state;
	expect_show("../x", "\"../x\"");
	expect_show("", "\"\"");
	expect_show("a\nb\x1b", "\"a\\x0ab\\x1b\"");
	expect_show("q\"", "\"q\\x22\"");
	char long_name[200];
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	char *s = path_name_show(long_name);
	assert_int_equal(strlen(s), 80 + 2 + 3);
	assert_string_equal(s + 82, "...");
	free(s);
}

typedef struct tmpdir {
	char path[64];
	int fd;
} tmpdir;

static void tmp_make(tmpdir *t)
{
	snprintf(t->path, sizeof t->path, "/tmp/sbx-dirat.XXXXXX");
	assert_non_null(mkdtemp(t->path));
	char *root = xasprintf("%s/root", t->path);
	assert_int_equal(mkdir(root, 0755), 0);
	t->fd = open(root, O_RDONLY | O_DIRECTORY);
	assert_true(t->fd >= 0);
	free(root);
}

static void tmp_rm(tmpdir *t)
{
	close(t->fd);
	char *cmd = xasprintf("rm -rf '%s'", t->path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static int exists(const tmpdir *t, const char *rel)
{
	struct stat st;
	char *p = xasprintf("%s/%s", t->path, rel);
	int rc = lstat(p, &st) == 0;
	free(p);
	return rc;
}

static void test_dirat_inside(void **state)
{
	(void)state;
	tmpdir t;
	sbx_err e;
	tmp_make(&t);
	assert_int_equal(dirat_mkdir(t.fd, "a", &e), 0);
	assert_int_equal(dirat_mkdir(t.fd, "a", &e), 0);   /* existing is fine */
	assert_int_equal(dirat_mkdir(t.fd, "a/b/c", &e), 0);   /* parents made */
	int fd = dirat_create(t.fd, "a/b/c/f.txt", &e);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_true(exists(&t, "root/a/b/c/f.txt"));
	const char *leaf;
	fd = dirat_parent(t.fd, "a/b/g", 0, &leaf, &e);
	assert_true(fd >= 0);
	assert_string_equal(leaf, "g");
	close(fd);
	/* a missing parent is not made for a file */
	assert_int_equal(dirat_create(t.fd, "nope/f", &e), -1);
	assert_non_null(strstr(e.msg, "nope"));
	tmp_rm(&t);
}

static void test_dirat_refuses(void **state)
{
	(void)state;
	tmpdir t;
	sbx_err e;
	tmp_make(&t);
	const char *bad[] = { "../escape", "a/../../escape", "/abs", "a//b", "", ".", "a/./b", "x/", NULL };
	for (const char **b = bad; *b; b++) {
		assert_int_equal(dirat_create(t.fd, *b, &e), -1);
		assert_non_null(strstr(e.msg, "refused the name"));
		assert_int_equal(dirat_mkdir(t.fd, *b, &e), -1);
	}
	assert_false(exists(&t, "escape"));
	assert_false(exists(&t, "abs"));
	tmp_rm(&t);
}

static void test_dirat_symlinks(void **state)
{
	(void)state;
	tmpdir t;
	sbx_err e;
	tmp_make(&t);
	char *out = xasprintf("%s/outside", t.path), *victim = xasprintf("%s/victim", t.path);
	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(symlinkat(out, t.fd, "dirlink"), 0);
	assert_int_equal(symlinkat(victim, t.fd, "filelink"), 0);
	/* neither entered, nor written through, nor accepted as a directory */
	assert_int_equal(dirat_create(t.fd, "dirlink/f", &e), -1);
	assert_non_null(strstr(e.msg, "refused to enter dirlink"));
	assert_int_equal(dirat_mkdir(t.fd, "dirlink/sub", &e), -1);
	assert_int_equal(dirat_mkdir(t.fd, "dirlink", &e), -1);
	assert_int_equal(dirat_create(t.fd, "filelink", &e), -1);
	assert_non_null(strstr(e.msg, "symlink"));
	assert_false(exists(&t, "outside/f"));
	assert_false(exists(&t, "outside/sub"));
	assert_false(exists(&t, "victim"));
	free(out);
	free(victim);
	tmp_rm(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_safe),
		cmocka_unit_test(test_rel_unsafe),
		cmocka_unit_test(test_name_show),
		cmocka_unit_test(test_dirat_inside),
		cmocka_unit_test(test_dirat_refuses),
		cmocka_unit_test(test_dirat_symlinks),
	};
	return cmocka_run_group_tests_name("path_name", tests, NULL, NULL);
}
