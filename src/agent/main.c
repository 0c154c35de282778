/*
 * sbx-agent: runs inside every sandbox (or directly on a host for
 * development) and serves E2B's envd and code-interpreter protocols on one
 * HTTP listener per --listen address.
 */
#include "agent.h"
#include "ports.h"
#include "../util/log.h"
#include "../util/selfpath.h"
#include "../util/xalloc.h"
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sbx-agent [options]\n"
		"  --listen ADDR        tcp:HOST:PORT, unix:PATH or vsock:PORT (repeatable;\n"
		"                       default tcp:127.0.0.1:49983 and tcp:127.0.0.1:49999,\n"
		"                       the ports E2B's SDKs use in debug mode)\n"
		"  --access-token T     require X-Access-Token: T (also $SBX_ACCESS_TOKEN)\n"
		"  --user NAME          default user for processes and files (default: user)\n"
		"  --workdir DIR        default working directory (default: the user's home)\n"
		"  --env KEY=VALUE      global environment for processes and code (repeatable)\n"
		"  --python-path DIR    where the sbx_e2b IPython extension lives\n"
		"  --no-kernel          do not start the default Python kernel at start-up\n"
		"  --sandbox            also listen on 0.0.0.0:49983 and 0.0.0.0:49999, E2B's\n"
		"                       ports inside a sandbox (on by default as PID 1)\n"
		"  --version            print the envd protocol version and exit\n");
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <dir of this binary>/../vm/python in a build tree, else the installed
 * copy.  No path of the checkout is compiled in: the binary is hashed into
 * template ids, so two checkouts of one commit must build the same bytes. */
static char *default_python_path(void)
{
	char *p = self_find("../vm/python", 1);
	return p ? p : xstrdup("/usr/lib/sbx/python");
}

/* Returns 0 to run, or the exit status (+1) to leave with at once. */
static int parse_args(int argc, char **argv, agent *a, const char **listens, int *nlisten)
{
	static const struct option opts[] = {
		{ "listen", required_argument, 0, 'l' },
		{ "access-token", required_argument, 0, 't' },
		{ "user", required_argument, 0, 'u' },
		{ "workdir", required_argument, 0, 'w' },
		{ "env", required_argument, 0, 'e' },
		{ "python-path", required_argument, 0, 'p' },
		{ "no-kernel", no_argument, 0, 'K' },
		{ "sandbox", no_argument, 0, 'S' },
		{ "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	const char *tok = getenv("SBX_ACCESS_TOKEN");
	if (tok && *tok)
		a->cfg.access_token = xstrdup(tok);
	/* Every process and kernel inherits our environment: keep the token out. */
	unsetenv("SBX_ACCESS_TOKEN");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (*nlisten == 8) {
				fprintf(stderr, "sbx-agent: at most 8 --listen addresses\n");
				return 3;
			}
			listens[(*nlisten)++] = optarg;
			break;
		case 't': free(a->cfg.access_token); a->cfg.access_token = xstrdup(optarg); break;
		case 'u': free(a->cfg.default_user); a->cfg.default_user = xstrdup(optarg); break;
		case 'w': {
			char *abs = realpath(optarg, NULL);
			if (!abs) {
				fprintf(stderr, "sbx-agent: --workdir %s: no such directory\n", optarg);
				return 3;
			}
			free(a->cfg.workdir);
			a->cfg.workdir = abs;
			break;
		}
		case 'p': free(a->cfg.python_path); a->cfg.python_path = xstrdup(optarg); break;
		case 'K': a->cfg.no_kernel = 1; break;
		case 'S': a->cfg.sandbox = 1; break;
		case 'e': {
			char *eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr, "sbx-agent: --env wants KEY=VALUE, got '%s'\n", optarg);
				return 3;
			}
			*eq = '\0';
			kv_set(&a->env, optarg, eq + 1);
			break;
		}
		case 'V': printf("%s\n", AGENT_ENVD_VERSION); return 1;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 3;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sbx-agent: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 3;
	}
	if (!a->cfg.default_user)
		a->cfg.default_user = xstrdup("user");
	return 0;
}

/* Inside a sandbox, E2B's ports answer on every address of the sandbox
 * (curl http://0.0.0.0:49999/health from a command), not only on the
 * runtime's channel.  A port another --listen already covers is skipped; a
 * port taken by someone else only costs a warning. */
static void sandbox_listeners(http_server *srv, const char **listens, int nlisten)
{
	static const char *const want[] = { "tcp:0.0.0.0:49983", "tcp:0.0.0.0:49999" };
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		int have = 0;
		for (int j = 0; j < nlisten; j++)
			have |= !strcmp(listens[j], want[i]);
		sbx_err e;
		if (have)
			continue;
		if (http_server_listen(srv, want[i], &e) < 0)
			log_warn("agent: %s (in-sandbox clients of this port will not reach the agent)", e.msg);
		else
			log_info("agent: listening on %s", want[i]);
	}
}

int main(int argc, char **argv)
{
	agent a = { 0 };
	const char *listens[8];
	int nlisten = 0, rc = 1;
	http_server *srv = NULL;

	/* Not dumpable: nobody without CAP_SYS_PTRACE (root in a sandbox has
	 * not) may ptrace us or read our memory, environment or fds in /proc;
	 * we hold the access token.  Our children get it back at exec. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	int pr = parse_args(argc, argv, &a, listens, &nlisten);
	if (pr) {
		rc = pr - 1;
		goto out;
	}
	if (!nlisten) {
		listens[nlisten++] = "tcp:127.0.0.1:49983";
		listens[nlisten++] = "tcp:127.0.0.1:49999";
	}
	if (!a.cfg.python_path)
		a.cfg.python_path = default_python_path();
	if (!is_dir(a.cfg.python_path))
		log_warn("agent: no sbx_e2b extension at %s: charts, DataFrame data and env_vars in code will not work; pass --python-path", a.cfg.python_path);

	a.loop = loop_new();
	if (children_init(&a) < 0) {
		perror("sbx-agent: cannot set up signal handling");
		goto out;
	}
	srv = http_server_new(a.loop, router_handle, &a);
	for (int i = 0; i < nlisten; i++) {
		sbx_err e;
		if (http_server_listen(srv, listens[i], &e) < 0) {
			fprintf(stderr, "sbx-agent: %s\n", e.msg);
			goto out;
		}
		log_info("agent: listening on %s", listens[i]);
	}
	if (a.cfg.sandbox || getpid() == 1)
		sandbox_listeners(srv, listens, nlisten);
	ports_init(&a);
	envd_process_init(&a);
	envd_fs_init(&a);
	if (code_init(&a) < 0)
		log_warn("agent: the code interpreter is not available; /execute will report why");
	loop_run(a.loop);
	rc = 0;
	/* Requests first: their close callbacks still reach live modules. */
	http_server_free(srv);
	srv = NULL;
	code_free(&a);
	ports_free(&a);
	envd_fs_free(&a);
	envd_process_free(&a);
out:
	http_server_free(srv);
	children_free(&a);
	loop_free(a.loop);
	kv_free(&a.env);
	free(a.cfg.access_token);
	free(a.cfg.default_user);
	free(a.cfg.workdir);
	free(a.cfg.python_path);
	return rc;
}
