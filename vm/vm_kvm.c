/* vm_kvm: see vm_kvm.h. */
#include "vm_kvm.h"
#include "guest/guest.h"
#include "../src/proto/jsonfile.h"
#include "../src/util/buf.h"
#include "../src/util/fsutil.h"
#include "../src/util/timeutil.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KVM_CACHE_DIR "/run/sbx"
#define KVM_CACHE KVM_CACHE_DIR "/kvm.json"
#define PROBE_MS 8000

static int cpu_has_virt(void)
{
	sbx_buf b = SBX_BUF_INIT;
	int yes = 0;
	if (buf_read_file(&b, "/proc/cpuinfo", NULL) == 0)
		for (const char *p = buf_cstr(&b); (p = strstr(p, "\nflags")); p++) {
			const char *end = strchr(p + 1, '\n');
			size_t n = end ? (size_t)(end - p) : strlen(p);
			char *line = xstrndup(p, n);
			yes = strstr(line, " vmx") || strstr(line, " svm");
			free(line);
			break;
		}
	buf_free(&b);
	return yes;
}

static void boot_id(char out[64])
{
	sbx_buf b = SBX_BUF_INIT;
	out[0] = '\0';
	if (buf_read_file(&b, "/proc/sys/kernel/random/boot_id", NULL) == 0)
		snprintf(out, 64, "%.*s", (int)strcspn(buf_cstr(&b), "\n"), buf_cstr(&b));
	buf_free(&b);
}

/* Boots the guest kernel with sbx.probe=1 under KVM and waits for its
 * marker on the serial line. */
static int probe_boot(sbx_err *why)
{
	guest_kernel g = { 0 };
	if (guest_kernel_get(&g, why) < 0)
		return 0;
	char serial[] = "/tmp/sbx-kvm-probe-XXXXXX";
	int fd = mkstemp(serial);
	if (fd < 0) {
		guest_kernel_free(&g);
		sbx_error_errno(why, "cannot make a file for the KVM probe's console");
		return 0;
	}
	char *cmdline = guest_cmdline("ttyS0", "sbx.probe=1");
	char *ser = xasprintf("file:%s", serial);
	const char *argv[] = { "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
			       "-machine", "q35,accel=kvm", "-cpu", "host", "-m", "256M", "-kernel", g.kernel,
			       "-initrd", g.initramfs, "-append", cmdline, "-serial", ser, "-no-reboot", NULL };
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int ok = 0;
	int64_t deadline = now_ms() + PROBE_MS;
	while (pid > 0) {
		char buf[8192];
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		if (strstr(buf, "sbx-guest-probe-ok")) {
			ok = 1;
			break;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = 0;
			break;
		}
		if (now_ms() > deadline)
			break;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (!ok)
		sbx_error(why, "a guest did not boot under KVM within %d s (nested or broken virtualisation); "
			  "VMs run under TCG (slow); SBX_KVM=on skips this probe", PROBE_MS / 1000);
	close(fd);
	unlink(serial);
	free(ser);
	free(cmdline);
	guest_kernel_free(&g);
	return ok;
}

static int cache_read(const char *bid, sbx_err *why)
{
	json_t *j = json_load_file(KVM_CACHE, 0, NULL);
	const char *b = json_string_value(json_object_get(j, "boot_id"));
	json_t *u = json_object_get(j, "usable");
	int r = -1;
	if (b && *bid && !strcmp(b, bid) && json_is_boolean(u)) {
		r = json_is_true(u);
		if (!r)
			sbx_error(why, "%s", json_string_value(json_object_get(j, "why")) ?: "KVM is unusable");
	}
	json_decref(j);
	return r;
}

static void cache_write(const char *bid, int usable, const char *why)
{
	if (!*bid || fsu_mkdirs(KVM_CACHE_DIR, 0755, NULL) < 0)
		return;
	json_t *j = json_pack("{s:s, s:b, s:s}", "boot_id", bid, "usable", usable, "why", usable ? "" : why);
	json_file_replace(KVM_CACHE, j, JSON_COMPACT, NULL);
	json_decref(j);
}

int vm_kvm_usable(sbx_err *why)
{
	const char *env = getenv("SBX_KVM");
	if (env && !strcmp(env, "off")) {
		sbx_error(why, "KVM is turned off (SBX_KVM=off)");
		return 0;
	}
	if (env && !strcmp(env, "on"))
		return 1;
	if (!cpu_has_virt()) {
		sbx_error(why, "the CPU exposes no hardware virtualisation (no vmx or svm flag in /proc/cpuinfo; "
			  "enable VT-x/AMD-V, or nested virtualisation for a VM host)");
		return 0;
	}
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		sbx_error_errno(why, "/dev/kvm cannot be opened (load kvm_intel or kvm_amd, or grant access)");
		return 0;
	}
	close(fd);
	char bid[64];
	boot_id(bid);
	int r = cache_read(bid, why);
	if (r >= 0)
		return r;
	r = probe_boot(why);
	cache_write(bid, r, why ? why->msg : "");
	return r;
}
