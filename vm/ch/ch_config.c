#include "ch_config.h"
#include "../guest/guest.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

json_t *ch_vmconfig(const ch_vm_params *p)
{
	int cpus = p->cpus > 0 ? p->cpus : 1;
	json_int_t mem = (json_int_t)(p->memory_mb > 0 ? p->memory_mb : 512) << 20;
	/* nested false: no VMX/SVM in a sandbox (CH's default is true).
	 * serial File + console Off: ttyS0 is the log (both default to
	 * something else).  image_type explicit (auto-detection is
	 * deprecated) and backing_files on (off by default since v51): the
	 * overlay's base is the snapshot's or template's image. */
	return json_pack("{s:{s:i,s:i,s:b}, s:{s:I}, s:{s:s,s:s,s:s},"
			 " s:[{s:s,s:s,s:b}], s:[{s:s,s:s}], s:{s:s},"
			 " s:{s:s,s:s}, s:{s:s}, s:{s:I,s:s}}",
			 "cpus", "boot_vcpus", cpus, "max_vcpus", cpus, "nested", 0,
			 "memory", "size", mem,
			 "payload", "kernel", p->kernel, "initramfs", p->initramfs, "cmdline", p->cmdline,
			 "disks", "path", p->disk, "image_type", "Qcow2", "backing_files", 1,
			 "net", "tap", GUEST_TAP, "mac", GUEST_MAC,
			 "rng", "src", "/dev/urandom",
			 "serial", "mode", "File", "file", p->serial,
			 "console", "mode", "Off",
			 "vsock", "cid", (json_int_t)3, "socket", p->vsock);
}

int ch_config_patch(json_t *cfg, const char *disk, const char *vsock, const char *serial, sbx_err *e)
{
	json_t *disks = json_object_get(cfg, "disks");
	json_t *d0 = json_array_get(disks, 0);
	json_t *vs = json_object_get(cfg, "vsock");
	json_t *se = json_object_get(cfg, "serial");
	if (!json_is_object(cfg) || json_array_size(disks) != 1 || !json_is_object(d0) ||
	    !json_is_string(json_object_get(d0, "path")))
		return sbx_error(e, "the snapshot's config.json has no single disk with a path; delete the "
				    "booted snapshot so it is rebuilt");
	if (!json_is_object(vs) || !json_is_string(json_object_get(vs, "socket")))
		return sbx_error(e, "the snapshot's config.json has no vsock socket; delete the booted "
				    "snapshot so it is rebuilt");
	if (!json_is_object(se) || !json_is_string(json_object_get(se, "mode")) ||
	    strcmp(json_string_value(json_object_get(se, "mode")), "File"))
		return sbx_error(e, "the snapshot's config.json has no serial file; delete the booted "
				    "snapshot so it is rebuilt");
	json_object_set_new(d0, "path", json_string(disk));
	json_object_set_new(vs, "socket", json_string(vsock));
	json_object_set_new(se, "file", json_string(serial));
	return 0;
}

int ch_snapshot_clone(const char *src, const char *dst, const char *disk, const char *vsock,
		      const char *serial, sbx_err *e)
{
	if (mkdir(dst, 0700) < 0)
		return sbx_error_errno(e, "cannot create %s", dst);
	DIR *d = opendir(src);
	if (!d)
		return sbx_error_errno(e, "cannot read the snapshot %s", src);
	int rc = 0, have_cfg = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *from = xasprintf("%s/%s", src, de->d_name), *to = xasprintf("%s/%s", dst, de->d_name);
		if (!strcmp(de->d_name, "config.json")) {
			json_error_t je;
			json_t *cfg = json_load_file(from, 0, &je);
			have_cfg = 1;
			if (!cfg)
				rc = sbx_error(e, "cannot read %s: %s", from, je.text);
			else if ((rc = ch_config_patch(cfg, disk, vsock, serial, e)) == 0 &&
				 json_dump_file(cfg, to, JSON_INDENT(2)) < 0)
				rc = sbx_error_errno(e, "cannot write %s", to);
			json_decref(cfg);
		} else if (!strcmp(de->d_name, "memory-ranges")) {
			if (link(from, to) < 0)
				rc = fsu_copy_file(from, to, 0, e);
		} else {
			rc = fsu_copy_file(from, to, 0, e);
		}
		free(from);
		free(to);
	}
	closedir(d);
	if (rc == 0 && !have_cfg)
		rc = sbx_error(e, "the snapshot %s has no config.json; delete it so it is rebuilt", src);
	return rc;
}
