#include "proc_spawn.h"
#include "../util/path.h"
#include "../util/strv.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char *proc_resolve_cwd(agent *a, const sbx_user *u, const char *cwd, sbx_err *e)
{
	char *p;
	struct stat st;
	if (!cwd || !*cwd)
		p = xstrdup(a->cfg.workdir ? a->cfg.workdir : u->home);
	else if (cwd[0] == '~' && (cwd[1] == '\0' || cwd[1] == '/'))
		p = path_join(u->home, cwd + 1);
	else if (cwd[0] != '/')
		p = path_join(u->home, cwd);
	else
		p = xstrdup(cwd);
	if (stat(p, &st) < 0) {
		sbx_error(e, "cwd '%s' does not exist", p);
		free(p);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		sbx_error(e, "cwd '%s' is not a directory", p);
		free(p);
		return NULL;
	}
	return p;
}

/* --- environment ---------------------------------------------------------- */

struct env {
	char **kv;   /* "KEY=VALUE", NULL-terminated */
	size_t n;
};

static void env_set(struct env *env, const char *key, const char *value)
{
	sbx_env_set(&env->kv, &env->n, key, value);
}

static const char *env_get(const struct env *env, const char *key)
{
	return sbx_env_get(env->kv, key);
}

static void env_free(struct env *env)
{
	sbx_strv_free(env->kv);
}

static void build_env(agent *a, const proc_spawn_req *req, struct env *env)
{
	const char *path = getenv("PATH");
	memset(env, 0, sizeof *env);
	env_set(env, "PATH", path && *path ? path : DEFAULT_PATH);
	env_set(env, "HOME", req->user->home);
	env_set(env, "USER", req->user->name);
	env_set(env, "LOGNAME", req->user->name);
	if (req->pty)
		env_set(env, "TERM", "xterm-256color");
	for (size_t i = 0; i < a->env.n; i++)
		env_set(env, a->env.keys[i], a->env.values[i]);
	const envd_kv *kv = &req->config->envs;
	for (size_t i = 0; i < kv->n; i++)
		if (kv->keys[i][0] && !strchr(kv->keys[i], '='))
			env_set(env, kv->keys[i], kv->values[i]);
}

/* execvpe's lookup, done before fork: the child may only make syscalls. */
static char *find_exec(const char *cmd, const char *path, const char *cwd)
{
	if (strchr(cmd, '/')) {
		char *p = cmd[0] == '/' ? xstrdup(cmd) : path_join(cwd, cmd);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
		return NULL;
	}
	const char *s = path ? path : DEFAULT_PATH;
	while (*s) {
		size_t n = strcspn(s, ":");
		char *p = n ? xasprintf("%.*s/%s", (int)n, s, cmd) : path_join(cwd, cmd);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return p;
		free(p);
		s += n;
		if (*s == ':')
			s++;
	}
	return NULL;
}

/* --- fork/exec ------------------------------------------------------------ */

struct child_fail {
	int stage;   /* 1 user, 2 cwd, 3 exec */
	int err;
};

