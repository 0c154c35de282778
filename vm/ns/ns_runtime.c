/* runtime_ns: the ns driver's entry points (see vm/runtime.h, ns_*.h). */
#include "ns_sandbox.h"
#include "ns_mount.h"
#include "ns_net.h"
#include "ns_snap.h"
#include "ns_uid.h"
#include "ns_util.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static int ns_available(sbx_err *e)
{
	if (geteuid() != 0) {
		sbx_error(e, "the ns runtime needs root: it makes namespaces, cgroups, mounts and network "
			  "links (rootless user namespaces are not supported); run sbxd as root");
		return 0;
	}
	char fs[8192] = "", rel[128] = "", mod[256];
	struct stat st;
	nsu_read_file("/proc/filesystems", fs, sizeof fs, NULL);
	nsu_read_file("/proc/sys/kernel/osrelease", rel, sizeof rel, NULL);
	rel[strcspn(rel, "\n")] = '\0';
	/* As a module it is listed only once loaded; the first mount loads it. */
	snprintf(mod, sizeof mod, "/lib/modules/%s/kernel/fs/overlayfs", rel);
	if (!strstr(fs, "\toverlay\n") && stat(mod, &st) < 0) {
		sbx_error(e, "the kernel has no overlayfs; load it (modprobe overlay)");
		return 0;
	}
	/* The sandbox's user namespace is made by an unprivileged uid. */
	char v[32] = "";
	if (access("/proc/self/ns/user", F_OK) < 0 ||
	    (nsu_read_file("/proc/sys/user/max_user_namespaces", v, sizeof v, NULL) == 0 && atoi(v) == 0) ||
	    (nsu_read_file("/proc/sys/kernel/unprivileged_userns_clone", v, sizeof v, NULL) == 0 && atoi(v) == 0)) {
		sbx_error(e, "the kernel does not let unprivileged users create user namespaces, which "
			  "every ns sandbox has; enable them (sysctl user.max_user_namespaces=15000 "
			  "kernel.unprivileged_userns_clone=1) or use a VM runtime");
		return 0;
	}
	if (access("/proc/self/ns/cgroup", F_OK) < 0) {
		sbx_error(e, "the kernel lacks cgroup namespaces; run sbx on Linux 4.6 or later");
		return 0;
	}
	return nscg_probe(e) == 0;
}

rt_sandbox *ns_handle(ns_state *st)
{
	rt_sandbox *s = xcalloc(1, sizeof *s);
	s->st = *st;
	memset(st, 0, sizeof *st);
	s->addr = xasprintf("unix:%s%s", s->st.dir, NS_SOCK_REL);
	return s;
}

static void handle_free(rt_sandbox *s)
{
	nss_free(&s->st);
	free(s->addr);
	free(s);
}

static int ns_adopt(const char *state_dir, rt_sandbox **out, sbx_err *e)
{
	ns_state st;
	char *dir = realpath(state_dir, NULL);
	*out = NULL;
	if (!dir)
		return sbx_error_errno(e, "state dir %s is not usable", state_dir);
	int rc = nss_load(&st, dir, e);
	free(dir);
	if (rc < 0)
		return -1;
	/* A dead sandbox is adopted too, so that it can be destroyed. */
	*out = ns_handle(&st);
	return 0;
}

static const char *ns_agent_addr(rt_sandbox *s)
{
	return s->addr;
}

/* A filesystem-only paused sandbox has no process: it lives while its
 * writable layer is there. */
static int disk_intact(const ns_state *st)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/disk/upper", st->dir);
	return access(path, F_OK) == 0;
}

static int ns_alive(rt_sandbox *s)
{
	return s->st.disk_paused ? disk_intact(&s->st) : nss_alive(&s->st);
}

static int ns_watch(rt_sandbox *s)
{
	if (s->st.pid <= 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_open, s->st.pid, 0);
	if (fd < 0)
		return -1;
	/* Checked after the open: the pid may have been reused by then. */
	if (!nss_alive(&s->st)) {
		close(fd);
		return -1;
	}
	return fd;   /* pidfds are close-on-exec */
}

