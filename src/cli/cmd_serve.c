/*
 * sbx serve: run sbxd in the foreground until SIGINT/SIGTERM.  Sandboxes
 * outlive it: the next `sbx serve` with the same state dir adopts them.
 */
#include "cli.h"
#include "../util/fsutil.h"
#include "../util/selfpath.h"
#include "../daemon/config.h"
#include "../daemon/files.h"
#include "../daemon/sbxd.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sbx serve [--listen ADDR] [--state-dir DIR] [--runtime auto|ns|qemu|ch] [--pool N]\n"
		"  --listen ADDR     tcp:HOST:PORT, HOST:PORT, PORT or unix:PATH (default %s)\n"
		"  --state-dir DIR   sandboxes, logs and sbxd.json (default $XDG_STATE_HOME/sbx\n"
		"                    or ~/.local/state/sbx)\n"
		"  --runtime R       the default runtime of creates that name none: auto (default:\n"
		"                    ch or qemu where KVM works, else ns) or ns, qemu, ch; every\n"
		"                    runtime this machine can run is served (`sbx runtimes`)\n"
		"  --pool N          pre-started sandboxes per default template (default 0)\n"
		"  --agent PATH      the sbx-agent to run in sandboxes (default: next to sbx)\n"
		"  --hosts FILE      names for sandboxes' network rules (allowOut), looked up\n"
		"                    before DNS: lines \"ADDR NAME...\" (default $SBX_HOSTS_FILE)\n"
		"  --net-refresh S   resolve those names again every S seconds (default 60,\n"
		"                    or $SBX_NET_REFRESH_S)\n"
		"The API key is in $XDG_CONFIG_HOME/sbx/api_key (made on first start);\n"
		"eval \"$(sbx env)\" points E2B's SDKs here.\n",
		SBXD_DEFAULT_LISTEN);
}

/* The self-pipe a signal handler may write to; owned by cmd_serve's loop. */
static int sig_wfd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (write(sig_wfd, &b, 1) < 0) {
		/* the pipe is full: a stop is already pending */
	}
	errno = saved;
}

static void on_sig_read(sbx_loop *l, int fd, int events, void *ud)
{
	(void)events, (void)ud;
	unsigned char b;
	if (read(fd, &b, 1) == 1)
		log_info("sbxd: signal %d: stopping (sandboxes keep running)", b);
	loop_stop(l);
}

/* PORT and HOST:PORT are shorthands for tcp:...; 127.0.0.1 unless told. */
static char *normalize_listen(const char *a)
{
	if (!strncmp(a, "tcp:", 4) || !strncmp(a, "unix:", 5))
		return xstrdup(a);
	if (strspn(a, "0123456789") == strlen(a))
		return xasprintf("tcp:127.0.0.1:%s", a);
	return xasprintf("tcp:%s", a);
}

/* What SDKs are told to use: a loopback URL even for a wildcard listener. */
static char *endpoint_url(const char *listen, int port)
{
	if (strncmp(listen, "tcp:", 4))
		return xstrdup(listen);
	const char *hp = listen + 4, *colon = strrchr(hp, ':');
	char host[256];
	snprintf(host, sizeof host, "%.*s", (int)(colon - hp), hp);
	if (!host[0] || !strcmp(host, "0.0.0.0"))
		return xasprintf("http://127.0.0.1:%d", port);
	if (!strcmp(host, "::") || !strcmp(host, "[::]"))
		return xasprintf("http://[::1]:%d", port);
	if (strchr(host, ':') && host[0] != '[')
		return xasprintf("http://[%s]:%d", host, port);
	return xasprintf("http://%s:%d", host, port);
}

static int is_loopback(const char *listen)
{
	return strncmp(listen, "tcp:", 4) || !strncmp(listen, "tcp:127.", 8) || !strncmp(listen, "tcp:localhost:", 14) ||
	       !strncmp(listen, "tcp:[::1]:", 10);
}

/* build/sbx → build/sbx-agent; an installed sbx → /usr/lib/sbx/sbx-agent. */
static char *default_agent(void)
{
	char *p = self_find("sbx-agent", 0);
	return p ? p : xstrdup("/usr/lib/sbx/sbx-agent");
}

/* One sbxd per state dir: two would fight over the same sandboxes.  The
 * lock dies with the process, so a kill -9 leaves nothing to clean. */
static int lock_state(const char *state, int *fd_out)
{
	char *path = xasprintf("%s/sbxd.lock", state);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "sbx serve: cannot open %s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		sbxd_endpoint ep;
		if (sbxd_endpoint_read(state, &ep, NULL) == 0) {
			fprintf(stderr, "sbx serve: sbxd is already running for %s (pid %d, %s); stop it first or "
				"use another --state-dir\n", state, (int)ep.pid, ep.url);
			sbxd_endpoint_free(&ep);
		} else {
			fprintf(stderr, "sbx serve: another sbxd holds %s; stop it first or use another --state-dir\n", path);
		}
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	*fd_out = fd;
	return 0;
}

