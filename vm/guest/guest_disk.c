/* guest_disk: a template's rootfs as the ext4 image VMs boot from. */
#include "guest_int.h"
#include "../../src/util/run.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/xalloc.h"


static int image_ok(const char *path, off_t size)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size;
}

static int lock_file(const char *path, sbx_err *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return sbx_error_errno(e, "cannot open the lock file %s", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			sbx_error_errno(e, "cannot lock %s", path);
			close(fd);
			return -1;
		}
	return fd;
}

static int make_image(const char *rootfs, const char *tmp, off_t size, sbx_err *e)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return sbx_error_errno(e, "cannot create %s", tmp);
	if (ftruncate(fd, size) < 0) {   /* sparse: mkfs writes only what it uses */
		sbx_error_errno(e, "cannot size %s to %lld bytes", tmp, (long long)size);
		close(fd);
		return -1;
	}
	close(fd);
	/* Lazy inode tables and journal, no discard: the file is already
	 * zeros, so nothing needs writing beyond the rootfs itself. */
	char *argv[] = { (char *)"mkfs.ext4", (char *)"-q", (char *)"-F", (char *)"-L", (char *)"sbx-root",
			 (char *)"-m", (char *)"0", (char *)"-E", (char *)"lazy_itable_init=1,lazy_journal_init=1,nodiscard",
			 (char *)"-d", (char *)rootfs, (char *)tmp, NULL };
	if (run_capture(NULL, argv, NULL, e) < 0)
		return sbx_error(e, "cannot build the disk image %s from %s (%s); if it says the disk is full, "
				 "give a larger disk size", tmp, rootfs, e->msg);
	return 0;
}

int guest_disk_image(const char *template_dir, int size_mb, char **path, sbx_err *e)
{
	*path = NULL;
	if (size_mb < 16)
		return sbx_error(e, "a %d MB disk is too small for ext4; give at least 16 MB", size_mb);
	off_t size = (off_t)size_mb * 1024 * 1024;
	char *rootfs = xasprintf("%s/rootfs", template_dir);
	/* The size is in the name: an image is never replaced under the qcow2
	 * overlays that sandboxes have over it (their size is the image's). */
	char *img = xasprintf("%s/disk-%d.ext4", template_dir, size_mb);
	char *lockp = xasprintf("%s.lock", img);
	char *tmp = xasprintf("%s/.disk-%d.ext4.tmp.%ld", template_dir, size_mb, (long)getpid());
	struct stat st;
	int rc = 0, lock = -1;
	if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		rc = sbx_error(e, "template %s has no rootfs/ directory; build it first (sbx template build)",
			       template_dir);
	if (rc == 0 && !image_ok(img, size)) {
		if ((lock = lock_file(lockp, e)) < 0)
			rc = -1;
		/* Another process may have built it while we waited. */
		if (rc == 0 && !image_ok(img, size)) {
			rc = make_image(rootfs, tmp, size, e);
			if (rc == 0 && rename(tmp, img) < 0)
				rc = sbx_error_errno(e, "cannot move the disk image to %s", img);
			unlink(tmp);
		}
	}
	if (lock >= 0)
		close(lock);
	if (rc == 0) {
		*path = img;
		img = NULL;
	}
	free(rootfs);
	free(img);
	free(lockp);
	free(tmp);
	return rc;
}
