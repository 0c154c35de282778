#include "kernel_launch.h"
#include "../util/rand.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A mutable KEY=VALUE vector for the child's environment. */
typedef struct envv {
	char **v;
	size_t n;
} envv;

static void envv_set(envv *e, const char *key, const char *val)
{
	sbx_env_set(&e->v, &e->n, key, val);
}

static const char *envv_get(const envv *e, const char *key)
{
	return sbx_env_get(e->v, key);
}

static void envv_free(envv *e)
{
	sbx_strv_free(e->v);
}

static envv build_env(agent *a, const kspec *spec)
{
	envv e = { xcalloc(1, sizeof(char *)), 0 };
	for (char **p = environ; p && *p; p++) {
		char *eq = strchr(*p, '=');
		if (!eq)
			continue;
		char *k = xstrndup(*p, (size_t)(eq - *p));
		envv_set(&e, k, eq + 1);
		free(k);
	}
	for (size_t i = 0; i < a->env.n; i++)
		envv_set(&e, a->env.keys[i], a->env.values[i]);
	for (size_t i = 0; i < spec->env.n; i++)
		envv_set(&e, spec->env.keys[i], spec->env.values[i]);
	if (a->cfg.python_path && *a->cfg.python_path) {
		const char *old = envv_get(&e, "PYTHONPATH");
		char *pp = old && *old ? xasprintf("%s:%s", a->cfg.python_path, old)
				       : xstrdup(a->cfg.python_path);
		envv_set(&e, "PYTHONPATH", pp);
		free(pp);
	}
	return e;
}

/* Resolved before fork: execvpe may allocate, which a forked child of a
 * process with ZeroMQ threads must not do. */
static char *resolve_exe(const char *cmd, const envv *env)
{
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0 ? xstrdup(cmd) : NULL;
	const char *path = envv_get(env, "PATH");
	char *copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
	char *found = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *d ? d : ".", cmd);
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

static char **build_argv(const kspec *spec, const char *conn)
{
	char **v = kspec_argv(spec, conn);
	if (!kspec_is_ipykernel(spec))
		return v;
	/* Plain tracebacks, untruncated reprs, no history database, and our
	 * extension (charts, env_push/env_pop); a missing extension only
	 * logs a warning in the kernel log. */
	static const char *extra[] = {
		"--InteractiveShell.colors=NoColor",
		"--PlainTextFormatter.max_seq_length=0",
		"--HistoryManager.enabled=False",
		"--IPKernelApp.extensions=sbx_e2b",
	};
	size_t n = 0, ne = sizeof extra / sizeof *extra;
	while (v[n])
		n++;
	v = xrealloc(v, (n + ne + 1) * sizeof *v);
	for (size_t i = 0; i < ne; i++)
		v[n + i] = xstrdup(extra[i]);
	v[n + ne] = NULL;
	return v;
}

/* Five free loopback ports, each bound to port 0 and released (all held
 * until all are picked, so they differ). */
static int pick_ports(klaunch *l, sbx_err *e)
{
	int fds[6] = { -1, -1, -1, -1, -1, -1 }, rc = 0;
	for (int p = KPORT_SHELL; p <= KPORT_HB && !rc; p++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof sa;
		fds[p] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[p] < 0 || bind(fds[p], (struct sockaddr *)&sa, sizeof sa) < 0 ||
		    getsockname(fds[p], (struct sockaddr *)&sa, &len) < 0)
			rc = sbx_error_errno(e, "cannot pick a free loopback port for a kernel");
		else
			l->ports[p] = ntohs(sa.sin_port);
	}
	for (int p = KPORT_SHELL; p <= KPORT_HB; p++)
		if (fds[p] >= 0)
			close(fds[p]);
	return rc;
}

static int write_conn_file(const klaunch *l, const kspec *spec, sbx_err *e)
{
	int tcp = l->tcp;
	json_t *j = json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:s,s:s,s:s}", "transport", tcp ? "tcp" : "ipc",
			      "ip", tcp ? "127.0.0.1" : l->ip,
			      "shell_port", tcp ? l->ports[KPORT_SHELL] : KPORT_SHELL,
			      "iopub_port", tcp ? l->ports[KPORT_IOPUB] : KPORT_IOPUB,
			      "stdin_port", tcp ? l->ports[KPORT_STDIN] : KPORT_STDIN,
			      "control_port", tcp ? l->ports[KPORT_CONTROL] : KPORT_CONTROL,
			      "hb_port", tcp ? l->ports[KPORT_HB] : KPORT_HB, "key", l->key,
			      "signature_scheme", "hmac-sha256", "kernel_name", spec->name);
	char *text = json_dumps(j, JSON_INDENT(1));
	json_decref(j);
	int fd = open(l->conn_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		free(text);
		return sbx_error_errno(e, "cannot write the kernel connection file %s", l->conn_path);
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			free(text);
			return sbx_error_errno(e, "cannot write the kernel connection file %s", l->conn_path);
		}
		off += (size_t)w;
	}
	close(fd);
	free(text);
	return 0;
}

