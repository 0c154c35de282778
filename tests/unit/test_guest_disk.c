/* guest: a template's disk image (mkfs.ext4 -d): built sparse at the size
 * asked, holding the rootfs, reused, one file per size, and a clear error
 * for a template without a rootfs or a size too small. */
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
#include "../../vm/guest/guest.h"

static void test_image(void **state)
{
	(void)state;
	if (system("command -v mkfs.ext4 >/dev/null 2>&1 && command -v debugfs >/dev/null 2>&1") != 0)
		skip();
	char dir[] = "/tmp/sbx-tdisk.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *rootfs = xasprintf("%s/rootfs", dir), *etc = xasprintf("%s/rootfs/etc", dir);
	char *file = xasprintf("%s/rootfs/etc/motd", dir);
	assert_int_equal(mkdir(rootfs, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	FILE *f = fopen(file, "w");
	fputs("hello from the template\n", f);
	fclose(f);

	char *img = NULL;
	sbx_err e;
	assert_int_equal(guest_disk_image(dir, 32, &img, &e), 0);
	char *want = xasprintf("%s/disk-32.ext4", dir);
	assert_string_equal(img, want);
	struct stat st1, st2;
	assert_int_equal(stat(img, &st1), 0);
	assert_int_equal(st1.st_size, 32 * 1024 * 1024);
	assert_true((long long)st1.st_blocks * 512 < st1.st_size);   /* sparse */
	char *cmd = xasprintf("debugfs -R 'cat /etc/motd' %s 2>/dev/null", img);
	FILE *p = popen(cmd, "r");
	char line[128] = "";
	assert_non_null(fgets(line, sizeof line, p));
	pclose(p);
	assert_string_equal(line, "hello from the template\n");

	/* Reused as it is: same file, untouched. */
	char *again = NULL;
	assert_int_equal(guest_disk_image(dir, 32, &again, &e), 0);
	assert_string_equal(again, img);
	assert_int_equal(stat(again, &st2), 0);
	assert_int_equal(st2.st_ino, st1.st_ino);
	assert_int_equal(st2.st_mtime, st1.st_mtime);
	free(again);

	/* Another size is another file; the first stays for its overlays. */
	assert_int_equal(guest_disk_image(dir, 48, &again, &e), 0);
	assert_non_null(strstr(again, "/disk-48.ext4"));
	assert_int_equal(stat(img, &st2), 0);
	assert_int_equal(st2.st_ino, st1.st_ino);
	free(again);

	/* Too small for the rootfs: mkfs's complaint and what to do. */
	char *big = xasprintf("%s/rootfs/big", dir);
	free(cmd);
	cmd = xasprintf("head -c 20000000 /dev/urandom > %s", big);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(guest_disk_image(dir, 16, &again, &e), -1);
	assert_null(again);
	assert_non_null(strstr(e.msg, "larger disk"));
	char *tmp16 = xasprintf("%s/.disk-16.ext4.tmp.%ld", dir, (long)getpid());
	assert_int_not_equal(access(tmp16, F_OK), 0);   /* no half-built image left */

	assert_int_equal(fsu_rm_rf(dir, 0, &e), 0);
	free(tmp16);
	free(big);
	free(cmd);
	free(want);
	free(img);
	free(rootfs);
	free(etc);
	free(file);
}

static void test_errors(void **state)
{
	(void)state;
	char *img = (char *)"unset";
	sbx_err e;
	assert_int_equal(guest_disk_image("/nonexistent/sbx-template", 64, &img, &e), -1);
	assert_null(img);
	assert_non_null(strstr(e.msg, "has no rootfs/"));
	assert_int_equal(guest_disk_image("/tmp", 8, &img, &e), -1);
	assert_non_null(strstr(e.msg, "at least 16 MB"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
