/* vm/ch: the pure parts of the cloud-hypervisor driver (error arrays,
 * versions, restore bodies, VmConfig, config.json patching, snapshot
 * clones, the hybrid vsock OK line). */
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
#include "../../vm/ch/ch_api.h"
#include "../../vm/ch/ch_config.h"
#include "../../vm/ch/ch_vmm.h"
#include "../../vm/ch/ch_vsock.h"
#include "../../src/util/fsutil.h"

static void test_refusal_array(void **state)
{
	(void)state;
	sbx_err e;
	const char *b = "[\"Error restoring VM\",\"VM is already created\",\"c\"]";
	ch_api_refusal(&e, "vm.restore", 404, b, strlen(b), "/s/vmm.log");
	assert_non_null(strstr(e.msg, "cloud-hypervisor refused vm.restore: Error restoring VM; VM is already "
				      "created; c (HTTP 404); "));
	assert_non_null(strstr(e.msg, "delete the booted snapshot"));   /* what to do */
	assert_non_null(strstr(e.msg, "its log: /s/vmm.log"));
}

static void test_refusal_other_shapes(void **state)
{
	(void)state;
	sbx_err e;
	ch_api_refusal(&e, "vm.snapshot", 500, "", 0, NULL);
	assert_non_null(strstr(e.msg, "refused vm.snapshot: no reason given (HTTP 500)"));
	assert_non_null(strstr(e.msg, "must be paused"));
	const char *junk = "<html>\x01oops";
	ch_api_refusal(&e, "vm.boot", 400, junk, strlen(junk), NULL);
	assert_non_null(strstr(e.msg, "refused vm.boot: <html>?oops (HTTP 400)"));
	/* empty strings in the array are skipped, not shown as "; ;" */
	const char *b = "[\"\",\"x\",1,\"y\"]";
	ch_api_refusal(&e, "vm.pause", 500, b, strlen(b), NULL);
	assert_non_null(strstr(e.msg, "refused vm.pause: x; y (HTTP 500)"));
}

static void test_version(void **state)
{
	(void)state;
	ch_version v;
	assert_int_equal(ch_version_parse("53.0.0", &v), 0);
	assert_int_equal(v.major, 53);
	assert_int_equal(ch_version_parse("v52.1-12-gabc", &v), 0);
	assert_int_equal(v.major, 52);
	assert_int_equal(v.minor, 1);
	assert_int_equal(ch_version_parse("dev", &v), -1);
	assert_int_equal(ch_version_parse(NULL, &v), -1);
}

static void test_restore_body(void **state)
{
	(void)state;
	ch_version v51, v52, v53;
	ch_version_parse("51.1.0", &v51);
	ch_version_parse("52.0.0", &v52);
	ch_version_parse("53.0.0", &v53);
	json_t *b = ch_restore_body("/x/snap", &v51, 1);
	assert_string_equal(json_string_value(json_object_get(b, "source_url")), "file:///x/snap");
	assert_int_equal(json_object_size(b), 1);   /* v51 refuses the newer fields */
	json_decref(b);
	b = ch_restore_body("/x/snap", &v52, 1);
	assert_string_equal(json_string_value(json_object_get(b, "memory_restore_mode")), "OnDemand");
	assert_true(json_is_true(json_object_get(b, "resume")));
	json_decref(b);
	b = ch_restore_body("/x/snap", &v53, 0);
	assert_string_equal(json_string_value(json_object_get(b, "memory_restore_mode")), "Copy");
	json_decref(b);
}

static void test_uffd(void **state)
{
	(void)state;
	char d[] = "/tmp/test_ch.XXXXXX";
	assert_non_null(mkdtemp(d));
	char dev[64], sys[64];
	snprintf(dev, sizeof dev, "%s/userfaultfd", d);
	snprintf(sys, sizeof sys, "%s/unpriv", d);
	FILE *f = fopen(sys, "w");
	fputs("0\n", f);
	fclose(f);
	assert_int_equal(ch_uffd_allowed(dev, sys), 0);
	f = fopen(sys, "w");
	fputs("1\n", f);
	fclose(f);
	assert_int_equal(ch_uffd_allowed(dev, sys), 1);
	f = fopen(sys, "w");
	fputs("0\n", f);
	fclose(f);
	close(open(dev, O_CREAT | O_RDWR, 0600));
	assert_int_equal(ch_uffd_allowed(dev, sys), 1);
	fsu_rm_rf(d, 1, NULL);
}

