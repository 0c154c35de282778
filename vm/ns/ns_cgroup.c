#include "ns_cgroup.h"
#include "ns_util.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const ctl_name[NSCG_NCTL] = { "memory", "cpu", "cpuacct", "pids", "freezer" };

/* Where this host mounts its cgroup hierarchies (from /proc/self/mountinfo). */
typedef struct cg_host {
	char v2[512];               /* cgroup2 mount point, "" if none */
	char v1[NSCG_NCTL][512];    /* v1 mount point per controller, "" if none */
} cg_host;

static int has_token(const char *list, const char *tok, const char *seps)
{
	size_t n = strlen(tok);
	for (const char *p = list; (p = strstr(p, tok)); p += n) {
		int start = p == list || strchr(seps, p[-1]);
		int end = p[n] == '\0' || strchr(seps, p[n]);
		if (start && end)
			return 1;
	}
	return 0;
}

static int read_host(cg_host *h, sbx_err *e)
{
	memset(h, 0, sizeof *h);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return sbx_error_errno(e, "cannot read /proc/self/mountinfo (is /proc mounted?)");
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		char mnt[512], fstype[32], super[512];
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep + 3, "%31s %*s %511s", fstype, super) != 2)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && !h->v2[0])
			snprintf(h->v2, sizeof h->v2, "%s", mnt);
		if (strcmp(fstype, "cgroup") != 0)
			continue;
		for (int c = 0; c < NSCG_NCTL; c++)
			if (!h->v1[c][0] && has_token(super, ctl_name[c], ","))
				snprintf(h->v1[c], sizeof h->v1[c], "%s", mnt);
	}
	free(line);
	fclose(f);
	return 0;
}

/* 2 or 1 for the version to use, or -1 with what is missing. */
static int pick_version(const cg_host *h, sbx_err *e)
{
	char v2miss[64] = "", v1miss[64] = "", path[600], ctls[512] = "";
	if (h->v2[0]) {
		snprintf(path, sizeof path, "%s/cgroup.controllers", h->v2);
		nsu_read_file(path, ctls, sizeof ctls, NULL);
		const char *need[] = { "memory", "cpu", "pids" };
		for (int i = 0; i < 3; i++)
			if (!has_token(ctls, need[i], " \n"))
				snprintf(v2miss + strlen(v2miss), sizeof v2miss - strlen(v2miss), " %s", need[i]);
		if (!v2miss[0])
			return 2;
	}
	for (int c = 0; c < NSCG_NCTL; c++)
		if (!h->v1[c][0])
			snprintf(v1miss + strlen(v1miss), sizeof v1miss - strlen(v1miss), " %s", ctl_name[c]);
	if (!v1miss[0])
		return 1;
	if (h->v2[0])
		return sbx_error(e, "no usable cgroups: cgroup v2 at %s lacks the%s controller(s) and "
				 "cgroup v1 lacks%s; boot with systemd.unified_cgroup_hierarchy=1 "
				 "or mount the v1 controllers", h->v2, v2miss, v1miss);
	return sbx_error(e, "no usable cgroups: no cgroup2 mount and cgroup v1 lacks%s; "
			 "mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)", v1miss);
}

int nscg_probe(sbx_err *e)
{
	cg_host h;
	if (read_host(&h, e) < 0)
		return -1;
	return pick_version(&h, e) < 0 ? -1 : 0;
}

static int add_dir(ns_cgroup *cg, const char *dir)
{
	for (int i = 0; i < cg->n; i++)
		if (strcmp(cg->dir[i], dir) == 0)
			return i;
	cg->dir[cg->n] = xstrdup(dir);
	return cg->n++;
}

static int cg_write(const ns_cgroup *cg, int ctl, const char *file, const char *val, sbx_err *e)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", cg->dir[cg->ctl[ctl]], file);
	return nsu_write_file(path, val, e);
}

static int exists(const char *dir, const char *file)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* v2: the parent must delegate memory, cpu and pids to its children. */
static int v2_enable(const char *dir, sbx_err *e)
{
	char path[1024], cur[256] = "";
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
	nsu_read_file(path, cur, sizeof cur, NULL);
	const char *need[] = { "memory", "cpu", "pids" };
	for (int i = 0; i < 3; i++) {
		char val[16];
		if (has_token(cur, need[i], " \n"))
			continue;
		snprintf(val, sizeof val, "+%s", need[i]);
		if (nsu_write_file(path, val, NULL) < 0)
			return sbx_error_errno(e, "cannot enable the %s controller in %s (on a cgroup v2 host "
					       "inside a container, move its processes into a child cgroup first)",
					       need[i], path);
	}
	return 0;
}

