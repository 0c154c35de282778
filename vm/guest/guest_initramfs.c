/* guest_initramfs: the newc cpio writer (the format the kernel unpacks into
 * its rootfs: Documentation/driver-api/early-userspace/buffer-format.rst)
 * and the initramfs it writes: /init, /dev/console, the modules and their
 * load order (/modules/order). */
#include "guest_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/util/xalloc.h"

static void pad4(sbx_buf *b)
{
	static const char zero[4] = { 0 };
	buf_append(b, zero, (4 - b->len % 4) % 4);
}

void gcpio_init(gcpio *c)
{
	buf_init(&c->b);
	c->ino = 1;
}

void gcpio_add(gcpio *c, const char *name, unsigned mode, const void *data, size_t len, unsigned rmajor,
	       unsigned rminor)
{
	size_t nlen = strlen(name) + 1;
	/* magic ino mode uid gid nlink mtime filesize devmajor devminor
	 * rdevmajor rdevminor namesize check; all 8 hex digits.  mtime 0 keeps
	 * the archive a pure function of its contents. */
	buf_printf(&c->b, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", c->ino++, mode, 0u, 0u,
		   (mode & 0170000) == 0040000 ? 2u : 1u, 0u, (unsigned)len, 0u, 0u, rmajor, rminor,
		   (unsigned)nlen, 0u);
	buf_append(&c->b, name, nlen);
	pad4(&c->b);
	if (len) {
		buf_append(&c->b, data, len);
		pad4(&c->b);
	}
}

void gcpio_finish(gcpio *c)
{
	gcpio_add(c, "TRAILER!!!", 0, NULL, 0, 0, 0);
	static const char zero[512] = { 0 };
	buf_append(&c->b, zero, (512 - c->b.len % 512) % 512);
}

void gcpio_free(gcpio *c)
{
	buf_free(&c->b);
}

int guest_initramfs_build(const char *init, const char *moddir, const char *out_dir, sbx_err *e)
{
	sbx_buf builtin = SBX_BUF_INIT, dep = SBX_BUF_INIT, bin = SBX_BUF_INIT, order = SBX_BUF_INIT;
	char *bpath = xasprintf("%s/modules.builtin", moddir), *dpath = xasprintf("%s/modules.dep", out_dir);
	char **paths = NULL;
	size_t np = 0;
	gcpio c;
	gcpio_init(&c);
	int rc = buf_read_file(&builtin, bpath, e);
	if (rc == 0)
		rc = gmod_depfile(moddir, builtin.data, guest_modules, guest_nmodules, &dep, e);
	if (rc == 0)
		rc = guest_write_file(dpath, dep.data ? dep.data : "", dep.len, e);
	if (rc == 0)
		rc = gmod_order(buf_cstr(&dep), builtin.data, guest_modules, guest_nmodules, &paths, &np, e);
	if (rc == 0)
		rc = buf_read_file(&bin, init, e);
	if (rc == 0) {
		gcpio_add(&c, "dev", 0040755, NULL, 0, 0, 0);
		gcpio_add(&c, "dev/console", 0020600, NULL, 0, 5, 1);   /* the kernel opens it for /init */
		gcpio_add(&c, "proc", 0040755, NULL, 0, 0, 0);
		gcpio_add(&c, "sys", 0040755, NULL, 0, 0, 0);
		gcpio_add(&c, "newroot", 0040755, NULL, 0, 0, 0);
		gcpio_add(&c, "modules", 0040755, NULL, 0, 0, 0);
		gcpio_add(&c, "init", 0100755, bin.data, bin.len, 0, 0);
	}
	for (size_t i = 0; rc == 0 && i < np; i++) {
		char *full = xasprintf("%s/%s", moddir, paths[i]), *name = gmod_name(paths[i]);
		char *in = xasprintf("modules/%s.ko", name);
		sbx_buf ko = SBX_BUF_INIT;
		rc = gmod_read(full, &ko, e);
		if (rc == 0) {
			gcpio_add(&c, in, 0100644, ko.data, ko.len, 0, 0);
			buf_printf(&order, "%s.ko\n", name);
		}
		buf_free(&ko);
		free(in);
		free(name);
		free(full);
	}
	if (rc == 0) {
		gcpio_add(&c, "modules/order", 0100644, order.data, order.len, 0, 0);
		gcpio_finish(&c);
		char *cp = xasprintf("%s/initramfs.cpio", out_dir);
		rc = guest_write_file(cp, c.b.data, c.b.len, e);
		free(cp);
	}
	for (size_t i = 0; i < np; i++)
		free(paths[i]);
	free(paths);
	gcpio_free(&c);
	buf_free(&builtin);
	buf_free(&dep);
	buf_free(&bin);
	buf_free(&order);
	free(bpath);
	free(dpath);
	return rc;
}