static int parse_pool(const char *v, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 0 || n > 64) {
		fprintf(stderr, "sbx serve: --pool wants a number from 0 to 64, got '%s'\n", v);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, 0, 'l' }, { "state-dir", required_argument, 0, 's' },
		{ "runtime", required_argument, 0, 'r' }, { "pool", required_argument, 0, 'p' },
		{ "agent", required_argument, 0, 'a' }, { "help", no_argument, 0, 'h' },
		{ "hosts", required_argument, 0, 'H' }, { "net-refresh", required_argument, 0, 'N' },
		{ 0, 0, 0, 0 },
	};
	char *listen = xstrdup(SBXD_DEFAULT_LISTEN), *state = NULL, *agent = NULL, *key = NULL, *url = NULL;
	const char *runtime = "auto", *hosts = getenv("SBX_HOSTS_FILE"), *refresh = getenv("SBX_NET_REFRESH_S");
	int c, pool = 0, rc = 1, lockfd = -1, pipefd[2] = { -1, -1 }, own_state = 0;
	sbx_loop *loop = NULL;
	sbxd *d = NULL;
	sbx_err e;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': free(listen); listen = normalize_listen(optarg); break;
		case 's': free(state); state = xstrdup(optarg); own_state = 1; break;
		case 'r': runtime = optarg; break;
		case 'p': if (parse_pool(optarg, &pool) < 0) { rc = 2; goto out; } break;
		case 'a': free(agent); agent = xstrdup(optarg); break;
		case 'H': hosts = optarg; break;
		case 'N': refresh = optarg; break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); rc = 2; goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sbx serve: unexpected argument '%s'\n", argv[optind]);
		rc = 2;
		goto out;
	}
	int64_t refresh_ms = 0;
	if (refresh && *refresh) {
		char *end;
		long v = strtol(refresh, &end, 10);
		if (*end || v < 1 || v > 86400) {
			fprintf(stderr, "sbx serve: --net-refresh wants whole seconds from 1 to 86400, not '%s'\n", refresh);
			rc = 2;
			goto out;
		}
		refresh_ms = (int64_t)v * 1000;
	}
	if (!state)
		state = sbx_state_dir();
	if (!agent)
		agent = default_agent();
	if (fsu_mkdirs(state, 0700, &e) < 0) {
		fprintf(stderr, "sbx serve: %s\n", e.msg);
		goto out;
	}
	if (lock_state(state, &lockfd) < 0)
		goto out;
	/* After the lock: a second `sbx serve` that is refused must not
	 * rewrite the key the running one serves with. */
	char *key_path = sbx_api_key_path(), *note = NULL;
	int krc = sbxd_api_key(key_path, &key, &note, &e);
	free(key_path);
	if (note)
		log_warn("sbxd: %s", note);
	free(note);
	if (krc < 0) {
		fprintf(stderr, "sbx serve: %s\n", e.msg);
		goto out;
	}

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("sbx serve: pipe");
		goto out;
	}
	sig_wfd = pipefd[1];
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);   /* drivers reset signals for sandbox processes */

	loop = loop_new();
	loop_add_fd(loop, pipefd[0], LOOP_READ, on_sig_read, NULL);
	sbxd_opts o = {
		.listen = listen, .state_dir = state, .runtime = runtime, .pool = pool,
		.api_key = key, .agent_bin = agent, .hosts_file = hosts, .net_refresh_ms = refresh_ms,
	};
	d = sbxd_new(loop, &o, &e);
	if (!d) {
		fprintf(stderr, "sbx serve: %s\n", e.msg);
		goto out;
	}
	url = endpoint_url(listen, sbxd_port(d));
	sbxd_endpoint ep = { .url = url, .listen = listen, .port = sbxd_port(d), .pid = getpid() };
	if (sbxd_endpoint_write(state, &ep, &e) < 0)
		log_warn("sbxd: %s (`sbx env` will not find this sbxd)", e.msg);
	if (!is_loopback(listen))
		log_warn("sbxd: listening on %s, beyond this machine: anyone who can reach it and has the API key "
			 "can run code here", listen);
	log_info("sbxd: serving E2B's API on %s (state %s, pool %d); eval \"$(sbx env%s%s)\" to use it", url, state,
		 pool, own_state ? " --state-dir " : "", own_state ? state : "");
	loop_run(loop);
	rc = 0;
out:
	sbxd_free(d);
	if (loop) {
		loop_del_fd(loop, pipefd[0]);
		loop_free(loop);
	}
	if (pipefd[0] >= 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (lockfd >= 0)
		close(lockfd);
	free(listen);
	free(state);
	free(agent);
	free(key);
	free(url);
	return rc;
}
