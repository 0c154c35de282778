/*
 * sbx-rt: drive the ns runtime by hand or from tests, one call per run
 * (the way sbxd will call it, and proof that a sandbox outlives its creator).
 *
 *   sbx-rt available
 *   sbx-rt create --template DIR --state DIR [--id ID] [--cpus N] [--memory MB]
 *                 [--disk MB] [--pids N] [--no-internet] [--token T]
 *                 [--env K=V]... [--agent BIN] [--hold]
 *                 prints the agent address; --hold then keeps the handle
 *                 until killed (a stand-in for sbxd, to kill -9 in tests)
 *   sbx-rt pause|resume|stats|destroy|adopt STATE_DIR
 * SBX_RT=qemu drives the qemu runtime instead of ns.
 */
#include "../../vm/runtime.h"
#include "../../src/util/rand.h"
#include "../../src/util/selfpath.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const runtime_ops *rt;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sbx-rt available\n"
		"       sbx-rt create --template DIR --state DIR [--id ID] [--cpus N] [--memory MB]\n"
		"                     [--disk MB] [--pids N] [--no-internet] [--token T]\n"
		"                     [--env K=V]... [--agent BIN] [--hold]\n"
		"       sbx-rt pause|resume|stats|destroy|adopt STATE_DIR\n");
}

/* build/tools/sbx-rt -> build/sbx-agent */
static char *default_agent(void)
{
	char *dir = self_dir();
	char *p = dir ? xasprintf("%s/../sbx-agent", dir) : NULL;
	free(dir);
	return p;
}

static int int_arg(const char *name, const char *v, int *out)
{
	char *end;
	long x = strtol(v, &end, 10);
	if (!*v || *end || x < 0 || x > INT_MAX) {
		fprintf(stderr, "sbx-rt: --%s wants a non-negative number, got '%s'\n", name, v);
		return -1;
	}
	*out = (int)x;
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "template", required_argument, 0, 'T' }, { "state", required_argument, 0, 's' },
		{ "id", required_argument, 0, 'i' }, { "cpus", required_argument, 0, 'c' },
		{ "memory", required_argument, 0, 'm' }, { "disk", required_argument, 0, 'd' },
		{ "pids", required_argument, 0, 'p' }, { "no-internet", no_argument, 0, 'n' },
		{ "token", required_argument, 0, 't' }, { "env", required_argument, 0, 'e' },
		{ "agent", required_argument, 0, 'a' }, { "hold", no_argument, 0, 'H' },
		{ 0, 0, 0, 0 },
	};
	rt_spec spec = { .internet = 1 };
	const char **env = xcalloc((size_t)argc + 1, sizeof *env);
	size_t nenv = 0;
	char id[17], *agent = NULL;
	int c, rc = 1, hold = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'T': spec.template_dir = optarg; break;
		case 's': spec.state_dir = optarg; break;
		case 'i': spec.id = optarg; break;
		case 'c': bad = int_arg("cpus", optarg, &spec.limits.cpus); break;
		case 'm': bad = int_arg("memory", optarg, &spec.limits.memory_mb); break;
		case 'd': bad = int_arg("disk", optarg, &spec.limits.disk_mb); break;
		case 'p': bad = int_arg("pids", optarg, &spec.limits.pids); break;
		case 'n': spec.internet = 0; break;
		case 't': spec.access_token = optarg; break;
		case 'e': env[nenv++] = optarg; break;
		case 'a': free(agent); agent = xstrdup(optarg); break;
		case 'H': hold = 1; break;
		default: bad = -1; usage(stderr); break;
		}
		if (bad)
			goto out;
	}
	if (!spec.template_dir || !spec.state_dir || optind < argc) {
		usage(stderr);
		goto out;
	}
	if (!spec.id) {
		rand_hex(id, 16);
		spec.id = id;
	}
	if (!agent)
		agent = default_agent();
	spec.agent_bin = agent;
	spec.env = env;
	if (mkdir(spec.state_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "sbx-rt: cannot create %s: %s\n", spec.state_dir, strerror(errno));
		goto out;
	}
	rt_sandbox *s;
	sbx_err e;
	if (rt->create(&spec, &s, &e) < 0) {
		fprintf(stderr, "sbx-rt: %s\n", e.msg);
		goto out;
	}
	printf("%s\n", rt->agent_addr(s));
	fflush(stdout);
	while (hold)
		pause();
	rt->release(s);
	rc = 0;
out:
	free(env);
	free(agent);
	return rc;
}

static int cmd_on_state(const char *cmd, const char *dir)
{
	rt_sandbox *s;
	sbx_err e;
	if (rt->adopt(dir, &s, &e) < 0) {
		fprintf(stderr, "sbx-rt: %s\n", e.msg);
		return 1;
	}
	int rc = 0;
	if (strcmp(cmd, "adopt") == 0) {
		printf("%s %s\n", rt->agent_addr(s), rt->alive(s) ? "alive" : "dead");
	} else if (strcmp(cmd, "pause") == 0) {
		rc = rt->pause(s, &e);
	} else if (strcmp(cmd, "resume") == 0) {
		rc = rt->resume(s, &e);
	} else if (strcmp(cmd, "stats") == 0) {
		rt_stats st;
		rc = rt->stats(s, &st, &e);
		if (rc == 0)
			printf("cpu_count %d\ncpu_used_pct %.2f\nmem_used %llu\nmem_total %llu\n"
			       "disk_used %llu\ndisk_total %llu\n", st.cpu_count, st.cpu_used_pct,
			       (unsigned long long)st.mem_used, (unsigned long long)st.mem_total,
			       (unsigned long long)st.disk_used, (unsigned long long)st.disk_total);
	} else if (strcmp(cmd, "destroy") == 0) {
		rc = rt->destroy(s, &e);
		s = NULL;
	} else {
		fprintf(stderr, "sbx-rt: unknown command '%s'\n", cmd);
		usage(stderr);
		rt->release(s);
		return 2;
	}
	if (s)
		rt->release(s);
	if (rc < 0) {
		fprintf(stderr, "sbx-rt: %s\n", e.msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = getenv("SBX_RT");
	rt = name && !strcmp(name, "qemu") ? &runtime_qemu : &runtime_ns;
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "available") == 0) {
		sbx_err e;
		if (rt->available(&e)) {
			printf("%s: available\n", rt->name);
			return 0;
		}
		printf("ns: not available: %s\n", e.msg);
		return 1;
	}
	if (strcmp(argv[1], "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	return cmd_on_state(argv[1], argv[2]);
}
