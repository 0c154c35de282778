/*
 * runtime_ch: sandboxes as cloud-hypervisor VMs restored from a template's
 * booted snapshot (ch_snap), one VMM per sandbox in its own network
 * namespace (vm_net), driven over its REST API (ch_api).  Pause = vm.pause +
 * vm.snapshot into <state>/pause + vmm.shutdown: a paused sandbox is files
 * only; resume = vm.restore from there into a fresh VMM.  Everything needed
 * to find a sandbox again is in <state>/state.json (vm_state).
 */
#include "ch_api.h"
#include "ch_config.h"
#include "ch_snap.h"
#include "ch_vmm.h"
#include "../guest/guest.h"
#include "../runtime.h"
#include "../vm_disk.h"
#include "../vm_kvm.h"
#include "../vm_state.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CH_DEFAULT_MEMORY_MB 512

struct rt_sandbox {
	vm_state st;
	char *addr;
};

static char *sub(const rt_sandbox *s, const char *name)
{
	return xasprintf("%s/%s", s->st.dir, name);
}

static int ch_available(sbx_err *e)
{
	char *bin = ch_binary(e);
	if (!bin)
		return 0;
	char ver[64];
	int ok = ch_binary_version(bin, ver, sizeof ver, e) == 0;
	free(bin);
	if (!ok)
		return 0;
	sbx_err why;
	if (vm_kvm_usable(&why) != 1) {
		sbx_error(e, "cloud-hypervisor needs KVM: %s", why.msg);
		return 0;
	}
	return 1;
}

static const char *ch_accel(void)
{
	return "kvm";   /* cloud-hypervisor has no emulator */
}

static void progress(const rt_sandbox *s, uint64_t done, uint64_t total)
{
	char *p = sub(s, RT_PROGRESS_FILE), *t = sub(s, RT_PROGRESS_FILE ".tmp");
	FILE *f = fopen(t, "w");
	if (f) {
		fprintf(f, "%llu %llu\n", (unsigned long long)done, (unsigned long long)total);
		if (fclose(f) == 0)
			rename(t, p);
	}
	free(p);
	free(t);
}

static void progress_done(const rt_sandbox *s)
{
	char *p = sub(s, RT_PROGRESS_FILE);
	unlink(p);
	free(p);
}

/* A fresh VMM restored from dir (a snapshot whose config.json names this
 * sandbox's disk, vsock socket and serial file), running. */
static int restore_from(rt_sandbox *s, const char *dir, sbx_err *e)
{
	char *bin = ch_binary(e);
	if (!bin)
		return -1;
	/* CH binds the vsock socket: a killed VMM's leftover makes that fail. */
	char *vs = sub(s, "vsock.sock");
	unlink(vs);
	free(vs);
	ch_api api;
	ch_version v;
	int rc = ch_vmm_start(bin, s->st.dir, &s->st.net, &s->st.vmm, &api, &v, e);
	free(bin);
	if (rc < 0)
		return -1;
	rc = ch_api_restore(&api, &v, dir, 600000, e);
	if (rc < 0) {
		vm_proc_kill(&s->st.vmm, NULL);
		s->st.vmm.pid = 0;
	}
	ch_api_free(&api);
	return rc;
}

static void free_sandbox(rt_sandbox *s)
{
	if (!s)
		return;
	vm_state_free(&s->st);
	free(s->addr);
	free(s);
}

