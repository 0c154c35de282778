#include "ns_mount.h"
#include "ns_uid.h"
#include "ns_util.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define LOG_TAIL_MAX (1 << 20)

/* --- the disk ------------------------------------------------------------ */

static int open_loop(int n, char *dev, size_t devlen)
{
	snprintf(dev, devlen, "/dev/loop%d", n);
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	/* Hosts with a static or tmpfs /dev lack nodes for new loop devices. */
	if (fd < 0 && errno == ENOENT && mknod(dev, S_IFBLK | 0660, makedev(7, n)) == 0)
		fd = open(dev, O_RDWR | O_CLOEXEC);
	return fd;
}

/* Bind img to a free loop device (auto-clearing on last release) and mount
 * it at mnt.  The loop fd stays open until the mount holds the device. */
static int loop_mount(const char *img, const char *mnt, int *loop, sbx_err *e)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	/* Without udev's static nodes it appears only once loop is loaded;
	 * opening the node loads the module. */
	if (ctl < 0 && errno == ENOENT && mknod("/dev/loop-control", S_IFCHR | 0600, makedev(10, 237)) == 0)
		ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return sbx_error_errno(e, "cannot open /dev/loop-control for the sandbox disk (modprobe loop)");
	int img_fd = open(img, O_RDWR | O_CLOEXEC);
	if (img_fd < 0) {
		close(ctl);
		return sbx_error_errno(e, "cannot open %s", img);
	}
	int rc = -1, lfd = -1;
	char dev[32];
	sbx_error(e, "no free loop device for the sandbox disk after 64 tries; try again");
	for (int tries = 0; tries < 64; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			sbx_error_errno(e, "no free loop device for the sandbox disk");
			break;
		}
		lfd = open_loop(n, dev, sizeof dev);
		if (lfd < 0) {
			sbx_error_errno(e, "cannot open %s", dev);
			break;
		}
		struct loop_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.fd = (unsigned)img_fd;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		size_t k = strlen(img) < LO_NAME_SIZE - 1 ? strlen(img) : LO_NAME_SIZE - 1;
		memcpy(cfg.info.lo_file_name, img, k);   /* informational only */
		int r = ioctl(lfd, LOOP_CONFIGURE, &cfg);
		if (r < 0 && (errno == EINVAL || errno == ENOTTY)) {
			/* Kernels before 5.8: the two-step way. */
			r = ioctl(lfd, LOOP_SET_FD, img_fd);
			if (r == 0 && ioctl(lfd, LOOP_SET_STATUS64, &cfg.info) < 0) {
				ioctl(lfd, LOOP_CLR_FD, 0);
				r = -1;
			}
		}
		if (r == 0) {
			*loop = n;
			rc = 0;
			break;
		}
		close(lfd);
		lfd = -1;
		if (errno != EBUSY) {    /* EBUSY: another creator took it first */
			sbx_error_errno(e, "cannot attach %s to %s", img, dev);
			break;
		}
	}
	if (rc == 0 && mount(dev, mnt, "ext4", MS_NOSUID | MS_NODEV | MS_NOATIME, "") < 0)
		rc = sbx_error_errno(e, "cannot mount the sandbox disk %s at %s", dev, mnt);
	if (lfd >= 0)
		close(lfd);     /* with the mount failed, this detaches the device */
	close(img_fd);
	close(ctl);
	return rc;
}

