/*
 * children: SIGCHLD and termination signals turned into loop events through
 * a self-pipe.  Handlers (not a blocked mask + signalfd) because a blocked
 * mask would be inherited by every process we exec, while handlers reset to
 * the default on exec.  The pipe's write end is the one piece of process-wide
 * state: a signal handler cannot reach the agent otherwise.
 */
#include "agent.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct watch {
	pid_t pid;
	child_exit_cb cb;
	void *ud;
};

struct child_table {
	int rfd, wfd;
	struct watch *w;
	size_t n, cap;
};

static int sig_wfd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	if (sig_wfd >= 0 && write(sig_wfd, &c, 1) < 0) {
		/* pipe full: a wake-up is already pending */
	}
	errno = saved;
}

static void on_sigpipe(int sig)
{
	(void)sig;   /* writes to a closed pipe get EPIPE instead of killing us */
}

static void reap(agent *a)
{
	struct child_table *t = a->children;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < t->n; i++) {
			if (t->w[i].pid != pid)
				continue;
			struct watch w = t->w[i];
			t->w[i] = t->w[--t->n];
			w.cb(a, pid, status, w.ud);
			break;
		}
	}
}

static void on_pipe(sbx_loop *l, int fd, int events, void *ud)
{
	(void)events;
	agent *a = ud;
	unsigned char sigs[64];
	ssize_t n;
	while ((n = read(fd, sigs, sizeof sigs)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (sigs[i] == SIGTERM || sigs[i] == SIGINT) {
				log_info("agent: %s received, shutting down", sigs[i] == SIGTERM ? "SIGTERM" : "SIGINT");
				a->stopping = 1;
				loop_stop(l);
			}
		}
	}
	reap(a);
}

int children_init(agent *a)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	struct child_table *t = xcalloc(1, sizeof *t);
	t->rfd = p[0];
	t->wfd = p[1];
	a->children = t;
	sig_wfd = p[1];
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct sigaction sp = { .sa_handler = on_sigpipe, .sa_flags = SA_RESTART };
	sigemptyset(&sp.sa_mask);
	sigaction(SIGPIPE, &sp, NULL);
	loop_add_fd(a->loop, t->rfd, LOOP_READ, on_pipe, a);
	return 0;
}

void children_free(agent *a)
{
	struct child_table *t = a->children;
	if (!t)
		return;
	signal(SIGCHLD, SIG_DFL);
	sig_wfd = -1;
	loop_del_fd(a->loop, t->rfd);
	close(t->rfd);
	close(t->wfd);
	free(t->w);
	free(t);
	a->children = NULL;
}

void children_watch(agent *a, pid_t pid, child_exit_cb cb, void *ud)
{
	struct child_table *t = a->children;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->w = xrealloc(t->w, t->cap * sizeof *t->w);
	}
	t->w[t->n++] = (struct watch){ pid, cb, ud };
	/* The child may have exited before it was registered. */
	on_signal(SIGCHLD);
}

void children_unwatch(agent *a, pid_t pid)
{
	struct child_table *t = a->children;
	for (size_t i = 0; i < t->n; i++)
		if (t->w[i].pid == pid)
			t->w[i] = t->w[--t->n];
}
