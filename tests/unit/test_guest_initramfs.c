/* guest: the newc cpio writer, read back by cpio(1): names, types, modes,
 * device numbers, contents (every padding case) and the 512-byte end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/util/xalloc.h"
#include "../../vm/guest/guest_int.h"

static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	sbx_buf b = SBX_BUF_INIT;
	assert_int_equal(buf_read_stream(&b, p), 0);
	pclose(p);
	return b.data ? buf_detach(&b) : xstrdup("");
}

static int have_cpio(void)
{
	return system("command -v cpio >/dev/null 2>&1") == 0;
}

static char *write_archive(const char *dir)
{
	gcpio c;
	gcpio_init(&c);
	gcpio_add(&c, "dev", 0040755, NULL, 0, 0, 0);
	gcpio_add(&c, "dev/console", 0020600, NULL, 0, 5, 1);
	gcpio_add(&c, "init", 0100755, "#!x", 3, 0, 0);            /* 3: pad 1 */
	gcpio_add(&c, "modules", 0040700, NULL, 0, 0, 0);
	gcpio_add(&c, "modules/a.ko", 0100644, "abcd", 4, 0, 0);   /* 4: no pad */
	gcpio_add(&c, "modules/bb.ko", 0100644, "x", 1, 0, 0);
	gcpio_add(&c, "modules/order", 0100644, "", 0, 0, 0);      /* empty file */
	gcpio_finish(&c);
	assert_int_equal(c.b.len % 512, 0);
	assert_memory_equal(c.b.data, "070701", 6);
	/* The trailer is the last entry. */
	assert_non_null(memmem(c.b.data, c.b.len, "TRAILER!!!", 11));
	char *path = xasprintf("%s/a.cpio", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(c.b.data, 1, c.b.len, f), c.b.len);
	fclose(f);
	gcpio_free(&c);
	return path;
}

static void test_listing(void **state)
{
	(void)state;
	if (!have_cpio())
		skip();
	char dir[] = "/tmp/sbx-tcpio.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = write_archive(dir);
	char *cmd = xasprintf("cpio -it --quiet < %s 2>&1", path);
	char *out = run(cmd);
	assert_string_equal(out, "dev\ndev/console\ninit\nmodules\nmodules/a.ko\nmodules/bb.ko\nmodules/order\n");
	free(out);
	free(cmd);
	/* Types, modes, owners and the console's device number. */
	cmd = xasprintf("cpio -itv --quiet < %s 2>&1 | awk '{print $1, $3, $4, $5 $6}'", path);
	out = run(cmd);
	assert_string_equal(out, "drwxr-xr-x root root 0Jan\n"
				 "crw------- root root 5,1\n"
				 "-rwxr-xr-x root root 3Jan\n"
				 "drwx------ root root 0Jan\n"
				 "-rw-r--r-- root root 4Jan\n"
				 "-rw-r--r-- root root 1Jan\n"
				 "-rw-r--r-- root root 0Jan\n");
	free(out);
	free(cmd);
	const char *names[] = { "init", "modules/a.ko", "modules/bb.ko", "modules/order" };
	const char *want[] = { "#!x", "abcd", "x", "" };
	for (size_t i = 0; i < 4; i++) {
		cmd = xasprintf("cpio -i --quiet --to-stdout %s < %s 2>&1", names[i], path);
		out = run(cmd);
		assert_string_equal(out, want[i]);
		free(out);
		free(cmd);
	}
	unlink(path);
	free(path);
	rmdir(dir);
}

/* Same inputs, same bytes: mtime 0, inodes from 1. */
static void test_deterministic(void **state)
{
	(void)state;
	gcpio a, b;
	gcpio_init(&a);
	gcpio_init(&b);
	gcpio_add(&a, "init", 0100755, "12345", 5, 0, 0);
	gcpio_add(&b, "init", 0100755, "12345", 5, 0, 0);
	gcpio_finish(&a);
	gcpio_finish(&b);
	assert_int_equal(a.b.len, b.b.len);
	assert_memory_equal(a.b.data, b.b.data, a.b.len);
	/* header: magic, ino 1, mode 0100755, uid, gid, nlink 1, mtime 0, size 5 */
	assert_memory_equal(a.b.data, "070701" "00000001" "000081ED" "00000000" "00000000" "00000001" "00000000"
				      "00000005", 6 + 7 * 8);
	/* name "init\0" after the 110-byte header, padded to 116; data at 116. */
	assert_memory_equal(a.b.data + 110, "init\0\0", 6);
	assert_memory_equal(a.b.data + 116, "12345\0\0\0", 8);
	gcpio_free(&a);
	gcpio_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