static int ch_create(const rt_spec *spec, rt_sandbox **out, sbx_err *e)
{
	if (spec->limits.disk_mb > GUEST_DISK_MB)
		return sbx_error(e, "the ch runtime's disks are %d MB (the template image's size); ask for at most "
				 "%d MB", GUEST_DISK_MB, GUEST_DISK_MB);
	char *abs = realpath(spec->state_dir, NULL);
	if (!abs)
		return sbx_error_errno(e, "cannot use the state directory %s", spec->state_dir);
	rt_sandbox *s = xcalloc(1, sizeof *s);
	vm_state *st = &s->st;
	st->dir = abs;   /* cloud-hypervisor wants absolute paths (file:// URLs) */
	st->id = xstrdup(spec->id);
	st->driver = xstrdup("ch");
	st->template_dir = xstrdup(spec->template_dir);
	st->accel = xstrdup("kvm");
	st->status = VMS_CREATING;
	st->net.index = -1;
	st->cpus = spec->limits.cpus > 0 ? spec->limits.cpus : 1;
	st->memory_mb = spec->limits.memory_mb > 0 ? spec->limits.memory_mb : CH_DEFAULT_MEMORY_MB;
	st->disk_mb = GUEST_DISK_MB;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	st->created_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	st->extra = json_object();
	ch_snap snap = { 0 };
	char *bin = NULL, *disk = sub(s, "disk.qcow2"), *vsock = sub(s, "vsock.sock");
	char *serial = sub(s, "serial.log"), *rdir = sub(s, "restore");
	char *base = NULL, *snapdir = NULL;
	int rc = -1;
	/* From a user snapshot (ch_snapshot's dir): its VM state and a copy of
	 * its disk, its memory file hard-linked (never written: the snapshot
	 * may go first).  Its agent's token is the source sandbox's, which
	 * sbxd knows; the booted snapshot is not needed. */
	if (spec->snapshot_dir) {
		if (vm_state_save(st, e) < 0)
			goto out;
		st->snapshot = xstrdup(spec->snapshot_dir);
		base = xasprintf("%s/disk.qcow2", spec->snapshot_dir);
		snapdir = xasprintf("%s/ch", spec->snapshot_dir);
	} else {
		if (vm_state_save(st, e) < 0 || !(bin = ch_binary(e)) ||
		    ch_snap_get(bin, spec->template_dir, st->cpus, st->memory_mb, &snap, e) < 0)
			goto out;
		st->snapshot = xstrdup(snap.dir);
		st->token = xstrdup(snap.token);
		base = xasprintf("%s/disk.qcow2", snap.dir);
		snapdir = xasprintf("%s/snapshot", snap.dir);
	}
	if (vm_state_save(st, e) < 0 || vm_net_create(spec->id, st->dir, spec->internet, &st->net, e) < 0 ||
	    vm_net_spec_rules(&st->net, spec, e) < 0)
		goto out;
	if (vm_state_save(st, e) < 0)
		goto out;
	fsu_rm_rf(rdir, 1, NULL);
	if ((spec->snapshot_dir ? fsu_copy_file(base, disk, 0, e) : vm_disk_overlay(base, "qcow2", disk, e)) < 0 ||
	    ch_snapshot_clone(snapdir, rdir, disk, vsock, serial, e) < 0 || restore_from(s, rdir, e) < 0)
		goto out;
	st->status = VMS_RUNNING;
	if (vm_state_save(st, e) < 0)
		goto out;
	s->addr = vm_net_agent_addr(&st->net);
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (s) {
		/* Leave nothing running; the state dir keeps the logs. */
		if (st->vmm.pid)
			vm_proc_kill(&st->vmm, NULL);
		vm_net_destroy(&st->net, NULL);
		unlink(disk);
		fsu_rm_rf(rdir, 1, NULL);
		free_sandbox(s);
	}
	ch_snap_free(&snap);
	free(bin);
	free(disk);
	free(vsock);
	free(serial);
	free(rdir);
	free(base);
	free(snapdir);
	return rc;
}

static int ch_adopt(const char *state_dir, rt_sandbox **out, sbx_err *e)
{
	char *abs = realpath(state_dir, NULL);
	if (!abs)
		return sbx_error_errno(e, "cannot use the state directory %s", state_dir);
	rt_sandbox *s = xcalloc(1, sizeof *s);
	int rc = vm_state_load(&s->st, abs, "ch", e);
	free(abs);
	if (rc < 0) {
		free(s);
		return -1;
	}
	s->addr = vm_net_agent_addr(&s->st.net);
	*out = s;
	return 0;
}

static const char *ch_agent_addr(rt_sandbox *s)
{
	return s->addr;
}

static const char *ch_agent_token(rt_sandbox *s)
{
	return s->st.token;
}

static int file_ok(const rt_sandbox *s, const char *rel)
{
	char *p = sub(s, rel);
	struct stat st;
	int ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return ok;
}

