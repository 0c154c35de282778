#include "ns_launch.h"
#include "ns_net.h"
#include "ns_uid.h"
#include "ns_util.h"
#include "../../src/util/strv.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Root inside keeps what a service account needs (Docker's default set,
 * less MKNOD): no mounts, modules, raw I/O, ptrace, clock, reboot or
 * open_by_handle_at — the kernel stays out of reach. */
static const int keep_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID,
	CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_CHROOT,
	CAP_AUDIT_WRITE, CAP_SETFCAP,
};

typedef struct go_msg {
	int ok;
	int net_index;
} go_msg;

void nsl_init(ns_launch *l, nsmnt_plan *mnt, const ns_cgroup *cg, uint32_t uid_base,
	      const char *hostname, const char *exe, const char *const *argv,
	      const char *const *envp, int log_fd)
{
	memset(l, 0, sizeof *l);
	l->uid_base = uid_base;
	l->mnt = *mnt;
	memset(mnt, 0, sizeof *mnt);
	l->nprocs = nscg_procs_files(cg, l->procs);
	l->hostname = xstrdup(hostname);
	l->exe = xstrdup(exe);
	l->argv = sbx_strv_dup(argv);
	l->envp = sbx_strv_dup(envp);
	l->log_fd = log_fd;
	char buf[16] = "";
	l->cap_last = nsu_read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof buf, NULL) == 0
		      ? atoi(buf) : CAP_LAST_CAP;
	l->go_w = l->err_r = -1;
}

void nsl_free(ns_launch *l)
{
	if (l->go_w >= 0)
		close(l->go_w);
	if (l->err_r >= 0)
		close(l->err_r);
	nsmnt_plan_free(&l->mnt);
	nssec_free(&l->sec);
	for (int i = 0; i < l->nprocs; i++)
		free(l->procs[i]);
	free(l->hostname);
	free(l->exe);
	sbx_strv_free(l->argv);
	sbx_strv_free(l->envp);
	memset(l, 0, sizeof *l);
	l->go_w = l->err_r = -1;
}

/* --- in the children: system calls only ---------------------------------- */

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0) { /* the creator is gone; nobody to tell */ }
}

static __attribute__((noreturn)) void fail(int err_w, const char *what)
{
	const char *why = strerror(errno);
	put(err_w, what);
	put(err_w, ": ");
	put(err_w, why);
	_exit(1);
}

static int write_all(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

static void drop_caps(const ns_launch *l, int err_w)
{
	for (int c = 0; c <= l->cap_last; c++) {
		int keep = 0;
		for (size_t i = 0; i < sizeof keep_caps / sizeof *keep_caps; i++)
			keep |= keep_caps[i] == c;
		if (!keep && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			fail(err_w, "dropping capabilities");
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

static __attribute__((noreturn)) void init_main(const ns_launch *l, int go_r, int err_w)
{
	/* Start the agent with a clean signal state, whatever the creator had. */
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	const char *what = NULL;
	umask(0);
	/* Mounts first, while the creator builds the veth: the sooner the
	 * host's tree is dropped, the sooner others' disks are free. */
	if (nsmnt_child_setup(&l->mnt, &what) < 0)
		fail(err_w, what);
	go_msg go;
	if (read(go_r, &go, sizeof go) != (ssize_t)sizeof go || !go.ok)
		_exit(1);          /* the creator gave up or died */
	close(go_r);
	if (nsnet_guest_setup(go.net_index, &what) < 0)
		fail(err_w, what);
	if (nsmnt_child_harden(&what) < 0)
		fail(err_w, what);
	if (sethostname(l->hostname, strlen(l->hostname)) < 0)
		fail(err_w, "setting the hostname");
	umask(022);
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(l->log_fd, 1) < 0 || dup2(l->log_fd, 2) < 0)
		fail(err_w, "setting up the agent's stdin and log");
	/* Nothing of the creator's may reach the sandbox. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < 4096; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	drop_caps(l, err_w);
	if (setsid() < 0)
		fail(err_w, "starting a session");
	if (nssec_install(&l->sec) < 0)
		fail(err_w, "installing the seccomp filter");
	execve(l->exe, l->argv, l->envp);
	fail(err_w, "executing the agent");
}

static __attribute__((noreturn)) void helper_main(const ns_launch *l, int go_r, int err_w, int pid_w)
{
	char pid[24];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setsid();       /* out of the creator's terminal and process group */
	for (int i = 0; i < l->nprocs; i++) {
		int fd = open(l->procs[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write_all(fd, pid, strlen(pid)) < 0)
			fail(err_w, "joining the sandbox's cgroup");
		close(fd);
	}
	/* While still root: the state dir above may be closed to the range's uid. */
	if (chdir(l->mnt.disk) < 0)
		fail(err_w, "entering the sandbox's disk");
	/* Raw system calls: glibc's set*id would signal the creator's threads. */
	if (syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, l->uid_base, l->uid_base, l->uid_base) < 0 ||
	    syscall(SYS_setresuid, l->uid_base, l->uid_base, l->uid_base) < 0)
		fail(err_w, "switching to the sandbox's uid range");
	if (unshare(CLONE_NEWUSER) < 0)
		fail(err_w, "creating the sandbox's user namespace (are user namespaces disabled? "
		     "see sysctl user.max_user_namespaces and kernel.unprivileged_userns_clone)");
	char c = 'u';
	ssize_t k = write_all(pid_w, &c, 1);
	while (k == 0 && (k = read(go_r, &c, 1)) < 0 && errno == EINTR)
		k = 0;
	if (k != 1 || c != 'm')
		_exit(1);       /* the creator gave up or died */
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
		    CLONE_NEWCGROUP) < 0)
		fail(err_w, "creating the sandbox's namespaces");
	/* Before the creator detaches the rootfs on the host: our copy must
	 * not follow that unmount. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(err_w, "making the mount tree private");
	/* Raw: glibc's fork would take locks a thread of the creator may hold. */
	pid_t init = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
	if (init < 0)
		fail(err_w, "forking the sandbox's init");
	if (init == 0) {
		close(pid_w);
		init_main(l, go_r, err_w);
	}
	if (write_all(pid_w, &init, sizeof init) < 0)
		_exit(1);
	_exit(0);
}

/* --- in the creator ------------------------------------------------------ */

/* Read the children's failure report (until EOF or timeout_ms). */
static int read_report(int fd, char *buf, size_t n, int timeout_ms)
{
	size_t got = 0;
	while (got + 1 < n) {
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t k = read(fd, buf + got, n - 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	buf[got] = '\0';
	return 0;
}

int nsl_report(const ns_launch *l, char *buf, size_t n, int timeout_ms)
{
	buf[0] = '\0';
	return read_report(l->err_r, buf, n, timeout_ms);
}

/* The helper made its user namespace: map it to the range, attach the
 * rootfs idmapped through it. */
static int map_userns(const ns_launch *l, pid_t helper, sbx_err *e)
{
	char path[64], map[64];
	snprintf(map, sizeof map, "0 %u %u\n", (unsigned)l->uid_base, NSUID_SIZE);
	const char *files[] = { "uid_map", "gid_map" };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "/proc/%d/%s", (int)helper, files[i]);
		if (nsu_write_file(path, map, e) < 0)
			return -1;
	}
	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)helper);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sbx_error_errno(e, "cannot open the sandbox's user namespace %s", path);
	int rc = nsmnt_host_attach(&l->mnt, fd, e);
	close(fd);
	return rc;
}

