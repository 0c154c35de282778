#include "daemon.h"
#include "client_int.h"
#include "../proto/local.h"
#include "../util/fsutil.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_MS 1500
#define RETRY_MS 100

struct sbx_starter {
	sbx_client *cl;
	char *exe;
	int64_t deadline;
	sbx_daemon_cb cb;
	void *ud;
	sbx_op *probe;
	int64_t timer;
	pid_t pid;            /* the sbxd we started (0: none yet) */
	int done;
};

static void probe(sbx_starter *s);

static void finish(sbx_starter *s, const sbx_err *e)
{
	s->done = 1;
	if (s->timer)
		loop_del_timer(s->cl->loop, s->timer);
	s->cb(e, s->pid != 0, s->ud);
	free(s->exe);
	free(s);
}

void sbx_starter_cancel(sbx_starter *s)
{
	if (!s || s->done)
		return;
	if (s->probe)
		sbx_op_cancel(s->probe);
	if (s->timer)
		loop_del_timer(s->cl->loop, s->timer);
	free(s->exe);
	free(s);
}

/* Detached: setsid, then a second fork so sbxd is nobody's child here (no
 * zombie if it exits while we run). */
static int spawn(sbx_starter *s, sbx_err *e)
{
	const sbx_config *cfg = &s->cl->cfg;
	sbxd_endpoint ep;
	char *listen = NULL;
	if (sbxd_endpoint_read(cfg->state_dir, &ep, NULL) == 0) {
		listen = xstrdup(ep.listen);   /* where it was: scripts and SDKs keep their URL */
		sbxd_endpoint_free(&ep);
	}
	fsu_mkdirs(cfg->state_dir, 0700, NULL);   /* if it fails, so does opening the log below */
	char *log = xasprintf("%s/sbxd.log", cfg->state_dir);
	char *argv[] = { s->exe, "serve", listen ? "--listen" : NULL, listen, NULL };
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(log), free(listen);
		return sbx_error_errno(e, "cannot start sbxd: pipe");
	}
	pid_t p = fork();
	if (p < 0) {
		close(pfd[0]), close(pfd[1]), free(log), free(listen);
		return sbx_error_errno(e, "cannot start sbxd: fork");
	}
	if (p == 0) {
		setsid();
		pid_t g = fork();
		if (g == 0) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
			int nul = open("/dev/null", O_RDONLY);
			if (fd < 0 || nul < 0)
				_exit(126);
			dup2(nul, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			close_range(3, ~0U, 0);
			signal(SIGPIPE, SIG_DFL);
			execv(s->exe, argv);
			_exit(127);
		}
		ssize_t w = write(pfd[1], &g, sizeof g);
		_exit(w == sizeof g ? 0 : 1);
	}
	close(pfd[1]);
	pid_t g = 0;
	ssize_t n;
	do
		n = read(pfd[0], &g, sizeof g);
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	waitpid(p, NULL, 0);
	free(log);
	free(listen);
	if (n != sizeof g || g <= 0)
		return sbx_error(e, "cannot start sbxd: the helper process failed");
	s->pid = g;
	return 0;
}

static void fail_with_log(sbx_starter *s, const char *why)
{
	char *log = xasprintf("%s/sbxd.log", s->cl->cfg.state_dir ? s->cl->cfg.state_dir : ".");
	char tail[600] = "";
	FILE *f = fopen(log, "r");
	if (f) {
		/* the last lines say why it stopped */
		fseek(f, 0, SEEK_END);
		long sz = ftell(f), off = sz > (long)sizeof tail - 1 ? sz - (long)sizeof tail + 1 : 0;
		fseek(f, off, SEEK_SET);
		size_t k = fread(tail, 1, sizeof tail - 1, f);
		tail[k] = '\0';
		fclose(f);
		while (k && (tail[k - 1] == '\n'))
			tail[--k] = '\0';
	}
	sbx_err e;
	sbx_error(&e, "sbxd %s; see %s%s%s", why, log, *tail ? ", which ends with:\n" : "", tail);
	free(log);
	finish(s, &e);
}

static int64_t on_retry(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbx_starter *s = ud;
	s->timer = 0;
	/* it writes sbxd.json (URL) and makes the API key as it starts */
	sbx_config cfg;
	sbx_err e;
	if (sbx_config_load(&cfg, &e) == 0) {
		if (cfg.local)
			sbx_client_set_config(s->cl, &cfg);
		sbx_config_free(&cfg);
	}
	probe(s);
	return -1;
}

static void on_probe(sbx_op *op, const sbx_err *e)
{
	sbx_starter *s = op->ctx;
	sbx_err se;
	s->probe = NULL;
	if (!e) {
		if (s->pid && !s->cl->cfg.api_key) {
			/* answering, but its key is not readable yet */
		} else {
			finish(s, NULL);
			return;
		}
	} else if (op->status) {
		sbx_error(&se, "%s answers, but it is not sbxd (HTTP %d on /health); stop what listens there or "
			  "start sbxd elsewhere with `sbx serve --listen PORT`", s->cl->cfg.api_url, op->status);
		finish(s, &se);
		return;
	}
	if (!s->pid) {
		if (spawn(s, &se) < 0) {
			finish(s, &se);
			return;
		}
	} else if (kill(s->pid, 0) < 0 && errno == ESRCH) {
		fail_with_log(s, "stopped right after it started");
		return;
	} else if (now_ms() > s->deadline) {
		fail_with_log(s, "did not answer in time");
		return;
	}
	s->timer = loop_add_timer(s->cl->loop, RETRY_MS, on_retry, s);
}

static void probe(sbx_starter *s)
{
	char *url = xasprintf("%s/health", s->cl->cfg.api_url);
	op_spec sp = { .what = "reach sbxd", .kind = OP_API, .method = "GET", .url = url, .timeout_ms = PROBE_MS,
		       .connect_timeout_ms = PROBE_MS };
	s->probe = op_start(s->cl, &sp);
	s->probe->ctx = s;
	s->probe->on_finish = on_probe;
	free(url);
}

int sbx_daemon_ensure(sbx_client *c, const char *exe, long timeout_ms, sbx_daemon_cb cb, void *ud,
		      sbx_starter **out, sbx_err *e)
{
	if (!c->cfg.local)
		return sbx_error(e, "sbxd is started only for the local configuration (E2B_API_URL/E2B_API_KEY are set)");
	if (!c->cfg.state_dir)
		return sbx_error(e, "no state dir to start sbxd with");
	sbx_starter *s = xcalloc(1, sizeof *s);
	s->cl = c;
	s->exe = xstrdup(exe);
	s->deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 20000);
	s->cb = cb;
	s->ud = ud;
	probe(s);
	if (out)
		*out = s;
	return 0;
}
