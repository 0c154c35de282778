/* daemon: volume_fs (the content API's file operations confined to a
 * volume) and the volumes store, on a scratch directory standing for a
 * volume that a sandbox filled with symlinks pointing out of it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/daemon/volume_fs.h"
#include "../../src/daemon/volumes.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"

typedef struct fx {
	char *top;    /* scratch: top/outside.txt, top/vol/ (the volume) */
	int root;     /* fd of top/vol */
} fx;

static int setup(void **state)
{
	char tmpl[] = "/tmp/sbx-test-volume-fs-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	fx *f = xcalloc(1, sizeof *f);
	f->top = xstrdup(tmpl);
	char *p = xasprintf("%s/vol", f->top);
	mkdir(p, 0755);
	f->root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(p);
	p = xasprintf("%s/outside.txt", f->top);
	FILE *o = fopen(p, "w");
	fputs("secret", o);
	fclose(o);
	free(p);
	/* What a sandbox could plant. */
	p = xasprintf("%s/vol/abs", f->top);
	symlink(f->top, p);
	free(p);
	p = xasprintf("%s/vol/rel", f->top);
	symlink("..", p);
	free(p);
	*state = f;
	return f->root < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	close(f->root);
	fsu_rm_rf(f->top, 0, NULL);
	free(f->top);
	free(f);
	return 0;
}

static void test_clean(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } ok[] = {
		{ "/", "" }, { "", "" }, { "a", "a" }, { "/a//b/./c/", "a/b/c" }, { "./x", "x" }, { "...", "..." },
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		char *rel;
		assert_int_equal(vfs_clean(ok[i].in, &rel, NULL), 0);
		assert_string_equal(rel, ok[i].out);
		free(rel);
	}
	const char *bad[] = { "..", "/../x", "a/../../b", "a/..", "a\x01" "b", NULL };
	for (int i = 0; bad[i]; i++) {
		char *rel = (char *)1;
		sbx_err e;
		assert_int_equal(vfs_clean(bad[i], &rel, &e), -1);
		assert_null(rel);
		assert_int_equal(vfs_status(errno), 400);
	}
	char *rel;
	assert_int_equal(vfs_clean(NULL, &rel, NULL), -1);
}

static void test_no_escape(void **state)
{
	fx *f = *state;
	sbx_err e;
	const char *out[] = { "abs/outside.txt", "rel/outside.txt", "abs", "rel", NULL };
	for (int i = 0; out[i]; i++) {
		int fd = vfs_open(f->root, out[i], O_RDONLY, &e);
		if (fd >= 0)
			close(fd);
		assert_true(fd < 0);
		assert_int_equal(vfs_status(errno), 400);
		assert_non_null(strstr(e.msg, "outside the volume"));
	}
	/* The links themselves can be looked at and removed. */
	json_t *j = vfs_stat(f->root, "abs", &e);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")), "symlink");
	assert_string_equal(json_string_value(json_object_get(j, "target")), f->top);
	json_decref(j);
	assert_int_equal(vfs_chattr(f->root, "rel", -1, -1, 0777, &e), -1);   /* no mode through a link */
	assert_int_equal(vfs_status(errno), 400);
	/* mkdir -p never goes through a symlink. */
	assert_int_equal(vfs_mkdir(f->root, "abs/made", 1, 0755, -1, -1, &e), -1);
	char *p = xasprintf("%s/made", f->top);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	assert_int_equal(vfs_remove(f->root, "abs", &e), 0);
	p = xasprintf("%s/outside.txt", f->top);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	/* Listing a symlinked directory out of the volume is refused. */
	assert_null(vfs_list(f->root, "rel", 1, &e));
	assert_int_equal(vfs_status(errno), 400);
}

static void test_tree(void **state)
{
	fx *f = *state;
	sbx_err e;
	assert_int_equal(vfs_mkdir(f->root, "a/b/c", 1, 0700, -1, -1, &e), 0);
	assert_int_equal(vfs_mkdir(f->root, "a/b/c", 1, 0700, -1, -1, &e), 0);   /* force: fine */
	assert_int_equal(vfs_mkdir(f->root, "a/b/c", 0, 0700, -1, -1, &e), -1);
	assert_int_equal(vfs_status(errno), 409);
	assert_int_equal(vfs_mkdir(f->root, "x/y", 0, 0700, -1, -1, &e), -1);
	assert_int_equal(vfs_status(errno), 404);
	json_t *st = vfs_stat(f->root, "a/b/c", &e);
	assert_int_equal(json_integer_value(json_object_get(st, "mode")), 0700);
	assert_string_equal(json_string_value(json_object_get(st, "path")), "/a/b/c");
	json_decref(st);
	/* A symlink inside the volume pointing inside is followed to read. */
	char *p = xasprintf("%s/vol/a/b/c/f", f->top);
	FILE *o = fopen(p, "w");
	fputs("in", o);
	fclose(o);
	free(p);
	p = xasprintf("%s/vol/a/link", f->top);
	symlink("b/c/f", p);
	free(p);
	int fd = vfs_open(f->root, "a/link", O_RDONLY, &e);
	assert_true(fd >= 0);
	close(fd);
	json_t *l = vfs_list(f->root, "a", 3, &e);
	assert_non_null(l);
	assert_int_equal(json_array_size(l), 4);   /* a/b, a/b/c, a/b/c/f, a/link: sorted per directory */
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "path")), "/a/b");
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 2), "path")), "/a/b/c/f");
	json_decref(l);
	assert_int_equal(vfs_remove(f->root, "", &e), -1);
	assert_int_equal(vfs_status(errno), 400);
	assert_int_equal(vfs_remove(f->root, "a", &e), 0);
	assert_null(vfs_stat(f->root, "a", &e));
	assert_int_equal(vfs_status(errno), 404);
	assert_int_equal(vfs_remove(f->root, "a", &e), -1);
	assert_int_equal(vfs_status(errno), 404);
}

static void test_store(void **state)
{
	fx *f = *state;
	sbx_err e;
	assert_true(volume_name_valid("a_b-C9"));
	assert_false(volume_name_valid("a.b"));
	assert_false(volume_name_valid(""));
	assert_false(volume_name_valid("../x"));
	sbx_volume v, w;
	assert_int_equal(volumes_create(f->top, "one", &v, &e), 0);
	assert_int_equal(volumes_find(f->top, v.id, &w, &e), 0);
	assert_string_equal(w.token, v.token);
	volume_free(&w);
	assert_int_equal(volumes_find(f->top, "one", &w, &e), 0);
	assert_string_equal(w.id, v.id);
	volume_free(&w);
	assert_int_equal(volumes_find(f->top, "two", &w, &e), 1);
	assert_int_equal(volumes_find(f->top, "../../etc", &w, &e), 1);
	sbx_volume *all;
	size_t n;
	assert_int_equal(volumes_list(f->top, &all, &n, &e), 0);
	assert_int_equal(n, 1);
	volumes_list_free(all, n);
	char *data = volume_data_dir(f->top, v.id);
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0777);
	assert_int_equal(volumes_remove(f->top, v.id, &e), 0);
	assert_int_equal(stat(data, &st), -1);
	assert_int_equal(volumes_find(f->top, v.id, &w, &e), 1);
	assert_int_equal(volumes_remove(f->top, "../x", &e), -1);
	free(data);
	volume_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test_setup_teardown(test_no_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