static void test_vmconfig(void **state)
{
	(void)state;
	ch_vm_params p = { 2, 256, "/k/bzImage", "/k/initrd", "console=ttyS0", "/s/disk.qcow2", "/s/serial.log",
			   "/s/vsock.sock" };
	json_t *c = ch_vmconfig(&p);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "cpus"), "boot_vcpus")), 2);
	assert_true(json_is_false(json_object_get(json_object_get(c, "cpus"), "nested")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "memory"), "size")), 256 << 20);
	json_t *d = json_array_get(json_object_get(c, "disks"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "path")), "/s/disk.qcow2");
	assert_string_equal(json_string_value(json_object_get(d, "image_type")), "Qcow2");
	assert_true(json_is_true(json_object_get(d, "backing_files")));
	json_t *n = json_array_get(json_object_get(c, "net"), 0);
	assert_string_equal(json_string_value(json_object_get(n, "tap")), "tap0");
	assert_string_equal(json_string_value(json_object_get(n, "mac")), "02:fc:00:00:00:05");
	assert_null(json_object_get(n, "ip"));   /* the tap's address is vm_net's */
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "serial"), "mode")), "File");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "console"), "mode")), "Off");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "vsock"), "cid")), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "payload"), "initramfs")),
			    "/k/initrd");
	assert_non_null(json_object_get(c, "rng"));
	json_decref(c);
}

static const char *snap_cfg =
	"{\"payload\":{\"kernel\":\"/k\"},\"future_field\":{\"a\":1},"
	"\"disks\":[{\"path\":\"/old/disk.qcow2\",\"image_type\":\"Qcow2\",\"backing_files\":true,\"new\":7}],"
	"\"serial\":{\"mode\":\"File\",\"file\":\"/old/serial.log\"},"
	"\"vsock\":{\"cid\":3,\"socket\":\"/old/vsock.sock\",\"id\":\"_vsock0\"}}";

static void test_patch(void **state)
{
	(void)state;
	sbx_err e;
	json_t *c = json_loads(snap_cfg, 0, NULL);
	assert_int_equal(ch_config_patch(c, "/new/d", "/new/v", "/new/s", &e), 0);
	json_t *d = json_array_get(json_object_get(c, "disks"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "path")), "/new/d");
	assert_int_equal(json_integer_value(json_object_get(d, "new")), 7);          /* kept */
	assert_non_null(json_object_get(c, "future_field"));                          /* kept */
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "vsock"), "socket")), "/new/v");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "vsock"), "id")), "_vsock0");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "serial"), "file")), "/new/s");
	json_decref(c);
	c = json_loads("{\"disks\":[{\"path\":\"/d\"}],\"serial\":{\"mode\":\"File\",\"file\":\"/s\"}}", 0, NULL);
	assert_int_equal(ch_config_patch(c, "/a", "/b", "/c", &e), -1);
	assert_non_null(strstr(e.msg, "no vsock socket"));
	json_decref(c);
}

static void test_clone(void **state)
{
	(void)state;
	sbx_err e;
	char d[] = "/tmp/test_ch.XXXXXX";
	assert_non_null(mkdtemp(d));
	char src[128], dst[128], p[256];
	snprintf(src, sizeof src, "%s/snap", d);
	snprintf(dst, sizeof dst, "%s/clone", d);
	mkdir(src, 0700);
	snprintf(p, sizeof p, "%s/config.json", src);
	FILE *f = fopen(p, "w");
	fputs(snap_cfg, f);
	fclose(f);
	snprintf(p, sizeof p, "%s/state.json", src);
	f = fopen(p, "w");
	fputs("{\"s\":1}", f);
	fclose(f);
	snprintf(p, sizeof p, "%s/memory-ranges", src);
	int fd = open(p, O_CREAT | O_WRONLY, 0600);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	struct stat a, b;
	stat(p, &a);
	assert_int_equal(ch_snapshot_clone(src, dst, "/c/disk", "/c/vsock", "/c/serial", &e), 0);
	snprintf(p, sizeof p, "%s/memory-ranges", dst);
	assert_int_equal(stat(p, &b), 0);
	assert_true(a.st_ino == b.st_ino);   /* hard-linked, not copied */
	snprintf(p, sizeof p, "%s/config.json", dst);
	json_t *c = json_load_file(p, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(c, "disks"), 0), "path")),
			    "/c/disk");
	json_decref(c);
	snprintf(p, sizeof p, "%s/state.json", dst);
	assert_int_equal(access(p, R_OK), 0);
	/* an existing destination is refused */
	assert_int_equal(ch_snapshot_clone(src, dst, "/c/disk", "/c/vsock", "/c/serial", &e), -1);
	fsu_rm_rf(d, 1, NULL);
}

