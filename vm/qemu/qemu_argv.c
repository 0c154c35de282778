/* qemu_argv: see qemu_argv.h. */
#include "qemu_argv.h"
#include "../guest/guest.h"
#include "../../src/util/strv.h"
#include "../../src/util/xalloc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PUSH(...) sbx_strv_push(&v, &n, xasprintf(__VA_ARGS__))

char **qemu_argv(const qemu_vm_cfg *c)
{
	char **v = NULL;
	size_t n = 0;
	int microvm = !strcmp(c->machine, "microvm");
	/* virtio-mmio on microvm, virtio-pci on q35. */
	const char *bus = microvm ? "device" : "pci";
	PUSH("%s", c->qemu);
	PUSH("-name");
	PUSH("sbx");
	PUSH("-nodefaults");
	PUSH("-no-user-config");
	PUSH("-display");
	PUSH("none");
	/* The guest is hostile: QEMU's seccomp filter (no obsolete syscalls,
	 * no setuid or priority games); spawning stays allowed, for the
	 * exec:cat migrations that save and load VMs. */
	PUSH("-sandbox");
	PUSH("on,obsolete=deny,elevateprivileges=deny,resourcecontrol=deny");
	PUSH("-machine");
	if (microvm)
		PUSH("microvm,accel=%s,acpi=on,pit=off,pic=off,rtc=on,memory-backend=ram0", c->accel);
	else
		PUSH("q35,accel=%s,memory-backend=ram0", c->accel);
	/* TCG: qemu64 lacks instructions Debian's Python stack runs (SIGILL);
	 * max emulates AVX2, which made Python start too slowly for the
	 * agent's kernel deadline.  Nehalem is x86-64-v2 without AVX. */
	PUSH("-cpu");
	PUSH("%s", !strcmp(c->accel, "kvm") ? "host" : "Nehalem");
	PUSH("-smp");
	PUSH("%d", c->cpus);
	PUSH("-m");
	PUSH("%dM", c->memory_mb);
	PUSH("-object");
	PUSH("memory-backend-file,id=ram0,size=%dM,mem-path=%s,share=%s", c->memory_mb, c->ram_path,
	     c->ram_share ? "on" : "off");
	PUSH("-kernel");
	PUSH("%s", c->kernel);
	PUSH("-initrd");
	PUSH("%s", c->initrd);
	PUSH("-append");
	PUSH("%s", c->cmdline);
	PUSH("-chardev");
	PUSH("file,id=ser0,path=%s,append=on", c->serial_log);
	PUSH("-serial");
	PUSH("chardev:ser0");
	PUSH("-drive");
	PUSH("id=d0,if=none,format=qcow2,file=%s,cache=writeback,discard=unmap", c->disk);
	PUSH("-device");
	PUSH("virtio-blk-%s,drive=d0", bus);
	if (c->net) {
		PUSH("-netdev");
		PUSH("tap,id=n0,ifname=%s,script=no,downscript=no", GUEST_TAP);
		PUSH("-device");
		PUSH("virtio-net-%s,netdev=n0,mac=%s", bus, GUEST_MAC);
	}
	PUSH("-device");
	PUSH("virtio-rng-%s", bus);
	PUSH("-qmp");
	PUSH("unix:%s,server=on,wait=off", c->qmp_sock);
	if (c->incoming) {
		PUSH("-incoming");
		PUSH("defer");
	}
	return v;
}

char *qemu_version_parse(const char *text)
{
	const char *p = strstr(text, "version ");
	if (!p)
		return NULL;
	p += strlen("version ");
	size_t n = strspn(p, "0123456789.");
	if (!n || !isdigit((unsigned char)p[0]))
		return NULL;
	return xstrndup(p, n);
}

static int part_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_')
			return 0;
	return 1;
}

char *qemu_snap_key(const char *template_hash, const char *guest_key, const char *qemu_version,
		    const char *machine, const char *accel, int cpus, int memory_mb)
{
	if (!template_hash || strlen(template_hash) < 12 || !part_ok(template_hash) || !part_ok(guest_key) ||
	    !part_ok(qemu_version) || !part_ok(machine) || !part_ok(accel) || cpus < 1 || memory_mb < 1)
		return NULL;
	return xasprintf("%.12s-%s-qemu%s-%s-%s-%dc%dm", template_hash, guest_key, qemu_version, machine,
			 accel, cpus, memory_mb);
}