static int make_image(const char *img, int disk_mb, sbx_err *e)
{
	int fd = open(img, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return sbx_error_errno(e, "cannot create the sandbox disk image %s", img);
	int rc = ftruncate(fd, (off_t)disk_mb << 20);
	int saved = errno;
	close(fd);
	if (rc < 0) {
		errno = saved;
		return sbx_error_errno(e, "cannot size %s to %d MB", img, disk_mb);
	}
	/* No journal and lazy init: a scratch disk that formats in milliseconds. */
	const char *argv[] = { "mkfs.ext4", "-q", "-F", "-m", "0", "-O", "^has_journal",
			       "-E", "lazy_itable_init=1,nodiscard", img, NULL };
	if (nsu_run(argv, NULL, e) < 0) {
		if (strstr(e ? e->msg : "", "not installed"))
			sbx_error(e, "sandbox disk limits need mkfs.ext4: apt-get install e2fsprogs");
		return -1;
	}
	return 0;
}

/* Without an image, disk/ is bound onto itself: overlayfs in the sandbox's
 * user namespace only takes an upper layer on a mount with a parent. */
static int self_bind(const char *dir, sbx_err *e)
{
	if (mount(dir, dir, NULL, MS_BIND, NULL) < 0)
		return sbx_error_errno(e, "cannot bind %s onto itself", dir);
	return 0;
}

int nsmnt_disk_create(const char *state_dir, int disk_mb, uint32_t uid_base, int *loop, sbx_err *e)
{
	char disk[4096], img[4096], sub[4200];
	snprintf(disk, sizeof disk, "%s/disk", state_dir);
	snprintf(img, sizeof img, "%s/disk.img", state_dir);
	*loop = -1;
	if (mkdir(disk, 0700) < 0)
		return sbx_error_errno(e, "cannot create %s (a sandbox already uses this state dir?)", disk);
	if (disk_mb > 0 ? make_image(img, disk_mb, e) < 0 || loop_mount(img, disk, loop, e) < 0
			: self_bind(disk, e) < 0)
		goto fail;
	/* Owned by root inside (the sandbox's init starts here); the rest of
	 * the host cannot look in. */
	if (chown(disk, uid_base, uid_base) < 0 || chmod(disk, 0700) < 0) {
		sbx_error_errno(e, "cannot set the owner of %s", disk);
		goto fail;
	}
	/* upper's owner and mode are set by nsmnt_seed_upper; log stays the host's. */
	static const struct { const char *name; mode_t mode; int inside; } subs[] = {
		{ "upper", 0755, 1 }, { "work", 0700, 1 }, { "run", 0755, 1 }, { "log", 0755, 0 },
		{ "lower", 0755, 0 }, { "root", 0755, 0 },
	};
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
		snprintf(sub, sizeof sub, "%s/%s", disk, subs[i].name);
		if (mkdir(sub, subs[i].mode) < 0 ||
		    (subs[i].inside && chown(sub, uid_base, uid_base) < 0)) {
			sbx_error_errno(e, "cannot create %s", sub);
			goto fail;
		}
	}
	return 0;
fail:
	nsmnt_disk_destroy(state_dir, *loop, NULL);
	return -1;
}

/* Copy at most the last LOG_TAIL_MAX bytes of src to dst. */
static void save_tail(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return;
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct stat st;
	if (out >= 0 && fstat(in, &st) == 0) {
		if (st.st_size > LOG_TAIL_MAX)
			lseek(in, st.st_size - LOG_TAIL_MAX, SEEK_SET);
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
	}
	if (out >= 0)
		close(out);
	close(in);
}

/* The device clears itself once the last mount of the image is gone, which
 * can trail the unmount (the sandbox's own namespace drops its copy lazily). */
static int wait_loop_free(int loop, const char *img)
{
	char path[96], cur[4096];
	snprintf(path, sizeof path, "/sys/block/loop%d/loop/backing_file", loop);
	for (int i = 0; i < 1000; i++) {
		if (nsu_read_file(path, cur, sizeof cur, NULL) < 0 || strncmp(cur, img, strlen(img)) != 0)
			return 0;
		nsu_sleep_ms(10);
	}
	return -1;
}

/* 1 when path is the root of a mount (a bind of a dir onto itself keeps
 * the st_dev of its parent, so compare mount ids). */
