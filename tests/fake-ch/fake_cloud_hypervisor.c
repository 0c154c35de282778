/*
 * fake_cloud_hypervisor: a stand-in for cloud-hypervisor (v50–v53) that the
 * ch driver's tests run, because the real binary cannot run here (no usable
 * KVM, no download).  It is faithful where the driver can get things wrong
 * and nowhere else:
 *
 *  - the REST API on --api-socket path=P: HTTP/1.1, the documented methods
 *    (GET for vmm.ping / vm.info / vm.counters, PUT for the rest, else 400),
 *    bodies checked against the documented schema (unknown fields → 400 as
 *    serde's deny_unknown_fields does, required fields, enum values,
 *    image_type given, file:// URLs, snapshot dir exists, restore fields
 *    only on versions that have them), the documented order (create before
 *    boot, boot once, pause only running, resume only paused (405),
 *    snapshot only paused, restore only into an empty VMM (404)), and its
 *    error shape: a JSON array of strings.  Stricter than the real one in
 *    what sbx promises: every PUT carries Content-Length, nothing is
 *    chunked, no Expect header, no body on bodiless actions.
 *  - devices as the real one opens them at boot/restore: the disk (qcow2
 *    magic; a backing file needs backing_files: true, as since v51), the tap
 *    by name (TUNSETIFF in the namespace it was started in), the serial file
 *    (truncated), the vsock socket (bound: a leftover path fails).
 *  - snapshots: config.json (the config, patched or not), state.json, and
 *    memory-ranges of memory.size bytes (sparse).
 *  - hybrid vsock on vsock.socket: "CONNECT <port>\n" (keyword in any case,
 *    32-byte command limit) → "OK <host port>\n" and a raw stream, or the
 *    socket closed without OK when nothing listens on the port.
 *  - exits on vmm.shutdown, or when its "guest" dies (the real VMM exits when
 *    the guest powers off).
 *
 * Its guest is no VM: at boot and restore it runs the real sbx-agent
 * ($FAKE_CH_AGENT) as init of a PID namespace (it dies with the VMM, as a
 * guest does), in the network namespace the fake was started in, listening
 * on 127.0.0.1:49983 there, its output in the serial file, its token from
 * the cmdline's sbx.token=.  The fake listens on GUEST_IP:49983 (GUEST_IP
 * added on lo, so the driver's DNAT reaches it) and vsock port 49983, and
 * relays both to the agent.  vm.pause SIGSTOPs it, vm.resume SIGCONTs it.
 * IT CANNOT CHECK GUEST STATE ACROSS SNAPSHOTS: a restore starts a fresh
 * agent, so processes and memory of the snapshotted "guest" are gone
 * (files survive only because the agent runs on the host's filesystem).
 * The one exception is the agent's access token, which sbxd relies on
 * after a resume: the fake learns it from the POST /init requests it
 * relays, keeps it in state.json and gives it to the restored agent.  $FAKE_CH_VERSION (default 53.0.0) sets the version it
 * claims, and with it which restore fields it accepts.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define GUEST_IP "169.254.0.21"
#define AGENT_PORT 49983
#define MAXCONN 64

enum vmst { VM_NONE, VM_CREATED, VM_RUNNING, VM_PAUSED, VM_SHUTDOWN };
static const char *const vmst_name[] = { "None", "Created", "Running", "Paused", "Shutdown" };

/* The one VMM this process is; a fake is a single-threaded program. */
typedef struct conn {
	int fd;
	int kind;          /* 1 API client, 2 vsock awaiting CONNECT, 3 relay */
	int peer;          /* relay: the agent's TCP socket */
	char buf[65536];
	size_t len;
	int sniff;         /* relay of GUEST_IP:49983: watch for POST /init */
	char req[8192];    /* the request being watched */
	size_t rlen;
} conn;

static struct {
	int major, minor;
	char version[32];
	char *api_path;
	int api_fd;
	enum vmst st;
	json_t *cfg;
	int vsock_fd;
	char *vsock_path;
	int net_fd;        /* GUEST_IP:49983, relayed to the agent */
	char *token;       /* the agent's token as its last POST /init set it */
	int tap_fd, disk_fd, serial_fd;
	pid_t agent;
	unsigned next_port;
	conn c[MAXCONN];
	int quit;
} V;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fake-cloud-hypervisor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- replies ---- */

typedef struct reply {
	int status;
	char *body;   /* JSON or NULL */
} reply;

static reply err_reply(int status, int n, ...)
{
	json_t *a = json_array();
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(va_arg(ap, const char *)));
	va_end(ap);
	reply r = { status, json_dumps(a, JSON_COMPACT) };
	json_decref(a);
	return r;
}

static reply errf(int status, const char *top, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static reply errf(int status, const char *top, const char *fmt, ...)
{
	char m[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return err_reply(status, 2, top, m);
}

static reply ok204(void)
{
	reply r = { 204, NULL };
	return r;
}

/* ---- schema checks (VmConfig, RestoreConfig) ---- */

/* Unknown fields → serde's "unknown field `x`, expected one of ...". */
static int check_fields(json_t *o, const char *what, const char *const *known, char *why, size_t n)
{
	if (!json_is_object(o)) {
		snprintf(why, n, "invalid type for %s: expected struct", what);
		return -1;
	}
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		int found = 0;
		for (const char *const *p = known; *p; p++)
			if (!strcmp(*p, k))
				found = 1;
		if (!found) {
			snprintf(why, n, "unknown field `%s` in %s", k, what);
			return -1;
		}
	}
	return 0;
}

static int need(json_t *o, const char *f, int type, const char *what, char *why, size_t n)
{
	json_t *v = json_object_get(o, f);
	if (!v) {
		snprintf(why, n, "missing field `%s` in %s", f, what);
		return -1;
	}
	if ((int)json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v))) {
		snprintf(why, n, "invalid type for `%s` in %s", f, what);
		return -1;
	}
	return 0;
}

