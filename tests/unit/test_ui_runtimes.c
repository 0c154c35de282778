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

/* /health as libsbx hands it over, then the form's list. */
static void parse(const json_t *j, rt_list *l)
{
	sbx_health h;
	sbx_err e;
	assert_int_equal(sbx_health_parse(j, &h, &e), 0);
	rt_list_from(&h, l);
	sbx_health_clear(&h);
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
	parse(j, &l);
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
	parse(j, &l);
	assert_int_equal(rt_list_default(&l), 2);
	assert_string_equal(l.v[0].reason, "sbxd gave no reason");
	json_object_del(j, "defaultRuntime");
	json_object_set_new(json_array_get(json_object_get(j, "runtimes"), 2), "auto", json_false());
	rt_list_free(&l);
	parse(j, &l);
	assert_int_equal(rt_list_default(&l), 1);
	rt_list_free(&l);
	json_decref(j);
}

static void test_old_sbxd_and_hostile(void **state)
{
	(void)state;
	json_t *j = load("{\"status\":\"ok\",\"runtime\":\"ns\"}");
	rt_list l;
	parse(j, &l);
	assert_int_equal(l.n, 0);   /* the form then offers "default" */
	assert_string_equal(l.def, "ns");   /* its one runtime */
	rt_list_free(&l);
	json_decref(j);
	/* control characters in a reason do not reach the screen */
	j = load("{\"runtimes\":[{\"name\":\"q\\u001b[2Jx\",\"available\":false,\"reason\":\"a\\u0007b\"}]}");
	parse(j, &l);
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

static void info_of(const char *json, void (*check)(const sbx_info *))
{
	json_t *j = load(json);
	sbx_info i;
	sbx_err e;
	assert_int_equal(sbx_info_parse(j, &i, &e), 0);
	check(&i);
	sbx_info_clear(&i);
	json_decref(j);
}

static void resuming_quarter(const sbx_info *i)
{
	assert_string_equal(rt_accel_of(i), "tcg");
	rt_progress p;
	rt_progress_of(i, &p);
	assert_int_equal(p.active, 1);
	assert_int_equal(p.resuming, 1);
	assert_true(rt_progress_frac(&p) > 0.24 && rt_progress_frac(&p) < 0.26);
}

static void pausing_unknown(const sbx_info *i)
{
	assert_string_equal(rt_accel_of(i), "");
	rt_progress p;
	rt_progress_of(i, &p);
	assert_int_equal(p.active, 1);
	assert_int_equal(p.resuming, 0);
	assert_true(rt_progress_frac(&p) < 0);
}

static void past_total_hostile(const sbx_info *i)
{
	assert_string_equal(rt_accel_of(i), "");
	rt_progress p;
	rt_progress_of(i, &p);
	assert_true(rt_progress_frac(&p) == 1.0);
}

static void none(const sbx_info *i)
{
	rt_progress p;
	rt_progress_of(i, &p);
	assert_int_equal(p.active, 0);
}

static void test_sandbox_fields(void **state)
{
	(void)state;
	info_of("{\"sandboxID\":\"a\",\"runtime\":\"qemu\",\"accel\":\"tcg\","
		"\"sbxProgress\":{\"op\":\"resuming\",\"done\":256,\"total\":1024}}", resuming_quarter);
	/* total unknown; done past total with a hostile accel; none */
	info_of("{\"sandboxID\":\"a\",\"accel\":null,\"sbxProgress\":{\"op\":\"pausing\",\"done\":5,\"total\":0}}",
		pausing_unknown);
	info_of("{\"sandboxID\":\"a\",\"accel\":\"k\\u001b[2J\",\"sbxProgress\":{\"op\":\"pausing\",\"done\":9,"
		"\"total\":3}}", past_total_hostile);
	info_of("{\"sandboxID\":\"a\",\"state\":\"running\"}", none);
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
