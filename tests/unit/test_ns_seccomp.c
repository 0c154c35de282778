/* ns_seccomp: the filter built for sandboxes refuses what it lists with
 * the documented errno and lets everything else through.  Each case
 * installs the filter in a forked child (with no_new_privs, so it runs
 * unprivileged too) and reports the results through a pipe. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../vm/ns/ns_seccomp.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

enum { P_QUERY, P_NOASLR, P_LINUX32, KEYCTL, UNSHARE, CLONE_NS, CLONE3, VSOCK, UNIX, GETPID, NPROBE };

/* errno of each probe (0: it succeeded). */
static void run_probes(int out[NPROBE])
{
	long r[NPROBE];
	errno = 0;
	r[P_QUERY] = syscall(SYS_personality, 0xffffffffUL);
	out[P_QUERY] = r[P_QUERY] < 0 ? errno : 0;
	r[P_NOASLR] = syscall(SYS_personality, 0x0040000UL);
	out[P_NOASLR] = r[P_NOASLR] < 0 ? errno : 0;
	r[P_LINUX32] = syscall(SYS_personality, 0x8UL);
	out[P_LINUX32] = r[P_LINUX32] < 0 ? errno : 0;
	syscall(SYS_personality, 0UL);
	r[KEYCTL] = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -4L, 0L);
	out[KEYCTL] = r[KEYCTL] < 0 ? errno : 0;
	r[UNSHARE] = syscall(SYS_unshare, (long)CLONE_NEWUSER);
	out[UNSHARE] = r[UNSHARE] < 0 ? errno : 0;
	r[CLONE_NS] = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, NULL);
	if (r[CLONE_NS] == 0)
		_exit(0);
	out[CLONE_NS] = r[CLONE_NS] < 0 ? errno : 0;
	if (r[CLONE_NS] > 0)
		waitpid((pid_t)r[CLONE_NS], NULL, 0);
	r[CLONE3] = syscall(SYS_clone3, NULL, 0UL);
	out[CLONE3] = r[CLONE3] < 0 ? errno : 0;
	int s = socket(AF_VSOCK, SOCK_STREAM, 0);
	out[VSOCK] = s < 0 ? errno : 0;
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	out[UNIX] = s < 0 ? errno : 0;
	out[GETPID] = syscall(SYS_getpid) > 0 ? 0 : errno;
}

static void probe_filtered(int res[NPROBE])
{
	nssec_filter f;
	assert_int_equal(nssec_build(&f, NULL), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int out[NPROBE];
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || nssec_install(&f) < 0)
			_exit(2);
		run_probes(out);
		_exit(write(p[1], out, sizeof out) == (ssize_t)sizeof out ? 0 : 3);
	}
	close(p[1]);
	assert_int_equal(read(p[0], res, sizeof(int) * NPROBE), (ssize_t)(sizeof(int) * NPROBE));
	close(p[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	nssec_free(&f);
}

static void test_refused(void **state)
{
	(void)state;
	int r[NPROBE];
	probe_filtered(r);
	assert_int_equal(r[P_NOASLR], EPERM);
	assert_int_equal(r[KEYCTL], EPERM);
	assert_int_equal(r[UNSHARE], EPERM);
	assert_int_equal(r[CLONE_NS], EPERM);
	assert_int_equal(r[CLONE3], ENOSYS);
	assert_int_equal(r[VSOCK], EAFNOSUPPORT);
}

static void test_allowed(void **state)
{
	(void)state;
	int r[NPROBE];
	probe_filtered(r);
	assert_int_equal(r[P_QUERY], 0);
	assert_int_equal(r[P_LINUX32], 0);
	assert_int_equal(r[UNIX], 0);
	assert_int_equal(r[GETPID], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