static int opt(json_t *o, const char *f, int type, const char *what, char *why, size_t n)
{
	return json_object_get(o, f) ? need(o, f, type, what, why, n) : 0;
}

static int one_of(json_t *o, const char *f, const char *const *vals, const char *what, char *why, size_t n)
{
	const char *s = json_string_value(json_object_get(o, f));
	for (const char *const *p = vals; s && *p; p++)
		if (!strcmp(*p, s))
			return 0;
	snprintf(why, n, "unknown variant `%s` for `%s` in %s", s ? s : "?", f, what);
	return -1;
}

static int check_vmconfig(json_t *c, char *why, size_t n)
{
	static const char *const top[] = { "cpus", "memory", "payload", "rate_limit_groups", "disks", "net",
		"rng", "balloon", "fs", "pmem", "serial", "console", "debug_console", "devices", "user_devices",
		"vdpa", "vsock", "pvpanic", "iommu", "sgx_epc", "numa", "watchdog", "gdb", "pci_segments",
		"platform", "tpm", "preserved_fds", "landlock_enable", "landlock_rules", "ivshmem", NULL };
	static const char *const cpus[] = { "boot_vcpus", "max_vcpus", "topology", "kvm_hyperv", "max_phys_bits",
		"affinity", "features", "nested", "core_scheduling", NULL };
	static const char *const mem[] = { "size", "mergeable", "hotplug_method", "hotplug_size",
		"hotplugged_size", "shared", "hugepages", "hugepage_size", "prefault", "zones", "thp", "reserve",
		NULL };
	static const char *const payload[] = { "firmware", "kernel", "cmdline", "initramfs", "igvm",
		"host_data", NULL };
	static const char *const disk[] = { "path", "readonly", "direct", "iommu", "num_queues", "queue_size",
		"vhost_user", "vhost_socket", "rate_limit_group", "rate_limiter_config", "id",
		"disable_io_uring", "disable_aio", "pci_segment", "serial", "queue_affinity", "image_type",
		"backing_files", "sparse", "lock_granularity", "pci_device_id", NULL };
	static const char *const image_types[] = { "Raw", "Qcow2", "FixedVhd", "Vhdx", "FlatVmdk", "Unknown",
		NULL };
	static const char *const net[] = { "tap", "ip", "mask", "mac", "host_mac", "mtu", "iommu", "num_queues",
		"queue_size", "vhost_user", "vhost_socket", "vhost_mode", "id", "fds", "rate_limiter_config",
		"pci_segment", "offload_tso", "offload_ufo", "offload_csum", "pci_device_id", NULL };
	static const char *const rng[] = { "src", "iommu", NULL };
	static const char *const con[] = { "file", "mode", "iommu", "socket", NULL };
	static const char *const modes[] = { "Off", "Pty", "Tty", "File", "Socket", "Null", NULL };
	static const char *const vsock[] = { "cid", "socket", "iommu", "id", "pci_segment", "pci_device_id",
		NULL };
	if (check_fields(c, "VmConfig", top, why, n) < 0 || need(c, "payload", JSON_OBJECT, "VmConfig", why, n) < 0)
		return -1;
	json_t *p = json_object_get(c, "payload");
	if (check_fields(p, "PayloadConfig", payload, why, n) < 0 ||
	    opt(p, "kernel", JSON_STRING, "PayloadConfig", why, n) < 0 ||
	    opt(p, "initramfs", JSON_STRING, "PayloadConfig", why, n) < 0 ||
	    opt(p, "cmdline", JSON_STRING, "PayloadConfig", why, n) < 0)
		return -1;
	if (!json_object_get(p, "kernel") && !json_object_get(p, "firmware") && !json_object_get(p, "igvm")) {
		snprintf(why, n, "No kernel, firmware or igvm in the payload");
		return -1;
	}
	json_t *o;
	if ((o = json_object_get(c, "cpus"))) {
		if (check_fields(o, "CpusConfig", cpus, why, n) < 0 ||
		    need(o, "boot_vcpus", JSON_INTEGER, "CpusConfig", why, n) < 0 ||
		    need(o, "max_vcpus", JSON_INTEGER, "CpusConfig", why, n) < 0 ||
		    opt(o, "nested", JSON_TRUE, "CpusConfig", why, n) < 0)
			return -1;
		json_int_t b = json_integer_value(json_object_get(o, "boot_vcpus"));
		if (b < 1 || b > json_integer_value(json_object_get(o, "max_vcpus"))) {
			snprintf(why, n, "Max vCPUs lower than boot vCPUs");
			return -1;
		}
	}
	if ((o = json_object_get(c, "memory"))) {
		if (check_fields(o, "MemoryConfig", mem, why, n) < 0 ||
		    need(o, "size", JSON_INTEGER, "MemoryConfig", why, n) < 0)
			return -1;
		json_int_t s = json_integer_value(json_object_get(o, "size"));
		if (s <= 0 || s % 4096) {
			snprintf(why, n, "Memory size must be a positive multiple of the page size");
			return -1;
		}
	}
	if ((o = json_object_get(c, "disks"))) {
		size_t i;
		json_t *d;
		if (!json_is_array(o)) {
			snprintf(why, n, "invalid type for `disks`");
			return -1;
		}
		json_array_foreach(o, i, d) {
			if (check_fields(d, "DiskConfig", disk, why, n) < 0 ||
			    need(d, "path", JSON_STRING, "DiskConfig", why, n) < 0 ||
			    opt(d, "backing_files", JSON_TRUE, "DiskConfig", why, n) < 0)
				return -1;
			/* Auto-detection is deprecated (v52): sbx always says. */
			if (!json_object_get(d, "image_type")) {
				snprintf(why, n, "disk %s: no image_type (auto-detection is deprecated)",
					 json_string_value(json_object_get(d, "path")));
				return -1;
			}
			if (one_of(d, "image_type", image_types, "DiskConfig", why, n) < 0)
				return -1;
		}
	}
	if ((o = json_object_get(c, "net"))) {
		size_t i;
		json_t *d;
		json_array_foreach(o, i, d) {
			if (check_fields(d, "NetConfig", net, why, n) < 0 ||
			    opt(d, "tap", JSON_STRING, "NetConfig", why, n) < 0 ||
			    opt(d, "mac", JSON_STRING, "NetConfig", why, n) < 0)
				return -1;
			unsigned m[6];
			const char *mac = json_string_value(json_object_get(d, "mac"));
			if (mac && sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
				snprintf(why, n, "Error parsing MAC address %s", mac);
				return -1;
			}
		}
	}
	if ((o = json_object_get(c, "rng")) &&
	    (check_fields(o, "RngConfig", rng, why, n) < 0 || need(o, "src", JSON_STRING, "RngConfig", why, n) < 0))
		return -1;
	const char *cons[] = { "serial", "console" };
	for (int k = 0; k < 2; k++)
		if ((o = json_object_get(c, cons[k]))) {
			if (check_fields(o, "ConsoleConfig", con, why, n) < 0 ||
			    need(o, "mode", JSON_STRING, "ConsoleConfig", why, n) < 0 ||
			    one_of(o, "mode", modes, "ConsoleConfig", why, n) < 0)
				return -1;
			if (!strcmp(json_string_value(json_object_get(o, "mode")), "File") &&
			    need(o, "file", JSON_STRING, "ConsoleConfig", why, n) < 0)
				return -1;
		}
	if ((o = json_object_get(c, "vsock"))) {
		if (check_fields(o, "VsockConfig", vsock, why, n) < 0 ||
		    need(o, "cid", JSON_INTEGER, "VsockConfig", why, n) < 0 ||
		    need(o, "socket", JSON_STRING, "VsockConfig", why, n) < 0)
			return -1;
		if (json_integer_value(json_object_get(o, "cid")) < 3) {
			snprintf(why, n, "vsock cid must be 3 or more");
			return -1;
		}
	}
	return 0;
}