static int is_mount_root(const char *path)
{
	struct statx sx;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
		return 0;
	return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* disk/vol<N> mounts a creator left attached (it died, or is done with them). */
static void detach_volumes(const char *disk)
{
	for (int i = 0; i < 64; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/vol%d", disk, i);
		if (access(path, F_OK) < 0)
			break;
		if (is_mount_root(path))
			umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	}
}

static void unmount(const char *path)
{
	if (umount2(path, UMOUNT_NOFOLLOW) < 0 && errno == EBUSY)
		umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
}

int nsmnt_disk_destroy(const char *state_dir, int loop, sbx_err *e)
{
	char disk[4096], img[4096], path[4200], log[4200];
	snprintf(disk, sizeof disk, "%s/disk", state_dir);
	snprintf(img, sizeof img, "%s/disk.img", state_dir);
	snprintf(log, sizeof log, "%s/log/agent.log", disk);
	snprintf(path, sizeof path, "%s/agent.log", state_dir);
	save_tail(log, path);
	/* A creator killed while it had the layers attached left them. */
	const char *attached[] = { "lower", "agent" };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", disk, attached[i]);
		if (is_mount_root(path))
			umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	}
	detach_volumes(disk);
	if (is_mount_root(disk))
		unmount(disk);
	if (loop >= 0 && wait_loop_free(loop, img) < 0)
		return sbx_error(e, "loop device /dev/loop%d still holds %s 10 s after unmounting "
				 "(something still uses it); run destroy again later", loop, img);
	/* A still-mounted image must not be emptied through its mount point. */
	if (is_mount_root(disk))
		return sbx_error(e, "%s is still mounted; unmount it (umount %s) and destroy again", disk, disk);
	if (fsu_rm_rf(disk, 1, e) < 0)
		return -1;
	if (unlink(img) < 0 && errno != ENOENT)
		return sbx_error_errno(e, "cannot delete %s", img);
	/* The overlay's mount point before the uid ranges moved it into disk/. */
	snprintf(path, sizeof path, "%s/root", state_dir);
	if (rmdir(path) < 0 && errno != ENOENT)
		return sbx_error_errno(e, "cannot remove %s", path);
	return 0;
}

/* --- seeding the upper layer --------------------------------------------- */

/* The host id of a template file's owner as the sandbox sees it: the
 * lower layer is mounted idmapped into the sandbox's range; ids past the
 * range show as nobody there. */
static uid_t in_range(uint32_t base, uid_t id)
{
	return base + (id < NSUID_SIZE ? id : 65534);
}

/* mkdir upper/rel (and its parents) with the owner and mode of the same
 * directories in the lower layer, so overlayfs merges them unchanged. */
static int mkdir_like(const char *upper, const char *lower, const char *rel, uint32_t base, sbx_err *e)
{
	char part[1024];
	for (const char *p = rel;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		snprintf(part, sizeof part, "%.*s", (int)(p - rel), rel);
		char up[4200], low[4200];
		snprintf(up, sizeof up, "%s/%s", upper, part);
		snprintf(low, sizeof low, "%s/%s", lower, part);
		struct stat st;
		mode_t mode = 0755;
		uid_t uid = 0;
		gid_t gid = 0;
		if (lstat(low, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				return sbx_error(e, "the template's /%s is not a directory; the rootfs is "
						 "unusable for sandboxes (rebuild the template)", part);
			mode = st.st_mode & 07777;
			uid = st.st_uid;
			gid = st.st_gid;
		}
		if (mkdir(up, mode) == 0) {
			if (chown(up, in_range(base, uid), in_range(base, gid)) < 0 || chmod(up, mode) < 0)
				return sbx_error_errno(e, "cannot set owner and mode of %s", up);
		} else if (errno != EEXIST) {
			return sbx_error_errno(e, "cannot create %s", up);
		}
		if (*p == '\0')
			return 0;
	}
}

static int is_loopback_ns(const char *line)
{
	char addr[64];
	if (sscanf(line, " nameserver %63s", addr) != 1)
		return 0;
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

static char *resolv_conf(void)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char *out = xstrdup("");
	if (!f)
		return out;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (is_loopback_ns(line))
			continue;      /* the host's loopback is out of a sandbox's reach */
		char *next = xasprintf("%s%s", out, line);
		free(out);
		out = next;
	}
	fclose(f);
	return out;
}

