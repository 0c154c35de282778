/* sbxd's lifecycle event store (evstore.h) and metrics ring (metrics_hist.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/daemon/evstore.h"
#include "../../src/daemon/files.h"
#include "../../src/daemon/metrics_hist.h"
#include "../../src/daemon/record.h"
#include "../../src/util/xalloc.h"

#define T0 1700000000000LL   /* some unix ms */
#define DAY (24LL * 3600 * 1000)

static json_t *ev(const char *sid, const char *type, int64_t ms)
{
	char ts[40];
	rfc3339_ms(ms, ts, sizeof ts);
	return json_pack("{s:s,s:s,s:s}", "sandboxId", sid, "type", type, "timestamp", ts);
}

static char *tmp_path(void)
{
	char *dir = xstrdup("/tmp/sbx-evtest.XXXXXX");
	assert_non_null(mkdtemp(dir));
	char *p = xasprintf("%s/events.jsonl", dir);
	free(dir);
	return p;
}

static void rm_path(char *p)
{
	unlink(p);
	*strrchr(p, '/') = '\0';
	rmdir(p);
	free(p);
}

static const char *type_at(json_t *arr, size_t i)
{
	return json_string_value(json_object_get(json_array_get(arr, i), "type"));
}

static void test_query(void **state)
{
	(void)state;
	sbx_err e;
	ev_store *s = evs_open(NULL, 100, 7 * DAY, T0, NULL);
	assert_int_equal(evs_add(s, ev("a", "sandbox.lifecycle.created", T0), &e), 0);
	assert_int_equal(evs_add(s, ev("b", "sandbox.lifecycle.created", T0 + 1), &e), 0);
	assert_int_equal(evs_add(s, ev("a", "sandbox.lifecycle.paused", T0 + 2), &e), 0);
	assert_int_equal(evs_add(s, ev("a", "sandbox.lifecycle.resumed", T0 + 3), &e), 0);
	/* not events: refused */
	assert_int_equal(evs_add(s, json_pack("{s:s}", "type", "x"), &e), -1);
	assert_int_equal(evs_count(s), 4);
	assert_int_equal(evs_count_for(s, "a"), 3);
	assert_int_equal(evs_count_for(s, "zz"), 0);

	evs_query q = { .sandbox_id = "a" };   /* newest first by default */
	json_t *r = evs_find(s, &q);
	assert_int_equal(json_array_size(r), 3);
	assert_string_equal(type_at(r, 0), "sandbox.lifecycle.resumed");
	assert_string_equal(type_at(r, 2), "sandbox.lifecycle.created");
	json_decref(r);

	q.asc = 1;
	q.offset = 1;
	q.limit = 1;
	r = evs_find(s, &q);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(type_at(r, 0), "sandbox.lifecycle.paused");
	json_decref(r);

	const char *types[] = { "sandbox.lifecycle.created", NULL };
	evs_query all = { .types = types, .asc = 1 };
	r = evs_find(s, &all);
	assert_int_equal(json_array_size(r), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "sandboxId")), "b");
	json_decref(r);
	evs_free(s);
}

static void test_bounds(void **state)
{
	(void)state;
	sbx_err e;
	ev_store *s = evs_open(NULL, 3, DAY, T0, NULL);
	for (int i = 0; i < 5; i++)
		evs_add(s, ev("a", i < 4 ? "old" : "new", T0 + i), &e);
	assert_int_equal(evs_count(s), 3);   /* the oldest two went */
	evs_query q = { .asc = 1 };
	json_t *r = evs_find(s, &q);
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "timestamp")) + 20, "002000Z");
	json_decref(r);
	/* a day later only the newest is young enough */
	evs_trim(s, T0 + DAY + 4, &e);
	assert_int_equal(evs_count(s), 1);
	evs_trim(s, T0 + DAY + 5, &e);
	assert_int_equal(evs_count(s), 0);
	evs_free(s);
}

/* What is added reaches the file; a new store reads it back, trims what
 * aged meanwhile, skips lines that are not events, and compacts the file. */
static void test_file(void **state)
{
	(void)state;
	sbx_err e;
	char *path = tmp_path();
	ev_store *s = evs_open(path, 4, DAY, T0, NULL);
	assert_int_equal(evs_add(s, ev("a", "created", T0), &e), 0);
	assert_int_equal(evs_add(s, ev("a", "paused", T0 + DAY / 2), &e), 0);
	evs_free(s);
	FILE *f = fopen(path, "a");
	fputs("not json\n{\"type\":\"x\"}\n", f);
	fclose(f);

	sbx_err warn;
	s = evs_open(path, 4, DAY, T0 + DAY / 2 + 10, &warn);
	assert_int_equal(evs_count(s), 2);
	assert_non_null(strstr(warn.msg, "2 unreadable lines"));
	evs_free(s);

	s = evs_open(path, 4, DAY, T0 + DAY + 10, &warn);   /* the first aged out */
	assert_int_equal(evs_count(s), 1);
	assert_string_equal(warn.msg, "");   /* the bad lines went with the rewrite */
	/* past 2 * max_n lines the file is rewritten with what memory holds */
	for (int i = 0; i < 9; i++)
		assert_int_equal(evs_add(s, ev("b", "updated", T0 + DAY + 20 + i), &e), 0);
	evs_free(s);
	char *text;
	size_t len, lines = 0;
	assert_int_equal(files_read(path, 1 << 20, &text, &len, &e), 0);
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	free(text);
	assert_true(lines <= 8);
	s = evs_open(path, 4, DAY, T0 + DAY + 30, NULL);
	assert_int_equal(evs_count(s), 4);
	evs_free(s);
	rm_path(path);
}

static void test_metrics_ring(void **state)
{
	(void)state;
	mhist *h = mhist_new(3);
	rt_stats st = { .cpu_count = 2, .mem_used = 100 };
	for (int i = 0; i < 5; i++) {
		st.mem_used = 100 + i;
		mhist_push(h, &st, T0 + i * 5000);
	}
	assert_int_equal(mhist_count(h), 3);
	json_t *arr = json_array();
	/* samples 2, 3, 4 are left; [T0+10000, T0+15000] holds 2 and 3 */
	assert_int_equal(mhist_range(h, T0 + 10000, T0 + 15000, arr), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "memUsed")), 102);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 1), "timestampUnix")), (T0 + 15000) / 1000);
	assert_int_equal(mhist_range(h, T0 - 3600000, T0 - 1800000, arr), 0);
	assert_int_equal(mhist_range(NULL, 0, T0 * 2, arr), 0);
	json_decref(arr);
	mhist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_metrics_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
