/* qemu_snap: see qemu_snap.h. */
#include "qemu_snap.h"
#include "qemu_agent.h"
#include "qemu_vm.h"
#include "../guest/guest.h"
#include "../template/template.h"
#include "../vm_disk.h"
#include "../vm_kvm.h"
#include "../vm_net.h"
#include "../../src/proto/jsonfile.h"
#include "../../src/util/buf.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/log.h"
#include "../../src/util/rand.h"
#include "../../src/util/run.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HEALTH_MS (600 * 1000)   /* cold boot under TCG on a busy host */
#define WARM_MS (300 * 1000)
#define SAVE_MS (300 * 1000)

char *qemu_version(const char *qemu, sbx_err *e)
{
	char *argv[] = { (char *)qemu, "--version", NULL };
	sbx_buf out = SBX_BUF_INIT;
	char *v = NULL;
	if (run_capture(NULL, argv, &out, e) == 0 && !(v = qemu_version_parse(buf_cstr(&out))))
		sbx_error(e, "%s --version printed no version; is it QEMU?", qemu);
	buf_free(&out);
	return v;
}

void qemu_snap_free(qemu_snap *s)
{
	free(s->dir);
	free(s->token);
	free(s->qemu);
	free(s->machine);
	free(s->accel);
	free(s->kernel);
	free(s->initrd);
	free(s->cmdline);
	memset(s, 0, sizeof *s);
}

void qemu_snap_cfg(const qemu_snap *s, qemu_vm_cfg *c)
{
	c->qemu = s->qemu;
	c->machine = s->machine;
	c->accel = s->accel;
	c->cpus = s->cpus;
	c->memory_mb = s->memory_mb;
	c->kernel = s->kernel;
	c->initrd = s->initrd;
	c->cmdline = s->cmdline;
	c->ram_share = 0;
	c->net = 1;
}

static char *jstr(json_t *j, const char *k)
{
	const char *v = json_string_value(json_object_get(j, k));
	return v ? xstrdup(v) : NULL;
}

int qemu_snap_load(const char *dir, qemu_snap *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	char *mp = xasprintf("%s/meta.json", dir);
	json_error_t je;
	json_t *m = json_load_file(mp, 0, &je);
	free(mp);
	if (!m)
		return sbx_error(e, "booted snapshot %s is missing or unfinished (%s); creating a sandbox rebuilds it", dir,
				 je.text);
	out->dir = xstrdup(dir);
	out->token = jstr(m, "token");
	out->qemu = jstr(m, "qemu");
	out->machine = jstr(m, "machine");
	out->accel = jstr(m, "accel");
	out->kernel = jstr(m, "kernel");
	out->initrd = jstr(m, "initrd");
	out->cmdline = jstr(m, "cmdline");
	out->cpus = (int)json_integer_value(json_object_get(m, "cpus"));
	out->memory_mb = (int)json_integer_value(json_object_get(m, "memory_mb"));
	json_decref(m);
	if (!out->token || !out->qemu || !out->machine || !out->accel || !out->kernel || !out->initrd ||
	    !out->cmdline || out->cpus < 1 || out->memory_mb < 1) {
		qemu_snap_free(out);
		return sbx_error(e, "booted snapshot %s has a damaged meta.json; remove that directory to rebuild it", dir);
	}
	return 0;
}

static int template_hash_of(const char *template_dir, char **hash, sbx_err *e)
{
	char *mp = xasprintf("%s/meta.json", template_dir);
	json_t *m = json_load_file(mp, 0, NULL);
	free(mp);
	*hash = jstr(m, "hash");
	json_decref(m);
	if (!*hash)
		return sbx_error(e, "template %s has no meta.json with its hash; rebuild it (sbx template build)",
				 template_dir);
	return 0;
}