int nsmnt_seed_upper(const char *state_dir, const char *rootfs, const char *id,
		     int with_agent, uint32_t uid_base, sbx_err *e)
{
	char upper[4096], path[4200];
	struct stat st;
	snprintf(upper, sizeof upper, "%s/disk/upper", state_dir);
	/* The upper's root is the sandbox's /: the template's owner and mode. */
	if (stat(rootfs, &st) < 0 || chown(upper, in_range(uid_base, st.st_uid), in_range(uid_base, st.st_gid)) < 0 ||
	    chmod(upper, st.st_mode & 07777) < 0)
		return sbx_error_errno(e, "cannot give %s the owner and mode of %s", upper, rootfs);
	if (mkdir_like(upper, rootfs, "etc", uid_base, e) < 0 ||
	    mkdir_like(upper, rootfs, "run/sbx", uid_base, e) < 0)
		return -1;
	char *hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
				"127.0.1.1\t%s\n", id);
	char *hostname = xasprintf("%s\n", id);
	char *resolv = resolv_conf();
	const char *files[][2] = { { "hosts", hosts }, { "hostname", hostname }, { "resolv.conf", resolv } };
	int rc = 0;
	for (int i = 0; i < 3 && rc == 0; i++) {
		snprintf(path, sizeof path, "%s/etc/%s", upper, files[i][0]);
		rc = nsu_write_file(path, files[i][1], e);
		if (rc == 0 && chown(path, uid_base, uid_base) < 0)
			rc = sbx_error_errno(e, "cannot set the owner of %s", path);
	}
	free(hosts);
	free(hostname);
	free(resolv);
	if (rc < 0 || !with_agent)
		return rc;
	if (mkdir_like(upper, rootfs, "usr/lib/sbx", uid_base, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s%s", upper, NSMNT_AGENT_PATH);
	if (nsu_write_file(path, "", e) < 0)
		return -1;
	if (chown(path, uid_base, uid_base) < 0)
		return sbx_error_errno(e, "cannot set the owner of %s", path);
	return 0;
}

/* --- the child's side ----------------------------------------------------- */

int nsmnt_plan_init(nsmnt_plan *p, const char *state_dir, const char *rootfs,
		    const char *agent_src, int memory_mb, sbx_err *e)
{
	(void)e;
	memset(p, 0, sizeof *p);
	p->disk = xasprintf("%s/disk", state_dir);
	p->rootfs = xstrdup(rootfs);
	p->agent_src = agent_src ? xstrdup(agent_src) : NULL;
	/* /dev/shm pages are charged to the sandbox's memory limit anyway. */
	p->shm_opts = xasprintf("mode=1777,size=%dm", memory_mb > 0 ? memory_mb : 1024);
	return 0;
}

void nsmnt_plan_mounts(nsmnt_plan *p, const rt_mount *m, int n)
{
	p->n_vols = n > 0 ? n : 0;
	p->vol_src = xcalloc((size_t)p->n_vols + 1, sizeof *p->vol_src);
	p->vol_dst = xcalloc((size_t)p->n_vols + 1, sizeof *p->vol_dst);
	for (int i = 0; i < p->n_vols; i++) {
		p->vol_src[i] = xstrdup(m[i].host_dir);
		p->vol_dst[i] = xstrdup(m[i].path);
	}
}

void nsmnt_plan_free(nsmnt_plan *p)
{
	for (int i = 0; i < p->n_vols; i++) {
		free(p->vol_src[i]);
		free(p->vol_dst[i]);
	}
	free(p->vol_src);
	free(p->vol_dst);
	free(p->disk);
	free(p->rootfs);
	free(p->agent_src);
	free(p->shm_opts);
	memset(p, 0, sizeof *p);
}

/* --- the host's side of the start ----------------------------------------- */

/* Volume i at disk/vol<i>, idmapped like the rootfs but writable. */
static int attach_volume(const nsmnt_plan *p, int i, int userns_fd, sbx_err *e)
{
	char at[4200];
	snprintf(at, sizeof at, "%s/vol%d", p->disk, i);
	if (mkdir(at, 0700) < 0 && errno != EEXIST)
		return sbx_error_errno(e, "cannot make the volume's mount point %s", at);
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, p->vol_src[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0)
		return sbx_error_errno(e, "cannot clone the mount of volume directory %s", p->vol_src[i]);
	struct mount_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	attr.userns_fd = (uint64_t)userns_fd;
	int rc = (int)syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &attr, sizeof attr);
	if (rc < 0)
		sbx_error_errno(e, "cannot make an idmapped mount of volume directory %s (its file system must "
				"support idmapped mounts: ext4, xfs, btrfs or tmpfs)", p->vol_src[i]);
	else if ((rc = (int)syscall(SYS_move_mount, t, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH)) < 0)
		sbx_error_errno(e, "cannot attach volume directory %s at %s", p->vol_src[i], at);
	int saved = errno;
	close(t);
	errno = saved;
	return rc;
}