/* Read exactly n bytes (EOF or error: -1). */
static int read_full(int fd, void *p, size_t n)
{
	ssize_t k;
	while ((k = read(fd, p, n)) < 0 && errno == EINTR)
		;
	return k == (ssize_t)n ? 0 : -1;
}

int nsl_spawn(ns_launch *l, sbx_err *e)
{
	if (nssec_build(&l->sec, e) < 0)
		return -1;
	int go[2], err[2], pidp[2];
	/* A socket, not a pipe: send(MSG_NOSIGNAL) to an init that died raises
	 * no SIGPIPE in the creator. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0)
		return sbx_error_errno(e, "cannot start the sandbox: socketpair");
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(go[0]); close(go[1]);
		return sbx_error_errno(e, "cannot start the sandbox: pipe");
	}
	if (pipe2(pidp, O_CLOEXEC) < 0) {
		close(go[0]); close(go[1]); close(err[0]); close(err[1]);
		return sbx_error_errno(e, "cannot start the sandbox: pipe");
	}
	pid_t helper = nsu_fork_private();
	if (helper < 0) {
		close(go[0]); close(go[1]); close(err[0]); close(err[1]); close(pidp[0]); close(pidp[1]);
		return sbx_error_errno(e, "cannot start the sandbox: fork");
	}
	if (helper == 0) {
		close(go[1]);
		close(err[0]);
		close(pidp[0]);
		helper_main(l, go[0], err[1], pidp[1]);
	}
	close(go[0]);
	close(err[1]);
	close(pidp[1]);
	l->go_w = go[1];
	l->err_r = err[0];
	pid_t init = 0;
	char c = 0;
	sbx_err me = { 0 };
	int mapped = read_full(pidp[0], &c, 1) == 0 && c == 'u' && map_userns(l, helper, &me) == 0;
	if (mapped) {
		c = 'm';
		mapped = send(l->go_w, &c, 1, MSG_NOSIGNAL) == 1 && read_full(pidp[0], &init, sizeof init) == 0;
	}
	close(pidp[0]);
	nsmnt_host_detach(&l->mnt);
	if (!mapped) {
		/* The helper waits for "maps" or EOF: let it go. */
		shutdown(l->go_w, SHUT_WR);
	}
	nsu_wait_private(helper, NULL);
	if (!mapped || init <= 0) {
		char why[512] = "";
		if (me.msg[0])
			return sbx_error(e, "cannot start the sandbox: %s", me.msg);
		read_report(l->err_r, why, sizeof why, 5000);
		return sbx_error(e, "cannot start the sandbox: %s", *why ? why : "its helper process died");
	}
	l->pid = init;
	return 0;
}

int nsl_go(ns_launch *l, int net_index, sbx_err *e)
{
	go_msg go = { 1, net_index };
	char why[512];
	if (send(l->go_w, &go, sizeof go, MSG_NOSIGNAL) != (ssize_t)sizeof go) {
		if (nsl_report(l, why, sizeof why, 1000) == 0 && *why)
			return sbx_error(e, "the sandbox failed to start: %s", why);
		return sbx_error_errno(e, "cannot start the sandbox: its init died during setup");
	}
	close(l->go_w);
	l->go_w = -1;
	if (nsl_report(l, why, sizeof why, 30000) < 0)
		return sbx_error(e, "the sandbox did not finish its setup within 30 s; destroy it and retry");
	if (*why)
		return sbx_error(e, "the sandbox failed to start: %s (check the template's rootfs and "
				 "the agent binary)", why);
	return 0;
}
