/* vm/qemu: QMP message parsing and replies, QEMU's command line, snapshot keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../../vm/qemu/qemu_argv.h"
#include "../../vm/qemu/qemu_qmp.h"
#include "../../src/util/strv.h"
#include "../../vm/vm_kvm.h"

static qmp_kind parse(const char *s, json_t **msg, const char **id)
{
	sbx_err e;
	return qmp_parse_line(s, strlen(s), msg, id, &e);
}

static void test_parse(void **state)
{
	(void)state;
	json_t *m;
	const char *id;
	assert_int_equal(parse("{\"QMP\": {\"version\": {}, \"capabilities\": []}}", &m, &id), QMP_GREETING);
	json_decref(m);
	assert_int_equal(parse("{\"return\": {}, \"id\": \"sbx-3\"}", &m, &id), QMP_RETURN);
	assert_string_equal(id, "sbx-3");
	json_decref(m);
	assert_int_equal(parse("{\"return\": {}, \"id\": 3}", &m, &id), QMP_RETURN);
	assert_null(id);
	json_decref(m);
	assert_int_equal(parse("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}, \"id\": \"sbx-1\"}",
			       &m, &id), QMP_ERROR);
	assert_string_equal(id, "sbx-1");
	json_decref(m);
	assert_int_equal(parse("{\"event\": \"STOP\", \"timestamp\": {}}", &m, &id), QMP_EVENT);
	json_decref(m);
	/* Hostile or broken lines never crash and never count as replies. */
	assert_int_equal(parse("{\"return\": 1", &m, &id), QMP_OTHER);
	assert_null(m);
	assert_int_equal(parse("[1]", &m, &id), QMP_OTHER);
	assert_int_equal(parse("{\"error\": \"x\"}", &m, &id), QMP_OTHER);
	assert_int_equal(parse("{\"return\": 1, \"return\": 2}", &m, &id), QMP_OTHER);
	assert_int_equal(parse("", &m, &id), QMP_OTHER);
	assert_int_equal(qmp_parse_line("{\"a\":1}\0x", 9, &m, &id, NULL), QMP_OTHER);
}

/* A peer that already sent what QEMU would: qmp_exec must skip the event
 * and the stale reply and take the one with its id. */
static void test_exec_skips_events(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	const char *peer = "{\"event\": \"RESUME\"}\n"
			   "{\"return\": {\"status\": \"stale\"}, \"id\": \"sbx-0\"}\n"
			   "{\"return\": {\"status\": \"running\"}, \"id\": \"sbx-1\"}\n"
			   "{\"error\": {\"class\": \"GenericError\", \"desc\": \"busy\"}, \"id\": \"sbx-2\"}\n";
	assert_int_equal(write(sv[1], peer, strlen(peer)), (ssize_t)strlen(peer));
	qmp q = { .fd = sv[0], .next_id = 1, .in = SBX_BUF_INIT };
	json_t *ret;
	sbx_err e;
	assert_int_equal(qmp_exec(&q, "query-status", NULL, 2000, &ret, &e), 0);
	assert_string_equal(json_string_value(json_object_get(ret, "status")), "running");
	json_decref(ret);
	assert_int_equal(qmp_exec(&q, "cont", json_object(), 2000, NULL, &e), -1);
	assert_string_equal(e.msg, "QEMU refused cont: busy");
	/* What we sent: one JSON object per line, with our ids. */
	char got[512] = "";
	assert_true(read(sv[1], got, sizeof got - 1) > 0);
	assert_non_null(strstr(got, "\"execute\":\"query-status\",\"id\":\"sbx-1\"}\n"));
	/* No answer: a bounded wait, then an error. */
	assert_int_equal(qmp_exec(&q, "stop", NULL, 50, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "did not answer"));
	close(sv[1]);
	assert_int_equal(qmp_exec(&q, "stop", NULL, 2000, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "closed"));
	qmp_close(&q);
}

static int has(char **v, const char *s)
{
	for (; *v; v++)
		if (!strcmp(*v, s))
			return 1;
	return 0;
}

