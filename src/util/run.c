#include "run.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The last lines of what it printed, for the message. */
static const char *tail_of(const sbx_buf *b)
{
	if (!b->len)
		return "";
	const char *s = b->data + b->len;
	int lines = 0;
	while (s > b->data && lines < 4)
		if (*--s == '\n' && s + 1 < b->data + b->len)
			lines++;
	return s == b->data ? s : s + 1;
}

int run_capture(const char *cwd, char *const argv[], sbx_buf *out, sbx_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sbx_error_errno(e, "cannot run %s", argv[0]);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return sbx_error_errno(e, "cannot run %s", argv[0]);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		signal(SIGPIPE, SIG_DFL);
		if (cwd && chdir(cwd) < 0) {
			dprintf(2, "cannot enter %s: %s\n", cwd, strerror(errno));
			_exit(126);
		}
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	sbx_buf all = SBX_BUF_INIT;
	char chunk[65536];
	for (;;) {
		ssize_t r = read(p[0], chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		buf_append(&all, chunk, (size_t)r);
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = -1;
			break;
		}
	int ok = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok) {
		char how[64];
		if (st != -1 && WIFSIGNALED(st))
			snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(st));
		else
			snprintf(how, sizeof how, "exited with status %d", st == -1 ? -1 : WEXITSTATUS(st));
		sbx_error(e, "%s %s: %s", argv[0], how, tail_of(&all));
	}
	if (out)
		buf_append(out, all.data, all.len);
	buf_free(&all);
	return ok ? 0 : -1;
}
