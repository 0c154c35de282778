#include "ns_util.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int nsu_write_file(const char *path, const char *s, sbx_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return sbx_error_errno(e, "cannot open %s for writing", path);
	size_t len = strlen(s);
	ssize_t n = write(fd, s, len);
	int saved = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errno = n < 0 ? saved : EIO;
		return sbx_error_errno(e, "cannot write '%s' to %s", s, path);
	}
	return 0;
}

int nsu_read_file(const char *path, char *buf, size_t n, sbx_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sbx_error_errno(e, "cannot open %s", path);
	size_t got = 0;
	while (got + 1 < n) {
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sbx_error_errno(e, "cannot read %s", path);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	close(fd);
	return 0;
}

int nsu_read_u64(const char *path, uint64_t *out, sbx_err *e)
{
	char buf[64];
	if (nsu_read_file(path, buf, sizeof buf, e) < 0)
		return -1;
	if (strncmp(buf, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (end == buf || errno)
		return sbx_error(e, "%s holds '%s', not a number", path, buf);
	*out = v;
	return 0;
}

int nsu_read_keyed(const char *path, const char *key, uint64_t *out, sbx_err *e)
{
	char buf[4096];
	if (nsu_read_file(path, buf, sizeof buf, e) < 0)
		return -1;
	size_t klen = strlen(key);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*out = strtoull(line + klen + 1, NULL, 10);
			return 0;
		}
	}
	return sbx_error(e, "%s has no '%s' line", path, key);
}

/* Drain the child's stderr (bounded) while feeding its stdin. */
static void pump(int in_fd, const char *input, int err_fd, char *err, size_t errcap)
{
	size_t in_len = input ? strlen(input) : 0, in_off = 0, elen = 0;
	if (in_fd >= 0 && in_len == 0) {
		close(in_fd);
		in_fd = -1;
	}
	while (err_fd >= 0 || in_fd >= 0) {
		struct pollfd p[2];
		int n = 0, ie = -1, ii = -1;
		if (err_fd >= 0) { p[n] = (struct pollfd){ err_fd, POLLIN, 0 }; ie = n++; }
		if (in_fd >= 0) { p[n] = (struct pollfd){ in_fd, POLLOUT, 0 }; ii = n++; }
		if (poll(p, (nfds_t)n, 30000) <= 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ii >= 0 && p[ii].revents) {
			ssize_t w = write(in_fd, input + in_off, in_len - in_off);
			if (w > 0)
				in_off += (size_t)w;
			if (w <= 0 || in_off == in_len) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (ie >= 0 && p[ie].revents) {
			char tmp[512];
			ssize_t r = read(err_fd, tmp, sizeof tmp);
			if (r <= 0) {
				close(err_fd);
				err_fd = -1;
				continue;
			}
			size_t take = (size_t)r < errcap - 1 - elen ? (size_t)r : errcap - 1 - elen;
			memcpy(err + elen, tmp, take);
			elen += take;
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (err_fd >= 0)
		close(err_fd);
	err[elen] = '\0';
	while (elen && (err[elen - 1] == '\n' || err[elen - 1] == ' '))
		err[--elen] = '\0';
}

pid_t nsu_fork_private(void)
{
	return (pid_t)syscall(SYS_clone, 0UL, NULL, NULL, NULL, NULL);
}

int nsu_wait_private(pid_t pid, int *status)
{
	int st = 0;
	while (waitpid(pid, &st, __WCLONE) < 0)
		if (errno != EINTR)
			return -1;
	if (status)
		*status = st;
	return 0;
}

/* In a private child: run argv in a grandchild and exit with its status
 * (an exec'd child would signal SIGCHLD again, so the one we wait for never
 * execs).  Only system calls. */
static __attribute__((noreturn)) void run_child(const char *const argv[], int inp[2], int errp[2])
{
	pid_t c = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
	if (c == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(inp[0], 0);
		dup2(devnull, 1);
		dup2(errp[1], 2);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot execute %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	/* Our copies would keep the tool's stdin open and the creator's read
	 * of its stderr from ending. */
	close(inp[0]); close(inp[1]); close(errp[0]); close(errp[1]);
	int st = 0;
	if (c < 0)
		_exit(126);
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			_exit(126);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

int nsu_run(const char *const argv[], const char *input, sbx_err *e)
{
	int inp[2], errp[2];
	if (pipe2(inp, O_CLOEXEC) < 0)
		return sbx_error_errno(e, "cannot run %s: pipe", argv[0]);
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(inp[0]); close(inp[1]);
		return sbx_error_errno(e, "cannot run %s: pipe", argv[0]);
	}
	pid_t pid = nsu_fork_private();
	if (pid < 0) {
		close(inp[0]); close(inp[1]); close(errp[0]); close(errp[1]);
		return sbx_error_errno(e, "cannot run %s: fork", argv[0]);
	}
	if (pid == 0)
		run_child(argv, inp, errp);
	close(inp[0]);
	close(errp[1]);
	char err[600];
	pump(inp[1], input, errp[0], err, sizeof err);
	int status;
	if (nsu_wait_private(pid, &status) < 0)
		return sbx_error_errno(e, "cannot wait for %s", argv[0]);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 126;
	if (code == 0)
		return 0;
	if (code == 127)
		return sbx_error(e, "%s is not installed or not runnable (%s)", argv[0], err);
	if (code > 128)
		return sbx_error(e, "%s was killed by signal %d: %s", argv[0], code - 128, *err ? err : "no message");
	return sbx_error(e, "%s failed (exit %d): %s", argv[0], code, *err ? err : "no message");
}

int nsu_proc_stat(pid_t pid, uint64_t *start_time, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (pid <= 0 || nsu_read_file(path, buf, sizeof buf, NULL) < 0)
		return -1;
	/* comm may hold spaces and parens: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	if (state)
		*state = *p;
	/* state is field 3; starttime is field 22. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	if (start_time)
		*start_time = strtoull(p, NULL, 10);
	return 0;
}

void nsu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
