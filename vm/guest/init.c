/*
 * sbx-guest-init: PID 1 of the initramfs every VM sandbox boots (static,
 * no project libraries: it runs before any root file system exists).
 *
 * Mounts /proc, /sys, /dev; with sbx.probe=1 on the kernel command line
 * prints PROBE_MARKER and powers off (the KVM probe).  Else loads the
 * modules listed in /modules/order (finit_module, in that order, passing
 * the command line's MODULE.param=value words), waits for the root disk,
 * mounts it read-write, switches root to it, configures lo and eth0, writes
 * resolv.conf, sets the hostname and execs sbx-agent (the new PID 1) with
 * the token of sbx.token=.  Everything goes to /dev/console (the serial
 * log); any failure is printed there and the VM powers off.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

#define PROBE_MARKER "sbx-guest-probe-ok"
#define AGENT_PATH "/usr/lib/sbx/sbx-agent"
#define PYTHON_PATH "/usr/lib/sbx/python"
#define MODULE_DIR "/modules"
#define ROOT_WAIT_MS 30000
#define CMDLINE_MAX 4096

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	fputs("sbx-guest-init: ", stderr);
	fwrite(line, 1, (size_t)n, stderr);
	fflush(stderr);
}

/* Power off where the kernel can (ACPI: cloud-hypervisor, q35); without
 * ACPI (QEMU's microvm,acpi=off) it could only halt, so reset instead:
 * reboot=t makes that a triple fault, which the VMM's -no-reboot turns
 * into an exit.  Either way the VMM ends, never a silent hang. */
static void power_off(void)
{
	sync();
	if (access("/sys/firmware/acpi", F_OK) == 0)
		reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
	_exit(1);   /* PID 1 exiting panics; panic=-1 resets */
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	say("FATAL: %s; powering off", msg);
	power_off();
	_exit(1);
}

static void console_stdio(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;   /* keep whatever the kernel gave us */
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void mount_or_die(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		die("cannot mount %s on %s (%s): %s", src, dst, type ? type : "move", strerror(errno));
}

/* ── the kernel command line ── */

typedef struct cmdline {
	char buf[CMDLINE_MAX];
	char *words[256];
	int n;
} cmdline;

static void cmdline_read(cmdline *c)
{
	c->n = 0;
	c->buf[0] = 0;
	int fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		die("cannot read /proc/cmdline: %s", strerror(errno));
	ssize_t r = read(fd, c->buf, sizeof c->buf - 1);
	close(fd);
	if (r < 0)
		die("cannot read /proc/cmdline: %s", strerror(errno));
	c->buf[r] = 0;
	/* Plain whitespace splitting: our values never hold quotes or spaces. */
	for (char *save = NULL, *w = strtok_r(c->buf, " \t\n", &save); w && c->n < 256;
	     w = strtok_r(NULL, " \t\n", &save))
		c->words[c->n++] = w;
}

static const char *cmdline_get(const cmdline *c, const char *key)
{
	size_t k = strlen(key);
	const char *v = NULL;
	for (int i = 0; i < c->n; i++)
		if (!strncmp(c->words[i], key, k) && c->words[i][k] == '=')
			v = c->words[i] + k + 1;   /* the last one wins, as in the kernel */
	return v;
}

/* Module names compare with '-' and '_' alike. */
static int modname_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return 0;
	}
	return 1;
}

/* "p1=v1 p2=v2" from the MODULE.pN=vN words (what modprobe passes from
 * /proc/cmdline: the kernel applies them to built-in code only). */
static void module_params(const cmdline *c, const char *mod, char *out, size_t cap)
{
	size_t m = strlen(mod), len = 0;
	out[0] = 0;
	for (int i = 0; i < c->n; i++) {
		const char *w = c->words[i];
		if (strlen(w) <= m + 1 || w[m] != '.' || !modname_eq(w, mod, m))
			continue;
		int r = snprintf(out + len, cap - len, "%s%s", len ? " " : "", w + m + 1);
		if (r < 0 || (size_t)r >= cap - len)
			die("the kernel command line's parameters for %s are too long", mod);
		len += (size_t)r;
	}
}

