/* util: fsutil (mkdir -p, rm -rf), buf_read_file, selfpath. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/buf.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/selfpath.h"
#include "../../src/util/xalloc.h"

static int setup(void **state)
{
	char tmpl[] = "/tmp/sbx-test-util-fs-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	*state = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	char *mnt = xasprintf("%s/top/mnt", (char *)*state);
	umount2(mnt, MNT_DETACH);   /* test_rm_rf_one_fs's, when it failed midway */
	free(mnt);
	fsu_rm_rf(*state, 0, NULL);
	free(*state);
	return 0;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void touch(const char *p)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
}

static void count_made(const char *dir, void *arg)
{
	(void)dir;
	(*(int *)arg)++;
}

static void test_mkdirs(void **state)
{
	const char *root = *state;
	sbx_err e;
	char *deep = xasprintf("%s/a//b/c/", root);
	int made = 0;
	assert_int_equal(fsu_mkdirs_each(deep, 0700, count_made, &made, &e), 0);
	assert_int_equal(made, 3);   /* a, b, c; the "//" and the trailing '/' add none */
	char *c = xasprintf("%s/a/b/c", root);
	assert_true(is_dir(c));
	struct stat st;
	assert_int_equal(stat(c, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Again: everything exists, nothing is made, no error. */
	made = 0;
	assert_int_equal(fsu_mkdirs_each(deep, 0700, count_made, &made, &e), 0);
	assert_int_equal(made, 0);
	assert_int_equal(fsu_mkdirs("/", 0755, &e), 0);
	assert_int_equal(fsu_mkdirs("", 0755, &e), 0);
	/* A file in the way: ENOTDIR and a message naming it. */
	char *file = xasprintf("%s/a/file", root);
	touch(file);
	char *under = xasprintf("%s/x/y", file);
	assert_int_equal(fsu_mkdirs(under, 0755, &e), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_non_null(strstr(e.msg, file));
	assert_int_equal(fsu_mkdirs(file, 0755, &e), -1);
	assert_non_null(strstr(e.msg, "is not a directory"));
	free(deep);
	free(c);
	free(file);
	free(under);
}

static void test_rm_rf(void **state)
{
	const char *root = *state;
	sbx_err e;
	char *top = xasprintf("%s/top", root), *sub = xasprintf("%s/top/d1/d2", root);
	assert_int_equal(fsu_mkdirs(sub, 0755, &e), 0);
	char *f1 = xasprintf("%s/top/f", root), *f2 = xasprintf("%s/top/d1/d2/g", root);
	touch(f1);
	touch(f2);
	/* A symlink to a file outside: removed, its target kept. */
	char *outside = xasprintf("%s/outside", root), *link = xasprintf("%s/top/d1/link", root);
	touch(outside);
	assert_int_equal(symlink(outside, link), 0);
	assert_int_equal(fsu_rm_rf(top, 1, &e), 0);
	assert_int_equal(access(top, F_OK), -1);
	assert_int_equal(access(outside, F_OK), 0);
	/* Missing paths, and paths below a file, are fine. */
	assert_int_equal(fsu_rm_rf(top, 0, &e), 0);
	char *below = xasprintf("%s/x", outside);
	assert_int_equal(fsu_rm_rf(below, 0, &e), 0);
	/* A plain file goes too. */
	assert_int_equal(fsu_rm_rf(outside, 0, &e), 0);
	assert_int_equal(access(outside, F_OK), -1);
	free(top);
	free(sub);
	free(f1);
	free(f2);
	free(outside);
	free(link);
	free(below);
}

static void test_rm_rf_reports_failure(void **state)
{
	const char *root = *state;
	sbx_err e;
	/* Root ignores permissions, so fail where nothing can be removed:
	 * /proc/self/fd's entries.  The walk says which path failed. */
	(void)root;
	assert_int_equal(fsu_rm_rf("/proc/self/fd", 0, &e), -1);
	assert_non_null(strstr(e.msg, "cannot remove '/proc/self/fd'"));
}

/* one_fs leaves what a mount point shows alone (needs root for the mount). */
static void test_rm_rf_one_fs(void **state)
{
	const char *root = *state;
	sbx_err e;
	char *mnt = xasprintf("%s/top/mnt", root), *inner = xasprintf("%s/top/mnt/keep", root);
	char *top = xasprintf("%s/top", root);
	assert_int_equal(fsu_mkdirs(mnt, 0755, &e), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") < 0) {
		free(mnt);
		free(inner);
		free(top);
		skip();
	}
	touch(inner);
	assert_int_equal(fsu_rm_rf(top, 1, &e), -1);
	assert_non_null(strstr(e.msg, "mounted"));
	assert_int_equal(access(inner, F_OK), 0);
	assert_int_equal(umount(mnt), 0);
	assert_int_equal(fsu_rm_rf(top, 1, &e), 0);
	assert_int_equal(access(top, F_OK), -1);
	free(mnt);
	free(inner);
	free(top);
}

static void test_buf_read_file(void **state)
{
	const char *root = *state;
	sbx_err e;
	char *p = xasprintf("%s/f", root);
	touch(p);
	sbx_buf b = SBX_BUF_INIT;
	buf_puts(&b, ">");
	assert_int_equal(buf_read_file(&b, p, &e), 0);
	assert_string_equal(buf_cstr(&b), ">hello\n");
	buf_reset(&b);
	char *missing = xasprintf("%s/missing", root);
	assert_int_equal(buf_read_file(&b, missing, &e), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(e.msg, missing));
	assert_non_null(strstr(e.msg, "No such file"));
	/* A directory opens but cannot be read. */
	assert_int_equal(buf_read_file(&b, root, &e), -1);
	assert_non_null(strstr(e.msg, "cannot read"));
	buf_free(&b);
	free(p);
	free(missing);
}

static void test_selfpath(void **state)
{
	(void)state;
	char *exe = self_exe(), *dir = self_dir();
	assert_non_null(exe);
	assert_non_null(dir);
	assert_non_null(strstr(exe, "test_util_fs"));
	assert_memory_equal(exe, dir, strlen(dir));
	assert_int_equal(exe[strlen(dir)], '/');
	char *agent = self_find("../sbx-agent", 0);   /* build/tests/.. */
	assert_non_null(agent);
	assert_null(self_find("../sbx-agent", 1));    /* a file, not a directory */
	assert_null(self_find("no-such-thing", 0));
	free(exe);
	free(dir);
	free(agent);
}

/* fsu_which: $PATH's absolute directories only, executables only. */
static void test_which(void **state)
{
	const char *dir = *state;
	char *exe = xasprintf("%s/sbx-which-probe", dir), *plain = xasprintf("%s/sbx-which-plain", dir);
	int fd = open(exe, O_WRONLY | O_CREAT, 0700);
	assert_true(fd >= 0);
	close(fd);
	fd = open(plain, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
	char *path = xasprintf("relative:%s", dir);
	setenv("PATH", path, 1);
	char *got = fsu_which("sbx-which-probe");
	assert_non_null(got);
	assert_string_equal(got, exe);
	free(got);
	assert_null(fsu_which("sbx-which-plain"));   /* not executable */
	assert_null(fsu_which("sbx-which-none"));
	assert_int_equal(chdir(dir), 0);
	setenv("PATH", "relative:.", 1);
	assert_null(fsu_which("sbx-which-probe"));   /* "." is relative: never searched */
	assert_int_equal(chdir("/"), 0);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	free(path);
	free(exe);
	free(plain);
}

/* fsu_copy_file: the same bytes, holes kept, never over an existing file. */
static void test_copy_file(void **state)
{
	const char *dir = *state;
	char *from = xasprintf("%s/sparse", dir), *to = xasprintf("%s/copy", dir);
	int fd = open(from, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "head", 4, 0), 4);
	assert_int_equal(pwrite(fd, "tail", 4, 64 << 20), 4);   /* 64 MB of hole between */
	close(fd);
	sbx_err e;
	assert_int_equal(fsu_copy_file(from, to, 1, &e), 0);
	struct stat a, b;
	assert_int_equal(stat(from, &a), 0);
	assert_int_equal(stat(to, &b), 0);
	assert_int_equal(b.st_size, a.st_size);
	assert_true(b.st_blocks * 512 < (1 << 20));   /* the hole stayed a hole */
	char got[4];
	fd = open(to, O_RDONLY);
	assert_int_equal(pread(fd, got, 4, 0), 4);
	assert_memory_equal(got, "head", 4);
	assert_int_equal(pread(fd, got, 4, 64 << 20), 4);
	assert_memory_equal(got, "tail", 4);
	close(fd);
	assert_int_equal(fsu_copy_file(from, to, 0, &e), -1);   /* exists */
	assert_non_null(strstr(e.msg, to));
	free(from);
	free(to);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf_reports_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf_one_fs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buf_read_file, setup, teardown),
		cmocka_unit_test(test_selfpath),
		cmocka_unit_test_setup_teardown(test_which, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