int nsmnt_host_attach(const nsmnt_plan *p, int userns_fd, sbx_err *e)
{
	char lower[4200], agent[4200];
	snprintf(lower, sizeof lower, "%s/lower", p->disk);
	snprintf(agent, sizeof agent, "%s/agent", p->disk);
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, p->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0)
		return sbx_error_errno(e, "cannot clone the mount of the template %s (kernel too old for "
				       "open_tree? Linux 5.19 or later is needed)", p->rootfs);
	struct mount_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY;
	attr.userns_fd = (uint64_t)userns_fd;
	if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
		int saved = errno;
		close(t);
		errno = saved;
		return sbx_error_errno(e, "cannot make an idmapped mount of the template %s (its file "
				       "system must support idmapped mounts: ext4, xfs, btrfs, tmpfs or "
				       "overlayfs on Linux 5.19 or later)", p->rootfs);
	}
	int rc = (int)syscall(SYS_move_mount, t, "", AT_FDCWD, lower, MOVE_MOUNT_F_EMPTY_PATH);
	int saved = errno;
	close(t);
	if (rc < 0) {
		errno = saved;
		return sbx_error_errno(e, "cannot attach the template's idmapped mount at %s", lower);
	}
	for (int i = 0; i < p->n_vols; i++)
		if (attach_volume(p, i, userns_fd, e) < 0) {
			nsmnt_host_detach(p);
			return -1;
		}
	if (!p->agent_src)
		return 0;
	/* The agent may sit where the sandbox's root (a plain uid on the host)
	 * cannot look: bind it where the init will find it. */
	rc = nsu_write_file(agent, "", e);
	if (rc == 0 && (mount(p->agent_src, agent, NULL, MS_BIND, NULL) < 0 ||
			mount(NULL, agent, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0))
		rc = sbx_error_errno(e, "cannot bind the agent %s at %s", p->agent_src, agent);
	if (rc < 0)
		nsmnt_host_detach(p);
	return rc;
}

void nsmnt_host_detach(const nsmnt_plan *p)
{
	detach_volumes(p->disk);
	const char *names[] = { "lower", "agent" };
	for (int i = 0; i < 2; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", p->disk, names[i]);
		if (is_mount_root(path))
			umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	}
}

/* --- the child's side ----------------------------------------------------- */

#define STEP(call, name) do { if ((call) < 0) { *what = (name); return -1; } } while (0)

/* Remount a bind with more flags, keeping those it has: in a user
 * namespace the flags of mounts copied from the host are locked. */
static int remount_more(const char *dst, unsigned long flags)
{
	static const struct { unsigned long st, ms; } keep[] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs vfs;
	if (statvfs(dst, &vfs) < 0)
		return -1;
	for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
		if (vfs.f_flag & keep[i].st)
			flags |= keep[i].ms;
	return mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | flags, NULL);
}

static int bind_ro(const char *src, const char *dst, unsigned long extra)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	return remount_more(dst, MS_RDONLY | extra);
}

/* What root in the sandbox could use to reach the kernel as a whole. */
int nsmnt_child_harden(const char **what)
{
	STEP(chdir("/"), "entering /");
	const unsigned long pflags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	const char *ro[] = { "proc/sys", "proc/sysrq-trigger", "proc/irq", "proc/bus", "proc/fs" };
	const char *hide_files[] = { "proc/kcore", "proc/keys", "proc/timer_list", "proc/sched_debug" };
	const char *hide_dirs[] = { "proc/acpi", "proc/scsi" };
	for (size_t i = 0; i < sizeof ro / sizeof *ro; i++)
		if (access(ro[i], F_OK) == 0)
			STEP(bind_ro(ro[i], ro[i], pflags), "making /proc's kernel knobs read-only");
	for (size_t i = 0; i < sizeof hide_files / sizeof *hide_files; i++)
		if (access(hide_files[i], F_OK) == 0)
			STEP(mount("/dev/null", hide_files[i], NULL, MS_BIND, NULL), "masking /proc files");
	for (size_t i = 0; i < sizeof hide_dirs / sizeof *hide_dirs; i++)
		if (access(hide_dirs[i], F_OK) == 0)
			STEP(mount("tmpfs", hide_dirs[i], "tmpfs", MS_RDONLY | pflags, "size=0"), "masking /proc dirs");
	return 0;
}