static void fake_bin(const char *path, const char *says)
{
	FILE *f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\necho '%s'\n", says);
	fclose(f);
	chmod(path, 0755);
}

static void test_binary_version(void **state)
{
	(void)state;
	char d[] = "/tmp/test_ch.XXXXXX";
	assert_non_null(mkdtemp(d));
	char bin[64], out[64];
	sbx_err e;
	snprintf(bin, sizeof bin, "%s/ch", d);
	fake_bin(bin, "cloud-hypervisor v53.0.0");
	assert_int_equal(ch_binary_version(bin, out, sizeof out, &e), 0);
	assert_string_equal(out, "v53.0.0");
	/* never the release's store for another build */
	fake_bin(bin, "cloud-hypervisor v53.0.0 (fake)");
	assert_int_equal(ch_binary_version(bin, out, sizeof out, &e), 0);
	assert_string_equal(out, "v53.0.0-fake");
	fake_bin(bin, "cloud-hypervisor v49.0");
	assert_int_equal(ch_binary_version(bin, out, sizeof out, &e), -1);
	assert_non_null(strstr(e.msg, "sbx needs v50"));
	fake_bin(bin, "something else");
	assert_int_equal(ch_binary_version(bin, out, sizeof out, &e), -1);
	/* SBX_CH_BINARY wins, and a missing one says what to do */
	setenv("SBX_CH_BINARY", bin, 1);
	char *got = ch_binary(&e);
	assert_string_equal(got, bin);
	free(got);
	setenv("SBX_CH_BINARY", "/nonexistent/cloud-hypervisor", 1);
	assert_null(ch_binary(&e));
	assert_non_null(strstr(e.msg, "not executable"));
	unsetenv("SBX_CH_BINARY");
	setenv("XDG_CONFIG_HOME", d, 1);
	char conf[128];
	snprintf(conf, sizeof conf, "%s/sbx", d);
	mkdir(conf, 0700);
	snprintf(conf, sizeof conf, "%s/sbx/ch.conf", d);
	FILE *f = fopen(conf, "w");
	fprintf(f, "# where cloud-hypervisor is\n  binary = %s\n", bin);
	fclose(f);
	got = ch_binary(&e);
	assert_non_null(got);
	assert_string_equal(got, bin);
	free(got);
	unlink(conf);
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", d, 1);   /* holds "ch", not "cloud-hypervisor" */
	assert_null(ch_binary(&e));
	assert_non_null(strstr(e.msg, "github.com/cloud-hypervisor/cloud-hypervisor/releases"));
	assert_non_null(strstr(e.msg, "docs/runtime-ch.md"));
	if (path)
		setenv("PATH", path, 1);
	free(path);
	fsu_rm_rf(d, 1, NULL);
}

static void test_vsock_ok(void **state)
{
	(void)state;
	unsigned port = 0;
	size_t used = 0;
	const char *ok = "OK 1073741824\nHTTP/1.1";
	assert_int_equal(ch_vsock_parse_ok(ok, strlen(ok), &port, &used), 1);
	assert_int_equal(port, 1073741824u);
	assert_int_equal(used, strlen("OK 1073741824\n"));
	assert_int_equal(ch_vsock_parse_ok("OK 12", 5, &port, &used), 0);        /* more needed */
	assert_int_equal(ch_vsock_parse_ok("OK 5\r\n", 6, &port, &used), 1);
	assert_int_equal(port, 5);
	assert_int_equal(ch_vsock_parse_ok("ERR nope\n", 9, &port, &used), -1);
	assert_int_equal(ch_vsock_parse_ok("OK \n", 4, &port, &used), -1);
	assert_int_equal(ch_vsock_parse_ok("OK 1x\n", 6, &port, &used), -1);
	assert_int_equal(ch_vsock_parse_ok("OK 99999999999\n", 15, &port, &used), -1);
	char junk[40];
	memset(junk, 'A', sizeof junk);
	assert_int_equal(ch_vsock_parse_ok(junk, sizeof junk, &port, &used), -1);  /* no newline in time */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusal_array), cmocka_unit_test(test_refusal_other_shapes),
		cmocka_unit_test(test_version),       cmocka_unit_test(test_restore_body),
		cmocka_unit_test(test_uffd),          cmocka_unit_test(test_vmconfig),
		cmocka_unit_test(test_patch),         cmocka_unit_test(test_clone),
		cmocka_unit_test(test_vsock_ok),      cmocka_unit_test(test_binary_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
