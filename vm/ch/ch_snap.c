#include "ch_snap.h"
#include "ch_config.h"
#include "ch_vmm.h"
#include "ch_vsock.h"
#include "../guest/guest.h"
#include "../template/template.h"
#include "../vm_disk.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/rand.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void ch_snap_free(ch_snap *s)
{
	free(s->dir);
	free(s->token);
	s->dir = s->token = NULL;
}

static int load_meta(const char *dir, ch_snap *out)
{
	char *p = xasprintf("%s/meta.json", dir);
	json_t *m = json_load_file(p, 0, NULL);
	free(p);
	const char *t = json_string_value(json_object_get(m, "token"));
	int ok = t != NULL;
	if (ok) {
		out->dir = xstrdup(dir);
		out->token = xstrdup(t);
	}
	json_decref(m);
	return ok;
}

/* Run what the first user would, so it is in the snapshot's memory. */
static int warm(const char *vsock, const char *token, const char *template_dir, sbx_err *e)
{
	guest_cell cells[GUEST_WARM_MAX];
	guest_warm_cells(template_dir, cells);
	for (const guest_cell *c = cells; c->code; c++) {
		json_t *req = json_pack("{s:s}", "code", c->code);
		char *body = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		sbx_buf out = SBX_BUF_INIT;
		long st = 0;
		int retry = 0, rc = ch_vsock_http(vsock, GUEST_AGENT_PORT, "POST", "/execute", token, body, 120000,
						  &st, &out, e);
		if (rc == 0)
			rc = guest_warm_check(c, st, buf_cstr(&out), &retry, e);
		buf_free(&out);
		free(body);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Boot, warm, pause, snapshot into tmp (a fresh directory). */
static int build(const char *bin, const char *template_dir, int cpus, int memory_mb, const char *tmp,
		 const char *token, sbx_err *e)
{
	guest_kernel g = { 0 };
	char *img = NULL, *cmd_extra = xasprintf("sbx.token=%s", token), *cmdline = NULL;
	char *disk = xasprintf("%s/disk.qcow2", tmp), *serial = xasprintf("%s/serial.log", tmp);
	char *vsock = xasprintf("%s/vsock.sock", tmp), *snap = xasprintf("%s/snapshot", tmp);
	vm_net net;
	memset(&net, 0, sizeof net);
	net.index = -1;
	vm_proc proc = { 0, 0 };
	ch_api api;
	memset(&api, 0, sizeof api);
	ch_version v;
	char id[16] = "chsnap";
	rand_hex(id + 6, 8);
	int rc = -1, have_net = 0, have_vmm = 0;
	if (guest_kernel_get(&g, e) < 0 || guest_disk_image(template_dir, GUEST_DISK_MB, &img, e) < 0 ||
	    vm_disk_overlay(img, "raw", disk, e) < 0)
		goto out;
	if (vm_net_create(id, tmp, 0, &net, e) < 0)
		goto out;
	have_net = 1;
	if (ch_vmm_start(bin, tmp, &net, &proc, &api, &v, e) < 0)
		goto out;
	have_vmm = 1;
	cmdline = guest_cmdline("ttyS0", cmd_extra);
	ch_vm_params p = { cpus, memory_mb, g.kernel, g.initramfs, cmdline, disk, serial, vsock };
	json_t *cfg = ch_vmconfig(&p);
	rc = ch_api_put(&api, "vm.create", cfg, 10000, e);
	json_decref(cfg);
	if (rc == 0)
		rc = ch_api_put(&api, "vm.boot", NULL, 60000, e);
	if (rc == 0 && ch_vsock_health(vsock, GUEST_AGENT_PORT, 180000, e) < 0)
		rc = sbx_error(e, "the template's VM booted but its agent never answered (%s); see %s", e->msg, serial);
	if (rc == 0)
		rc = warm(vsock, token, template_dir, e);
	if (rc == 0)
		rc = ch_api_put(&api, "vm.pause", NULL, 30000, e);
	if (rc == 0 && mkdir(snap, 0700) < 0)
		rc = sbx_error_errno(e, "cannot create %s", snap);
	if (rc == 0)
		rc = ch_api_snapshot(&api, snap, 300000, e);
out:
	if (have_vmm) {
		ch_vmm_stop(&proc, &api, NULL);
		ch_api_free(&api);
	}
	if (have_net)
		vm_net_destroy(&net, NULL);
	char *sock = xasprintf("%s/api.sock", tmp);
	unlink(sock);
	unlink(vsock);
	free(sock);
	guest_kernel_free(&g);
	free(img);
	free(cmd_extra);
	free(cmdline);
	free(disk);
	free(serial);
	free(vsock);
	free(snap);
	return rc;
}

int ch_snap_get(const char *bin, const char *template_dir, int cpus, int memory_mb, ch_snap *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	char ver[64];
	guest_kernel g = { 0 };
	if (ch_binary_version(bin, ver, sizeof ver, e) < 0 || guest_kernel_get(&g, e) < 0)
		return -1;
	const char *base = strrchr(template_dir, '/');
	base = base ? base + 1 : template_dir;
	const char *dash = strrchr(base, '-');
	char *cache = template_cache_dir();
	char *root = xasprintf("%s/vm/ch", cache);
	char *dir = xasprintf("%s/%.12s-%s-%s-c%dm%d", root, dash ? dash + 1 : base, g.key, ver, cpus, memory_mb);
	guest_kernel_free(&g);
	free(cache);
	int rc = -1, lock = -1;
	char *lockp = xasprintf("%s.lock", dir), *tmp = NULL;
	if (load_meta(dir, out)) {
		rc = 0;
		goto done;
	}
	if (fsu_mkdirs(root, 0700, e) < 0)
		goto done;
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		sbx_error_errno(e, "cannot lock %s", lockp);
		goto done;
	}
	if (load_meta(dir, out)) {   /* built while we waited */
		rc = 0;
		goto done;
	}
	fsu_rm_rf(dir, 1, NULL);     /* a half-built one from a crash */
	tmp = xasprintf("%s.tmp", dir);
	fsu_rm_rf(tmp, 1, NULL);
	if (mkdir(tmp, 0700) < 0) {
		sbx_error_errno(e, "cannot create %s", tmp);
		goto done;
	}
	char token[33];
	rand_hex(token, 32);
	if (build(bin, template_dir, cpus, memory_mb, tmp, token, e) < 0)
		goto done;
	json_t *m = json_pack("{s:s,s:s,s:s}", "token", token, "cloud_hypervisor", ver, "template", template_dir);
	char *mp = xasprintf("%s/meta.json", tmp);
	int w = json_dump_file(m, mp, JSON_INDENT(2));
	json_decref(m);
	free(mp);
	if (w < 0 || rename(tmp, dir) < 0) {
		sbx_error_errno(e, "cannot store the booted snapshot in %s", dir);
		goto done;
	}
	rc = load_meta(dir, out) ? 0 : sbx_error(e, "cannot read %s/meta.json", dir);
done:
	/* A failed build's dir stays for its logs (the next build clears it). */
	if (lock >= 0)
		close(lock);
	free(lockp);
	free(tmp);
	free(root);
	free(dir);
	return rc;
}
