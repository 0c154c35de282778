/* sbx exec: run a command in a sandbox, stream its output, exit with its code. */
#include "cli.h"
#include "cmd_exec.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: sbx exec ID [-t] [-i] [--cwd DIR] [--user U] [--env K=V]... [--timeout S] -- CMD [ARG...]\n"
	"Runs CMD in the sandbox (with bash -l; one argument is taken as a shell command line),\n"
	"streams its output and exits with its exit code.\n"
	"  -t   attach an interactive terminal (a PTY; default command: a login shell)\n"
	"  -i   forward this process's stdin to CMD's\n";

/* Ctrl-C here stops the command there (envd keeps it running otherwise). */
static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint++;
}

static void write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

void exec_on_event(const sbx_proc_event *ev, void *ud)
{
	exec_run *r = ud;
	switch (ev->type) {
	case SBX_PROC_START:
		r->pid = ev->pid;
		exec_pump(r);
		break;
	case SBX_PROC_STDOUT:
	case SBX_PROC_PTY:
		write_all(1, ev->data, ev->len);
		break;
	case SBX_PROC_STDERR:
		write_all(2, ev->data, ev->len);
		break;
	case SBX_PROC_END:
		r->ended = 1;
		r->exit_status = sbx_proc_exit_status(ev);
		if (ev->error && *ev->error && !ev->exited && ev->exit_code < 0 && strncmp(ev->status, "signal:", 7))
			fprintf(stderr, "sbx exec: %s\n", ev->error);
		break;
	}
}

void exec_on_done(const sbx_err *e, void *ud)
{
	exec_run *r = ud;
	r->done = 1;
	if (e && !r->ended) {
		r->failed = 1;
		r->err = *e;
	}
}

static void on_input_sent(const sbx_err *e, void *ud)
{
	exec_run *r = ud;
	r->in_flight = 0;
	if (e && !r->ended) {
		fprintf(stderr, "sbx exec: %s\n", e->msg);
		r->in_eof = 1;
		buf_reset(&r->queue);
	}
	exec_pump(r);
}

void exec_pump(exec_run *r)
{
	sbx_err e;
	if (!r->pid || r->in_flight || r->ended)
		return;
	sbx_proc_ref ref = { .pid = r->pid };
	if (r->queue.len) {
		r->in_flight = 1;
		size_t n = r->queue.len > 64 * 1024 ? 64 * 1024 : r->queue.len;
		if (sbx_proc_send_input(r->c->s.client, &r->sb, ref, r->pty, r->queue.data, n, on_input_sent, r, NULL,
					&e) < 0) {
			r->in_flight = 0;
			fprintf(stderr, "sbx exec: %s\n", e.msg);
		}
		buf_consume(&r->queue, n);
		return;
	}
	if (r->in_eof && !r->pty && !r->stdin_closed) {
		r->stdin_closed = 1;
		r->in_flight = 1;
		if (sbx_proc_close_stdin(r->c->s.client, &r->sb, ref, on_input_sent, r, NULL, &e) < 0)
			r->in_flight = 0;
	}
}

void exec_in_readable(sbx_loop *l, int fd, int events, void *ud)
{
	(void)events;
	exec_run *r = ud;
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		r->in_eof = 1;
		loop_del_fd(l, fd);
		r->in_fd = -1;
	} else {
		buf_append(&r->queue, buf, (size_t)n);
		/* do not read ahead without bound: wait for the queue to drain */
		if (r->queue.len > 1024 * 1024)
			loop_set_mask(l, fd, 0);
	}
	exec_pump(r);
}

static int64_t rearm_stdin(sbx_loop *l, int64_t id, void *ud)
{
	(void)id;
	exec_run *r = ud;
	if (r->in_fd >= 0 && r->queue.len < 256 * 1024)
		loop_set_mask(l, r->in_fd, LOOP_READ);
	return r->done ? -1 : 50;
}

static int exec_plain(exec_run *r, const exec_args *a)
{
	cli *c = r->c;
	sbx_err e;
	char *line = opt_shell_join(a->cmd, a->ncmd);
	const char *args[] = { "-l", "-c", line, NULL };
	sbx_proc_opts o = {
		.cmd = "/bin/bash", .args = args, .env = (const char *const *)a->env, .cwd = a->cwd, .user = a->user,
		.stdin_open = a->stdin_fwd, .timeout_ms = a->timeout_ms,
	};
	sbx_proc_handler h = { .on_event = exec_on_event, .on_done = exec_on_done, .ud = r };
	sbx_op *op = NULL;
	int rc = sbx_proc_start(c->s.client, &r->sb, &o, &h, &op, &e);
	free(line);
	if (rc < 0)
		return cli_fail(c, "%s", e.msg);
	int64_t timer = 0;
	if (a->stdin_fwd) {
		r->in_fd = 0;
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
		loop_add_fd(c->s.loop, 0, LOOP_READ, exec_in_readable, r);
		timer = loop_add_timer(c->s.loop, 50, rearm_stdin, r);
	}
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	int sent = 0;
	while (!r->done) {
		loop_once(c->s.loop, 1000);
		if (got_sigint > sent && r->pid) {
			/* first Ctrl-C: SIGTERM; again: SIGKILL */
			int sig = got_sigint > 1 ? 9 : 15;
			sent = got_sigint;
			sbx_proc_signal(c->s.client, &r->sb, (sbx_proc_ref){ .pid = r->pid }, sig, sbx_wait_done,
					&r->sig_wait, NULL, &e);
		}
	}
	sigaction(SIGINT, &old, NULL);
	if (r->in_fd >= 0)
		loop_del_fd(c->s.loop, r->in_fd);
	if (timer)
		loop_del_timer(c->s.loop, timer);
	if (a->stdin_fwd)
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK);
	if (r->failed)
		return cli_fail(c, "%s", r->err.msg);
	return r->exit_status;
}

int cmd_exec(int argc, char **argv)
{
	cli c = { .name = "exec" };
	exec_args a;
	sbx_err e;
	if (parse_exec(argc, argv, &a, &e) < 0) {
		exec_args_free(&a);
		return cli_usage_or(&c, &e, usage);
	}
	exec_run r = { .c = &c, .in_fd = -1, .pty = a.tty };
	int rc = 1;
	if (cli_open(&c, "exec") || cli_target(&c, a.id, &r.sb) < 0)
		goto out;
	if (a.user) {
		free(r.sb.user);
		r.sb.user = xstrdup(a.user);
	}
	rc = a.tty ? exec_tty(&r, &a) : exec_plain(&r, &a);
out:
	/* the process may still be running if we stopped early: stop watching only */
	cli_close(&c);
	sbx_sandbox_free(&r.sb);
	buf_free(&r.queue);
	exec_args_free(&a);
	return rc;
}
