/* sbxd's "dead" state (liveness.h): the record keeps it and why across a
 * restart, the API shapes show it, the list filters name it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/daemon/api_json.h"
#include "../../src/daemon/listq.h"
#include "../../src/daemon/record.h"
#include "../../src/util/xalloc.h"

static void fill(sbxd_record *r, const char *id, int64_t started, sb_state state)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", id);
	r->template_id = xstrdup("base");
	r->alias = xstrdup("base");
	r->template_dir = xstrdup("/t/base");
	r->runtime = xstrdup("ns");
	r->token = xstrdup("tok");
	r->started_at = started;
	r->end_at = started + 300000;
	r->timeout_s = 300;
	r->state = state;
	if (state == SB_DEAD) {
		r->dead_reason = xstrdup("its init (the agent) exited or was killed outside sbxd");
		r->dead_at = started + 1000;
	}
}

static void test_record_round_trip(void **state)
{
	(void)state;
	sbxd_record r, back;
	sbx_err e;
	fill(&r, "dead1", 1700000000000, SB_DEAD);
	json_t *j = record_to_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "dead");
	assert_int_equal(record_from_json(j, &back, &e), 0);
	assert_int_equal(back.state, SB_DEAD);
	assert_string_equal(back.dead_reason, r.dead_reason);
	assert_int_equal(back.dead_at, r.dead_at);
	json_decref(j);
	record_free(&back);
	record_free(&r);
	/* a live record carries no death */
	fill(&r, "live1", 1700000000000, SB_RUNNING);
	j = record_to_json(&r);
	assert_null(json_object_get(j, "deadReason"));
	assert_int_equal(record_from_json(j, &back, &e), 0);
	assert_null(back.dead_reason);
	json_decref(j);
	record_free(&back);
	record_free(&r);
}

static void test_api_shapes(void **state)
{
	(void)state;
	sbxd_record r;
	fill(&r, "dead1", 1700000000000, SB_DEAD);
	json_t *j = json_sandbox_detail(&r);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "dead");
	assert_string_equal(json_string_value(json_object_get(j, "stateReason")), r.dead_reason);
	assert_string_equal(json_string_value(json_object_get(j, "diedAt")), "2023-11-14T22:13:21.000000Z");
	json_decref(j);
	j = json_listed_sandbox(&r);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "dead");
	assert_non_null(json_object_get(j, "stateReason"));
	json_decref(j);
	record_free(&r);
	fill(&r, "live1", 1700000000000, SB_RUNNING);
	j = json_sandbox_detail(&r);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "running");
	assert_null(json_object_get(j, "stateReason"));
	assert_null(json_object_get(j, "diedAt"));
	json_decref(j);
	record_free(&r);
}

/* The ids listq picks for state (NULL: absent) with default_states. */
static char *pick(const char *st, int default_states)
{
	sbxd_record rs[3];
	fill(&rs[0], "running1", 1700000000000, SB_RUNNING);
	fill(&rs[1], "paused1", 1700000001000, SB_PAUSED);
	fill(&rs[2], "dead1", 1700000002000, SB_DEAD);
	const sbxd_record *all[3] = { &rs[0], &rs[1], &rs[2] }, *out[3];
	listq_params p = { .state = st, .order = "asc" };
	listq q;
	sbx_err e;
	char ids[1200] = "", *next = NULL;
	if (listq_parse(&q, &p, default_states, &e) < 0) {
		snprintf(ids, sizeof ids, "error: %s", e.msg);
	} else {
		size_t n = listq_run(&q, all, 3, out, &next);
		for (size_t i = 0; i < n; i++)
			snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", i ? " " : "", out[i]->id);
		listq_free(&q);
	}
	free(next);
	for (int i = 0; i < 3; i++)
		record_free(&rs[i]);
	return xstrdup(ids);
}

static void expect_pick(const char *st, int def, const char *want)
{
	char *got = pick(st, def);
	if (!strncmp(want, "error", 5))
		assert_true(!strncmp(got, "error", 5) && strstr(got, "dead"));
	else
		assert_string_equal(got, want);
	free(got);
}

static void test_list_filters(void **state)
{
	(void)state;
	int v2 = LISTQ_RUNNING | LISTQ_PAUSED | LISTQ_DEAD;
	expect_pick(NULL, v2, "running1 paused1 dead1");
	expect_pick(NULL, LISTQ_RUNNING, "running1");   /* v1 */
	expect_pick("dead", v2, "dead1");
	expect_pick("running,paused", v2, "running1 paused1");
	expect_pick("running,dead", v2, "running1 dead1");
	expect_pick("gone", v2, "error: names dead among the states");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_api_shapes),
		cmocka_unit_test(test_list_filters),
	};
	return cmocka_run_group_tests_name("daemon_dead", tests, NULL, NULL);
}