static int wait_health(const char *addr, const vm_proc *p, const char *serial, sbx_err *e)
{
	int64_t deadline = now_ms() + HEALTH_MS;
	sbx_err why = { "" };
	while (now_ms() < deadline) {
		if (!vm_proc_alive(p))
			break;
		sbx_buf body = SBX_BUF_INIT;
		long st = 0;
		int rc = qagent_call(addr, "GET", "/health", NULL, NULL, 2000, &st, &body, &why);
		buf_free(&body);
		if (rc == 0 && st >= 200 && st < 300)
			return 0;
		struct timespec ts = { 0, 250 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	char *tail = qvm_log_tail(serial, 1500);
	sbx_error(e, "the template VM's agent did not answer /health (%s%s); its console ends:\n%s",
		  vm_proc_alive(p) ? "timed out" : "QEMU exited", why.msg[0] ? "; last try: " : "", tail);
	free(tail);
	return -1;
}

static int run_code_once(const char *addr, const char *token, const guest_cell *c, int *retry, sbx_err *e)
{
	json_t *req = json_pack("{s:s}", "code", c->code);
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	sbx_buf out = SBX_BUF_INIT;
	long st = 0;
	int rc = qagent_call(addr, "POST", "/execute", token, body, WARM_MS, &st, &out, e);
	free(body);
	*retry = 0;
	if (rc == 0)
		rc = guest_warm_check(c, st, buf_cstr(&out), retry, e);
	buf_free(&out);
	return rc;
}

/* Under TCG on a busy host the first Python kernel can miss the agent's
 * start deadline; the next request starts another, which finds its files
 * in the guest's page cache. */
static int run_code(const char *addr, const char *token, const guest_cell *c, sbx_err *e)
{
	int retry = 0;
	for (int i = 0; i < 3; i++) {
		if (run_code_once(addr, token, c, &retry, e) == 0)
			return 0;
		if (!retry)
			break;
		log_info("qemu: the template's Python kernel did not start in time; trying again");
	}
	return -1;
}

static int write_meta(const qemu_snap *s, const char *template_hash, const guest_kernel *g, const char *version,
		      int64_t boot_ms, sbx_err *e)
{
	struct stat ram = { 0 }, state = { 0 };
	char *rp = xasprintf("%s/ram", s->dir), *sp = xasprintf("%s/state", s->dir);
	stat(rp, &ram);
	stat(sp, &state);
	char when[40];
	rfc3339_now(when, sizeof when);
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s}",
			      "token", s->token, "qemu", s->qemu, "machine", s->machine, "accel", s->accel,
			      "kernel", s->kernel, "initrd", s->initrd, "cmdline", s->cmdline, "cpus", s->cpus,
			      "memory_mb", s->memory_mb, "qemu_version", version, "template_hash", template_hash,
			      "guest_key", g->key, "guest_kernel", g->version, "ram_bytes", (json_int_t)ram.st_size,
			      "ram_allocated", (json_int_t)ram.st_blocks * 512, "state_bytes",
			      (json_int_t)state.st_size, "boot_ms", (json_int_t)boot_ms, "built_at", when);
	char *mp = xasprintf("%s/meta.json", s->dir);
	int rc = json_file_replace(mp, m, JSON_INDENT(2), e);
	json_decref(m);
	free(rp);
	free(sp);
	free(mp);
	return rc;
}

/* Cold boot, warm, save: the snapshot in s->dir (already emptied). */
static int build(qemu_snap *s, const char *template_dir, const char *template_hash, const guest_kernel *g,
		 const char *version, sbx_err *e)
{
	char *img = NULL, *disk = xasprintf("%s/disk.qcow2", s->dir), *boot = xasprintf("%s/boot", s->dir);
	char *ram = xasprintf("%s/ram", s->dir), *sock = xasprintf("%s/qmp.sock", boot);
	char *serial = xasprintf("%s/serial.log", s->dir), *vlog = xasprintf("%s/vmm.log", s->dir);
	char *state = xasprintf("%s/state", s->dir), *addr = NULL;
	vm_net net = { .index = -1 };
	vm_proc p = { 0 };
	qmp q = { .fd = -1 };
	int64_t t0 = now_ms(), boot_ms = 0;
	int rc = -1;
	char id[32];
	snprintf(id, sizeof id, "qsnap%ld", (long)getpid());
	if (guest_disk_image(template_dir, GUEST_DISK_MB, &img, e) < 0 || vm_disk_overlay(img, "raw", disk, e) < 0 ||
	    fsu_mkdirs(boot, 0700, e) < 0 || vm_net_create(id, boot, 0, &net, e) < 0)
		goto out;
	addr = vm_net_agent_addr(&net);
	qemu_vm_cfg c = { 0 };
	qemu_snap_cfg(s, &c);
	c.ram_path = ram;
	c.ram_share = 1;
	c.disk = disk;
	c.qmp_sock = sock;
	c.serial_log = serial;
	log_info("qemu: booting template %s for its snapshot (%s, %s, %d vCPUs, %d MB)", template_dir, s->machine,
		 s->accel, s->cpus, s->memory_mb);
	if (qvm_start(&c, &net, vlog, &p, &q, e) < 0 || wait_health(addr, &p, serial, e) < 0)
		goto out;
	boot_ms = now_ms() - t0;
	guest_cell cells[GUEST_WARM_MAX];
	guest_warm_cells(template_dir, cells);
	for (const guest_cell *c = cells; c->code; c++)
		if (run_code(addr, s->token, c, e) < 0)
			goto out;
	if (qvm_save(&q, state, 1, NULL, SAVE_MS, e) < 0)
		goto out;
	qmp_exec(&q, "quit", NULL, 5000, NULL, NULL);
	rc = 0;
	log_info("qemu: snapshot %s built in %.1f s (agent ready after %.1f s)", s->dir, (now_ms() - t0) / 1000.0,
		 boot_ms / 1000.0);
out:
	qmp_close(&q);
	if (p.pid)
		vm_proc_kill(&p, NULL);
	if (net.index >= 0 || net.netns[0])
		vm_net_destroy(&net, NULL);
	fsu_rm_rf(boot, 1, NULL);
	if (rc == 0)
		rc = write_meta(s, template_hash, g, version, boot_ms, e);
	free(img);
	free(disk);
	free(boot);
	free(ram);
	free(sock);
	free(serial);
	free(vlog);
	free(state);
	free(addr);
	return rc;
}