/* ---- the "guest" ---- */

static void add_guest_ip(void)
{
	/* The namespace's DNAT sends the agent port to GUEST_IP; with the
	 * address on lo the fake guest's agent takes it. */
	if (system("ip link set lo up >/dev/null 2>&1; "
		   "ip addr show dev lo | grep -q ' " GUEST_IP "/' || ip addr add " GUEST_IP "/32 dev lo") != 0)
		logf_("could not add %s on lo", GUEST_IP);
}

static char *cmdline_token(void)
{
	const char *cl = json_string_value(json_object_get(json_object_get(V.cfg, "payload"), "cmdline"));
	const char *p = cl ? strstr(cl, "sbx.token=") : NULL;
	if (!p)
		return NULL;
	p += strlen("sbx.token=");
	size_t n = strcspn(p, " ");
	char *t = malloc(n + 1);
	memcpy(t, p, n);
	t[n] = 0;
	return t;
}

static int start_guest(char *why, size_t n)
{
	const char *agent = getenv("FAKE_CH_AGENT");
	if (!agent || access(agent, X_OK) < 0) {
		snprintf(why, n, "fake guest: FAKE_CH_AGENT (the sbx-agent to run) is not set or not executable");
		return -1;
	}
	/* The token the guest's memory held at the snapshot, else the boot's. */
	char *tok = V.token ? strdup(V.token) : cmdline_token();
	/* The guest is a PID namespace with the agent as its init (as in the
	 * real guest): when the VMM dies, so does the agent (PDEATHSIG) and
	 * with it everything it started, as with a real VM. */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		free(tok);
		snprintf(why, n, "clone: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		dup2(V.serial_fd >= 0 ? V.serial_fd : 2, 1);
		dup2(V.serial_fd >= 0 ? V.serial_fd : 2, 2);
		if (tok)
			setenv("SBX_ACCESS_TOKEN", tok, 1);
		else
			unsetenv("SBX_ACCESS_TOKEN");
		execl(agent, "sbx-agent", "--listen", "tcp:127.0.0.1:49983", (char *)NULL);
		_exit(127);
	}
	free(tok);
	setpgid(pid, pid);
	V.agent = pid;
	return 0;
}

static void stop_guest(void)
{
	if (V.agent > 0) {
		kill(-V.agent, SIGKILL);
		kill(V.agent, SIGKILL);
		waitpid(V.agent, NULL, 0);
	}
	V.agent = 0;
}

static void close_conn(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->peer >= 0)
		close(c->peer);
	c->fd = c->peer = -1;
	c->kind = 0;
	c->len = 0;
}

/* Tear the VM's devices down (vm.delete, vmm.shutdown, a failed boot). */
static void drop_devices(void)
{
	stop_guest();
	for (int i = 0; i < MAXCONN; i++)
		if (V.c[i].kind >= 2)
			close_conn(&V.c[i]);
	if (V.vsock_fd >= 0) {
		close(V.vsock_fd);
		unlink(V.vsock_path);   /* CH unlinks it on a clean device shutdown */
	}
	V.vsock_fd = -1;
	free(V.vsock_path);
	V.vsock_path = NULL;
	if (V.net_fd >= 0)
		close(V.net_fd);
	V.net_fd = -1;
	if (V.tap_fd >= 0)
		close(V.tap_fd);
	if (V.disk_fd >= 0)
		close(V.disk_fd);
	if (V.serial_fd >= 0)
		close(V.serial_fd);
	V.tap_fd = V.disk_fd = V.serial_fd = -1;
}