/* v1 cpuset groups start empty and refuse tasks: inherit the parent's sets. */
static void v1_cpuset_init(const char *dir)
{
	if (!exists(dir, "cpuset.cpus"))
		return;
	const char *files[] = { "cpuset.cpus", "cpuset.mems" };
	for (int i = 0; i < 2; i++) {
		char path[1024], ppath[1100], val[256] = "";
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if (nsu_read_file(path, val, sizeof val, NULL) == 0 && val[0] && val[0] != '\n')
			continue;
		snprintf(ppath, sizeof ppath, "%s/../%s", dir, files[i]);
		if (nsu_read_file(ppath, val, sizeof val, NULL) == 0)
			nsu_write_file(path, val, NULL);
	}
}

static int make_dirs(ns_cgroup *cg, const cg_host *h, const char *id, sbx_err *e)
{
	for (int c = 0; c < NSCG_NCTL; c++) {
		const char *mnt = cg->version == 2 ? h->v2 : h->v1[c];
		char parent[600], dir[700];
		snprintf(parent, sizeof parent, "%s/sbx", mnt);
		snprintf(dir, sizeof dir, "%s/%s", parent, id);
		int before = cg->n;
		cg->ctl[c] = add_dir(cg, dir);
		if (cg->n == before)
			continue;        /* a hierarchy shared with an earlier controller */
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return sbx_error_errno(e, "cannot create cgroup %s", parent);
		if (cg->version == 2 && (v2_enable(mnt, e) < 0 || v2_enable(parent, e) < 0))
			return -1;
		if (cg->version == 1)
			v1_cpuset_init(parent);
		if (mkdir(dir, 0755) < 0) {
			int saved = errno;
			free(cg->dir[--cg->n]);    /* not ours: keep it out of the clean-up */
			errno = saved;
			if (errno == EEXIST)
				return sbx_error(e, "cgroup %s already exists: a sandbox with id %s "
						 "exists or was not destroyed; destroy it or pick another id", dir, id);
			return sbx_error_errno(e, "cannot create cgroup %s", dir);
		}
		if (cg->version == 1)
			v1_cpuset_init(dir);
	}
	return 0;
}

static int set_limits(ns_cgroup *cg, int cpus, int memory_mb, int pids, sbx_err *e)
{
	char val[64];
	snprintf(val, sizeof val, "%d", pids > 0 ? pids : NSCG_DEFAULT_PIDS);
	if (cg_write(cg, NSCG_PIDS, "pids.max", val, e) < 0)
		return -1;
	if (memory_mb > 0) {
		snprintf(val, sizeof val, "%llu", (unsigned long long)memory_mb << 20);
		const char *mem = cg->version == 2 ? "memory.max" : "memory.limit_in_bytes";
		if (cg_write(cg, NSCG_MEMORY, mem, val, e) < 0)
			return -1;
		/* Swap would let a sandbox exceed its memory without being OOM-killed. */
		const char *dir = cg->dir[cg->ctl[NSCG_MEMORY]];
		if (cg->version == 2 && exists(dir, "memory.swap.max") &&
		    cg_write(cg, NSCG_MEMORY, "memory.swap.max", "0", e) < 0)
			return -1;
		if (cg->version == 1 && exists(dir, "memory.memsw.limit_in_bytes") &&
		    cg_write(cg, NSCG_MEMORY, "memory.memsw.limit_in_bytes", val, e) < 0)
			return -1;
		if (cg->version == 1 && exists(dir, "memory.swappiness"))
			cg_write(cg, NSCG_MEMORY, "memory.swappiness", "0", NULL);
	}
	if (cpus > 0) {
		if (cg->version == 2) {
			snprintf(val, sizeof val, "%d 100000", cpus * 100000);
			if (cg_write(cg, NSCG_CPU, "cpu.max", val, e) < 0)
				return -1;
		} else {
			snprintf(val, sizeof val, "%d", cpus * 100000);
			if (cg_write(cg, NSCG_CPU, "cpu.cfs_period_us", "100000", e) < 0 ||
			    cg_write(cg, NSCG_CPU, "cpu.cfs_quota_us", val, e) < 0)
				return -1;
		}
	}
	return 0;
}

int nscg_create(ns_cgroup *cg, const char *id, int cpus, int memory_mb, int pids, sbx_err *e)
{
	cg_host h;
	memset(cg, 0, sizeof *cg);
	if (read_host(&h, e) < 0)
		return -1;
	int v = pick_version(&h, e);
	if (v < 0)
		return -1;
	cg->version = v;
	if (make_dirs(cg, &h, id, e) < 0 || set_limits(cg, cpus, memory_mb, pids, e) < 0) {
		nscg_remove(cg, NULL);
		nscg_free(cg);
		return -1;
	}
	return 0;
}

int nscg_procs_files(const ns_cgroup *cg, char *out[NSCG_MAX_DIRS])
{
	for (int i = 0; i < cg->n; i++)
		out[i] = xasprintf("%s/cgroup.procs", cg->dir[i]);
	return cg->n;
}