static int ch_alive(rt_sandbox *s)
{
	if (s->st.status == VMS_RUNNING)
		return vm_proc_alive(&s->st.vmm);
	if (s->st.status == VMS_PAUSED)
		return file_ok(s, "pause/config.json") && file_ok(s, "pause/memory-ranges") &&
		       file_ok(s, "disk.qcow2");
	return 0;
}

static int ch_watch(rt_sandbox *s)
{
	return s->st.status == VMS_RUNNING ? vm_proc_pidfd(&s->st.vmm) : -1;
}

typedef struct snap_job {
	ch_api *api;
	const char *dir;
	int rc;
	sbx_err e;
	atomic_int done;
} snap_job;

static void *snap_thread(void *arg)
{
	snap_job *j = arg;
	j->rc = ch_api_snapshot(j->api, j->dir, 600000, &j->e);
	atomic_store(&j->done, 1);
	return NULL;
}

/* vm.snapshot into dir, meanwhile the bytes of memory-ranges written so
 * far in the progress file (guest RAM is most of a snapshot). */
static int snapshot_with_progress(rt_sandbox *s, ch_api *api, const char *dir, uint64_t total, sbx_err *e)
{
	snap_job j = { .api = api, .dir = dir, .rc = -1 };
	atomic_init(&j.done, 0);
	pthread_t t;
	if (pthread_create(&t, NULL, snap_thread, &j) != 0)
		return ch_api_snapshot(api, dir, 600000, e);
	char *mem = xasprintf("%s/memory-ranges", dir);
	while (!atomic_load(&j.done)) {
		struct stat st;
		if (stat(mem, &st) == 0) {
			uint64_t got = (uint64_t)st.st_blocks * 512;
			progress(s, got < total ? got : total, total);
		}
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
	}
	pthread_join(t, NULL);
	free(mem);
	if (j.rc < 0 && e)
		*e = j.e;
	return j.rc;
}

static int ch_pause(rt_sandbox *s, sbx_err *e)
{
	if (s->st.status != VMS_RUNNING || !vm_proc_alive(&s->st.vmm))
		return sbx_error(e, "sandbox %s is not running", s->st.id);
	uint64_t total = (uint64_t)s->st.memory_mb << 20;
	char *sock = sub(s, "api.sock"), *log = sub(s, "vmm.log");
	char *tmp = sub(s, "pause.tmp"), *dir = sub(s, "pause"), *rdir = sub(s, "restore");
	ch_api api;
	ch_api_init(&api, sock, log);
	progress(s, 0, total);
	fsu_rm_rf(tmp, 1, NULL);
	int rc = ch_api_put(&api, "vm.pause", NULL, 30000, e);
	if (rc == 0 && mkdir(tmp, 0700) < 0)
		rc = sbx_error_errno(e, "cannot create %s", tmp);
	/* Memory and devices; the disk overlay stays where it is, frozen
	 * with the VM (nothing writes it until the restore). */
	if (rc == 0)
		rc = snapshot_with_progress(s, &api, tmp, total, e);
	if (rc < 0) {
		sbx_err ignore;
		ch_api_put(&api, "vm.resume", NULL, 10000, &ignore);
		fsu_rm_rf(tmp, 1, NULL);
	} else {
		progress(s, total, total);
		ch_vmm_stop(&s->st.vmm, &api, NULL);
		fsu_rm_rf(dir, 1, NULL);
		if (rename(tmp, dir) < 0)
			rc = sbx_error_errno(e, "cannot move the snapshot to %s", dir);
	}
	if (rc == 0) {
		fsu_rm_rf(rdir, 1, NULL);   /* the clone's copy of the booted snapshot */
		s->st.status = VMS_PAUSED;
		s->st.vmm.pid = 0;
		s->st.vmm.start_time = 0;
		rc = vm_state_save(&s->st, e);
	}
	progress_done(s);
	ch_api_free(&api);
	free(sock);
	free(log);
	free(tmp);
	free(dir);
	free(rdir);
	return rc;
}

