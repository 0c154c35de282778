/* template_exec: child processes for builds (output streamed into the build
 * log), the chroot runner, safe tree removal and lock files. */
#include "template_int.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"

#define TAIL_MAX (sizeof ((tpl_log *)0)->tail / sizeof ((tpl_log *)0)->tail[0])

/* ── the log ── */

void tpl_log_line(tpl_log *l, template_log_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = NULL;
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (l->fd >= 0) {
		const char *pre = kind == TEMPLATE_LOG_STEP ? "==> " : kind == TEMPLATE_LOG_INFO ? "--- " : "";
		dprintf(l->fd, "[%7.1fs] %s%s\n", (double)(now_ms() - l->t0) / 1000.0, pre, line);
	}
	if (l->cb)
		l->cb(l->ud, kind, line);
	if (kind == TEMPLATE_LOG_OUTPUT) {
		size_t slot = l->ntail++ % TAIL_MAX;
		free(l->tail[slot]);
		l->tail[slot] = line;
	} else {
		free(line);
	}
}

void tpl_log_tail(tpl_log *l, size_t n, sbx_buf *b)
{
	size_t have = l->ntail < TAIL_MAX ? l->ntail : TAIL_MAX;
	if (n > have)
		n = have;
	for (size_t i = l->ntail - n; i < l->ntail; i++) {
		buf_puts(b, "\n  | ");
		buf_puts(b, l->tail[i % TAIL_MAX]);
	}
}

void tpl_log_close(tpl_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	for (size_t i = 0; i < TAIL_MAX; i++) {
		free(l->tail[i]);
		l->tail[i] = NULL;
	}
}

/* ── processes ── */

static void child_stdio(int out)
{
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(out, 1);
	dup2(out, 2);
}

/* Reads the child's output until EOF, one log line per line (\r too). */
static void pump(tpl_log *l, int fd)
{
	sbx_buf line = SBX_BUF_INIT;
	char chunk[8192];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			char c = chunk[i];
			if (c == '\n' || c == '\r' || line.len >= 4000) {
				if (line.len)
					tpl_log_line(l, TEMPLATE_LOG_OUTPUT, "%s", buf_cstr(&line));
				buf_reset(&line);
				if (c == '\n' || c == '\r')
					continue;
			}
			buf_putc(&line, c);
		}
	}
	if (line.len)
		tpl_log_line(l, TEMPLATE_LOG_OUTPUT, "%s", buf_cstr(&line));
	buf_free(&line);
}

static int wait_status(pid_t pid, const char *what, sbx_err *e)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return sbx_error_errno(e, "waiting for %s failed", what);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		return sbx_error(e, "%s exited with status %d", what, WEXITSTATUS(st));
	return sbx_error(e, "%s was killed by signal %d (%s)", what, WTERMSIG(st), strsignal(WTERMSIG(st)));
}