int qemu_snap_get(const char *template_dir, int cpus, int memory_mb, qemu_snap *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	char *qemu = fsu_which("qemu-system-x86_64"), *hash = NULL, *version = NULL, *key = NULL;
	char *cache = NULL, *root = NULL, *lockp = NULL;
	guest_kernel g = { 0 };
	int rc = -1, lock = -1;
	const char *machine = getenv("SBX_QEMU_MACHINE");
	sbx_err why;
	/* microvm: no PCI, firmware or legacy devices to emulate (its clones
	 * answered ~12% sooner than q35's here under TCG); the guest's command
	 * line gives its kernel the TSC rate it cannot calibrate there.
	 * SBX_QEMU_MACHINE=q35 (virtio-pci) where a kernel needs PCI. */
	if (!machine || (strcmp(machine, "microvm") && strcmp(machine, "q35")))
		machine = "microvm";
	const char *accel = vm_kvm_usable(&why) ? "kvm" : "tcg";
	if (!qemu) {
		sbx_error(e, "qemu-system-x86_64 is not on PATH; apt-get install qemu-system-x86 qemu-utils");
		goto out;
	}
	if (template_hash_of(template_dir, &hash, e) < 0 || !(version = qemu_version(qemu, e)) ||
	    guest_kernel_get(&g, e) < 0)
		goto out;
	if (!(key = qemu_snap_key(hash, g.key, version, machine, accel, cpus, memory_mb))) {
		sbx_error(e, "cannot name a snapshot for template %s (hash %s, guest %s, QEMU %s)", template_dir, hash,
			  g.key, version);
		goto out;
	}
	cache = template_cache_dir();
	root = xasprintf("%s/vm/qemu", cache);
	lockp = xasprintf("%s/%s.lock", root, key);
	char *dir = xasprintf("%s/%s", root, key);
	if (qemu_snap_load(dir, out, &why) == 0) {
		free(dir);
		rc = 0;
		goto out;
	}
	out->dir = dir;   /* freed with *out on failure */
	if (fsu_mkdirs(root, 0755, e) < 0)
		goto out;
	if ((lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 || flock(lock, LOCK_EX) < 0) {
		sbx_error_errno(e, "cannot lock %s", lockp);
		goto out;
	}
	/* Built by another process while we waited for the lock? */
	out->dir = NULL;
	if (qemu_snap_load(dir, out, &why) == 0) {
		free(dir);
		rc = 0;
		goto out;
	}
	out->dir = dir;
	if (fsu_rm_rf(dir, 1, e) < 0 || fsu_mkdirs(dir, 0755, e) < 0)
		goto out;
	char tok[33];
	rand_hex(tok, 32);
	out->token = xstrdup(tok);
	out->qemu = xstrdup(qemu);
	out->machine = xstrdup(machine);
	out->accel = xstrdup(accel);
	out->kernel = xstrdup(g.kernel);
	out->initrd = xstrdup(g.initramfs);
	char *extra = xasprintf("sbx.token=%s", tok);
	out->cmdline = guest_cmdline("ttyS0", extra);
	free(extra);
	out->cpus = cpus;
	out->memory_mb = memory_mb;
	rc = build(out, template_dir, hash, &g, version, e);
out:
	if (lock >= 0)
		close(lock);
	if (rc < 0)
		qemu_snap_free(out);
	guest_kernel_free(&g);
	free(qemu);
	free(hash);
	free(version);
	free(key);
	free(cache);
	free(root);
	free(lockp);
	return rc;
}