/* Open what the config names, as the real VMM does when it builds its
 * devices at boot or restore. */
static int build_devices(const char *top, char *why, size_t n)
{
	json_t *d = json_array_get(json_object_get(V.cfg, "disks"), 0);
	json_t *p = json_object_get(V.cfg, "payload");
	const char *files[] = { json_string_value(json_object_get(p, "kernel")),
				json_string_value(json_object_get(p, "initramfs")) };
	for (int i = 0; i < 2; i++)
		if (files[i] && access(files[i], R_OK) < 0) {
			snprintf(why, n, "Cannot open %s %s: %s", i ? "initramfs" : "kernel", files[i], strerror(errno));
			return -1;
		}
	if (d) {
		const char *path = json_string_value(json_object_get(d, "path"));
		const char *type = json_string_value(json_object_get(d, "image_type"));
		V.disk_fd = open(path, O_RDWR | O_CLOEXEC);
		if (V.disk_fd < 0) {
			snprintf(why, n, "Failed to open disk image %s: %s", path, strerror(errno));
			return -1;
		}
		unsigned char h[16];
		if (!strcmp(type, "Qcow2")) {
			if (pread(V.disk_fd, h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(h, "QFI\xfb", 4)) {
				snprintf(why, n, "Failed to parse disk image %s: not a QCOW2 image", path);
				return -1;
			}
			int backing = 0;
			for (int i = 8; i < 16; i++)
				backing |= h[i];
			if (backing && !json_is_true(json_object_get(d, "backing_files"))) {
				snprintf(why, n, "Disk image %s has a backing file, and backing files are disabled "
						 "(backing_files=on to allow)", path);
				return -1;
			}
		}
	}
	json_t *net = json_array_get(json_object_get(V.cfg, "net"), 0);
	const char *tap = json_string_value(json_object_get(net, "tap"));
	if (tap) {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof ifr);
		snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", tap);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
		V.tap_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (V.tap_fd < 0 || ioctl(V.tap_fd, TUNSETIFF, &ifr) < 0) {
			snprintf(why, n, "Error creating virtio-net device: Open tap device failed: %s: %s", tap,
				 strerror(errno));
			return -1;
		}
	}
	json_t *se = json_object_get(V.cfg, "serial");
	const char *smode = json_string_value(json_object_get(se, "mode"));
	if (smode && !strcmp(smode, "File")) {
		const char *f = json_string_value(json_object_get(se, "file"));
		V.serial_fd = open(f, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (V.serial_fd < 0) {
			snprintf(why, n, "Error opening serial file %s: %s", f, strerror(errno));
			return -1;
		}
	}
	json_t *vs = json_object_get(V.cfg, "vsock");
	if (vs) {
		const char *path = json_string_value(json_object_get(vs, "socket"));
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
		V.vsock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (bind(V.vsock_fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(V.vsock_fd, 64) < 0) {
			snprintf(why, n, "Error creating virtio-vsock device: Error binding %s: %s", path,
				 strerror(errno));
			close(V.vsock_fd);
			V.vsock_fd = -1;
			return -1;
		}
		V.vsock_path = strdup(path);
	}
	(void)top;
	/* The guest's address: the namespace's DNAT sends the agent port here. */
	add_guest_ip();
	struct sockaddr_in gi = { .sin_family = AF_INET, .sin_port = htons(AGENT_PORT) };
	inet_pton(AF_INET, GUEST_IP, &gi.sin_addr);
	int one = 1;
	V.net_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(V.net_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(V.net_fd, (struct sockaddr *)&gi, sizeof gi) < 0 || listen(V.net_fd, 64) < 0) {
		snprintf(why, n, "fake guest: cannot listen on %s:%d: %s", GUEST_IP, AGENT_PORT, strerror(errno));
		return -1;
	}
	if (V.serial_fd >= 0)
		dprintf(V.serial_fd, "fake-cloud-hypervisor %s: no kernel runs here; the guest is sbx-agent\n",
			V.version);
	return start_guest(why, n);
}

/* ---- snapshot / restore ---- */

static int dir_of_url(const char *url, char *why, size_t n)
{
	if (!url || strncmp(url, "file://", 7) || url[7] != '/') {
		snprintf(why, n, "Invalid URL %s: only file:///absolute/dir is supported", url ? url : "(none)");
		return -1;
	}
	struct stat st;
	if (stat(url + 7, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, n, "Snapshot directory %s does not exist", url + 7);
		return -1;
	}
	return 0;
}

static json_int_t mem_size(void)
{
	json_t *m = json_object_get(json_object_get(V.cfg, "memory"), "size");
	return m ? json_integer_value(m) : (json_int_t)512 << 20;
}

static reply do_snapshot(json_t *body)
{
	static const char *const f[] = { "destination_url", NULL };
	char why[512];
	if (check_fields(body, "VmSnapshotConfig", f, why, sizeof why) < 0 ||
	    need(body, "destination_url", JSON_STRING, "VmSnapshotConfig", why, sizeof why) < 0)
		return err_reply(400, 2, "Error parsing JSON", why);
	if (V.st == VM_NONE)
		return err_reply(404, 1, "VM is not created");
	if (V.st != VM_PAUSED)
		return err_reply(500, 2, "Error snapshotting VM", "Trying to snapshot while VM is running");
	const char *url = json_string_value(json_object_get(body, "destination_url"));
	if (dir_of_url(url, why, sizeof why) < 0)
		return err_reply(500, 2, "Error snapshotting VM", why);
	const char *dir = url + 7;
	char p[4200];
	snprintf(p, sizeof p, "%s/config.json", dir);
	if (json_dump_file(V.cfg, p, JSON_INDENT(2)) < 0)
		return errf(500, "Error snapshotting VM", "cannot write %s", p);
	snprintf(p, sizeof p, "%s/state.json", dir);
	json_t *s = json_pack("{s:s,s:s}", "fake_cloud_hypervisor", V.version, "note",
			      "no device or vCPU state: the fake's guest is a host process");
	if (V.token)
		json_object_set_new(s, "guest_token", json_string(V.token));
	json_dump_file(s, p, JSON_INDENT(2));
	json_decref(s);
	snprintf(p, sizeof p, "%s/memory-ranges", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, mem_size()) < 0 || pwrite(fd, "fake", 4, 0) != 4) {
		if (fd >= 0)
			close(fd);
		return errf(500, "Error snapshotting VM", "cannot write %s: %s", p, strerror(errno));
	}
	close(fd);
	return ok204();
}

static int uffd_ok(void)
{
	if (access("/dev/userfaultfd", R_OK | W_OK) == 0)
		return 1;
	FILE *f = fopen("/proc/sys/vm/unprivileged_userfaultfd", "r");
	int v = 0;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v == 1;
}

static reply do_restore(json_t *body)
{
	static const char *const f50[] = { "source_url", "prefault", "net_fds", NULL };
	static const char *const f52[] = { "source_url", "prefault", "net_fds", "memory_restore_mode", "resume",
		NULL };
	static const char *const modes[] = { "Copy", "OnDemand", NULL };
	char why[512];
	if (check_fields(body, "RestoreConfig", V.major >= 52 ? f52 : f50, why, sizeof why) < 0 ||
	    need(body, "source_url", JSON_STRING, "RestoreConfig", why, sizeof why) < 0 ||
	    opt(body, "resume", JSON_TRUE, "RestoreConfig", why, sizeof why) < 0 ||
	    opt(body, "prefault", JSON_TRUE, "RestoreConfig", why, sizeof why) < 0 ||
	    (json_object_get(body, "memory_restore_mode") &&
	     one_of(body, "memory_restore_mode", modes, "RestoreConfig", why, sizeof why) < 0))
		return err_reply(400, 2, "Error parsing JSON", why);
	/* Restore needs an empty VMM (the documented 404). */
	if (V.st != VM_NONE)
		return err_reply(404, 2, "Error restoring VM", "VM is already created");
	const char *url = json_string_value(json_object_get(body, "source_url"));
	if (dir_of_url(url, why, sizeof why) < 0)
		return err_reply(500, 2, "Error restoring VM", why);
	const char *mode = json_string_value(json_object_get(body, "memory_restore_mode"));
	if (mode && !strcmp(mode, "OnDemand") && !uffd_ok())
		return err_reply(500, 2, "Error restoring VM", "userfaultfd is not available to this process");
	char p[4200];
	snprintf(p, sizeof p, "%s/config.json", url + 7);
	json_error_t je;
	json_t *cfg = json_load_file(p, 0, &je);
	if (!cfg)
		return errf(500, "Error restoring VM", "cannot read %s: %s", p, je.text);
	if (check_vmconfig(cfg, why, sizeof why) < 0) {
		json_decref(cfg);
		return err_reply(500, 3, "Error restoring VM", "Invalid config.json", why);
	}
	snprintf(p, sizeof p, "%s/state.json", url + 7);
	json_t *state = json_load_file(p, 0, &je);
	if (!state) {
		json_decref(cfg);
		return errf(500, "Error restoring VM", "cannot read %s: %s", p, je.text);
	}
	const char *gt = json_string_value(json_object_get(state, "guest_token"));
	free(V.token);
	V.token = gt ? strdup(gt) : NULL;
	json_decref(state);
	V.cfg = cfg;
	snprintf(p, sizeof p, "%s/memory-ranges", url + 7);
	struct stat st;
	if (stat(p, &st) < 0 || st.st_size != mem_size()) {
		json_decref(V.cfg);
		V.cfg = NULL;
		return errf(500, "Error restoring VM", "memory-ranges in %s is missing or not memory.size bytes",
			    url + 7);
	}
	if (build_devices("Error restoring VM", why, sizeof why) < 0) {
		drop_devices();
		json_decref(V.cfg);
		V.cfg = NULL;
		return err_reply(500, 2, "Error restoring VM", why);
	}
	/* The restored VM comes back paused, unless resume: true (v52+). */
	if (json_is_true(json_object_get(body, "resume"))) {
		V.st = VM_RUNNING;
	} else {
		V.st = VM_PAUSED;
		kill(-V.agent, SIGSTOP);
	}
	return ok204();
}

/* ---- dispatch ---- */

static reply dispatch(const char *method, const char *ep, const char *body, size_t blen)
{
	static const char *const gets[] = { "vmm.ping", "vm.info", "vm.counters", NULL };
	static const char *const puts_[] = { "vmm.shutdown", "vm.create", "vm.boot", "vm.pause", "vm.resume",
		"vm.snapshot", "vm.restore", "vm.shutdown", "vm.delete", "vm.reboot", "vm.power-button", NULL };
	int is_get = 0, is_put = 0;
	for (const char *const *p = gets; *p; p++)
		is_get |= !strcmp(*p, ep);
	for (const char *const *p = puts_; *p; p++)
		is_put |= !strcmp(*p, ep);
	if (!is_get && !is_put)
		return err_reply(404, 1, "Unknown endpoint");
	if ((is_get && strcmp(method, "GET")) || (is_put && strcmp(method, "PUT")))
		return errf(400, "Invalid HTTP method", "%s takes %s, not %s", ep, is_get ? "GET" : "PUT", method);
	int wants_body = !strcmp(ep, "vm.create") || !strcmp(ep, "vm.snapshot") || !strcmp(ep, "vm.restore");
	if (!wants_body && blen)
		return errf(400, "Unexpected body", "%s takes no body", ep);
	json_t *j = NULL;
	if (wants_body) {
		json_error_t je;
		j = json_loadb(body, blen, 0, &je);
		if (!j)
			return errf(400, "Error parsing JSON", "%s at line %d column %d", je.text, je.line, je.column);
	}
	reply r;
	char why[512];
	if (!strcmp(ep, "vmm.ping")) {
		json_t *o = json_pack("{s:s,s:s,s:i,s:[s]}", "build_version", V.version, "version", V.version, "pid",
				      (int)getpid(), "features", "kvm");
		r.status = 200;
		r.body = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	} else if (!strcmp(ep, "vm.info")) {
		if (V.st == VM_NONE) {
			r = err_reply(404, 1, "VM is not created");
		} else {
			json_t *o = json_pack("{s:O,s:s,s:I}", "config", V.cfg, "state", vmst_name[V.st],
					      "memory_actual_size", mem_size());
			r.status = 200;
			r.body = json_dumps(o, JSON_COMPACT);
			json_decref(o);
		}
	} else if (!strcmp(ep, "vm.counters")) {
		r = V.st == VM_NONE ? err_reply(404, 1, "VM is not created") : (reply){ 200, strdup("{}") };
	} else if (!strcmp(ep, "vm.create")) {
		if (V.st != VM_NONE)
			r = err_reply(409, 2, "Error creating VM", "VM is already created");
		else if (check_vmconfig(j, why, sizeof why) < 0)
			r = err_reply(400, 2, "Error creating VM", why);
		else {
			V.cfg = json_incref(j);
			V.st = VM_CREATED;
			r = ok204();
		}
	} else if (!strcmp(ep, "vm.boot")) {
		if (V.st == VM_NONE)
			r = err_reply(404, 2, "Error booting VM", "VM is not created");
		else if (V.st != VM_CREATED)
			r = err_reply(500, 2, "Error booting VM", "VM is already booted");
		else if (build_devices("Error booting VM", why, sizeof why) < 0) {
			drop_devices();
			r = err_reply(500, 2, "Error booting VM", why);
		} else {
			V.st = VM_RUNNING;
			r = ok204();
		}
	} else if (!strcmp(ep, "vm.pause")) {
		if (V.st == VM_NONE)
			r = err_reply(404, 2, "Error pausing VM", "VM is not created");
		else if (V.st != VM_RUNNING)
			r = errf(500, "Error pausing VM", "Invalid transition from %s to Paused", vmst_name[V.st]);
		else {
			kill(-V.agent, SIGSTOP);
			V.st = VM_PAUSED;
			r = ok204();
		}
	} else if (!strcmp(ep, "vm.resume")) {
		if (V.st == VM_NONE)
			r = err_reply(404, 2, "Error resuming VM", "VM is not created");
		else if (V.st != VM_PAUSED)
			r = errf(405, "Error resuming VM", "Invalid transition from %s to Running", vmst_name[V.st]);
		else {
			kill(-V.agent, SIGCONT);
			V.st = VM_RUNNING;
			r = ok204();
		}
	} else if (!strcmp(ep, "vm.snapshot")) {
		r = do_snapshot(j);
	} else if (!strcmp(ep, "vm.restore")) {
		r = do_restore(j);
	} else if (!strcmp(ep, "vm.shutdown") || !strcmp(ep, "vm.reboot") || !strcmp(ep, "vm.power-button")) {
		if (V.st == VM_NONE)
			r = err_reply(404, 1, "VM is not created");
		else if (V.st != VM_RUNNING && V.st != VM_PAUSED)
			r = errf(500, "Error shutting down VM", "VM is %s", vmst_name[V.st]);
		else {
			drop_devices();
			V.st = VM_SHUTDOWN;
			r = ok204();
		}
	} else if (!strcmp(ep, "vm.delete")) {
		drop_devices();
		free(V.token);
		V.token = NULL;
		json_decref(V.cfg);
		V.cfg = NULL;
		V.st = VM_NONE;
		r = ok204();
	} else { /* vmm.shutdown */
		V.quit = 1;
		r = ok204();
	}
	json_decref(j);
	return r;
}

/* ---- HTTP ---- */

static void send_reply(int fd, reply r)
{
	const char *text = r.status == 200 ? "OK" : r.status == 204 ? "No Content" : r.status == 400 ? "Bad Request"
			 : r.status == 404 ? "Not Found" : r.status == 405 ? "Method Not Allowed"
			 : r.status == 409 ? "Conflict" : "Internal Server Error";
	char head[256];
	size_t blen = r.body ? strlen(r.body) : 0;
	int n = r.body ? snprintf(head, sizeof head,
				  "HTTP/1.1 %d %s\r\nServer: Cloud Hypervisor API\r\nConnection: keep-alive\r\n"
				  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
				  r.status, text, blen)
		       : snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nServer: Cloud Hypervisor API\r\n"
						     "Connection: keep-alive\r\n\r\n", r.status, text);
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if (write(fd, head, (size_t)n) < 0 || (blen && write(fd, r.body, blen) < 0))
		logf_("reply lost: %s", strerror(errno));
	fcntl(fd, F_SETFL, fl);
	free(r.body);
}