/* In the child: only async-signal-safe calls until exec. */
static void child(pid_t parent, const char *exe, char **argv, char **envp, const char *log_path,
		  const char *cwd)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);   /* the agent died before prctl took effect */
	int nul = open("/dev/null", O_RDONLY);
	int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (nul < 0 || log < 0)
		_exit(126);
	dup2(nul, 0);
	dup2(log, 1);
	dup2(log, 2);
	if (chdir(cwd) < 0) {
		static const char msg[] = "sbx-agent: the context's working directory is gone; using /\n";
		if (write(2, msg, sizeof msg - 1) < 0 || chdir("/") < 0)
			_exit(126);
	}
	close_range(3, ~0U, 0);
	execve(exe, argv, envp);
	static const char msg[] = "sbx-agent: exec of the kernel command failed\n";
	if (write(2, msg, sizeof msg - 1) < 0)
		_exit(127);
	_exit(127);
}

int klaunch_start(agent *a, const char *rundir, unsigned gen, const kspec *spec,
		  const char *cwd, klaunch *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	out->conn_path = xasprintf("%s/k%u.json", rundir, gen);
	out->ip = xasprintf("%s/k%u", rundir, gen);
	out->log_path = xasprintf("%s/k%u.log", rundir, gen);
	rand_hex(out->key, 64);
	if (strlen(out->ip) + 8 > 100) {
		sbx_error(e, "the kernel runtime directory %s is too long for ipc sockets; set TMPDIR to a short path", rundir);
		klaunch_clear(out);
		return -1;
	}
	out->tcp = !kspec_is_ipykernel(spec);
	if ((out->tcp && pick_ports(out, e) < 0) || write_conn_file(out, spec, e) < 0) {
		klaunch_clear(out);
		return -1;
	}
	envv env = build_env(a, spec);
	char **argv = build_argv(spec, out->conn_path);
	char *exe = resolve_exe(argv[0], &env);
	if (!exe) {
		sbx_error(e, "cannot start the %s kernel: %s is not an executable (kernelspec argv[0]); "
			  "install the kernel or fix its kernel.json", spec->name, argv[0]);
		goto fail;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		sbx_error_errno(e, "cannot start the %s kernel: fork failed", spec->name);
		goto fail;
	}
	if (pid == 0)
		child(parent, exe, argv, env.v, out->log_path, cwd);
	out->pid = pid;
	free(exe);
	sbx_strv_free(argv);
	envv_free(&env);
	return 0;
fail:
	free(exe);
	sbx_strv_free(argv);
	envv_free(&env);
	klaunch_clear(out);
	return -1;
}

void klaunch_endpoint(const klaunch *l, int port, char *buf, size_t n)
{
	if (l->tcp)
		snprintf(buf, n, "tcp://127.0.0.1:%d", l->ports[port]);
	else
		snprintf(buf, n, "ipc://%s-%d", l->ip, port);
}

void klaunch_clear(klaunch *l)
{
	if (l->conn_path)
		unlink(l->conn_path);
	if (l->log_path)
		unlink(l->log_path);
	if (l->ip && !l->tcp)
		for (int p = KPORT_SHELL; p <= KPORT_HB; p++) {
			char *s = xasprintf("%s-%d", l->ip, p);
			unlink(s);
			free(s);
		}
	free(l->conn_path);
	free(l->ip);
	free(l->log_path);
	l->conn_path = l->ip = l->log_path = NULL;
	l->pid = 0;
}

char *klaunch_log_tail(const char *log_path, size_t max)
{
	int fd = log_path ? open(log_path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return xstrdup("");
	struct stat st;
	off_t start = 0;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size > max)
		start = st.st_size - (off_t)max;
	char *buf = xmalloc(max + 1);
	ssize_t n = pread(fd, buf, max, start);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	char *s = buf;
	if (start > 0) {   /* drop the partial first line */
		char *nl = strchr(s, '\n');
		if (nl)
			s = nl + 1;
	}
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	char *out = xstrdup(s);
	free(buf);
	return out;
}

char *kproc_describe_status(int status)
{
	if (WIFEXITED(status))
		return xasprintf("exit status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return xasprintf("signal %d, %s", WTERMSIG(status), strsignal(WTERMSIG(status)));
	return xasprintf("wait status %#x", (unsigned)status);
}

int kproc_gone(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold ')' so take the last one. */
	char *rp = strrchr(buf, ')');
	if (!rp || !rp[1] || !rp[2])
		return 0;
	return rp[2] == 'Z' || rp[2] == 'X';
}