static void set_flags(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* In the child between fork and exec: syscalls only (the agent may have
 * threads, e.g. ZeroMQ's), then exec or report why not. */
static void __attribute__((noreturn))
child(const proc_spawn_req *req, int fds[3], int slave, int errfd, const char *exe, char **argv,
      char **envp)
{
	struct child_fail f = { 0, 0 };
	sigset_t none;
	sigemptyset(&none);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (req->pty)
		ioctl(slave, TIOCSCTTY, 0);
	/* Lift the sources above 0-2 first so dup2 cannot clobber one another. */
	for (int i = 0; i < 3; i++)
		if (fds[i] < 3)
			fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
	for (int i = 0; i < 3; i++)
		dup2(fds[i], i);
	int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (oom >= 0) {
		/* As envd: user code goes first when memory runs out. */
		(void)!write(oom, "100", 3);
		close(oom);
	}
	if (user_become(req->user) < 0)
		f = (struct child_fail){ 1, errno };
	else if (chdir(req->cwd) < 0)
		f = (struct child_fail){ 2, errno };
	if (!f.stage) {
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		execve(exe, argv, envp);
		f = (struct child_fail){ 3, errno };
	}
	(void)!write(errfd, &f, sizeof f);
	_exit(127);
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

int proc_spawn(agent *a, const proc_spawn_req *req, proc_io *io, int *bad_request, sbx_err *e)
{
	const envd_proc_config *c = req->config;
	struct env env;
	int rc = -1;
	/* parent ends, child ends, error pipe */
	int in_w = -1, out_r = -1, err_r = -1, master = -1;
	int cfds[3] = { -1, -1, -1 }, slave = -1, ep[2] = { -1, -1 };
	char **argv = NULL, *exe = NULL;

	*bad_request = 0;
	io->pid = -1;
	io->in_fd = io->out_fd = io->err_fd = -1;
	if (!c->cmd || !*c->cmd) {
		*bad_request = 1;
		return sbx_error(e, "process.cmd is empty: give the program to run");
	}
	build_env(a, req, &env);
	exe = find_exec(c->cmd, env_get(&env, "PATH"), req->cwd);
	if (!exe) {
		*bad_request = 1;
		sbx_error(e, "exec: \"%s\": executable file not found in $PATH", c->cmd);
		goto out;
	}
	argv = xcalloc(c->nargs + 2, sizeof *argv);
	argv[0] = c->cmd;
	for (size_t i = 0; i < c->nargs; i++)
		argv[i + 1] = c->args[i];

	if (req->pty) {
		struct winsize ws = { .ws_col = (unsigned short)(req->cols ? req->cols : 80),
				      .ws_row = (unsigned short)(req->rows ? req->rows : 24) };
		if (openpty(&master, &slave, NULL, NULL, &ws) < 0) {
			sbx_error_errno(e, "cannot allocate a PTY");
			goto out;
		}
		set_flags(master);
		fcntl(slave, F_SETFD, FD_CLOEXEC);
		cfds[0] = cfds[1] = cfds[2] = slave;
	} else {
		int p[2];
		if (req->with_stdin) {
			if (pipe2(p, O_CLOEXEC) < 0)
				goto pipe_fail;
			cfds[0] = p[0];
			in_w = p[1];
		} else if ((cfds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
			goto pipe_fail;
		}
		if (pipe2(p, O_CLOEXEC) < 0)
			goto pipe_fail;
		out_r = p[0];
		cfds[1] = p[1];
		if (pipe2(p, O_CLOEXEC) < 0)
			goto pipe_fail;
		err_r = p[0];
		cfds[2] = p[1];
	}
	if (pipe2(ep, O_CLOEXEC) < 0)
		goto pipe_fail;

	pid_t pid = fork();
	if (pid < 0) {
		sbx_error_errno(e, "cannot fork to start '%s'", c->cmd);
		goto out;
	}
	if (pid == 0)
		child(req, cfds, slave, ep[1], exe, argv, env.kv);

	close(ep[1]);
	ep[1] = -1;
	/* The child either execs (EOF) or reports within a few syscalls. */
	struct child_fail f;
	ssize_t n;
	do
		n = read(ep[0], &f, sizeof f);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof f) {
		errno = f.err;
		if (f.stage == 1)
			sbx_error_errno(e, "cannot switch to user '%s'", req->user->name);
		else if (f.stage == 2)
			sbx_error_errno(e, "cannot enter cwd '%s' as user '%s'", req->cwd, req->user->name);
		else
			sbx_error_errno(e, "cannot execute '%s'", exe);
		*bad_request = f.stage == 2;
		goto out;
	}
	io->pid = pid;
	if (req->pty) {
		io->out_fd = master;
		io->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
		master = -1;
	} else {
		set_flags(out_r);
		set_flags(err_r);
		io->out_fd = out_r;
		io->err_fd = err_r;
		out_r = err_r = -1;
		if (in_w >= 0) {
			set_flags(in_w);
			io->in_fd = in_w;
			in_w = -1;
		}
	}
	rc = 0;
	goto out;
pipe_fail:
	sbx_error_errno(e, "cannot create pipes for '%s'", c->cmd);
out:
	{
		int parent_ends[] = { in_w, out_r, err_r, master, slave, ep[0], ep[1] };
		close_all(parent_ends, sizeof parent_ends / sizeof parent_ends[0]);
		if (!req->pty) {
			int child_ends[] = { cfds[0], cfds[1], cfds[2] };
			close_all(child_ends, 3);
		}
	}
	free(argv);
	free(exe);
	env_free(&env);
	return rc;
}