static int need_alive(rt_sandbox *s, const char *what, sbx_err *e)
{
	if (nss_alive(&s->st))
		return 0;
	return sbx_error(e, "cannot %s sandbox %s: it is not running (its agent exited or was killed; "
			 "see %s%s)", what, s->st.id, s->st.dir, NS_LOG_REL);
}

static int ns_pause(rt_sandbox *s, sbx_err *e)
{
	if (need_alive(s, "pause", e) < 0)
		return -1;
	return nscg_freeze(&s->st.cg, 1, e);
}

/* A sandbox made without a link gets one when its rules first let
 * something out; once it has one, the table alone decides. */
static int ns_set_net(rt_sandbox *s, const rt_net *net, sbx_err *e)
{
	if (need_alive(s, "change the network rules of", e) < 0)
		return -1;
	/* From state.json, not the handle: an earlier set_net may have run in
	 * another process (sbxd's jobs) and attached the link since. */
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/" NSNET_RULES_FILE, s->st.dir);
	if (nsnet_rules_save(path, net, e) < 0)
		return -1;
	ns_state cur;
	memset(&cur, 0, sizeof cur);
	if (nss_load(&cur, s->st.dir, e) < 0)
		return -1;
	int rc = 0;
	if (cur.net_index < 0 && nsnet_rules_open(net)) {
		rc = nsnet_attach(cur.id, cur.pid, &cur.net_index, cur.veth, e);
		if (rc == 0)
			rc = nss_save(&cur, e);
	}
	s->st.net_index = cur.net_index;
	memcpy(s->st.veth, cur.veth, sizeof s->st.veth);
	nss_free(&cur);
	if (rc < 0)
		return -1;
	if (s->st.net_index < 0)
		return 0;   /* only lo: nothing can leave anyway */
	char *script = nsnet_rules_script(net, NULL, e), ns[64];
	if (!script)
		return -1;
	snprintf(ns, sizeof ns, "/proc/%d/ns/net", (int)s->st.pid);
	rc = nsnet_nft_in(ns, script, e);
	free(script);
	return rc;
}

/* The filesystem only (ns_snap.h): processes are not kept, so neither
 * frozen nor stopped processes are needed, only the disk. */
static int ns_snapshot(rt_sandbox *s, const char *dir, sbx_err *e)
{
	if (s->st.uid_slot < 0)
		return sbx_error(e, "cannot snapshot sandbox %s: its disk was never made", s->st.id);
	return nssnap_save(s->st.dir, nsuid_base(s->st.uid_slot), dir, e);
}

static int ns_resume(rt_sandbox *s, sbx_err *e)
{
	if (s->st.disk_paused) {
		if (!disk_intact(&s->st))
			return sbx_error(e, "cannot resume sandbox %s: its disk (%s/disk) is gone", s->st.id, s->st.dir);
		s->last_ms = 0;   /* a new init: its cpu time starts again */
		return ns_relaunch(&s->st, e);
	}
	if (need_alive(s, "resume", e) < 0)
		return -1;
	return nscg_freeze(&s->st.cg, 0, e);
}

/* Every process goes (frozen ones too: killing thaws them), the disk with
 * its writable layer stays mounted on the host; its network link goes with
 * its namespace and is made anew by ns_relaunch. */
