/*
 * runtime_qemu: VM sandboxes under QEMU (see vm/runtime.h).  Each sandbox is
 * a clone of its template's booted snapshot (qemu_snap.h): its own vm_net,
 * a qcow2 overlay over the snapshot's frozen disk, the snapshot's RAM file
 * mapped share=off (copy-on-write) and its device state loaded with
 * -incoming.  Pause writes the whole VM to <state_dir>/pause/state and ends
 * QEMU; resume loads it into a fresh one.
 *
 * Limits: vCPUs and RAM are fixed by a snapshot, so each (vCPUs, RAM) pair
 * gets its own snapshot (a cold boot the first time it is asked for).  The
 * disk is the template image's GUEST_DISK_MB; a larger disk is refused.
 */
#include "qemu_snap.h"
#include "qemu_vm.h"
#include "../guest/guest.h"
#include "../runtime.h"
#include "../vm_disk.h"
#include "../vm_kvm.h"
#include "../vm_state.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CPUS 2
#define DEFAULT_MEMORY_MB 512
#define PAUSE_MS (600 * 1000)

struct rt_sandbox {
	vm_state st;
	char *addr;
	uint64_t last_ticks;   /* QEMU's CPU time at the previous stats call */
	int64_t last_ms;       /* its time (monotonic); 0: none yet */
};

static char *sp(const rt_sandbox *s, const char *rel)
{
	return xasprintf("%s/%s", s->st.dir, rel);
}

static int qemu_available(sbx_err *e)
{
	char *q = fsu_which("qemu-system-x86_64"), *img = fsu_which("qemu-img");
	char *apt = fsu_which("apt-get"), *dpkg = fsu_which("dpkg-deb");
	int ok = 0;
	if (!q || !img)
		sbx_error(e, "%s is not on PATH; apt-get install qemu-system-x86 qemu-utils",
			  !q ? "qemu-system-x86_64" : "qemu-img");
	else if (!apt || !dpkg)
		sbx_error(e, "the VM guest's kernel is fetched with apt-get and dpkg-deb, and %s is missing "
			  "(a Debian or Ubuntu host is needed)", !apt ? "apt-get" : "dpkg-deb");
	else if (geteuid() != 0)
		sbx_error(e, "the qemu runtime needs root (network namespaces, taps, nftables); run sbxd as root");
	else
		ok = 1;
	free(q);
	free(img);
	free(apt);
	free(dpkg);
	return ok;
}

static const char *qemu_accel(void)
{
	return vm_kvm_usable(NULL) ? "kvm" : "tcg";
}

static rt_sandbox *handle(vm_state *st)
{
	rt_sandbox *s = xcalloc(1, sizeof *s);
	s->st = *st;
	memset(st, 0, sizeof *st);
	s->addr = vm_net_agent_addr(&s->st.net);
	return s;
}

static void handle_free(rt_sandbox *s)
{
	vm_state_free(&s->st);
	free(s->addr);
	free(s);
}

/* The QEMU command line of this sandbox, from its snapshot. */
static int sandbox_cfg(const rt_sandbox *s, const qemu_snap *snap, qemu_vm_cfg *c, char **paths)
{
	qemu_snap_cfg(snap, c);
	paths[0] = xasprintf("%s/ram", snap->dir);
	paths[1] = sp(s, "disk.qcow2");
	paths[2] = sp(s, "qmp.sock");
	paths[3] = sp(s, "serial.log");
	c->ram_path = paths[0];
	c->disk = paths[1];
	c->qmp_sock = paths[2];
	c->serial_log = paths[3];
	c->incoming = 1;
	return 0;
}

static void free_paths(char **paths)
{
	for (int i = 0; i < 4; i++)
		free(paths[i]);
}

/* A fresh QEMU for s loading state_file (the snapshot's or the sandbox's
 * own pause/state), then running.  x-ignore-shared on both: a clone's QEMU
 * keeps the capability it loaded with, so its pause stream says "on" too
 * (its share=off RAM is not ignored: the stream holds all of it). */
