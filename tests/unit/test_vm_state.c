/* vm_state: state.json round trip (extra kept), bad files refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"
#include "../../vm/vm_state.h"

static int setup(void **state)
{
	char tmpl[] = "/tmp/sbx-test-vm-state-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	*state = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	fsu_rm_rf(*state, 0, NULL);
	free(*state);
	return 0;
}

static void write_state(const char *dir, const char *json)
{
	char *p = xasprintf("%s/state.json", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	free(p);
}

static void fill(vm_state *st, const char *dir)
{
	memset(st, 0, sizeof *st);
	st->dir = xstrdup(dir);
	st->id = xstrdup("sbx-1");
	st->driver = xstrdup("qemu");
	st->template_dir = xstrdup("/var/cache/sbx/templates/base");
	st->snapshot = xstrdup("/var/cache/sbx/vm/qemu/abc");
	st->token = NULL;      /* null round-trips as NULL */
	st->accel = xstrdup("tcg");
	st->status = VMS_PAUSED;
	st->vmm.pid = 4242;
	st->vmm.start_time = 123456789012ULL;
	snprintf(st->net.netns, sizeof st->net.netns, "%s/netns", dir);
	st->net.index = 16383;
	snprintf(st->net.veth, sizeof st->net.veth, "sbx16383");
	st->net.internet = 1;
	st->cpus = 2;
	st->memory_mb = 512;
	st->disk_mb = 2048;
	st->created_ms = 1765000000123LL;
	st->extra = json_pack("{s:s, s:[i,i], s:{s:b}}", "qmp", "qmp.sock", "ram", 1, 2, "nested", "x", 1);
}

static void test_round_trip(void **state)
{
	const char *dir = *state;
	vm_state a, b;
	sbx_err e = { "" };
	fill(&a, dir);
	assert_int_equal(vm_state_save(&a, &e), 0);
	assert_int_equal(vm_state_load(&b, dir, "qemu", &e), 0);
	assert_string_equal(b.dir, dir);
	assert_string_equal(b.id, a.id);
	assert_string_equal(b.driver, "qemu");
	assert_string_equal(b.template_dir, a.template_dir);
	assert_string_equal(b.snapshot, a.snapshot);
	assert_null(b.token);
	assert_string_equal(b.accel, "tcg");
	assert_int_equal(b.status, VMS_PAUSED);
	assert_int_equal(b.vmm.pid, 4242);
	assert_true(b.vmm.start_time == 123456789012ULL);
	assert_string_equal(b.net.netns, a.net.netns);
	assert_int_equal(b.net.index, 16383);
	assert_string_equal(b.net.veth, "sbx16383");
	assert_int_equal(b.net.internet, 1);
	assert_int_equal(b.cpus, 2);
	assert_int_equal(b.memory_mb, 512);
	assert_int_equal(b.disk_mb, 2048);
	assert_true(b.created_ms == 1765000000123LL);
	assert_true(json_equal(b.extra, a.extra));
	/* No temporary file left beside it. */
	char *tmp = xasprintf("%s/state.json.tmp", dir);
	assert_int_equal(access(tmp, F_OK), -1);
	free(tmp);
	/* Saved again after a load: unchanged. */
	b.status = VMS_RUNNING;
	b.token = xstrdup("tok");
	assert_int_equal(vm_state_save(&b, &e), 0);
	vm_state c;
	assert_int_equal(vm_state_load(&c, dir, "qemu", &e), 0);
	assert_int_equal(c.status, VMS_RUNNING);
	assert_string_equal(c.token, "tok");
	assert_true(json_equal(c.extra, a.extra));
	vm_state_free(&a);
	vm_state_free(&b);
	vm_state_free(&c);
}

static void test_no_extra_is_empty_object(void **state)
{
	const char *dir = *state;
	vm_state a, b;
	sbx_err e = { "" };
	fill(&a, dir);
	json_decref(a.extra);
	a.extra = NULL;
	assert_int_equal(vm_state_save(&a, &e), 0);
	assert_int_equal(vm_state_load(&b, dir, "qemu", &e), 0);
	assert_true(json_is_object(b.extra));
	assert_int_equal(json_object_size(b.extra), 0);
	vm_state_free(&a);
	vm_state_free(&b);
}

static void expect_bad(const char *dir, const char *driver, const char *json, const char *msg)
{
	vm_state st;
	sbx_err e = { "" };
	if (json)
		write_state(dir, json);
	assert_int_equal(vm_state_load(&st, dir, driver, &e), -1);
	if (!strstr(e.msg, msg))
		fail_msg("error '%s' lacks '%s'", e.msg, msg);
	/* Nothing allocated is left in a failed load. */
	assert_null(st.dir);
	assert_null(st.id);
	assert_null(st.extra);
}

