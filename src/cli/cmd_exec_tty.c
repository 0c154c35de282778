/*
 * sbx exec -t: an interactive PTY in the sandbox.  The local terminal goes
 * raw (restored on every way out), window-size changes become Update calls,
 * keys go over as PTY input and the PTY's bytes come back to stdout.
 */
#include "cmd_exec.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t got_winch, got_term;

static void on_winch(int sig) { (void)sig; got_winch = 1; }
static void on_term(int sig) { (void)sig; got_term = 1; }

static void win_size(unsigned *cols, unsigned *rows)
{
	struct winsize ws;
	*cols = 80, *rows = 24;
	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
		*cols = ws.ws_col, *rows = ws.ws_row;
	else if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
		*cols = ws.ws_col, *rows = ws.ws_row;
}

static int64_t rearm(sbx_loop *l, int64_t id, void *ud)
{
	(void)id;
	exec_run *r = ud;
	if (r->in_fd >= 0 && r->queue.len < 256 * 1024)
		loop_set_mask(l, r->in_fd, LOOP_READ);
	return 50;
}

int exec_tty(exec_run *r, const exec_args *a)
{
	cli *c = r->c;
	sbx_err e;
	unsigned cols, rows;
	win_size(&cols, &rows);
	/* the sandbox's programs draw for this terminal */
	const char *term = getenv("TERM");
	char *env_term = xasprintf("TERM=%s", term && *term ? term : "xterm-256color");
	size_t nenv = 0;
	const char **env = xcalloc(a->nenv + 4, sizeof *env);
	env[nenv++] = env_term;
	env[nenv++] = "LANG=C.UTF-8";
	for (size_t i = 0; i < a->nenv; i++)
		env[nenv++] = a->env[i];
	char *line = a->ncmd ? opt_shell_join(a->cmd, a->ncmd) : NULL;
	const char *shell_args[] = { "-i", "-l", NULL }, *cmd_args[] = { "-l", "-c", line, NULL };
	sbx_proc_opts o = {
		.cmd = "/bin/bash", .args = line ? cmd_args : shell_args, .env = env, .cwd = a->cwd, .user = a->user,
		.pty = 1, .cols = cols, .rows = rows, .timeout_ms = a->timeout_ms,
	};
	sbx_proc_handler h = { .on_event = exec_on_event, .on_done = exec_on_done, .ud = r };
	int rc = sbx_proc_start(c->s.client, &r->sb, &o, &h, NULL, &e);
	free(line);
	free(env_term);
	free(env);
	if (rc < 0)
		return cli_fail(c, "%s", e.msg);

	struct termios saved, raw;
	int is_tty = isatty(0) && tcgetattr(0, &saved) == 0;
	if (is_tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSAFLUSH, &raw);
	}
	struct sigaction sa = { .sa_handler = on_winch }, st = { .sa_handler = on_term }, o1, o2, o3, o4;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&st.sa_mask);
	sigaction(SIGWINCH, &sa, &o1);
	sigaction(SIGTERM, &st, &o2);
	sigaction(SIGHUP, &st, &o3);
	sigaction(SIGINT, &st, &o4);   /* not in raw mode: ^C reaches the sandbox as a byte */
	int fl = fcntl(0, F_GETFL);
	fcntl(0, F_SETFL, fl | O_NONBLOCK);
	r->in_fd = 0;
	loop_add_fd(c->s.loop, 0, LOOP_READ, exec_in_readable, r);
	int64_t timer = loop_add_timer(c->s.loop, 50, rearm, r);

	while (!r->done && !got_term) {
		loop_once(c->s.loop, 1000);
		if (got_winch && r->pid) {
			got_winch = 0;
			win_size(&cols, &rows);
			sbx_proc_resize(c->s.client, &r->sb, (sbx_proc_ref){ .pid = r->pid }, cols, rows, sbx_wait_done,
					&r->resize_wait, NULL, &e);
		}
	}

	if (r->in_fd >= 0)
		loop_del_fd(c->s.loop, r->in_fd);
	loop_del_timer(c->s.loop, timer);
	fcntl(0, F_SETFL, fl);
	if (is_tty)
		tcsetattr(0, TCSAFLUSH, &saved);
	sigaction(SIGWINCH, &o1, NULL);
	sigaction(SIGTERM, &o2, NULL);
	sigaction(SIGHUP, &o3, NULL);
	sigaction(SIGINT, &o4, NULL);
	if (got_term && !r->done) {
		fprintf(stderr, "sbx exec: stopped; the process goes on in the sandbox (pid %u)\n", r->pid);
		return 1;
	}
	if (r->failed)
		return cli_fail(c, "%s", r->err.msg);
	return r->exit_status;
}