int tpl_spawn(tpl_log *l, const char *what, char *const argv[], int private_mounts, sbx_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sbx_error_errno(e, "cannot create a pipe for %s", argv[0]);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return sbx_error_errno(e, "cannot start %s", argv[0]);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		child_stdio(p[1]);
		if (private_mounts && (unshare(CLONE_NEWNS) < 0 ||
				       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)) {
			fprintf(stderr, "sbx: cannot make a private mount namespace: %s\n", strerror(errno));
			_exit(126);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "sbx: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	pump(l, p[0]);
	close(p[0]);
	return wait_status(pid, what, e);
}

int tpl_capture(char *const argv[], sbx_buf *out)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		dup2(p[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	char chunk[4096];
	for (;;) {
		ssize_t r = read(p[0], chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		buf_append(out, chunk, (size_t)r);
	}
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ── the chroot runner (everything below runs in the forked children) ── */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("sbx: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	_exit(126);
}

static void must_mount(const char *src, const char *dst, const char *type, unsigned long flags)
{
	if (mount(src, dst, type, flags, NULL) < 0)
		die("cannot mount %s on %s", src ? src : type, dst);
}

static void mount_in(const char *rootfs, const char *sub, const char *src, const char *type, unsigned long flags)
{
	char *dst = xasprintf("%s/%s", rootfs, sub);
	struct stat st;
	if (lstat(dst, &st) < 0 && mkdir(dst, 0755) < 0)
		die("cannot create %s", dst);
	must_mount(src, dst, type, flags);
	if ((flags & MS_BIND) && !strcmp(sub, "sys"))
		mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	free(dst);
}

static void mount_binds(const tpl_chroot *r)
{
	if (!r->nbinds)
		return;
	char *top = xasprintf("%s/.sbx-build", r->rootfs);
	if (mkdir(top, 0755) < 0 && errno != EEXIST)
		die("cannot create %s", top);
	/* A tmpfs holds the mount points, so nothing is left in the rootfs. */
	must_mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV);
	for (size_t i = 0; i < r->nbinds; i++) {
		struct stat st;
		if (stat(r->binds[i].src, &st) < 0)
			die("cannot read %s", r->binds[i].src);
		char *mp = xasprintf("%s/%s", top, r->binds[i].name);
		int ok = S_ISDIR(st.st_mode) ? mkdir(mp, 0755) : close(open(mp, O_CREAT | O_WRONLY, 0644));
		if (ok < 0)
			die("cannot create %s", mp);
		must_mount(r->binds[i].src, mp, NULL, MS_BIND | MS_REC);
		if (!r->binds[i].writable)
			mount(NULL, mp, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
		free(mp);
	}
	free(top);
}

typedef struct pwent {
	uid_t uid;
	gid_t gid;
	char home[512];
	char name[64];
} pwent;

/* /etc/passwd read by hand: NSS modules of the host's libc must not be
 * loaded from inside another system's tree. */
static int find_user(const char *user, pwent *pw)
{
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return -1;
	char line[1024];
	int numeric = isdigit((unsigned char)user[0]);
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, f)) {
		/* name:x:uid:gid:gecos:home:shell; fields may be empty (strsep). */
		char *fld[7] = { 0 }, *p = line;
		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 7 && p; i++)
			fld[i] = strsep(&p, ":");
		if (!fld[5])
			continue;
		if (numeric ? strcmp(fld[2], user) : strcmp(fld[0], user))
			continue;
		pw->uid = (uid_t)strtoul(fld[2], NULL, 10);
		pw->gid = (gid_t)strtoul(fld[3], NULL, 10);
		snprintf(pw->home, sizeof pw->home, "%s", *fld[5] ? fld[5] : "/");
		snprintf(pw->name, sizeof pw->name, "%s", fld[0]);
		found = 0;
	}
	fclose(f);
	return found;
}

static size_t user_groups(const char *name, gid_t primary, gid_t *out, size_t max)
{
	size_t n = 0;
	out[n++] = primary;
	FILE *f = fopen("/etc/group", "re");
	if (!f)
		return n;
	char line[4096];
	while (n < max && fgets(line, sizeof line, f)) {
		/* group:x:gid:member,member */
		char *fld[4] = { 0 }, *p = line;
		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 4 && p; i++)
			fld[i] = strsep(&p, ":");
		if (!fld[3])
			continue;
		for (char *m = strsep(&fld[3], ","); m; m = strsep(&fld[3], ","))
			if (!strcmp(m, name) && n < max)
				out[n++] = (gid_t)strtoul(fld[2], NULL, 10);
	}
	fclose(f);
	return n;
}

static void mkdirs_or_die(const char *path)
{
	sbx_err e;
	if (tpl_mkdirs(path, &e) < 0) {
		fprintf(stderr, "sbx: %s\n", e.msg);
		_exit(126);
	}
}

static void __attribute__((noreturn)) chroot_exec(const tpl_chroot *r)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Mounts are in this process's own namespace: they vanish with it. */
	mount_in(r->rootfs, "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_in(r->rootfs, "dev", "/dev", NULL, MS_BIND | MS_REC);
	mount_in(r->rootfs, "sys", "/sys", NULL, MS_BIND | MS_REC);
	struct stat hs, rs;
	char *resolv = xasprintf("%s/etc/resolv.conf", r->rootfs);
	if (stat("/etc/resolv.conf", &hs) == 0 && S_ISREG(hs.st_mode) &&
	    lstat(resolv, &rs) == 0 && S_ISREG(rs.st_mode))
		must_mount("/etc/resolv.conf", resolv, NULL, MS_BIND);
	free(resolv);
	mount_binds(r);
	if (chroot(r->rootfs) < 0 || chdir("/") < 0)
		die("cannot chroot into %s", r->rootfs);

	pwent pw = { 0, 0, "/root", "root" };
	if (r->user && find_user(r->user, &pw) < 0) {
		if (!isdigit((unsigned char)r->user[0])) {
			fprintf(stderr, "sbx: user '%s' does not exist in the rootfs; create it with a "
				"RUN useradd … step before USER %s\n", r->user, r->user);
			_exit(126);
		}
		pw.uid = pw.gid = (uid_t)strtoul(r->user, NULL, 10);
		snprintf(pw.home, sizeof pw.home, "/");
		snprintf(pw.name, sizeof pw.name, "%s", r->user);
	}
	const char *cwd = r->cwd ? r->cwd : "/";
	mkdirs_or_die(cwd);
	if (chdir(cwd) < 0)
		die("cannot enter %s", cwd);
	gid_t groups[64];
	size_t ng = user_groups(pw.name, pw.gid, groups, 64);
	if (setgroups(ng, groups) < 0 || setgid(pw.gid) < 0 || setuid(pw.uid) < 0)
		die("cannot become user %s", pw.name);

	char **env = NULL;
	size_t nenv = 0;
	char *base[] = {
		xasprintf("PATH=%s", TEMPLATE_DEFAULT_PATH), xasprintf("HOME=%s", pw.home),
		xasprintf("USER=%s", pw.name), xasprintf("LOGNAME=%s", pw.name),
		xstrdup("LANG=C.UTF-8"), xstrdup("DEBIAN_FRONTEND=noninteractive"),
	};
	for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
		tpl_env_set(&env, &nenv, base[i]);
		free(base[i]);
	}
	for (size_t i = 0; i < r->nenv; i++)
		tpl_env_set(&env, &nenv, r->env[i]);
	strv_push(&env, &nenv, NULL);
	char *argv[] = { "sh", "-c", (char *)r->cmd, NULL };
	execve("/bin/sh", argv, env);
	die("cannot run /bin/sh in the rootfs");
}

