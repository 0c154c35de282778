/*
 * guest_int: what the guest_*.c files share (and their unit tests reach):
 * the newc cpio writer, the module resolver (modinfo, modules.dep, load
 * order) and running a helper program.
 */
#ifndef SBX_GUEST_INT_H
#define SBX_GUEST_INT_H
#include <stddef.h>
#include "../../src/util/buf.h"
#include "guest.h"

/* Bump when what guest_kernel_get builds changes: it is part of the key. */
#define GUEST_BUILDER_VERSION "sbx-guest 1"

/* The modules the guest wants, by name; those built into the kernel are
 * skipped, the rest are loaded with their dependencies first. */
extern const char *const guest_modules[];
extern const size_t guest_nmodules;

/* ── newc cpio (the initramfs), built in memory ── */
typedef struct gcpio {
	sbx_buf b;
	unsigned ino;
} gcpio;

void gcpio_init(gcpio *c);
/* mode carries the type bits (S_IFDIR, S_IFREG, S_IFCHR…); owner root. */
void gcpio_add(gcpio *c, const char *name, unsigned mode, const void *data, size_t len, unsigned rmajor,
	       unsigned rminor);
/* Appends the TRAILER!!! entry and pads the archive to 512 bytes. */
void gcpio_finish(gcpio *c);
void gcpio_free(gcpio *c);
/* out_dir/initramfs.cpio (init as /init, guest_modules from moddir, a
 * kernel's lib/modules/VERSION, decompressed, with /modules/order) and
 * out_dir/modules.dep (what the order was computed from). */
int guest_initramfs_build(const char *init, const char *moddir, const char *out_dir, sbx_err *e);

/* ── modules ── */
/* depends= of a module's .modinfo (the ELF section), comma-separated, into
 * out (empty when it has none).  -1 when elf is not a 64-bit ELF with a
 * .modinfo section. */
int gmod_depends(const void *elf, size_t len, sbx_buf *out, sbx_err *e);
/* Load order of the wanted modules: paths as modules.dep names them
 * (relative to the modules dir), each after its dependencies, each once.
 * A wanted module listed in modules.builtin is skipped; one in neither is
 * an error, as is a dependency cycle or a dependency without its own line.
 * Names match with '-' and '_' alike. */
int gmod_order(const char *dep_text, const char *builtin_text, const char *const *wanted, size_t nwanted,
	       char ***paths, size_t *npaths, sbx_err *e);
/* modules.dep text for the wanted modules and what they depend on, read
 * from the .ko files under moddir (Debian's .deb ships no modules.dep and
 * depmod is not on every host). */
int gmod_depfile(const char *moddir, const char *builtin_text, const char *const *wanted, size_t nwanted,
		 sbx_buf *out, sbx_err *e);
/* A module file's contents, decompressed when it ends in .xz or .zst. */
int gmod_read(const char *path, sbx_buf *out, sbx_err *e);
/* "virtio_net" from "kernel/drivers/net/virtio_net.ko.xz". */
char *gmod_name(const char *path);

/* ── helpers ── */
/* path with exactly data (created 0644, or truncated). */
int guest_write_file(const char *path, const void *data, size_t len, sbx_err *e);
/* $SBX_CACHE_DIR/guest (template_cache_dir()'s guest/). */
char *guest_cache_dir(void);

#endif
