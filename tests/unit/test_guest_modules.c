/* guest: the module load order from a modules.dep fixture (dependencies
 * first, each once, built-ins skipped, '-' and '_' alike, errors that name
 * the module), the .modinfo reader on a real ELF (this binary), module
 * decompression, and the kernel command line. */
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

/* What depmod writes: each module's whole dependency set, last-needed first. */
static const char DEP[] =
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko "
	"kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
	"kernel/net/core/failover.ko:\n"
	"\n"
	"kernel/drivers/char/hw_random/virtio-rng.ko.xz: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n";
static const char BUILTIN[] = "kernel/fs/ext4/ext4.ko\nkernel/fs/jbd2/jbd2.ko\nkernel/lib/crc16.ko\n";

static char *order(const char *dep, const char *const *want, size_t n, sbx_err *e)
{
	char **paths;
	size_t np;
	if (gmod_order(dep, BUILTIN, want, n, &paths, &np, e) < 0) {
		assert_null(paths);
		assert_int_equal(np, 0);
		return NULL;
	}
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; i < np; i++) {
		const char *base = strrchr(paths[i], '/');
		buf_printf(&b, "%s%s", i ? " " : "", base ? base + 1 : paths[i]);
		free(paths[i]);
	}
	free(paths);
	return buf_detach(&b);
}

static void test_order(void **state)
{
	(void)state;
	sbx_err e;
	const char *want[] = { "virtio_blk", "ext4", "virtio_net", "virtio_rng", "virtio" };
	char *got = order(DEP, want, 5, &e);
	assert_non_null(got);
	assert_string_equal(got, "virtio_ring.ko virtio.ko virtio_blk.ko failover.ko net_failover.ko virtio_net.ko "
				 "virtio-rng.ko.xz");
	free(got);
	/* Dashes and underscores name the same module. */
	const char *dash[] = { "virtio-blk" };
	got = order(DEP, dash, 1, &e);
	assert_string_equal(got, "virtio_ring.ko virtio.ko virtio_blk.ko");
	free(got);
	/* Only built-ins: nothing to load. */
	const char *bi[] = { "ext4", "jbd2" };
	got = order(DEP, bi, 2, &e);
	assert_string_equal(got, "");
	free(got);
}

static void test_order_errors(void **state)
{
	(void)state;
	sbx_err e;
	const char *missing[] = { "virtio_blk", "vsock" };
	assert_null(order(DEP, missing, 2, &e));
	assert_non_null(strstr(e.msg, "no module vsock"));
	const char *a[] = { "a" };
	assert_null(order("a.ko: b.ko\nb.ko: a.ko\n", a, 1, &e));
	assert_non_null(strstr(e.msg, "cycle"));
	assert_null(order("a.ko: gone.ko\n", a, 1, &e));
	assert_non_null(strstr(e.msg, "gone.ko"));
	assert_null(order("a.ko b.ko\n", a, 1, &e));
	assert_non_null(strstr(e.msg, "line 1"));
	assert_null(order(": a.ko\n", a, 1, &e));
}

static void test_name(void **state)
{
	(void)state;
	char *n = gmod_name("kernel/drivers/char/hw_random/virtio-rng.ko.zst");
	assert_string_equal(n, "virtio_rng");
	free(n);
	n = gmod_name("vsock.ko");
	assert_string_equal(n, "vsock");
	free(n);
}

/* This binary carries a .modinfo section as a module does. */
__attribute__((section(".modinfo"), used)) static const char modinfo[] =
	"license=GPL\0depends=virtio,virtio_ring\0vermagic=6.1.0 SMP";

static void test_depends(void **state)
{
	(void)state;
	sbx_buf self = SBX_BUF_INIT, out = SBX_BUF_INIT;
	sbx_err e;
	assert_int_equal(buf_read_file(&self, "/proc/self/exe", &e), 0);
	assert_int_equal(gmod_depends(self.data, self.len, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "virtio,virtio_ring");
	/* Hostile input: not ELF, cut short, a section table past the end. */
	buf_reset(&out);
	assert_int_equal(gmod_depends("hello", 5, &out, &e), -1);
	assert_int_equal(gmod_depends(self.data, 40, &out, &e), -1);
	assert_int_equal(gmod_depends(self.data, 64, &out, &e), -1);
	assert_int_equal(gmod_depends(self.data, self.len / 2, &out, &e), -1);
	assert_int_equal(out.len, 0);
	buf_free(&self);
	buf_free(&out);
}

static void test_read_xz(void **state)
{
	(void)state;
	if (system("command -v xz >/dev/null 2>&1") != 0)
		skip();
	char dir[] = "/tmp/sbx-tmod.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *cmd = xasprintf("printf 'module bytes' > %s/m.ko && xz %s/m.ko", dir, dir);
	assert_int_equal(system(cmd), 0);
	char *p = xasprintf("%s/m.ko.xz", dir);
	sbx_buf b = SBX_BUF_INIT;
	sbx_err e;
	assert_int_equal(gmod_read(p, &b, &e), 0);
	assert_string_equal(buf_cstr(&b), "module bytes");
	/* A corrupt one fails with xz's word for it. */
	FILE *f = fopen(p, "w");
	fputs("not xz", f);
	fclose(f);
	buf_reset(&b);
	assert_int_equal(gmod_read(p, &b, &e), -1);
	assert_non_null(strstr(e.msg, "xz"));
	unlink(p);
	rmdir(dir);
	buf_free(&b);
	free(p);
	free(cmd);
}

static void test_cmdline(void **state)
{
	(void)state;
	char *c = guest_cmdline("ttyS0", NULL);
	assert_memory_equal(c, "console=ttyS0 ", 14);
	assert_non_null(strstr(c, " panic=-1 "));
	assert_non_null(strstr(c, " reboot=t "));
	assert_int_not_equal(c[strlen(c) - 1], ' ');
	free(c);
	c = guest_cmdline(NULL, "sbx.token=abc");
	assert_memory_equal(c, "console=ttyS0 ", 14);
	size_t n = strlen(c);
	assert_true(n > 14 && !strcmp(c + n - 14, " sbx.token=abc"));
	free(c);
	c = guest_cmdline("hvc0", "");
	assert_memory_equal(c, "console=hvc0 ", 13);
	assert_int_not_equal(c[strlen(c) - 1], ' ');
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_order_errors),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_depends),
		cmocka_unit_test(test_read_xz),
		cmocka_unit_test(test_cmdline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
