#include "vm_proc.h"
#include "ns/ns_util.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* How long a SIGKILLed VMM may take to go (unmapping guest RAM takes time). */
#define KILL_WAIT_MS 10000

/* What the VMM's process reports back before exec: the step that failed. */
enum { STEP_NETNS = 1, STEP_LOG, STEP_NULL, STEP_EXEC };
typedef struct { int step, err; } spawn_fail;
/* What the intermediate child reports: the VMM's pid and start time. */
typedef struct { pid_t pid; uint64_t start_time; } spawn_ok;

static __attribute__((noreturn)) void fail(int fd, int step)
{
	spawn_fail f = { step, errno };
	if (write(fd, &f, sizeof f) < 0) { /* the parent sees EOF and reports it */ }
	_exit(127);
}

/* The VMM's process: only system calls (a raw clone of a possibly
 * threaded sbxd). */
static __attribute__((noreturn)) void vmm_child(const char *const *argv, const vm_net *net, const char *log_path,
						int wfd)
{
	if (net && vm_net_enter(net) < 0)
		fail(wfd, STEP_NETNS);
	int log = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (log < 0)
		fail(wfd, STEP_LOG);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0)
		fail(wfd, STEP_NULL);
	if (dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
		fail(wfd, STEP_LOG);
	/* No sbxd descriptor (sockets, listeners, other sandboxes' files) may
	 * reach the VMM; wfd goes at exec too, which tells the parent it worked. */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	/* Ignored signals (sbxd ignores SIGPIPE) and the mask survive exec. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], (char *const *)argv);
	fail(wfd, STEP_EXEC);
}

/* The intermediate: a new session, the VMM as its child (so not a session
 * leader, never taking a terminal), its pid and start time to the parent,
 * then exit so the VMM is orphaned to init and outlives sbxd. */
static __attribute__((noreturn)) void session_child(const char *const *argv, const vm_net *net,
						    const char *log_path, int okfd, int failfd)
{
	if (setsid() < 0)
		_exit(126);
	pid_t c = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
	if (c < 0)
		_exit(126);
	if (c == 0) {
		close(okfd);
		vmm_child(argv, net, log_path, failfd);
	}
	close(failfd);
	spawn_ok ok = { c, 0 };
	/* Not yet waited for, so still in /proc even if it already exited. */
	if (nsu_proc_stat(c, &ok.start_time, NULL) < 0 || write(okfd, &ok, sizeof ok) != (ssize_t)sizeof ok)
		_exit(126);
	_exit(0);
}

static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : (ssize_t)got;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int vm_proc_spawn(const char *const *argv, const vm_net *net, const char *log_path, vm_proc *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	if (!argv[0] || argv[0][0] != '/')
		return sbx_error(e, "cannot start '%s': the VMM's path must be absolute", argv[0] ? argv[0] : "");
	/* Two pipes: the launcher's report and the VMM's own (EOF at exec). */
	int okp[2], failp[2];
	if (pipe2(okp, O_CLOEXEC) < 0)
		return sbx_error_errno(e, "cannot start %s: pipe", argv[0]);
	if (pipe2(failp, O_CLOEXEC) < 0) {
		close(okp[0]);
		close(okp[1]);
		return sbx_error_errno(e, "cannot start %s: pipe", argv[0]);
	}
	pid_t pid = nsu_fork_private();
	if (pid < 0) {
		close(okp[0]); close(okp[1]); close(failp[0]); close(failp[1]);
		return sbx_error_errno(e, "cannot start %s: fork", argv[0]);
	}
	if (pid == 0) {
		close(okp[0]);
		close(failp[0]);
		session_child(argv, net, log_path, okp[1], failp[1]);
	}
	close(okp[1]);
	close(failp[1]);
	spawn_ok ok = { 0, 0 };
	spawn_fail f = { 0, 0 };
	ssize_t n = read_full(okp[0], &ok, sizeof ok);
	ssize_t nf = read_full(failp[0], &f, sizeof f);
	close(okp[0]);
	close(failp[0]);
	int st = 0;
	nsu_wait_private(pid, &st);
	if (n != (ssize_t)sizeof ok)
		return sbx_error(e, "cannot start %s: the launcher failed (setsid or fork)", argv[0]);
	if (nf == (ssize_t)sizeof f) {
		static const char *const what[] = { "", "cannot join the sandbox's network namespace %s",
						    "cannot open its log %s", "cannot open /dev/null%s",
						    "cannot execute it%s" };
		const char *arg = f.step == STEP_NETNS ? net->netns : f.step == STEP_LOG ? log_path : "";
		char step[4400];
		snprintf(step, sizeof step, what[f.step >= STEP_NETNS && f.step <= STEP_EXEC ? f.step : 0], arg);
		return sbx_error(e, "cannot start %s: %s: %s", argv[0], step, strerror(f.err));
	}
	out->pid = ok.pid;
	out->start_time = ok.start_time;
	return 0;
}

int vm_proc_alive(const vm_proc *p)
{
	uint64_t start;
	char state;
	if (p->pid <= 0 || nsu_proc_stat(p->pid, &start, &state) < 0)
		return 0;
	return start == p->start_time && state != 'Z' && state != 'X';
}

int vm_proc_pidfd(const vm_proc *p)
{
	if (p->pid <= 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (fd < 0)
		return -1;
	/* Checked after opening: the fd then refers to this process, not to a
	 * later one that reused its pid. */
	if (!vm_proc_alive(p)) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int vm_proc_kill(vm_proc *p, sbx_err *e)
{
	pid_t pid = p->pid;
	if (!vm_proc_alive(p)) {
		p->pid = 0;
		p->start_time = 0;
		return 0;
	}
	/* A pidfd pins the process against pid reuse; without one (EMFILE, an
	 * old kernel) the start time just checked stands in. */
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	int rc = fd >= 0 ? (int)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) : kill(pid, SIGKILL);
	if (rc < 0 && errno != ESRCH) {
		sbx_error_errno(e, "cannot kill the VMM (pid %d)", (int)pid);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* It is not our child after an sbxd restart: wait on the pidfd (readable
	 * once it exited) or watch /proc. */
	int gone = 0;
	if (fd >= 0) {
		struct pollfd pf = { fd, POLLIN, 0 };
		int r;
		while ((r = poll(&pf, 1, KILL_WAIT_MS)) < 0 && errno == EINTR)
			;
		gone = r > 0;
		close(fd);
	} else {
		for (int waited = 0; !(gone = !vm_proc_alive(p)) && waited < KILL_WAIT_MS; waited += 10)
			nsu_sleep_ms(10);
	}
	if (!gone)
		return sbx_error(e, "the VMM (pid %d) did not exit within %d s of SIGKILL; see "
				 "/proc/%d/stack and kill it by hand", (int)pid, KILL_WAIT_MS / 1000, (int)pid);
	p->pid = 0;
	p->start_time = 0;
	return 0;
}