/* A whole request in c->buf: handle it and drop it; 0 when more is needed,
 * -1 to close. */
static int handle_http(conn *c)
{
	char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	if (!end)
		return c->len >= sizeof c->buf ? -1 : 0;
	size_t hlen = (size_t)(end - c->buf) + 4;
	char method[16], path[256], ver[16];
	*end = 0;
	if (sscanf(c->buf, "%15s %255s %15s", method, path, ver) != 3) {
		send_reply(c->fd, err_reply(400, 1, "Bad request line"));
		return -1;
	}
	long clen = -1;
	int chunked = 0, expect = 0;
	for (char *h = strstr(c->buf, "\r\n"); h && h[2]; h = strstr(h + 2, "\r\n")) {
		char *l = h + 2;
		if (!strncasecmp(l, "Content-Length:", 15))
			clen = strtol(l + 15, NULL, 10);
		else if (!strncasecmp(l, "Transfer-Encoding:", 18))
			chunked = 1;
		else if (!strncasecmp(l, "Expect:", 7))
			expect = 1;
	}
	*end = '\r';
	if (chunked || expect) {
		send_reply(c->fd, err_reply(400, 1, chunked ? "chunked transfer encoding is not supported"
							    : "Expect is not supported"));
		return -1;
	}
	if (!strcmp(method, "PUT") && clen < 0) {
		send_reply(c->fd, err_reply(400, 1, "PUT without Content-Length (sbx always sends one)"));
		return -1;
	}
	if (clen < 0)
		clen = 0;
	if ((size_t)clen > sizeof c->buf - hlen) {
		send_reply(c->fd, err_reply(400, 1, "body too large"));
		return -1;
	}
	if (c->len < hlen + (size_t)clen)
		return 0;
	const char *ep = !strncmp(path, "/api/v1/", 8) ? path + 8 : NULL;
	reply r = ep ? dispatch(method, ep, c->buf + hlen, (size_t)clen) : err_reply(404, 1, "Not Found");
	logf_("%s %s %.*s -> %d %s", method, path, (int)(clen < 2000 ? clen : 2000), c->buf + hlen, r.status,
	      r.body ? r.body : "");
	send_reply(c->fd, r);
	memmove(c->buf, c->buf + hlen + clen, c->len - hlen - (size_t)clen);
	c->len -= hlen + (size_t)clen;
	return c->len ? handle_http(c) : 0;
}