static int ns_pause_disk(rt_sandbox *s, sbx_err *e)
{
	ns_state *st = &s->st;
	sbx_err ignore;
	if (st->disk_paused)
		return 0;
	if (!st->token)
		return sbx_error(e, "sandbox %s was made by an older sbx that did not keep what a restart needs; "
				 "pause it with its memory instead", st->id);
	if (nss_alive(st)) {
		if (st->veth[0])
			nsnet_delete(st->veth, &ignore);
		kill(st->pid, SIGKILL);   /* PID 1 gone takes its whole pid namespace */
	}
	if (nscg_kill_all(&st->cg, e) < 0)
		return -1;
	st->pid = 0;
	st->start_time = 0;
	st->veth[0] = '\0';
	st->net_index = -1;
	st->disk_paused = 1;
	return nss_save(st, e);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ns_stats(rt_sandbox *s, rt_stats *st, sbx_err *e)
{
	memset(st, 0, sizeof *st);
	if (need_alive(s, "read the stats of", e) < 0)
		return -1;
	uint64_t cpu, mem, mem_max;
	if (nscg_usage(&s->st.cg, &cpu, &mem, &mem_max, e) < 0)
		return -1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	st->cpu_count = s->st.cpus > 0 && s->st.cpus < ncpu ? s->st.cpus : (int)ncpu;
	/* Usage since the last call; the first call averages since creation. */
	int64_t now = now_ms();
	double dt_ms = s->last_ms ? (double)(now - s->last_ms) : (double)(wall_ms() - s->st.created_ms);
	double dcpu = (double)(cpu - (s->last_ms ? s->last_cpu_ns : 0));
	if (dt_ms > 0) {
		st->cpu_used_pct = dcpu / (dt_ms * 1e6) / st->cpu_count * 100.0;
		if (st->cpu_used_pct > 100.0)
			st->cpu_used_pct = 100.0;
		if (st->cpu_used_pct < 0)
			st->cpu_used_pct = 0;
	}
	s->last_ms = now;
	s->last_cpu_ns = cpu;
	st->mem_used = mem;
	if (mem_max) {
		st->mem_total = mem_max;
	} else {
		struct sysinfo si;
		st->mem_total = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
	}
	char disk[4200];
	struct statvfs vfs;
	snprintf(disk, sizeof disk, "%s/disk", s->st.dir);
	if (statvfs(disk, &vfs) < 0)
		return sbx_error_errno(e, "cannot read the disk usage of %s", disk);
	st->disk_total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	st->disk_used = (uint64_t)(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
	return 0;
}

static void keep_first(int *rc, sbx_err *e, const sbx_err *step)
{
	if (*rc == 0 && e)
		*e = *step;
	*rc = -1;
}

int ns_teardown(ns_state *st, sbx_err *e)
{
	int rc = 0;
	sbx_err se;
	int alive = nss_alive(st);
	/* Only while its namespace lives is the link surely ours: a dead
	 * sandbox's link went with its namespace, and the name may be reused. */
	if (st->veth[0] && alive && nsnet_delete(st->veth, &se) < 0)
		keep_first(&rc, e, &se);
	if (alive)
		kill(st->pid, SIGKILL);   /* PID 1 gone takes its whole pid namespace */
	if (st->cg.n && (nscg_kill_all(&st->cg, &se) < 0 || nscg_remove(&st->cg, &se) < 0))
		keep_first(&rc, e, &se);
	if (nsmnt_disk_destroy(st->dir, st->loop, &se) < 0)
		keep_first(&rc, e, &se);
	/* Only once no file or process of the sandbox holds ids of the range. */
	if (rc == 0 && nsuid_release(st->uid_slot, st->dir, &se) < 0)
		keep_first(&rc, e, &se);
	if (rc == 0) {
		char path[4200];
		snprintf(path, sizeof path, "%s/state.json", st->dir);
		if (unlink(path) < 0 && errno != ENOENT)
			return sbx_error_errno(e, "cannot remove %s", path);
	}
	return rc;
}

static int ns_destroy(rt_sandbox *s, sbx_err *e)
{
	int rc = ns_teardown(&s->st, e);
	handle_free(s);
	return rc;
}

static void ns_release(rt_sandbox *s)
{
	handle_free(s);
}

const runtime_ops runtime_ns = {
	.name = "ns",
	.available = ns_available,
	.create = ns_create,
	.adopt = ns_adopt,
	.agent_addr = ns_agent_addr,
	.alive = ns_alive,
	.watch = ns_watch,
	.pause = ns_pause,
	.resume = ns_resume,
	.stats = ns_stats,
	.snapshot = ns_snapshot,
	.set_net = ns_set_net,
	.pause_disk = ns_pause_disk,
	.destroy = ns_destroy,
	.release = ns_release,
};