int nscg_frozen(const ns_cgroup *cg, sbx_err *e)
{
	char path[1024], buf[64];
	uint64_t v;
	if (cg->version == 2) {
		snprintf(path, sizeof path, "%s/cgroup.events", cg->dir[0]);
		return nsu_read_keyed(path, "frozen", &v, e) < 0 ? -1 : v == 1;
	}
	snprintf(path, sizeof path, "%s/freezer.state", cg->dir[cg->ctl[NSCG_FREEZER]]);
	if (nsu_read_file(path, buf, sizeof buf, e) < 0)
		return -1;
	return strncmp(buf, "FROZEN", 6) == 0;
}

int nscg_freeze(const ns_cgroup *cg, int frozen, sbx_err *e)
{
	const char *file = cg->version == 2 ? "cgroup.freeze" : "freezer.state";
	const char *val = cg->version == 2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
	if (cg_write(cg, NSCG_FREEZER, file, val, e) < 0)
		return -1;
	/* Freezing is asynchronous: tasks stop at their next return to user space. */
	for (int i = 0; i < 500; i++) {
		int f = nscg_frozen(cg, e);
		if (f < 0)
			return -1;
		if (f == frozen)
			return 0;
		nsu_sleep_ms(10);
	}
	return sbx_error(e, "the sandbox did not %s within 5 s (a task may be stuck in the kernel); "
			 "try again", frozen ? "freeze" : "thaw");
}

/* Send SIGKILL to every pid listed in one cgroup.procs; returns how many. */
static int kill_listed(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	int n = 0, pid;
	while (fscanf(f, "%d", &pid) == 1) {
		kill(pid, SIGKILL);
		n++;
	}
	fclose(f);
	return n;
}

int nscg_kill_all(const ns_cgroup *cg, sbx_err *e)
{
	int have_kill = cg->version == 2 && exists(cg->dir[0], "cgroup.kill");
	for (int round = 0; round < 1000; round++) {
		int left = 0;
		if (have_kill) {
			char path[1024];
			uint64_t populated = 0;
			snprintf(path, sizeof path, "%s/cgroup.events", cg->dir[0]);
			if (nsu_read_keyed(path, "populated", &populated, NULL) < 0 || !populated)
				return 0;
			cg_write(cg, NSCG_PIDS, "cgroup.kill", "1", NULL);
			left = 1;
		} else {
			for (int i = 0; i < cg->n; i++)
				left += kill_listed(cg->dir[i]);
			if (!left)
				return 0;
		}
		/* v1-frozen tasks cannot act on SIGKILL until thawed. */
		if (round == 0 && cg->version == 1)
			cg_write(cg, NSCG_FREEZER, "freezer.state", "THAWED", NULL);
		if (round == 0 && cg->version == 2)
			cg_write(cg, NSCG_FREEZER, "cgroup.freeze", "0", NULL);
		nsu_sleep_ms(5);
	}
	return sbx_error(e, "processes in cgroup %s survived SIGKILL for 5 s (stuck in the kernel?); "
			 "destroy again later", cg->dir[0]);
}

int nscg_remove(const ns_cgroup *cg, sbx_err *e)
{
	int rc = 0;
	for (int i = 0; i < cg->n; i++) {
		int tries = 0;
		while (rmdir(cg->dir[i]) < 0 && errno != ENOENT) {
			/* The last tasks may still be leaving after SIGKILL. */
			if (errno != EBUSY || ++tries > 200) {
				rc = sbx_error_errno(e, "cannot remove cgroup %s (kill its processes first)", cg->dir[i]);
				break;
			}
			nsu_sleep_ms(10);
		}
	}
	return rc;
}

int nscg_usage(const ns_cgroup *cg, uint64_t *cpu_ns, uint64_t *mem, uint64_t *mem_max, sbx_err *e)
{
	char path[1024];
	const char *m = cg->dir[cg->ctl[NSCG_MEMORY]];
	if (cg->version == 2) {
		uint64_t usec;
		snprintf(path, sizeof path, "%s/cpu.stat", cg->dir[0]);
		if (nsu_read_keyed(path, "usage_usec", &usec, e) < 0)
			return -1;
		*cpu_ns = usec * 1000;
		snprintf(path, sizeof path, "%s/memory.current", m);
		if (nsu_read_u64(path, mem, e) < 0)
			return -1;
		snprintf(path, sizeof path, "%s/memory.max", m);
	} else {
		snprintf(path, sizeof path, "%s/cpuacct.usage", cg->dir[cg->ctl[NSCG_CPUACCT]]);
		if (nsu_read_u64(path, cpu_ns, e) < 0)
			return -1;
		snprintf(path, sizeof path, "%s/memory.usage_in_bytes", m);
		if (nsu_read_u64(path, mem, e) < 0)
			return -1;
		snprintf(path, sizeof path, "%s/memory.limit_in_bytes", m);
	}
	if (nsu_read_u64(path, mem_max, e) < 0)
		return -1;
	/* v1 says "no limit" with a huge page-aligned number, v2 with "max". */
	if (*mem_max >= (1ULL << 62))
		*mem_max = 0;
	return 0;
}

void nscg_free(ns_cgroup *cg)
{
	for (int i = 0; i < cg->n; i++)
		free(cg->dir[i]);
	memset(cg, 0, sizeof *cg);
}