int tpl_chroot_run(tpl_log *l, const tpl_chroot *r, sbx_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sbx_error_errno(e, "cannot create a pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return sbx_error_errno(e, "cannot fork");
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		child_stdio(p[1]);
		if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
			die("cannot create namespaces for the build (builds need root)");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			die("cannot make mounts private");
		/* The first child in the new pid namespace is its init: when it
		 * exits, whatever the step left running is killed with it. */
		pid_t init = fork();
		if (init < 0)
			die("cannot fork");
		if (init == 0)
			chroot_exec(r);
		int st;
		while (waitpid(init, &st, 0) < 0)
			if (errno != EINTR)
				_exit(126);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	close(p[1]);
	pump(l, p[0]);
	close(p[0]);
	int rc = wait_status(pid, "the command", e);
	if (r->nbinds) {
		char *top = xasprintf("%s/.sbx-build", r->rootfs);
		rmdir(top);
		free(top);
	}
	return rc;
}

/* ── removal ── */

static int cmp_len_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static void detach_mounts_below(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char **mps = NULL;
	size_t n = 0, plen = strlen(path);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *sv = NULL, *mp = NULL;
		strtok_r(line, " ", &sv);
		for (int i = 0; i < 3; i++)
			strtok_r(NULL, " ", &sv);
		mp = strtok_r(NULL, " ", &sv);
		if (!mp)
			continue;
		unescape_octal(mp);
		if (!strncmp(mp, path, plen) && (mp[plen] == '/' || mp[plen] == '\0'))
			strv_push(&mps, &n, xstrdup(mp));
	}
	free(line);
	fclose(f);
	if (n)
		qsort(mps, n, sizeof *mps, cmp_len_desc);
	for (size_t i = 0; i < n; i++)
		umount2(mps[i], MNT_DETACH);
	strv_free(mps, n);
}

static int rm_at(int dirfd, const char *name, const char *shown, dev_t dev, int depth, sbx_err *e)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : sbx_error_errno(e, "cannot remove %s", shown);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return sbx_error_errno(e, "cannot remove %s", shown);
		return 0;
	}
	if (st.st_dev != dev)
		return sbx_error(e, "%s is another mounted filesystem; unmount it (umount -l) and retry", shown);
	if (depth > 200)
		return sbx_error(e, "%s is nested too deeply to remove", shown);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sbx_error_errno(e, "cannot open %s", shown);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return sbx_error_errno(e, "cannot list %s", shown);
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *sub = xasprintf("%s/%s", shown, de->d_name);
		rc = rm_at(fd, de->d_name, sub, dev, depth + 1, e);
		free(sub);
	}
	closedir(d);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = sbx_error_errno(e, "cannot remove %s", shown);
	return rc;
}

int tpl_rmtree(const char *path, sbx_err *e)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : sbx_error_errno(e, "cannot remove %s", path);
	char *abs = realpath(path, NULL);
	if (abs && S_ISDIR(st.st_mode))
		detach_mounts_below(abs);
	free(abs);
	if (lstat(path, &st) < 0)
		return sbx_error_errno(e, "cannot remove %s", path);
	return rm_at(AT_FDCWD, path, path, st.st_dev, 0, e);
}

int tpl_lock(const char *cache_dir, const char *key, tpl_log *l, sbx_err *e)
{
	char *dir = xasprintf("%s/.locks", cache_dir);
	if (tpl_mkdirs(dir, e) < 0) {
		free(dir);
		return -1;
	}
	char *path = xasprintf("%s/%s.lock", dir, key);
	free(dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		sbx_error_errno(e, "cannot open the lock file %s", path);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (l)
			tpl_log_line(l, TEMPLATE_LOG_INFO, "waiting for another build of %s to finish", key);
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				sbx_error_errno(e, "cannot lock %s", path);
				close(fd);
				free(path);
				return -1;
			}
		}
	}
	free(path);
	return fd;
}
