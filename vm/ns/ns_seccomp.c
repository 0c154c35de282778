#include "ns_seccomp.h"
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Refused outright (EPERM), by group; names this libseccomp or this
 * architecture does not know are skipped. */
static const char *const denied[] = {
	/* kernel keyrings: not namespaced per sandbox, shared quotas */
	"add_key", "keyctl", "request_key",
	/* the kernel's big attack surfaces */
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "lookup_dcookie", "fanotify_init",
	/* the kernel itself: modules, kexec, reboot, swap, accounting, syslog */
	"init_module", "finit_module", "delete_module", "create_module", "query_module",
	"get_kernel_syms", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
	"acct", "syslog", "nfsservctl", "quotactl", "quotactl_fd", "_sysctl", "sysfs", "ustat",
	"uselib", "vhangup",
	/* the host's clock */
	"clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "settimeofday",
	"stime",
	/* file handles bypass path permissions */
	"open_by_handle_at", "name_to_handle_at",
	/* mounts and namespaces (clone's namespace flags below) */
	"mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig",
	"fsmount", "fspick", "mount_setattr", "unshare", "setns", "sethostname", "setdomainname",
	/* raw hardware and NUMA placement */
	"iopl", "ioperm", "vm86", "vm86old", "mbind", "get_mempolicy", "set_mempolicy",
	"set_mempolicy_home_node", "migrate_pages", "move_pages",
	/* comparing other processes' kernel objects */
	"kcmp",
};

static const unsigned long ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
	CLONE_NEWCGROUP,
};

static int add_rules(scmp_filter_ctx ctx, sbx_err *e)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		int rc = seccomp_rule_add(ctx, eperm, nr, 0);
		if (rc < 0)
			return sbx_error(e, "cannot build the sandbox's seccomp filter: rule for %s: %s",
					 denied[i], strerror(-rc));
	}
	/* clone: any namespace flag (flags are the first argument on x86 and arm). */
	for (size_t i = 0; i < sizeof ns_flags / sizeof *ns_flags; i++) {
		int rc = seccomp_rule_add(ctx, eperm, SCMP_SYS(clone), 1,
					  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
		if (rc < 0)
			return sbx_error(e, "cannot build the sandbox's seccomp filter: clone rule: %s",
					 strerror(-rc));
	}
	/* clone3 passes its flags in memory, out of the filter's sight: as
	 * Docker, ENOSYS, so that libc falls back to clone. */
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* vsock is not namespaced: it would reach the host's services. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_VSOCK));
	if (rc < 0)
		return sbx_error(e, "cannot build the sandbox's seccomp filter: %s", strerror(-rc));
	return 0;
}

/* Architectures a process may call the kernel with (32-bit compat too). */
static int extra_archs(uint32_t native, uint32_t out[2])
{
	if (native == SCMP_ARCH_X86_64) {
		out[0] = SCMP_ARCH_X86;
		out[1] = SCMP_ARCH_X32;
		return 2;
	}
	if (native == SCMP_ARCH_AARCH64) {
		out[0] = SCMP_ARCH_ARM;
		return 1;
	}
	return 0;
}

/* libseccomp's token for x32 is not the audit arch the kernel reports. */
static uint32_t audit_arch(uint32_t token)
{
	return token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
}

/* personality(2): allowed only with one of Docker's values. */
static void build_persona(nssec_filter *f, const uint32_t *archs, int narch)
{
	struct sock_filter *p = f->persona_insns;
	unsigned n = 0, pairs = 0;
	uint32_t arch[4], nr[4];
	for (int i = 0; i < narch && pairs < 4; i++) {
		int k = seccomp_syscall_resolve_name_arch(archs[i], "personality");
		if (k < 0)
			continue;
		arch[pairs] = audit_arch(archs[i]);
		nr[pairs++] = (uint32_t)k;
	}
	for (unsigned i = 0; i < pairs; i++) {
		p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
		p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch[i], 0, 2);
		p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		/* to the argument check, past the remaining pairs and the ALLOW */
		p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr[i],
						    (unsigned char)(4 * (pairs - i) - 3), 0);
		n++;
	}
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	/* The kernel takes an unsigned int: the argument's low word. */
	size_t lo = offsetof(struct seccomp_data, args[0]);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	lo += 4;
#endif
	static const uint32_t ok[] = { 0, 0x8, 0x20000, 0x20008, 0xffffffff };
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)lo);
	for (unsigned i = 0; i < 5; i++)
		p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ok[i], (unsigned char)(5 - i), 0);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f->persona.len = (unsigned short)n;
	f->persona.filter = p;
}

/* libseccomp writes the program to a descriptor: a memfd, read back. */
static int export_main(scmp_filter_ctx ctx, nssec_filter *f, sbx_err *e)
{
	int fd = memfd_create("sbx-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return sbx_error_errno(e, "cannot build the sandbox's seccomp filter: memfd_create");
	struct stat st;
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 ||
	    st.st_size % (off_t)sizeof(struct sock_filter) || st.st_size > 65535 * (off_t)sizeof(struct sock_filter)) {
		close(fd);
		return sbx_error(e, "cannot build the sandbox's seccomp filter: export failed (%s)",
				 rc < 0 ? strerror(-rc) : "bad size");
	}
	struct sock_filter *insns = malloc((size_t)st.st_size);
	if (!insns || pread(fd, insns, (size_t)st.st_size, 0) != st.st_size) {
		free(insns);
		close(fd);
		return sbx_error(e, "cannot build the sandbox's seccomp filter: reading it back failed");
	}
	close(fd);
	f->main.filter = insns;
	f->main.len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	return 0;
}

int nssec_build(nssec_filter *f, sbx_err *e)
{
	memset(f, 0, sizeof *f);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return sbx_error(e, "cannot build the sandbox's seccomp filter: seccomp_init failed");
	uint32_t archs[3] = { seccomp_arch_native() };
	int narch = 1 + extra_archs(archs[0], archs + 1);
	int rc = 0;
	for (int i = 1; i < narch && rc == 0; i++)
		rc = seccomp_arch_add(ctx, archs[i]);
	/* A call from an architecture the filter does not know: EPERM too. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(EPERM));
	if (rc < 0) {
		seccomp_release(ctx);
		return sbx_error(e, "cannot build the sandbox's seccomp filter: %s", strerror(-rc));
	}
	rc = add_rules(ctx, e) < 0 ? -1 : export_main(ctx, f, e);
	seccomp_release(ctx);
	if (rc < 0)
		return -1;
	build_persona(f, archs, narch);
	return 0;
}

void nssec_free(nssec_filter *f)
{
	free(f->main.filter);
	memset(f, 0, sizeof *f);
}

int nssec_install(const nssec_filter *f)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f->persona) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f->main);
}