static int start_from(rt_sandbox *s, const qemu_snap *snap, const char *state_file, int ignore_shared, sbx_err *e)
{
	qemu_vm_cfg c = { 0 };
	char *paths[4];
	sandbox_cfg(s, snap, &c, paths);
	char *vlog = sp(s, "vmm.log");
	qmp q = { .fd = -1 };
	int rc = qvm_start(&c, &s->st.net, vlog, &s->st.vmm, &q, e);
	if (rc == 0)
		rc = vm_state_save(&s->st, e);
	if (rc == 0 && qvm_load(&q, state_file, ignore_shared, PAUSE_MS, e) < 0) {
		char *tail = qvm_log_tail(vlog, 600);
		size_t n = e ? strlen(e->msg) : 0;
		if (e && *tail && n < sizeof e->msg - 16)
			snprintf(e->msg + n, sizeof e->msg - n, "; QEMU's log ends: %s", tail);
		free(tail);
		rc = -1;
	}
	qmp_close(&q);
	if (rc < 0 && s->st.vmm.pid) {
		vm_proc_kill(&s->st.vmm, NULL);
		s->st.vmm = (vm_proc){ 0 };
	}
	free(vlog);
	free_paths(paths);
	return rc;
}

/* A user snapshot's booted snapshot (the RAM its clones map) and vCPUs/RAM,
 * from the meta.json qemu_snapshot wrote. */
static int user_snap_load(const char *dir, qemu_snap *snap, sbx_err *e)
{
	char *mp = xasprintf("%s/meta.json", dir);
	json_error_t je;
	json_t *m = json_load_file(mp, 0, &je);
	json_t *drv = json_object_get(m, "driver"), *base = json_object_get(m, "snapshot");
	int rc;
	if (!m || !json_is_string(drv) || strcmp(json_string_value(drv), "qemu") || !json_is_string(base))
		rc = sbx_error(e, "%s is not a qemu snapshot (%s); it cannot start a qemu sandbox", dir,
			       m ? "no driver \"qemu\" and booted snapshot in meta.json" : je.text);
	else if (qemu_snap_load(json_string_value(base), snap, e) < 0)
		rc = sbx_error(e, "snapshot %s was taken from the booted snapshot %s, which is gone (pruned?); it cannot "
			       "start sandboxes any more", dir, json_string_value(base));
	else
		rc = 0;
	json_decref(m);
	free(mp);
	return rc;
}

