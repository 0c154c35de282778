/* sbxd's snapshot store (src/daemon/snapshots.h): name rules, ids and the
 * lookups E2B's SDKs use, a name moving to a newer snapshot, list order,
 * temporary and unfinished snapshots, removal. */
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
#include "../../src/daemon/snapshots.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"

static char tmpl[] = "/tmp/sbx-snaptest.XXXXXX";

static sbxd *new_sbxd(void)
{
	sbxd *d = xcalloc(1, sizeof *d);
	char *dir = mkdtemp(xstrdup(tmpl));
	assert_non_null(dir);
	d->state_dir = dir;
	return d;
}

static void free_sbxd(sbxd *d)
{
	fsu_rm_rf(d->state_dir, 0, NULL);
	free(d->state_dir);
	free(d);
}

static void source(sbxd_record *r, const char *id)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", id);
	r->template_id = "base";
	r->template_dir = "/cache/templates/base-abc";
	r->runtime = "ns";
	r->token = "tok";
	r->cpus = 2;
	r->memory_mb = 512;
	r->disk_mb = 2048;
}

/* A committed snapshot of src; its id in id (>= 128 bytes). */
static void take(sbxd *d, const char *src, const char *name, int temporary, char *id)
{
	sbxd_record r;
	snap_meta m;
	sbx_err e;
	source(&r, src);
	assert_int_equal(snaps_begin(d, &r, name, temporary, 0, &m, &e), 0);
	char *rt = snap_rt_dir(&m);
	assert_int_equal(mkdir(rt, 0700), 0);
	free(rt);
	assert_int_equal(snaps_commit(d, &m, &e), 0);
	snprintf(id, 128, "%s", m.id);
	snap_meta_free(&m);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(snap_name_problem("my-snap.v2_x"), "");
	assert_string_equal(snap_name_problem("0abc"), "");
	assert_string_not_equal(snap_name_problem(""), "");
	assert_string_not_equal(snap_name_problem("-abc"), "");
	assert_string_not_equal(snap_name_problem("Abc"), "");
	assert_string_not_equal(snap_name_problem("a/b"), "");
	assert_string_not_equal(snap_name_problem("a:b"), "");
	assert_string_not_equal(snap_name_problem("a b"), "");
	char long_name[SNAP_NAME_MAX + 2];
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	assert_string_not_equal(snap_name_problem(long_name), "");
	long_name[SNAP_NAME_MAX] = '\0';
	assert_string_equal(snap_name_problem(long_name), "");
}

static void test_lookups(void **state)
{
	(void)state;
	sbxd *d = new_sbxd();
	char named[128], anon[128];
	take(d, "src1", "snap", 0, named);
	take(d, "src1", NULL, 0, anon);
	assert_string_equal(named, "snap:default");
	size_t klen = strlen(anon) - strlen(":default");
	assert_int_equal(klen, SBXD_ID_LEN);
	assert_string_equal(anon + klen, ":default");

	snap_meta m;
	const char *hits[] = { "snap", "snap:default", "local/snap", "local/snap:default", NULL };
	for (const char **p = hits; *p; p++) {
		assert_int_equal(snaps_find(d, *p, &m), 0);
		assert_string_equal(m.id, "snap:default");
		json_t *j = snap_json(&m);
		assert_string_equal(json_string_value(json_object_get(j, "snapshotID")), "snap:default");
		assert_string_equal(json_string_value(json_array_get(json_object_get(j, "names"), 0)),
				    "local/snap:default");
		json_decref(j);
		snap_meta_free(&m);
	}
	const char *misses[] = { "snap:v2", "sna", "snapx", "other/snap", "local/", "", NULL };
	for (const char **p = misses; *p; p++)
		assert_int_equal(snaps_find(d, *p, &m), -1);
	char key[SBXD_ID_LEN + 1];
	snprintf(key, sizeof key, "%.*s", (int)klen, anon);
	assert_int_equal(snaps_find(d, key, &m), 0);
	json_t *j = snap_json(&m);
	assert_int_equal(json_array_size(json_object_get(j, "names")), 0);
	json_decref(j);
	assert_string_equal(m.sandbox_id, "src1");
	assert_string_equal(m.runtime, "ns");
	assert_string_equal(m.token, "tok");
	assert_int_equal(m.memory_mb, 512);
	snap_meta_free(&m);
	free_sbxd(d);
}

static void test_name_moves_and_order(void **state)
{
	(void)state;
	sbxd *d = new_sbxd();
	char a[128], b[128], c[128];
	take(d, "src1", "snap", 0, a);
	snap_meta first;
	assert_int_equal(snaps_find(d, "snap", &first), 0);
	usleep(2000);
	take(d, "src2", NULL, 0, b);
	usleep(2000);
	take(d, "src3", "snap", 0, c);   /* the name moves: the first goes */
	struct stat st;
	assert_int_equal(stat(first.dir, &st), -1);
	snap_meta *v;
	size_t n;
	sbx_err e;
	assert_int_equal(snaps_list(d, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, "snap:default");   /* newest first */
	assert_string_equal(v[0].sandbox_id, "src3");
	assert_string_equal(v[1].id, b);
	snaps_list_free(v, n);
	snap_meta_free(&first);
	free_sbxd(d);
}

static void test_temporary_and_unfinished(void **state)
{
	(void)state;
	sbxd *d = new_sbxd();
	char tmp[128], kept[128];
	take(d, "src1", NULL, 1, tmp);
	take(d, "src1", NULL, 0, kept);
	snap_meta m;
	assert_int_equal(snaps_find(d, tmp, &m), -1);   /* never looked up nor listed */
	snap_meta *v;
	size_t n;
	sbx_err e;
	assert_int_equal(snaps_list(d, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, kept);
	snaps_list_free(v, n);
	/* an unfinished one: a dir without meta.json */
	char *unfinished = xasprintf("%s/snapshots/unfinished/rt", d->state_dir);
	assert_int_equal(fsu_mkdirs(unfinished, 0700, &e), 0);
	char *root = xasprintf("%s/snapshots", d->state_dir);
	snaps_cleanup(d);
	struct stat st;
	assert_int_equal(stat(unfinished, &st), -1);
	char *tmpdir = xasprintf("%s/%.*s", root, SBXD_ID_LEN, tmp);
	assert_int_equal(stat(tmpdir, &st), -1);   /* temporary: gone at start */
	assert_int_equal(snaps_find(d, kept, &m), 0);
	assert_int_equal(snaps_remove(&m, &e), 0);
	assert_int_equal(stat(m.dir, &st), -1);
	snap_meta_free(&m);
	assert_int_equal(snaps_find(d, kept, &m), -1);
	free(unfinished);
	free(root);
	free(tmpdir);
	free_sbxd(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_name_moves_and_order),
		cmocka_unit_test(test_temporary_and_unfinished),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