/* ── modules ── */

static void load_modules(const cmdline *c)
{
	FILE *f = fopen(MODULE_DIR "/order", "r");
	if (!f)
		die("cannot open %s/order: %s (the initramfs is incomplete; rebuild it)", MODULE_DIR,
		    strerror(errno));
	char line[256], path[512], name[256], params[1024];
	int count = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		snprintf(path, sizeof path, "%s/%s", MODULE_DIR, line);
		snprintf(name, sizeof name, "%s", line);
		char *dot = strstr(name, ".ko");
		if (dot)
			*dot = 0;
		module_params(c, name, params, sizeof params);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("cannot open module %s: %s", path, strerror(errno));
		if (syscall(SYS_finit_module, fd, params, 0) < 0 && errno != EEXIST)
			die("cannot load module %s%s%s: %s", name, *params ? " with " : "", params, strerror(errno));
		close(fd);
		unlink(path);   /* the initramfs stays in RAM: free what is done */
		count++;
	}
	fclose(f);
	unlink(MODULE_DIR "/order");
	rmdir(MODULE_DIR);
	say("%d modules loaded", count);
}

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void wait_for(const char *dev)
{
	long t0 = mono_ms();
	struct stat st;
	while (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode)) {
		if (mono_ms() - t0 > ROOT_WAIT_MS)
			die("no root disk %s after %d s: give the VM a virtio-blk disk", dev, ROOT_WAIT_MS / 1000);
		struct timespec d = { 0, 10 * 1000 * 1000 };
		nanosleep(&d, NULL);
	}
}

/* ── the root ── */

static void switch_root(void)
{
	mount_or_die(GUEST_ROOT_DEV, "/newroot", "ext4", 0, NULL);
	mount_or_die("/dev", "/newroot/dev", NULL, MS_MOVE, NULL);
	mount_or_die("/proc", "/newroot/proc", NULL, MS_MOVE, NULL);
	mount_or_die("/sys", "/newroot/sys", NULL, MS_MOVE, NULL);
	unlink("/init");
	if (chdir("/newroot") < 0)
		die("cannot enter /newroot: %s", strerror(errno));
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		die("cannot move the root disk to /: %s", strerror(errno));
	if (chroot(".") < 0 || chdir("/") < 0)
		die("cannot switch root: %s", strerror(errno));
	mkdir("/tmp", 01777);
	mkdir("/run", 0755);
	mkdir("/dev/pts", 0755);
	mkdir("/dev/shm", 01777);
	mount_or_die("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=666");
	mount_or_die("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_or_die("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
	if (access("/sys/fs/cgroup", F_OK) == 0)
		mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* ── the network ── */

static int if_flags_up(int s, const char *ifname)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static void set_addr(int s, const char *ifname, unsigned long req, const char *ip)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	struct sockaddr_in *a = (struct sockaddr_in *)&ifr.ifr_addr;
	a->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &a->sin_addr);
	if (ioctl(s, req, &ifr) < 0)
		die("cannot set %s %s on %s: %s", req == SIOCSIFADDR ? "address" : "netmask", ip, ifname,
		    strerror(errno));
}