static void test_argv(void **state)
{
	(void)state;
	qemu_vm_cfg c = { .qemu = "/usr/bin/qemu-system-x86_64", .machine = "microvm", .accel = "tcg",
			  .cpus = 2, .memory_mb = 512, .kernel = "/k", .initrd = "/i", .cmdline = "console=ttyS0",
			  .ram_path = "/s/ram", .ram_share = 1, .disk = "/s/disk.qcow2", .qmp_sock = "/s/qmp.sock",
			  .serial_log = "/s/serial.log", .net = 1 };
	char **v = qemu_argv(&c);
	assert_string_equal(v[0], "/usr/bin/qemu-system-x86_64");
	assert_true(has(v, "microvm,accel=tcg,acpi=on,pit=off,pic=off,rtc=on,memory-backend=ram0"));
	assert_true(has(v, "memory-backend-file,id=ram0,size=512M,mem-path=/s/ram,share=on"));
	assert_true(has(v, "512M"));
	assert_true(has(v, "virtio-blk-device,drive=d0"));
	assert_true(has(v, "tap,id=n0,ifname=tap0,script=no,downscript=no"));
	assert_true(has(v, "virtio-net-device,netdev=n0,mac=02:fc:00:00:00:05"));
	assert_true(has(v, "file,id=ser0,path=/s/serial.log,append=on"));
	assert_true(has(v, "unix:/s/qmp.sock,server=on,wait=off"));
	assert_true(has(v, "-sandbox") && has(v, "on,obsolete=deny,elevateprivileges=deny,resourcecontrol=deny"));
	assert_false(has(v, "-incoming"));
	assert_true(has(v, "-cpu") && has(v, "Nehalem"));
	sbx_strv_free(v);
	c.machine = "q35";
	c.accel = "kvm";
	c.ram_share = 0;
	c.incoming = 1;
	c.net = 0;
	v = qemu_argv(&c);
	assert_true(has(v, "q35,accel=kvm,memory-backend=ram0"));
	assert_true(has(v, "memory-backend-file,id=ram0,size=512M,mem-path=/s/ram,share=off"));
	assert_true(has(v, "virtio-blk-pci,drive=d0"));
	assert_true(has(v, "-incoming") && has(v, "defer"));
	assert_true(has(v, "-cpu") && has(v, "host"));
	assert_false(has(v, "-netdev"));
	sbx_strv_free(v);
}

static void test_version_and_key(void **state)
{
	(void)state;
	char *v = qemu_version_parse("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright");
	assert_string_equal(v, "7.2.22");
	free(v);
	assert_null(qemu_version_parse("QEMU emulator\n"));
	assert_null(qemu_version_parse("version x"));
	char *k = qemu_snap_key("0123456789abcdef0123", "fedcba9876543210", "7.2.22", "microvm", "tcg", 2, 512);
	assert_string_equal(k, "0123456789ab-fedcba9876543210-qemu7.2.22-microvm-tcg-2c512m");
	free(k);
	k = qemu_snap_key("0123456789abcdef0123", "fedcba9876543210", "7.2.22", "microvm", "tcg", 1, 1024);
	assert_string_equal(k, "0123456789ab-fedcba9876543210-qemu7.2.22-microvm-tcg-1c1024m");
	free(k);
	assert_null(qemu_snap_key("0123456789ab", "../etc", "7.2", "microvm", "tcg", 2, 512));
	assert_null(qemu_snap_key("0123", "g", "7.2", "microvm", "tcg", 2, 512));
	assert_null(qemu_snap_key("0123456789ab", "g", "", "microvm", "tcg", 2, 512));
	assert_null(qemu_snap_key("0123456789ab", "g", "7.2", "microvm", "tcg", 0, 512));
}

static void test_kvm_env(void **state)
{
	(void)state;
	sbx_err e;
	setenv("SBX_KVM", "off", 1);
	assert_int_equal(vm_kvm_usable(&e), 0);
	assert_non_null(strstr(e.msg, "SBX_KVM=off"));
	setenv("SBX_KVM", "on", 1);
	assert_int_equal(vm_kvm_usable(&e), 1);
	unsetenv("SBX_KVM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_exec_skips_events),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_version_and_key),
		cmocka_unit_test(test_kvm_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