/* A user namespace may not make device nodes: bind the host's. */
static int make_dev(void)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "pts/ptmx", "dev/ptmx" }, { "/proc/self/fd", "dev/fd" },
		{ "/proc/self/fd/0", "dev/stdin" }, { "/proc/self/fd/1", "dev/stdout" },
		{ "/proc/self/fd/2", "dev/stderr" },
	};
	if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k") < 0)
		return -1;
	for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
		char src[32], dst[32];
		snprintf(src, sizeof src, "/dev/%s", nodes[i]);
		snprintf(dst, sizeof dst, "dev/%s", nodes[i]);
		int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0)
			return -1;
		close(fd);
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return -1;
	}
	if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 01777) < 0)
		return -1;
	if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
		return -1;
	for (size_t i = 0; i < sizeof links / sizeof *links; i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return -1;
	return 0;
}

/* Volume i (disk/vol<i>, the host's attach) at its path in the overlay
 * root: the directories made one at a time and never through a symlink
 * (the upper layer is the sandbox's own doing; the host's tree is still
 * visible here, so a path must not be resolved by name). */
static int bind_volume(const nsmnt_plan *p, int i)
{
	int cur = open("root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -1;
	char name[256];
	for (const char *s = p->vol_dst[i]; *s;) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (!n)
			break;
		if (n >= sizeof name) {
			close(cur);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, s, n);
		name[n] = '\0';
		s += n;
		if (mkdirat(cur, name, 0755) < 0 && errno != EEXIST) {
			close(cur);
			return -1;
		}
		int next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		if (next < 0)
			return -1;
		cur = next;
	}
	char src[32];
	snprintf(src, sizeof src, "vol%d", i);
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int rc = t < 0 ? -1 : (int)syscall(SYS_move_mount, t, "", cur, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	if (t >= 0)
		close(t);
	close(cur);
	return rc;
}

int nsmnt_child_setup(const nsmnt_plan *p, const char **what)
{
	const unsigned long nse = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	/* The working directory is disk/ (see ns_launch): names relative to it
	 * keep the host's paths out of the sandbox's mountinfo. */
	STEP(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "making the mount tree private");
	STEP(mount("overlay", "root", "overlay", 0, NSMNT_OVERLAY_OPTS), "mounting the overlay root");
	STEP(mount("run", "root/run/sbx", NULL, MS_BIND, NULL), "binding /run/sbx");
	STEP(remount_more("root/run/sbx", nse), "securing /run/sbx");
	if (p->agent_src)
		STEP(bind_ro("agent", "root" NSMNT_AGENT_PATH, MS_NOSUID | MS_NODEV), "binding the agent");
	for (int i = 0; i < p->n_vols; i++)
		STEP(bind_volume(p, i), "mounting a volume at its path (is a directory on the way a symlink or a file?)");
	STEP(chdir("root"), "entering the sandbox root");
	STEP(mount("proc", "proc", "proc", nse, NULL), "mounting /proc");
	STEP(mount("sysfs", "sys", "sysfs", MS_RDONLY | nse, NULL), "mounting /sys");
	STEP(make_dev(), "populating /dev");
	STEP(mount("tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, p->shm_opts), "mounting /dev/shm");
	/* pivot_root(".", ".") stacks the old root under the new; detach it. */
	STEP((int)syscall(SYS_pivot_root, ".", "."), "pivot_root into the sandbox root");
	STEP(umount2(".", MNT_DETACH), "detaching the host's root");
	STEP(chdir("/"), "entering /");
	return 0;
}
