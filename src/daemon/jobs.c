#include "jobs.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct job {
	sbxd *d;
	pid_t pid;
	int fd;
	sbx_buf msg;
	job_done_cb cb;
	void *ud;
	struct job *next;
};

/* The child ends its report with a NUL: processes the runtime starts may
 * hold a copy of the pipe for a while, so EOF alone would come late. */
static void on_pipe(sbx_loop *l, int fd, int events, void *ud)
{
	(void)events;
	struct job *j = ud;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	int reported = 0;
	if (n > 0) {
		buf_append(&j->msg, buf, (size_t)n);
		reported = memchr(buf, '\0', (size_t)n) != NULL;
		if (!reported)
			return;
	}
	/* Reported, or EOF (the child died before it could). */
	loop_del_fd(l, fd);
	close(fd);
	int status = 0;
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	for (struct job **p = &j->d->jobs; *p; p = &(*p)->next) {
		if (*p == j) {
			*p = j->next;
			break;
		}
	}
	int ok = reported && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!ok && !j->msg.len)
		buf_printf(&j->msg, "the helper process died (%s %d)", WIFSIGNALED(status) ? "signal" : "status",
			   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	j->cb(ok, buf_cstr(&j->msg), j->ud);
	buf_free(&j->msg);
	free(j);
}

int job_start(sbxd *d, job_fn fn, void *arg, job_done_cb cb, void *ud, sbx_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sbx_error_errno(e, "cannot make a pipe for a runtime job");
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return sbx_error_errno(e, "cannot fork a runtime job (out of processes or memory?)");
	}
	if (pid == 0) {
		/* Only the pipe and stdio: client sockets must not outlive sbxd's
		 * own copies of them because a job is running. */
		int w = p[1];
		if (w > 3)
			syscall(SYS_close_range, 3U, (unsigned)w - 1, 0U);
		syscall(SYS_close_range, (unsigned)w + 1, ~0U, 0U);
		sbx_err je = { "" };
		int rc = fn(arg, &je);
		if (write(w, je.msg, (rc < 0 ? strlen(je.msg) : 0) + 1) < 0) {
			/* the parent sees EOF and the exit status */
		}
		_exit(rc < 0 ? 1 : 0);
	}
	close(p[1]);
	struct job *j = xcalloc(1, sizeof *j);
	j->d = d;
	j->pid = pid;
	j->fd = p[0];
	j->cb = cb;
	j->ud = ud;
	j->next = d->jobs;
	d->jobs = j;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	loop_add_fd(d->loop, p[0], LOOP_READ, on_pipe, j);
	return 0;
}

void jobs_abandon(sbxd *d)
{
	struct job *j;
	while ((j = d->jobs)) {
		d->jobs = j->next;
		loop_del_fd(d->loop, j->fd);
		close(j->fd);
		buf_free(&j->msg);
		free(j);
	}
}

int job_count(sbxd *d)
{
	int n = 0;
	for (struct job *j = d->jobs; j; j = j->next)
		n++;
	return n;
}