/* ---- vsock ---- */

/* "CONNECT <port>" (any case, trimmed); -1 when it is not. */
static long parse_connect(const char *s, size_t n)
{
	if (n < 8 || strncasecmp(s, "connect ", 8))
		return -1;
	char tmp[40];
	size_t m = n - 8 < sizeof tmp - 1 ? n - 8 : sizeof tmp - 1;
	memcpy(tmp, s + 8, m);
	tmp[m] = 0;
	char *p = tmp, *e;
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	unsigned long v = strtoul(p, &e, 10);
	while (isspace((unsigned char)*e))
		e++;
	return *e || v > 0xffffffffUL ? -1 : (long)v;
}

static int agent_connect(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(AGENT_PORT) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The one piece of guest memory the fake carries across its snapshots:
 * the agent's access token, learned from POST /init requests relayed to
 * it (sbxd re-authenticates with it after a resume).  Watches requests
 * with a Content-Length; anything else stops the watching. */
static void sniff(conn *c, const char *p, size_t n)
{
	if (!c->sniff)
		return;
	if (c->rlen + n > sizeof c->req) {
		c->sniff = 0;
		return;
	}
	memcpy(c->req + c->rlen, p, n);
	c->rlen += n;
	for (;;) {
		char *end = memmem(c->req, c->rlen, "\r\n\r\n", 4);
		if (!end)
			return;
		size_t hlen = (size_t)(end - c->req) + 4;
		long clen = 0;
		for (char *h = c->req; h && h < end; h = memmem(h + 1, (size_t)(end - h - 1), "\r\n", 2)) {
			char *l = h == c->req ? h : h + 2;
			if (!strncasecmp(l, "Content-Length:", 15))
				clen = strtol(l + 15, NULL, 10);
			else if (!strncasecmp(l, "Transfer-Encoding:", 18)) {
				c->sniff = 0;
				return;
			}
		}
		if (clen < 0 || hlen + (size_t)clen > sizeof c->req) {
			c->sniff = 0;
			return;
		}
		if (c->rlen < hlen + (size_t)clen)
			return;
		if (!strncmp(c->req, "POST /init ", 11)) {
			json_t *j = json_loadb(c->req + hlen, (size_t)clen, 0, NULL);
			const char *t = json_string_value(json_object_get(j, "accessToken"));
			if (t) {
				free(V.token);
				V.token = strdup(t);
			}
			json_decref(j);
		}
		memmove(c->req, c->req + hlen + clen, c->rlen - hlen - (size_t)clen);
		c->rlen -= hlen + (size_t)clen;
	}
}

static void vsock_command(conn *c)
{
	/* Read byte by byte, as CH does, so stream bytes stay queued. */
	char ch;
	ssize_t r = read(c->fd, &ch, 1);
	if (r <= 0) {
		close_conn(c);
		return;
	}
	c->buf[c->len++] = ch;
	if (ch != '\n') {
		if (c->len >= 32)   /* the command buffer is 32 bytes */
			close_conn(c);
		return;
	}
	long port = parse_connect(c->buf, c->len);
	int tcp = port == AGENT_PORT && V.st == VM_RUNNING && V.agent > 0 ? agent_connect() : -1;
	if (tcp < 0) {   /* nothing listens: the guest resets, CH closes */
		close_conn(c);
		return;
	}
	dprintf(c->fd, "OK %u\n", V.next_port++);
	c->kind = 3;
	c->peer = tcp;
	c->len = 0;
}

static void relay(int from, int to, conn *c)
{
	char b[65536];
	ssize_t r = read(from, b, sizeof b);
	if (r <= 0) {
		close_conn(c);
		return;
	}
	if (from == c->fd)
		sniff(c, b, (size_t)r);
	int fl = fcntl(to, F_GETFL);
	fcntl(to, F_SETFL, fl & ~O_NONBLOCK);
	ssize_t off = 0;
	while (off < r) {
		ssize_t w = write(to, b + off, (size_t)(r - off));
		if (w <= 0) {
			close_conn(c);
			return;
		}
		off += w;
	}
	fcntl(to, F_SETFL, fl);
}

static conn *add_conn(int fd, int kind)
{
	for (int i = 0; i < MAXCONN; i++)
		if (!V.c[i].kind) {
			V.c[i].fd = fd;
			V.c[i].kind = kind;
			V.c[i].peer = -1;
			V.c[i].len = 0;
			V.c[i].sniff = 0;
			V.c[i].rlen = 0;
			return &V.c[i];
		}
	close(fd);
	return NULL;
}

static volatile sig_atomic_t got_term;
static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: fake_cloud_hypervisor --api-socket path=PATH\n");
	return 1;
}

