/* vm_disk: qcow2 overlays made by qemu-img, with the base's format given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"
#include "../../vm/vm_disk.h"

static int setup(void **state)
{
	char tmpl[] = "/tmp/sbx-test-vm-disk-XXXXXX";
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

/* A sparse raw image of mb MiB. */
static char *make_base(const char *dir, const char *name, int mb)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)mb << 20), 0);
	close(fd);
	return p;
}

/* `qemu-img info` of path as text. */
static char *info(const char *path)
{
	char *cmd = xasprintf("qemu-img info --output=json '%s' 2>&1", path);
	FILE *f = popen(cmd, "r");
	free(cmd);
	assert_non_null(f);
	char *out = xcalloc(1, 8192);
	size_t n = fread(out, 1, 8191, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

static void test_overlay(void **state)
{
	const char *dir = *state;
	char *base = make_base(dir, "disk.ext4", 64);
	char *ov = xasprintf("%s/disk.qcow2", dir);
	sbx_err e = { "" };
	if (vm_disk_overlay(base, "raw", ov, &e) < 0)
		fail_msg("overlay: %s", e.msg);
	char *i = info(ov);
	assert_non_null(strstr(i, "\"format\": \"qcow2\""));
	assert_non_null(strstr(i, "\"virtual-size\": 67108864"));
	char *want = xasprintf("\"backing-filename\": \"%s\"", base);
	assert_non_null(strstr(i, want));
	assert_non_null(strstr(i, "\"backing-filename-format\": \"raw\""));
	free(want);
	free(i);

	/* An overlay of that overlay (a clone of a snapshot's frozen disk). */
	char *ov2 = xasprintf("%s/clone.qcow2", dir);
	assert_int_equal(vm_disk_overlay(ov, "qcow2", ov2, &e), 0);
	i = info(ov2);
	assert_non_null(strstr(i, "\"backing-filename-format\": \"qcow2\""));
	free(i);

	/* Used bytes: small for a fresh overlay, more after a write into it. */
	uint64_t used0 = 0, used1 = 0;
	assert_int_equal(vm_disk_used(ov2, &used0, &e), 0);
	assert_true(used0 > 0 && used0 < (1u << 20));
	char *cmd = xasprintf("qemu-io -f qcow2 -c 'write -P 0x5a 0 4M' '%s' >/dev/null 2>&1", ov2);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(vm_disk_used(ov2, &used1, &e), 0);
	assert_true(used1 >= used0 + (4u << 20));
	free(ov2);
	free(ov);
	free(base);
}

static void test_refusals(void **state)
{
	const char *dir = *state;
	char *base = make_base(dir, "disk.ext4", 8);
	char *ov = xasprintf("%s/disk.qcow2", dir);
	sbx_err e = { "" };
	assert_int_equal(vm_disk_overlay("disk.ext4", "raw", ov, &e), -1);
	assert_non_null(strstr(e.msg, "absolute"));
	assert_int_equal(vm_disk_overlay(base, "vmdk", ov, &e), -1);
	assert_non_null(strstr(e.msg, "only raw and qcow2"));
	assert_int_equal(access(ov, F_OK), -1);
	char *missing = xasprintf("%s/nope.ext4", dir);
	assert_int_equal(vm_disk_overlay(missing, "raw", ov, &e), -1);
	assert_non_null(strstr(e.msg, "No such file"));
	free(missing);
	/* Never over an existing file (a sandbox's disk). */
	assert_int_equal(vm_disk_overlay(base, "raw", ov, &e), 0);
	assert_int_equal(vm_disk_overlay(base, "raw", ov, &e), -1);
	assert_non_null(strstr(e.msg, "File exists"));
	/* A raw base given as qcow2 is refused by qemu-img, not probed. */
	char *ov2 = xasprintf("%s/other.qcow2", dir);
	assert_int_equal(vm_disk_overlay(base, "qcow2", ov2, &e), -1);
	assert_non_null(strstr(e.msg, "qemu-img failed"));
	free(ov2);
	uint64_t used;
	assert_int_equal(vm_disk_used("/nonexistent/disk.qcow2", &used, &e), -1);
	free(ov);
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_overlay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