static void network(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("cannot open a socket to configure the network: %s", strerror(errno));
	if (if_flags_up(s, "lo") < 0)
		die("cannot bring lo up: %s", strerror(errno));
	if (if_nametoindex("eth0") == 0) {
		/* A VM without a NIC still runs (vsock reaches the agent). */
		say("no eth0: this VM has no network device; the agent is reachable over vsock only");
		close(s);
		return;
	}
	set_addr(s, "eth0", SIOCSIFADDR, GUEST_IP);
	set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.252");
	if (if_flags_up(s, "eth0") < 0)
		die("cannot bring eth0 up: %s", strerror(errno));
	struct rtentry rt;
	memset(&rt, 0, sizeof rt);
	struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway, *dst = (struct sockaddr_in *)&rt.rt_dst,
			   *mask = (struct sockaddr_in *)&rt.rt_genmask;
	gw->sin_family = dst->sin_family = mask->sin_family = AF_INET;
	inet_pton(AF_INET, GUEST_GW, &gw->sin_addr);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)"eth0";
	if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST)
		die("cannot add the default route via %s: %s", GUEST_GW, strerror(errno));
	close(s);
}

static void write_file(const char *path, const char *text)
{
	unlink(path);   /* may be a symlink into a resolver we do not run */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("cannot write %s: %s", path, strerror(errno));
	close(fd);
}

/* A vsock device is bound to the virtio transport (/dev/vsock exists as
 * soon as the vsock module is loaded, device or not). */
static int have_vsock(void)
{
	DIR *d = opendir("/sys/bus/virtio/drivers/vmw_vsock_virtio_transport");
	if (!d)
		return 0;
	int found = 0;
	for (struct dirent *de; (de = readdir(d));)
		if (!strncmp(de->d_name, "virtio", 6))
			found = 1;
	closedir(d);
	return found && access("/dev/vsock", F_OK) == 0;
}

static void exec_agent(const cmdline *c)
{
	const char *token = cmdline_get(c, "sbx.token");
	static char listen_tcp[64], listen_vsock[64], token_env[512];
	snprintf(listen_tcp, sizeof listen_tcp, "tcp:0.0.0.0:%d", GUEST_AGENT_PORT);
	snprintf(listen_vsock, sizeof listen_vsock, "vsock:%d", GUEST_AGENT_PORT);
	char *argv[12];
	int n = 0;
	argv[n++] = (char *)"sbx-agent";
	argv[n++] = (char *)"--listen";
	argv[n++] = listen_tcp;
	if (have_vsock()) {
		argv[n++] = (char *)"--listen";
		argv[n++] = listen_vsock;
	}
	struct stat st;
	if (stat(PYTHON_PATH, &st) == 0 && S_ISDIR(st.st_mode)) {
		argv[n++] = (char *)"--python-path";
		argv[n++] = (char *)PYTHON_PATH;
	}
	argv[n] = NULL;
	char *envp[6];
	int m = 0;
	envp[m++] = (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	envp[m++] = (char *)"HOME=/root";
	envp[m++] = (char *)"LANG=C.UTF-8";
	if (token && *token) {
		if (snprintf(token_env, sizeof token_env, "SBX_ACCESS_TOKEN=%s", token) >= (int)sizeof token_env)
			die("sbx.token on the kernel command line is too long");
		envp[m++] = token_env;
	}
	envp[m] = NULL;
	say("starting %s", AGENT_PATH);
	execve(AGENT_PATH, argv, envp);
	die("cannot run %s: %s (the template's rootfs must hold the agent; rebuild the template)", AGENT_PATH,
	    strerror(errno));
}

int main(void)
{
	mount_or_die("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	console_stdio();
	mount_or_die("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_die("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (getpid() != 1)
		die("must run as PID 1 (the initramfs's /init)");
	static cmdline c;
	cmdline_read(&c);
	const char *probe = cmdline_get(&c, "sbx.probe");
	if (probe && !strcmp(probe, "1")) {
		printf("%s\n", PROBE_MARKER);
		fflush(stdout);
		power_off();
	}
	load_modules(&c);
	wait_for(GUEST_ROOT_DEV);
	switch_root();
	say("%s mounted on /", GUEST_ROOT_DEV);
	network();
	write_file("/etc/resolv.conf", "nameserver " GUEST_GW "\n");
	if (sethostname("sbx", 3) < 0)
		die("cannot set the hostname: %s", strerror(errno));
	exec_agent(&c);
	return 1;
}