int main(int argc, char **argv)
{
	const char *api = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--api-socket") && i + 1 < argc) {
			api = argv[++i];
			if (!strncmp(api, "path=", 5))
				api += 5;
		} else if (!strcmp(argv[i], "--version")) {
			printf("cloud-hypervisor v%s (fake)\n", getenv("FAKE_CH_VERSION") ? getenv("FAKE_CH_VERSION") : "53.0.0");
			return 0;
		} else {
			fprintf(stderr, "fake_cloud_hypervisor: unknown argument %s\n", argv[i]);
			return usage();
		}
	}
	if (!api)
		return usage();
	const char *ver = getenv("FAKE_CH_VERSION");
	snprintf(V.version, sizeof V.version, "%s", ver && *ver ? ver : "53.0.0");
	if (sscanf(V.version, "%d.%d", &V.major, &V.minor) < 1)
		V.major = 53;
	V.tap_fd = V.disk_fd = V.serial_fd = V.vsock_fd = V.net_fd = -1;
	V.next_port = 1u << 30;
	V.api_path = strdup(api);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", api);
	V.api_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (bind(V.api_fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(V.api_fd, 16) < 0) {
		/* The real one: ApiSocketInUse / bind error, exit 1. */
		fprintf(stderr, "Error: failed to bind API socket %s: %s\n", api, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction act = { .sa_handler = on_term };
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	logf_("v%s listening on %s", V.version, api);
	while (!V.quit && !got_term) {
		struct pollfd p[3 + 2 * MAXCONN];
		int idx[3 + 2 * MAXCONN], side[3 + 2 * MAXCONN], np = 0;
		p[np] = (struct pollfd){ V.api_fd, POLLIN, 0 };
		idx[np++] = -1;
		if (V.vsock_fd >= 0) {
			p[np] = (struct pollfd){ V.vsock_fd, POLLIN, 0 };
			idx[np++] = -2;
		}
		if (V.net_fd >= 0) {
			p[np] = (struct pollfd){ V.net_fd, POLLIN, 0 };
			idx[np++] = -3;
		}
		for (int i = 0; i < MAXCONN; i++) {
			if (!V.c[i].kind)
				continue;
			p[np] = (struct pollfd){ V.c[i].fd, POLLIN, 0 };
			side[np] = 0;
			idx[np++] = i;
			if (V.c[i].kind == 3) {
				p[np] = (struct pollfd){ V.c[i].peer, POLLIN, 0 };
				side[np] = 1;
				idx[np++] = i;
			}
		}
		int n = poll(p, (nfds_t)np, 200);
		/* The guest dying powers the VM off: the VMM exits. */
		if (V.agent > 0) {
			int status;
			if (waitpid(V.agent, &status, WNOHANG) == V.agent) {
				logf_("guest (sbx-agent %d) exited: the VM powered off, exiting", (int)V.agent);
				V.agent = 0;
				break;
			}
		}
		if (n <= 0)
			continue;
		for (int k = 0; k < np; k++) {
			if (!p[k].revents)
				continue;
			if (idx[k] == -3) {
				int fd = accept4(p[k].fd, NULL, NULL, SOCK_CLOEXEC);
				int a = fd >= 0 ? agent_connect() : -1;
				conn *c = a >= 0 ? add_conn(fd, 3) : NULL;
				if (c) {
					c->peer = a;
					c->sniff = 1;
				} else {
					if (fd >= 0)
						close(fd);
					if (a >= 0)
						close(a);
				}
				continue;
			}
			if (idx[k] == -1 || idx[k] == -2) {
				int fd = accept4(p[k].fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd >= 0)
					add_conn(fd, idx[k] == -1 ? 1 : 2);
				continue;
			}
			conn *c = &V.c[idx[k]];
			if (!c->kind || (side[k] == 0 && p[k].fd != c->fd) || (side[k] == 1 && p[k].fd != c->peer))
				continue;   /* closed earlier in this round */
			if (c->kind == 1) {
				ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
				if (r <= 0) {
					close_conn(c);
					continue;
				}
				c->len += (size_t)r;
				if (handle_http(c) < 0)
					close_conn(c);
			} else if (c->kind == 2) {
				vsock_command(c);
			} else {
				if (side[k] == 0)
					relay(c->fd, c->peer, c);
				else
					relay(c->peer, c->fd, c);
			}
		}
	}
	drop_devices();
	json_decref(V.cfg);
	free(V.token);
	for (int i = 0; i < MAXCONN; i++)
		if (V.c[i].kind)
			close_conn(&V.c[i]);
	close(V.api_fd);
	unlink(V.api_path);
	free(V.api_path);
	logf_("exiting");
	return 0;
}