#define GOOD_NET "\"net\":{\"netns\":\"/x/netns\",\"index\":3,\"veth\":\"sbx3\",\"internet\":true}"
#define GOOD_REST "\"vmm\":{\"pid\":1,\"start_time\":2}," GOOD_NET \
	",\"limits\":{\"cpus\":1,\"memory_mb\":2,\"disk_mb\":3},\"created_ms\":5"

static void test_bad_files(void **state)
{
	const char *dir = *state;
	expect_bad(dir, "qemu", NULL, "no state.json");
	expect_bad(dir, "qemu", "{\"version\":1,", "cannot read");
	expect_bad(dir, "qemu", "[1,2]", "not a JSON object");
	expect_bad(dir, "qemu", "{\"version\":1}", "not a VM sandbox state file");
	expect_bad(dir, "qemu", "{\"version\":2,\"id\":\"a\",\"driver\":\"qemu\",\"status\":\"running\"," GOOD_REST "}",
		   "version 2");
	expect_bad(dir, "ch", "{\"version\":1,\"id\":\"a\",\"driver\":\"qemu\",\"status\":\"running\"," GOOD_REST "}",
		   "belongs to the qemu runtime, not ch");
	expect_bad(dir, "qemu", "{\"version\":1,\"id\":\"a\",\"driver\":\"qemu\",\"status\":\"asleep\"," GOOD_REST "}",
		   "unknown status 'asleep'");
	expect_bad(dir, "qemu", "{\"version\":1,\"id\":7,\"driver\":\"qemu\",\"status\":\"running\"," GOOD_REST "}",
		   "something else than text");
	expect_bad(dir, "qemu", "{\"version\":1,\"driver\":\"qemu\",\"status\":\"running\"," GOOD_REST "}",
		   "no sandbox id");
	expect_bad(dir, "qemu", "{\"version\":1,\"id\":\"a\",\"driver\":\"qemu\",\"status\":\"running\","
		   GOOD_REST ",\"extra\":[1]}", "out of range");
	expect_bad(dir, "qemu", "{\"version\":1,\"id\":\"a\",\"driver\":\"qemu\",\"status\":\"running\","
		   "\"vmm\":{\"pid\":-5,\"start_time\":2}," GOOD_NET
		   ",\"limits\":{\"cpus\":1,\"memory_mb\":2,\"disk_mb\":3},\"created_ms\":5}", "out of range");
	expect_bad(dir, "qemu", "{\"version\":1,\"id\":\"a\",\"driver\":\"qemu\",\"status\":\"running\","
		   "\"vmm\":{\"pid\":1,\"start_time\":2},\"net\":{\"netns\":\"\",\"index\":99999,\"veth\":\"\","
		   "\"internet\":false},\"limits\":{\"cpus\":1,\"memory_mb\":2,\"disk_mb\":3},\"created_ms\":5}",
		   "out of range");
	expect_bad(dir, "qemu", "{\"version\":1,\"id\":\"a\",\"driver\":\"qemu\",\"status\":\"running\","
		   "\"vmm\":{\"pid\":1,\"start_time\":2},\"net\":{\"netns\":\"\",\"index\":1,\"veth\":"
		   "\"sbx-much-too-long-name\",\"internet\":false},\"limits\":{\"cpus\":1,\"memory_mb\":2,"
		   "\"disk_mb\":3},\"created_ms\":5}", "out of range");
	/* The control: the same shape with sane values loads. */
	vm_state st;
	sbx_err e = { "" };
	write_state(dir, "{\"version\":1,\"id\":\"a\",\"driver\":\"qemu\",\"status\":\"running\"," GOOD_REST "}");
	assert_int_equal(vm_state_load(&st, dir, "qemu", &e), 0);
	assert_null(st.snapshot);
	vm_state_free(&st);
}

static void test_save_refuses_bad_text(void **state)
{
	vm_state a;
	sbx_err e = { "" };
	fill(&a, *state);
	free(a.id);
	a.id = xstrdup("bad\xff");
	assert_int_equal(vm_state_save(&a, &e), -1);
	assert_non_null(strstr(e.msg, "UTF-8"));
	char *p = xasprintf("%s/state.json", (char *)*state);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	vm_state_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_extra_is_empty_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_refuses_bad_text, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