static int qemu_create(const rt_spec *spec, rt_sandbox **out, sbx_err *e)
{
	*out = NULL;
	int cpus = spec->limits.cpus > 0 ? spec->limits.cpus : DEFAULT_CPUS;
	int mem = spec->limits.memory_mb > 0 ? spec->limits.memory_mb : DEFAULT_MEMORY_MB;
	if (spec->limits.disk_mb > GUEST_DISK_MB)
		return sbx_error(e, "the qemu runtime's disks are %d MB (the template image's size); ask for at most "
			  "%d MB", GUEST_DISK_MB, GUEST_DISK_MB);
	if (cpus > get_nprocs())
		return sbx_error(e, "%d vCPUs asked for but this machine has %d CPUs; ask for fewer", cpus,
				 get_nprocs());
	char *dir = realpath(spec->state_dir, NULL);
	if (!dir)
		return sbx_error_errno(e, "state dir %s is not usable", spec->state_dir);
	qemu_snap snap;
	/* From a user snapshot: its VM's shape, whatever the limits say. */
	if (spec->snapshot_dir ? user_snap_load(spec->snapshot_dir, &snap, e) < 0
			       : qemu_snap_get(spec->template_dir, cpus, mem, &snap, e) < 0) {
		free(dir);
		return -1;
	}
	if (spec->snapshot_dir) {
		cpus = snap.cpus;
		mem = snap.memory_mb;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	vm_state st = { .dir = dir, .id = xstrdup(spec->id), .driver = xstrdup("qemu"),
			.template_dir = xstrdup(spec->template_dir), .snapshot = xstrdup(snap.dir),
			.token = xstrdup(snap.token), .accel = xstrdup(snap.accel), .status = VMS_CREATING,
			.net = { .index = -1 }, .cpus = cpus, .memory_mb = mem, .disk_mb = GUEST_DISK_MB,
			.created_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, .extra = json_object() };
	json_object_set_new(st.extra, "machine", json_string(snap.machine));
	rt_sandbox *s = handle(&st);
	char *disk = sp(s, "disk.qcow2"), *base = xasprintf("%s/disk.qcow2", snap.dir);
	int rc = vm_state_save(&s->st, e);
	if (rc == 0)
		rc = vm_net_create(spec->id, s->st.dir, spec->internet, &s->st.net, e);
	if (rc == 0)
		rc = vm_net_spec_rules(&s->st.net, spec, e);
	if (rc == 0) {
		free(s->addr);
		s->addr = vm_net_agent_addr(&s->st.net);
		rc = vm_state_save(&s->st, e);
	}
	/* A user snapshot's disk is copied (an overlay over the booted
	 * snapshot's, like any clone's): the snapshot may go before the sandbox. */
	if (rc == 0 && spec->snapshot_dir) {
		char *from = xasprintf("%s/disk.qcow2", spec->snapshot_dir);
		rc = fsu_copy_file(from, disk, 0, e);
		free(from);
	} else if (rc == 0) {
		rc = vm_disk_overlay(base, "qcow2", disk, e);
	}
	char *state = spec->snapshot_dir ? xasprintf("%s/state", spec->snapshot_dir) : xasprintf("%s/state", snap.dir);
	if (rc == 0)
		rc = start_from(s, &snap, state, 1, e);
	if (rc == 0) {
		s->st.status = VMS_RUNNING;
		rc = vm_state_save(&s->st, e);
	}
	free(state);
	free(disk);
	free(base);
	qemu_snap_free(&snap);
	if (rc < 0) {
		if (s->st.vmm.pid)
			vm_proc_kill(&s->st.vmm, NULL);
		vm_net_destroy(&s->st.net, NULL);
		char *d = sp(s, "disk.qcow2");
		unlink(d);
		free(d);
		d = sp(s, "state.json");
		unlink(d);
		free(d);
		handle_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int qemu_adopt(const char *state_dir, rt_sandbox **out, sbx_err *e)
{
	*out = NULL;
	char *dir = realpath(state_dir, NULL);
	if (!dir)
		return sbx_error_errno(e, "state dir %s is not usable", state_dir);
	vm_state st;
	memset(&st, 0, sizeof st);
	int rc = vm_state_load(&st, dir, "qemu", e);
	free(dir);
	if (rc < 0)
		return -1;
	*out = handle(&st);
	return 0;
}

static const char *qemu_agent_addr(rt_sandbox *s)
{
	return s->addr;
}

static const char *qemu_agent_token(rt_sandbox *s)
{
	return s->st.token;
}

static int file_exists(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);
	int ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

static int qemu_alive(rt_sandbox *s)
{
	if (s->st.status == VMS_PAUSED)
		return file_exists(s->st.dir, "pause/state") && file_exists(s->st.dir, "disk.qcow2") &&
		       s->st.snapshot && file_exists(s->st.snapshot, "ram") && file_exists(s->st.snapshot, "disk.qcow2");
	return vm_proc_alive(&s->st.vmm);
}

static int qemu_watch(rt_sandbox *s)
{
	if (s->st.status == VMS_PAUSED)
		return -1;
	return vm_proc_pidfd(&s->st.vmm);
}

/* The paused state must be on disk before QEMU (the only other copy) goes. */
static int fsync_path(const char *path, sbx_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		sbx_error_errno(e, "cannot flush %s to disk", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int qemu_pause(rt_sandbox *s, sbx_err *e)
{
	if (s->st.status != VMS_RUNNING || !vm_proc_alive(&s->st.vmm))
		return sbx_error(e, "sandbox %s is not running (its QEMU is gone); it cannot be paused", s->st.id);
	char *pdir = sp(s, "pause"), *part = sp(s, "pause/state.part"), *final = sp(s, "pause/state");
	char *prog = sp(s, RT_PROGRESS_FILE), *sock = sp(s, "qmp.sock");
	qmp q = { .fd = -1 };
	int rc = -1;
	if (fsu_rm_rf(pdir, 1, e) < 0 || fsu_mkdirs(pdir, 0700, e) < 0 || qmp_open(&q, sock, 5000, e) < 0)
		goto out;
	if (qvm_save(&q, part, 1, prog, PAUSE_MS, e) < 0) {
		/* Leave it running as it was. */
		qmp_exec(&q, "cont", NULL, 5000, NULL, NULL);
		goto out;
	}
	if (fsync_path(part, e) < 0 || (rename(part, final) < 0 &&
					 sbx_error_errno(e, "cannot move the paused state to %s", final))) {
		qmp_exec(&q, "cont", NULL, 5000, NULL, NULL);
		goto out;
	}
	qmp_exec(&q, "quit", NULL, 5000, NULL, NULL);
	qmp_close(&q);
	vm_proc_kill(&s->st.vmm, NULL);
	s->st.vmm = (vm_proc){ 0 };
	s->st.status = VMS_PAUSED;
	rc = vm_state_save(&s->st, e);
out:
	qmp_close(&q);
	if (rc < 0)
		fsu_rm_rf(pdir, 1, NULL);
	unlink(prog);
	unlink(sock);
	free(pdir);
	free(part);
	free(final);
	free(prog);
	free(sock);
	return rc;
}

static void write_progress(const char *file, uint64_t done, uint64_t total)
{
	FILE *f = fopen(file, "we");
	if (f) {
		fprintf(f, "%llu %llu\n", (unsigned long long)done, (unsigned long long)total);
		fclose(f);
	}
}

static int qemu_resume(rt_sandbox *s, sbx_err *e)
{
	if (s->st.status != VMS_PAUSED)
		return sbx_error(e, "sandbox %s is not paused", s->st.id);
	if (!qemu_alive(s))
		return sbx_error(e, "sandbox %s's paused state or its booted snapshot (%s) is gone; it cannot resume",
				 s->st.id, s->st.snapshot ? s->st.snapshot : "none");
	qemu_snap snap;
	if (vm_net_ensure(s->st.id, s->st.dir, &s->st.net, e) < 0 || vm_state_save(&s->st, e) < 0 ||
	    qemu_snap_load(s->st.snapshot, &snap, e) < 0)
		return -1;
	char *state = sp(s, "pause/state"), *prog = sp(s, RT_PROGRESS_FILE), *pdir = sp(s, "pause");
	struct stat st = { 0 };
	stat(state, &st);
	write_progress(prog, 0, (uint64_t)st.st_size);
	int rc = start_from(s, &snap, state, 1, e);
	if (rc == 0) {
		write_progress(prog, (uint64_t)st.st_size, (uint64_t)st.st_size);
		s->st.status = VMS_RUNNING;
		rc = vm_state_save(&s->st, e);
	}
	if (rc == 0)
		fsu_rm_rf(pdir, 1, NULL);
	unlink(prog);
	qemu_snap_free(&snap);
	free(state);
	free(prog);
	free(pdir);
	return rc;
}

/* utime + stime of pid in clock ticks; 0 when unreadable. */
static uint64_t cpu_ticks(pid_t pid, uint64_t *rss_pages)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces or ')'. */
	char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	long long rss = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
			 "%*u %*u %lld", &ut, &st, &rss) != 3)
		return 0;
	if (rss_pages)
		*rss_pages = rss > 0 ? (uint64_t)rss : 0;
	return ut + st;
}

static int qemu_stats(rt_sandbox *s, rt_stats *st, sbx_err *e)
{
	memset(st, 0, sizeof *st);
	st->cpu_count = s->st.cpus;
	st->mem_total = (uint64_t)s->st.memory_mb << 20;
	st->disk_total = (uint64_t)s->st.disk_mb << 20;
	char *disk = sp(s, "disk.qcow2");
	int rc = vm_disk_used(disk, &st->disk_used, e);
	free(disk);
	if (rc < 0 || s->st.status != VMS_RUNNING || !vm_proc_alive(&s->st.vmm))
		return rc;
	/* QEMU's CPU (all vCPUs and its own threads) since the previous call,
	 * as a share of the sandbox's vCPUs (0 on the first: stats runs on
	 * sbxd's loop and must not wait for a second sample); its resident
	 * memory, at most the guest's RAM. */
	uint64_t rss = 0;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t t1 = cpu_ticks(s->st.vmm.pid, &rss);
	int64_t now = now_ms();
	if (hz > 0 && s->last_ms && now > s->last_ms && t1 >= s->last_ticks)
		st->cpu_used_pct = 100.0 * (double)(t1 - s->last_ticks) / (double)hz /
				   ((double)(now - s->last_ms) / 1000.0) / (s->st.cpus > 0 ? s->st.cpus : 1);
	s->last_ticks = t1;
	s->last_ms = now;
	if (st->cpu_used_pct > 100.0)
		st->cpu_used_pct = 100.0;
	st->mem_used = rss * (uint64_t)sysconf(_SC_PAGESIZE);
	if (st->mem_used > st->mem_total)
		st->mem_used = st->mem_total;
	return 0;
}

/* A paused sandbox's state (memory and devices) and its disk (an overlay
 * over the booted snapshot, which must stay) copied into dir, with a
 * state.json naming them. */
static int qemu_set_net(rt_sandbox *s, const rt_net *net, sbx_err *e)
{
	if (vm_net_set_rules(&s->st.net, net, e) < 0)
		return -1;
	return vm_state_save(&s->st, e);   /* net.internet */
}

static int qemu_snapshot(rt_sandbox *s, const char *dir, sbx_err *e)
{
	if (s->st.status != VMS_PAUSED)
		return sbx_error(e, "sandbox %s must be paused to be snapshotted", s->st.id);
	char *from_state = sp(s, "pause/state"), *from_disk = sp(s, "disk.qcow2");
	char *to_state = xasprintf("%s/state", dir), *to_disk = xasprintf("%s/disk.qcow2", dir);
	int rc = fsu_mkdirs(dir, 0700, e);
	if (rc == 0)
		rc = fsu_copy_file(from_state, to_state, 1, e);
	if (rc == 0)
		rc = fsu_copy_file(from_disk, to_disk, 1, e);
	if (rc == 0) {
		json_t *m = json_pack("{s:s, s:s, s:i, s:i}", "driver", "qemu", "snapshot", s->st.snapshot, "cpus",
				      s->st.cpus, "memory_mb", s->st.memory_mb);
		char *mp = xasprintf("%s/meta.json", dir);
		if (json_dump_file(m, mp, JSON_INDENT(2)) < 0)
			rc = sbx_error_errno(e, "cannot write %s", mp);
		json_decref(m);
		free(mp);
	}
	free(from_state);
	free(from_disk);
	free(to_state);
	free(to_disk);
	return rc;
}

static int qemu_destroy(rt_sandbox *s, sbx_err *e)
{
	int rc = 0;
	if (s->st.vmm.pid && vm_proc_kill(&s->st.vmm, e) < 0)
		rc = -1;
	if (rc == 0)
		s->st.vmm = (vm_proc){ 0 };
	if (vm_net_destroy(&s->st.net, rc ? NULL : e) < 0)
		rc = -1;
	static const char *const files[] = { "disk.qcow2", "qmp.sock", RT_PROGRESS_FILE, NULL };
	for (const char *const *f = files; *f; f++) {
		char *p = sp(s, *f);
		if (unlink(p) < 0 && errno != ENOENT && rc == 0)
			rc = sbx_error_errno(e, "cannot remove %s", p);
		free(p);
	}
	char *pdir = sp(s, "pause");
	if (fsu_rm_rf(pdir, 1, rc ? NULL : e) < 0)
		rc = -1;
	free(pdir);
	if (rc == 0) {
		char *p = sp(s, "state.json");
		unlink(p);
		free(p);
		handle_free(s);
	} else {
		/* Keep what is left findable for a retry. */
		vm_state_save(&s->st, NULL);
		handle_free(s);
	}
	return rc;
}

static void qemu_release(rt_sandbox *s)
{
	handle_free(s);
}

const runtime_ops runtime_qemu = {
	.name = "qemu",
	.flags = RT_RESTORES | RT_SLOW_PAUSE,
	.available = qemu_available,
	.accel = qemu_accel,
	.create = qemu_create,
	.adopt = qemu_adopt,
	.agent_addr = qemu_agent_addr,
	.agent_token = qemu_agent_token,
	.alive = qemu_alive,
	.watch = qemu_watch,
	.pause = qemu_pause,
	.resume = qemu_resume,
	.stats = qemu_stats,
	.snapshot = qemu_snapshot,
	.set_net = qemu_set_net,
	.destroy = qemu_destroy,
	.release = qemu_release,
};
