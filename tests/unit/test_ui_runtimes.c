/* ui/model runtimes: /health's runtimes for the create form (labels with
 * the accelerator, reasons of the unavailable ones, what is preselected),
 * an older sbxd without them, and the status bar's runtime·accel tag. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "../../ui/model/runtimes.h"

static json_t *load(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);
	assert_non_null(j);
	return j;
}

static void test_health_runtimes(void **state)
{
	(void)state;
	json_t *j = load("{\"status\":\"ok\",\"runtimes\":["
			 "{\"name\":\"ch\",\"available\":false,\"reason\":\"cloud-hypervisor not found: install it\","
			 "\"accel\":null,\"auto\":false},"
			 "{\"name\":\"qemu\",\"available\":true,\"accel\":\"tcg\",\"reason\":null,\"auto\":false},"
			 "{\"name\":\"ns\",\"available\":true,\"accel\":null,\"reason\":null,\"auto\":true},"
			 "{\"available\":true}],"
			 "\"defaultRuntime\":\"qemu\"}");
	rt_list l;
	rt_list_parse(j, &l);
	assert_int_equal(l.n, 3);   /* the nameless entry is skipped */
	assert_string_equal(l.v[0].label, "ch (unavailable)");
	assert_int_equal(l.v[0].available, 0);
	assert_string_equal(l.v[0].reason, "cloud-hypervisor not found: install it");
	assert_string_equal(l.v[1].label, "qemu (tcg)");
	assert_null(l.v[1].reason);
	assert_string_equal(l.v[2].label, "ns");
	assert_null(l.v[2].accel);
	assert_int_equal(rt_list_default(&l), 1);   /* defaultRuntime */
	rt_list_free(&l);
	json_decref(j);
}

static void test_default_falls_back(void **state)
{
	(void)state;
	/* the default is unavailable (or unknown): auto's, else the first usable */
	json_t *j = load("{\"runtimes\":[{\"name\":\"ch\",\"available\":false},"
			 "{\"name\":\"qemu\",\"available\":true,\"accel\":\"kvm\"},"
			 "{\"name\":\"ns\",\"available\":true,\"auto\":true}],\"defaultRuntime\":\"ch\"}");
	rt_list l;
	rt_list_parse(j, &l);
	assert_int_equal(rt_list_default(&l), 2);
	assert_string_equal(l.v[0].reason, "sbxd gave no reason");
	json_object_del(j, "defaultRuntime");
	json_object_set_new(json_array_get(json_object_get(j, "runtimes"), 2), "auto", json_false());
	rt_list_free(&l);
	rt_list_parse(j, &l);
	assert_int_equal(rt_list_default(&l), 1);
	rt_list_free(&l);
	json_decref(j);
}

static void test_old_sbxd_and_hostile(void **state)
{
	(void)state;
	json_t *j = load("{\"status\":\"ok\",\"runtime\":\"ns\"}");
	rt_list l;
	rt_list_parse(j, &l);
	assert_int_equal(l.n, 0);
	assert_null(l.def);
	rt_list_free(&l);
	json_decref(j);
	/* control characters in a reason do not reach the screen */
	j = load("{\"runtimes\":[{\"name\":\"q\\u001b[2Jx\",\"available\":false,\"reason\":\"a\\u0007b\"}]}");
	rt_list_parse(j, &l);
	assert_string_equal(l.v[0].name, "qx");
	assert_string_equal(l.v[0].reason, "a?b");
	rt_list_free(&l);
	json_decref(j);
}

static void test_tag(void **state)
{
	(void)state;
	char t[32];
	rt_tag("qemu", "tcg", t, sizeof t);
	assert_string_equal(t, "qemu\xc2\xb7tcg");
	rt_tag("ns", NULL, t, sizeof t);
	assert_string_equal(t, "ns");
	rt_tag("ns", "", t, sizeof t);
	assert_string_equal(t, "ns");
	rt_tag("", "kvm", t, sizeof t);
	assert_string_equal(t, "");
}

static void test_sandbox_fields(void **state)
{
	(void)state;
	json_t *j = load("{\"runtime\":\"qemu\",\"accel\":\"tcg\","
			 "\"sbxProgress\":{\"op\":\"resuming\",\"done\":256,\"total\":1024}}");
	assert_string_equal(rt_accel_of(j), "tcg");
	rt_progress p;
	rt_progress_of(j, &p);
	assert_int_equal(p.active, 1);
	assert_int_equal(p.resuming, 1);
	assert_true(rt_progress_frac(&p) > 0.24 && rt_progress_frac(&p) < 0.26);
	json_decref(j);
	/* total unknown; done past total; absent; hostile accel */
	j = load("{\"accel\":null,\"sbxProgress\":{\"op\":\"pausing\",\"done\":5,\"total\":0}}");
	assert_string_equal(rt_accel_of(j), "");
	rt_progress_of(j, &p);
	assert_int_equal(p.resuming, 0);
	assert_true(rt_progress_frac(&p) < 0);
	json_decref(j);
	j = load("{\"accel\":\"k\\u001b[2J\",\"sbxProgress\":{\"op\":\"pausing\",\"done\":9,\"total\":3}}");
	assert_string_equal(rt_accel_of(j), "");
	rt_progress_of(j, &p);
	assert_true(rt_progress_frac(&p) == 1.0);
	json_decref(j);
	j = load("{\"state\":\"running\"}");
	rt_progress_of(j, &p);
	assert_int_equal(p.active, 0);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_runtimes),
		cmocka_unit_test(test_default_falls_back),
		cmocka_unit_test(test_old_sbxd_and_hostile),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_sandbox_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
