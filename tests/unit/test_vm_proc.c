/* vm_proc: a detached process found again by pid + start time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/util/buf.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"
#include "../../vm/vm_proc.h"

static int setup(void **state)
{
	char tmpl[] = "/tmp/sbx-test-vm-proc-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	*state = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	fsu_rm_rf(*state, 0, NULL);
	free(*state);
	return 0;
}

/* The value of "Key:\t..." in /proc/PID/status, or -1. */
static long status_field(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long v = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* SigIgn of /proc/PID/status. */
static unsigned long long sig_ignored(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	unsigned long long v = ~0ULL;
	assert_non_null(f);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "SigIgn:", 7) == 0)
			v = strtoull(line + 7, NULL, 16);
	fclose(f);
	return v;
}

static void test_spawn_alive_kill(void **state)
{
	char *log = xasprintf("%s/vmm.log", (char *)*state);
	const char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; exec /bin/sleep 300", NULL };
	vm_proc p;
	sbx_err e = { "" };
	/* An fd of ours that must not reach it. */
	int mine = open("/dev/null", O_RDONLY);
	assert_true(mine >= 0);
	/* sbxd ignores SIGPIPE; its VMM must not inherit that. */
	signal(SIGPIPE, SIG_IGN);
	if (vm_proc_spawn(argv, NULL, log, &p, &e) < 0)
		fail_msg("spawn: %s", e.msg);
	signal(SIGPIPE, SIG_DFL);
	assert_true(p.pid > 0);
	assert_true(p.start_time > 0);
	assert_int_equal(vm_proc_alive(&p), 1);
	/* Detached: a session of its own (not its leader), not our child. */
	assert_true(getsid(p.pid) > 0 && getsid(p.pid) != getsid(0) && getsid(p.pid) != p.pid);
	assert_true(status_field(p.pid, "PPid") != getpid());
	/* Its output is appended to the log (poll: it writes as it starts). */
	sbx_buf b = SBX_BUF_INIT;
	for (int i = 0; i < 200; i++) {
		buf_reset(&b);
		if (buf_read_file(&b, log, NULL) == 0 && b.len >= 8)
			break;
		usleep(10000);
	}
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "out\nerr\n", 8);
	buf_free(&b);
	/* Only 0, 1, 2 open in it. */
	char *fddir = xasprintf("ls /proc/%d/fd | tr '\\n' ' '", (int)p.pid);
	FILE *f = popen(fddir, "r");
	char fds[128] = "";
	assert_non_null(fgets(fds, sizeof fds, f));
	pclose(f);
	free(fddir);
	assert_string_equal(fds, "0 1 2 ");
	close(mine);
	assert_int_equal(sig_ignored(p.pid) & (1ULL << (SIGPIPE - 1)), 0);

	int pfd = vm_proc_pidfd(&p);
	assert_true(pfd >= 0);
	struct pollfd pf = { pfd, POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 0), 0);
	vm_proc was = p;
	assert_int_equal(vm_proc_kill(&p, &e), 0);
	assert_int_equal(p.pid, 0);
	assert_int_equal(poll(&pf, 1, 5000), 1);
	assert_true(pf.revents & POLLIN);
	close(pfd);
	assert_int_equal(vm_proc_alive(&was), 0);
	/* Killing what is gone is fine. */
	assert_int_equal(vm_proc_kill(&p, &e), 0);
	free(log);
}

static void test_start_time_mismatch(void **state)
{
	char *log = xasprintf("%s/vmm.log", (char *)*state);
	const char *argv[] = { "/bin/sleep", "300", NULL };
	vm_proc p;
	sbx_err e = { "" };
	assert_int_equal(vm_proc_spawn(argv, NULL, log, &p, &e), 0);
	vm_proc other = p;
	other.start_time++;     /* the same pid, another process (pid reuse) */
	assert_int_equal(vm_proc_alive(&other), 0);
	assert_int_equal(vm_proc_pidfd(&other), -1);
	assert_int_equal(vm_proc_kill(&other, &e), 0);   /* never kills the stranger */
	assert_int_equal(vm_proc_alive(&p), 1);
	assert_int_equal(vm_proc_kill(&p, &e), 0);
	assert_int_equal(vm_proc_alive(&p), 0);
	vm_proc none = { 0, 0 };
	assert_int_equal(vm_proc_alive(&none), 0);
	assert_int_equal(vm_proc_pidfd(&none), -1);
	free(log);
}

/* Without pidfds (an old kernel; EMFILE), kill still kills and waits,
 * watching /proc. */
static void test_kill_without_pidfd(void **state)
{
	char *log = xasprintf("%s/vmm.log", (char *)*state);
	const char *argv[] = { "/bin/sleep", "300", NULL };
	vm_proc p;
	sbx_err e = { "" };
	assert_int_equal(vm_proc_spawn(argv, NULL, log, &p, &e), 0);
	vm_proc was = p;
	pid_t c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(pidfd_open), 0) < 0 ||
		    seccomp_load(ctx) < 0)
			_exit(2);
		if (vm_proc_pidfd(&p) != -1)
			_exit(3);     /* the filter did not take */
		_exit(vm_proc_kill(&p, &e) == 0 && p.pid == 0 ? 0 : 1);
	}
	int st = 0;
	assert_int_equal(waitpid(c, &st, 0), c);
	int alive = vm_proc_alive(&was);
	vm_proc_kill(&was, NULL);     /* never left behind, whatever failed */
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(alive, 0);
	free(log);
}

static void test_spawn_failures(void **state)
{
	char *log = xasprintf("%s/vmm.log", (char *)*state);
	vm_proc p;
	sbx_err e = { "" };
	const char *missing[] = { "/nonexistent/qemu-system-x86_64", NULL };
	assert_int_equal(vm_proc_spawn(missing, NULL, log, &p, &e), -1);
	assert_non_null(strstr(e.msg, "cannot execute it: No such file"));
	assert_int_equal(p.pid, 0);
	const char *relative[] = { "sleep", "1", NULL };
	assert_int_equal(vm_proc_spawn(relative, NULL, log, &p, &e), -1);
	assert_non_null(strstr(e.msg, "absolute"));
	const char *ok[] = { "/bin/true", NULL };
	char *badlog = xasprintf("%s/no/such/dir/vmm.log", (char *)*state);
	assert_int_equal(vm_proc_spawn(ok, NULL, badlog, &p, &e), -1);
	assert_non_null(strstr(e.msg, "cannot open its log"));
	vm_net net;
	memset(&net, 0, sizeof net);
	snprintf(net.netns, sizeof net.netns, "%s/netns", (char *)*state);
	assert_int_equal(vm_proc_spawn(ok, &net, log, &p, &e), -1);
	assert_non_null(strstr(e.msg, "cannot join the sandbox's network namespace"));
	free(badlog);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spawn_alive_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_time_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_without_pidfd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spawn_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
