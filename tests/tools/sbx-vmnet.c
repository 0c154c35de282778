/*
 * sbx-vmnet: a VM sandbox's network (vm/vm_net.h) without a VM, one call per
 * run, kept in STATE_DIR/state.json (vm/vm_state.h, driver "vmnet"), so
 * tests/integration/t_vm_net.sh can put a stand-in guest (tap_relay) behind
 * it and check what reaches what.
 *
 *   sbx-vmnet create STATE_DIR ID [--no-internet]   prints the agent address
 *   sbx-vmnet addr STATE_DIR                        the agent address again
 *   sbx-vmnet spawn STATE_DIR PROGRAM [ARGS...]     start PROGRAM (absolute) in the
 *                                                   namespace as a VMM is started
 *                                                   (vm/vm_proc.h), output in
 *                                                   STATE_DIR/vmm.log; prints its pid
 *   sbx-vmnet kill STATE_DIR                        kill it, as sbxd kills a VMM
 *   sbx-vmnet destroy STATE_DIR                     everything gone (may be repeated)
 */
#include "../../vm/vm_state.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: sbx-vmnet create STATE_DIR ID [--no-internet]\n"
			"       sbx-vmnet spawn STATE_DIR PROGRAM [ARGS...]\n"
			"       sbx-vmnet addr|kill|destroy STATE_DIR\n");
	return 2;
}

static int create(const char *dir, const char *id, int internet)
{
	sbx_err e;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "sbx-vmnet: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	vm_state st;
	memset(&st, 0, sizeof st);
	st.dir = realpath(dir, NULL);
	if (!st.dir) {
		fprintf(stderr, "sbx-vmnet: cannot resolve %s: %s\n", dir, strerror(errno));
		return 1;
	}
	st.id = xstrdup(id);
	st.driver = xstrdup("vmnet");
	st.status = VMS_CREATING;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	st.created_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	int rc = 1;
	if (vm_net_create(id, st.dir, internet, &st.net, &e) < 0) {
		fprintf(stderr, "sbx-vmnet: %s\n", e.msg);
		goto out;
	}
	st.status = VMS_RUNNING;
	if (vm_state_save(&st, &e) < 0) {
		fprintf(stderr, "sbx-vmnet: %s\n", e.msg);
		vm_net_destroy(&st.net, NULL);
		goto out;
	}
	char *addr = vm_net_agent_addr(&st.net);
	printf("%s\n", addr);
	free(addr);
	rc = 0;
out:
	vm_state_free(&st);
	return rc;
}

static int with_state(const char *cmd, const char *dir, char **args)
{
	sbx_err e;
	vm_state st;
	if (vm_state_load(&st, dir, "vmnet", &e) < 0) {
		fprintf(stderr, "sbx-vmnet: %s\n", e.msg);
		return 1;
	}
	int rc = 0;
	if (strcmp(cmd, "addr") == 0) {
		char *addr = vm_net_agent_addr(&st.net);
		printf("%s\n", addr ? addr : "");
		free(addr);
	} else if (strcmp(cmd, "spawn") == 0) {
		char *log = xasprintf("%s/vmm.log", st.dir);
		if (vm_proc_spawn((const char *const *)args, &st.net, log, &st.vmm, &e) < 0 ||
		    vm_state_save(&st, &e) < 0) {
			fprintf(stderr, "sbx-vmnet: %s\n", e.msg);
			rc = 1;
		} else {
			printf("%d\n", (int)st.vmm.pid);
		}
		free(log);
	} else if (strcmp(cmd, "kill") == 0) {
		if (vm_proc_kill(&st.vmm, &e) < 0 || vm_state_save(&st, &e) < 0) {
			fprintf(stderr, "sbx-vmnet: %s\n", e.msg);
			rc = 1;
		}
	} else if (vm_net_destroy(&st.net, &e) < 0) {
		fprintf(stderr, "sbx-vmnet: %s\n", e.msg);
		rc = 1;
		vm_state_save(&st, NULL);    /* what is left, for a retry */
	} else {
		vm_state_save(&st, NULL);    /* nothing left: destroy may run again */
	}
	vm_state_free(&st);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "create") == 0) {
		int internet = 1;
		if (argc == 5 && strcmp(argv[4], "--no-internet") == 0)
			internet = 0;
		else if (argc != 4)
			return usage();
		return create(argv[2], argv[3], internet);
	}
	if (argc >= 4 && strcmp(argv[1], "spawn") == 0)
		return with_state(argv[1], argv[2], argv + 3);
	if (argc == 3 && (strcmp(argv[1], "addr") == 0 || strcmp(argv[1], "kill") == 0 ||
			  strcmp(argv[1], "destroy") == 0))
		return with_state(argv[1], argv[2], NULL);
	return usage();
}
