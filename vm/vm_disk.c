#include "vm_disk.h"
#include "ns/ns_util.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int vm_disk_overlay(const char *base, const char *base_fmt, const char *path, sbx_err *e)
{
	/* qemu-img records the backing path as given: relative would resolve
	 * against the overlay's directory, which differs for every clone. */
	if (base[0] != '/')
		return sbx_error(e, "the base of disk %s must be an absolute path, not '%s'", path, base);
	if (strcmp(base_fmt, "raw") != 0 && strcmp(base_fmt, "qcow2") != 0)
		return sbx_error(e, "the base of disk %s has format '%s'; only raw and qcow2 are used", path,
				 base_fmt);
	struct stat st;
	if (lstat(path, &st) == 0) {
		errno = EEXIST;
		return sbx_error_errno(e, "cannot create disk %s", path);
	}
	if (stat(base, &st) < 0)
		return sbx_error_errno(e, "cannot create disk %s over %s", path, base);
	/* -F always: a probed format lets a guest-written raw image pose as qcow2. */
	const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", base_fmt, "-b", base, path, NULL };
	if (nsu_run(argv, NULL, e) < 0) {
		if (strstr(e ? e->msg : "", "not installed"))
			return sbx_error(e, "VM sandboxes need qemu-img for their disks: apt-get install qemu-utils");
		return -1;
	}
	return 0;
}

int vm_disk_used(const char *path, uint64_t *bytes, sbx_err *e)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return sbx_error_errno(e, "cannot read the size of disk %s", path);
	*bytes = (uint64_t)st.st_blocks * 512u;
	return 0;
}