static int ch_resume(rt_sandbox *s, sbx_err *e)
{
	if (s->st.status != VMS_PAUSED)
		return sbx_error(e, "sandbox %s is not paused", s->st.id);
	if (!ch_alive(s))
		return sbx_error(e, "sandbox %s's pause snapshot in %s/pause is incomplete; it cannot be resumed",
				 s->st.id, s->st.dir);
	if (vm_net_ensure(s->st.id, s->st.dir, &s->st.net, e) < 0 || vm_state_save(&s->st, e) < 0)
		return -1;
	uint64_t total = (uint64_t)s->st.memory_mb << 20;
	progress(s, 0, total);
	char *dir = sub(s, "pause");
	/* The snapshot stays: an OnDemand restore reads memory from it later. */
	int rc = restore_from(s, dir, e);
	free(dir);
	if (rc == 0) {
		s->st.status = VMS_RUNNING;
		rc = vm_state_save(&s->st, e);
	}
	progress_done(s);
	return rc;
}

static uint64_t rss_of(pid_t pid)
{
	char p[64], line[256];
	snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	unsigned long long kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %llu", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (uint64_t)kb << 10;
}

static int ch_stats(rt_sandbox *s, rt_stats *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	out->cpu_count = s->st.cpus;
	out->mem_total = (uint64_t)s->st.memory_mb << 20;
	if (s->st.status == VMS_RUNNING && vm_proc_alive(&s->st.vmm))
		out->mem_used = rss_of(s->st.vmm.pid);
	out->disk_total = (uint64_t)s->st.disk_mb << 20;
	char *d = sub(s, "disk.qcow2");
	int rc = vm_disk_used(d, &out->disk_used, e);
	free(d);
	return rc;
}

static int ch_set_net(rt_sandbox *s, const rt_net *net, sbx_err *e)
{
	if (vm_net_set_rules(&s->st.net, net, e) < 0)
		return -1;
	return vm_state_save(&s->st, e);   /* net.internet */
}

static int ch_snapshot(rt_sandbox *s, const char *dir, sbx_err *e)
{
	if (s->st.status != VMS_PAUSED)
		return sbx_error(e, "sandbox %s must be paused to be saved", s->st.id);
	char *src = sub(s, "pause"), *disk = sub(s, "disk.qcow2"), *vsock = sub(s, "vsock.sock");
	char *serial = sub(s, "serial.log"), *to = xasprintf("%s/ch", dir), *dto = xasprintf("%s/disk.qcow2", dir);
	int rc = fsu_mkdirs(dir, 0700, e);
	if (rc == 0)
		rc = ch_snapshot_clone(src, to, disk, vsock, serial, e);
	if (rc == 0)
		rc = fsu_copy_file(disk, dto, 0, e);
	free(src);
	free(disk);
	free(vsock);
	free(serial);
	free(to);
	free(dto);
	return rc;
}

static int ch_destroy(rt_sandbox *s, sbx_err *e)
{
	int rc = 0;
	if (s->st.vmm.pid && vm_proc_kill(&s->st.vmm, e) < 0)
		rc = -1;
	if (vm_net_destroy(&s->st.net, rc ? NULL : e) < 0)
		rc = -1;
	static const char *const files[] = { "disk.qcow2", "api.sock", "vsock.sock", RT_PROGRESS_FILE, NULL };
	static const char *const dirs[] = { "pause", "pause.tmp", "restore", NULL };
	for (const char *const *f = files; *f; f++) {
		char *p = sub(s, *f);
		unlink(p);
		free(p);
	}
	for (const char *const *d = dirs; *d; d++) {
		char *p = sub(s, *d);
		fsu_rm_rf(p, 1, NULL);
		free(p);
	}
	free_sandbox(s);
	return rc;
}

static void ch_release(rt_sandbox *s)
{
	free_sandbox(s);
}

const runtime_ops runtime_ch = {
	.name = "ch",
	.flags = RT_RESTORES | RT_SLOW_PAUSE,
	.available = ch_available,
	.accel = ch_accel,
	.create = ch_create,
	.adopt = ch_adopt,
	.agent_addr = ch_agent_addr,
	.agent_token = ch_agent_token,
	.alive = ch_alive,
	.watch = ch_watch,
	.pause = ch_pause,
	.resume = ch_resume,
	.stats = ch_stats,
	.snapshot = ch_snapshot,
	.set_net = ch_set_net,
	.destroy = ch_destroy,
	.release = ch_release,
};
