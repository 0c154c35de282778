/* guest_initramfs: the newc cpio writer (the format the kernel unpacks into
 * its rootfs: Documentation/driver-api/early-userspace/buffer-format.rst). */
#include "guest_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
