#include "vm_net.h"
#include "guest/guest.h"
#include "ns/ns_net.h"
#include "ns/ns_util.h"
#include "../src/util/xalloc.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* What a private child reports when a step inside the namespace fails.
 * `what` points at a string literal, which the forked child shares with
 * its parent (same binary, same addresses). */
typedef struct { const char *what; int err; } step_fail;

static __attribute__((noreturn)) void child_fail(int fd, const char *what)
{
	step_fail f = { what, errno };
	if (write(fd, &f, sizeof f) < 0) { /* the exit status still says it failed */ }
	_exit(1);
}

/* Run fn(arg, fd) in a private child; fn reports a failure on fd. */
static int in_child(void (*fn)(const void *arg, int fd), const void *arg, const char *doing, sbx_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sbx_error_errno(e, "cannot %s: pipe", doing);
	pid_t pid = nsu_fork_private();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return sbx_error_errno(e, "cannot %s: fork", doing);
	}
	if (pid == 0) {
		close(p[0]);
		fn(arg, p[1]);
		_exit(0);
	}
	close(p[1]);
	step_fail f = { NULL, 0 };
	ssize_t n;
	while ((n = read(p[0], &f, sizeof f)) < 0 && errno == EINTR)
		;
	close(p[0]);
	int st = 0;
	if (nsu_wait_private(pid, &st) < 0)
		return sbx_error_errno(e, "cannot %s: wait", doing);
	if (n == (ssize_t)sizeof f && f.what)
		return sbx_error(e, "cannot %s: %s: %s", doing, f.what, strerror(f.err));
	if (st != 0)
		return sbx_error(e, "cannot %s: its helper process failed (status %d)", doing, st);
	return 0;
}

/* A new network namespace, kept by a bind mount on path.  The child shares
 * our mount namespace (sbxd's: the host's), so the mount, and with it the
 * namespace, outlives the child and us. */
static void make_netns(const void *arg, int fd)
{
	const char *path = arg;
	if (unshare(CLONE_NEWNET) < 0)
		child_fail(fd, "unshare(CLONE_NEWNET)");
	if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		child_fail(fd, "bind-mounting the namespace");
}

static int write_sysctl(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, v, strlen(v));
	close(fd);
	return n == (ssize_t)strlen(v) ? 0 : -1;
}

typedef struct { const vm_net *n; uid_t owner; } setup_arg;

/* Inside the namespace: lo and eth0 (ns_net's guest side), then tap0 for
 * the VMM (persistent: it outlives this child; owned by whoever runs the
 * VMM so it can attach by name) with the guest's gateway address. */
static void setup_netns(const void *arg, int fd)
{
	const setup_arg *a = arg;
	if (vm_net_enter(a->n) < 0)
		child_fail(fd, "joining the namespace");
	/* IPv6 is neither routed nor NATed for sandboxes (as in ns_net). */
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	const char *what = NULL;
	if (nsnet_guest_setup(a->n->index, &what) < 0)
		child_fail(fd, what);
	int tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tun < 0)
		child_fail(fd, "opening /dev/net/tun (modprobe tun)");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, GUEST_TAP, sizeof GUEST_TAP);
	/* No IFF_MULTI_QUEUE: QEMU and cloud-hypervisor attach with one queue
	 * pair, and the flag must match; IFF_VNET_HDR is set per attach. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(tun, TUNSETIFF, &ifr) < 0)
		child_fail(fd, "creating " GUEST_TAP);
	if (ioctl(tun, TUNSETOWNER, (unsigned long)a->owner) < 0 || ioctl(tun, TUNSETPERSIST, 1UL) < 0)
		child_fail(fd, "making " GUEST_TAP " persistent");
	close(tun);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, GUEST_TAP, sizeof GUEST_TAP);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, GUEST_GW_MAC, 6);
	if (s < 0 || ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
		child_fail(fd, "setting the MAC of " GUEST_TAP);
	struct in_addr gw;
	inet_pton(AF_INET, GUEST_GW, &gw);
	if (nsnet_if_up(s, GUEST_TAP, gw.s_addr, htonl(0xfffffffcu)) < 0)
		child_fail(fd, "addressing " GUEST_TAP);
	close(s);
	if (write_sysctl("/proc/sys/net/ipv4/ip_forward", "1") < 0)
		child_fail(fd, "turning on forwarding");
}

/* The first IPv4 nameserver of the host's resolv.conf that a sandbox can
 * reach: ns sandboxes get the host's file without loopback servers
 * (vm/ns/ns_mount.c), so a VM guest gets the same server behind GUEST_GW. */
static int host_resolver(char *out, size_t n)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	if (!f)
		return -1;
	char line[512], addr[64];
	struct in_addr a;
	int rc = -1;
	while (rc < 0 && fgets(line, sizeof line, f))
		if (sscanf(line, " nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, &a) == 1 &&
		    (ntohl(a.s_addr) >> 24) != 127 && snprintf(out, n, "%s", addr) < (int)n)
			rc = 0;
	fclose(f);
	return rc;
}

/* The MTU of link name in this namespace (1500 when unreadable). */
static int link_mtu(const char *name)
{
	char path[128], buf[32];
	snprintf(path, sizeof path, "/sys/class/net/%s/mtu", name);
	int mtu = 0;
	if (nsu_read_file(path, buf, sizeof buf, NULL) == 0)
		mtu = atoi(buf);
	return mtu >= 576 ? mtu : 1500;
}

/* The namespace's own table (nothing else runs nft in it): the agent's
 * port to the guest; with internet, the guest's traffic masqueraded out
 * eth0 and its DNS to the host's resolver; without, nothing it starts
 * leaves tap0.  The host's "inet sbx" table (ns_net) keeps everything
 * leaving eth0 away from the host itself and other sandboxes.
 * The guest's eth0 has 1500 bytes whatever the uplink has (eth0's MTU is
 * the uplink's, ns_net): TCP handshakes through here get their MSS clamped
 * to eth0's, so no connection depends on path MTU discovery. */
static char *sbxvm_rules(int internet, int mtu)
{
	char dns[64], dnat_dns[256] = "";
	if (internet && host_resolver(dns, sizeof dns) == 0)
		snprintf(dnat_dns, sizeof dnat_dns,
			 "    iifname \"" GUEST_TAP "\" ip daddr " GUEST_GW " meta l4proto { tcp, udp } th dport 53"
			 " dnat to %s\n", dns);
	return xasprintf(
		"table ip sbxvm\n"
		"delete table ip sbxvm\n"
		"table ip sbxvm {\n"
		"  chain prerouting {\n"
		"    type nat hook prerouting priority dstnat; policy accept;\n"
		"    iifname \"eth0\" tcp dport " STR(GUEST_AGENT_PORT) " dnat to " GUEST_IP "\n"
		"%s"
		"  }\n"
		"  chain postrouting {\n"
		"    type nat hook postrouting priority srcnat; policy accept;\n"
		"%s"
		"  }\n"
		"  chain forward {\n"
		"    type filter hook forward priority filter; policy drop;\n"
		"    tcp flags & syn == syn tcp option maxseg size > %d tcp option maxseg size set %d\n"
		"    ct state established,related accept\n"
		"    iifname \"eth0\" oifname \"" GUEST_TAP "\" ip daddr " GUEST_IP " tcp dport " STR(GUEST_AGENT_PORT)
		" ct status dnat accept\n"
		"%s"
		"  }\n"
		"  chain input {\n"
		"    type filter hook input priority filter; policy accept;\n"
		"    iifname \"" GUEST_TAP "\" ct state established,related accept\n"
		"    iifname \"" GUEST_TAP "\" drop\n"
		"  }\n"
		"}\n",
		dnat_dns, internet ? "    iifname \"" GUEST_TAP "\" oifname \"eth0\" masquerade\n" : "",
		mtu - 40, mtu - 40, internet ? "    iifname \"" GUEST_TAP "\" oifname \"eth0\" accept\n" : "");
}

/* The outbound rules live in "<state_dir>/netrules" (ns_net.h), so that a
 * namespace rebuilt by vm_net_ensure gets them back. */
static char *rules_path(const vm_net *n)
{
	const char *slash = strrchr(n->netns, '/');
	return xasprintf("%.*s/" NSNET_RULES_FILE, (int)(slash ? slash - n->netns : 0), n->netns);
}

static int save_rules(const vm_net *n, const rt_net *net, sbx_err *e)
{
	char *path = rules_path(n);
	int rc = nsnet_rules_save(path, net, e);
	free(path);
	return rc;
}

/* Both tables in one transaction: the namespace's own (NAT open when
 * anything may leave) and the outbound rules on what comes in from the
 * guest's tap (vm/ns/ns_net.h: allow accept, deny reject at once). */
static int apply_rules(const vm_net *n, const rt_net *net, sbx_err *e)
{
	char *sbxvm = sbxvm_rules(nsnet_rules_open(net), link_mtu(n->veth)), *rules = NULL;
	if (nsnet_rules_any(net) && !(rules = nsnet_rules_script(net, GUEST_TAP, e))) {
		free(sbxvm);
		return -1;
	}
	char *script = xasprintf("%s%s", sbxvm, rules ? rules : "");
	int rc = nsnet_nft_in(n->netns, script, e);
	free(script);
	free(rules);
	free(sbxvm);
	return rc;
}

int vm_net_set_rules(vm_net *n, const rt_net *net, sbx_err *e)
{
	struct statfs fs;
	if (save_rules(n, net, e) < 0)
		return -1;
	n->internet = net->internet ? 1 : 0;
	/* No namespace (a host reboot took it): vm_net_ensure builds it with these. */
	if (!n->netns[0] || statfs(n->netns, &fs) < 0 || fs.f_type != NSFS_MAGIC)
		return 0;
	return apply_rules(n, net, e);
}

int vm_net_spec_rules(vm_net *n, const rt_spec *spec, sbx_err *e)
{
	rt_net net = { spec->internet, spec->allow_out, spec->deny_out };
	if (!(spec->allow_out && spec->allow_out[0]) && !(spec->deny_out && spec->deny_out[0]))
		return 0;   /* vm_net_create made what internet alone says */
	return vm_net_set_rules(n, &net, e);
}

static int build(const char *id, vm_net *n, sbx_err *e)
{
	int fd = open(n->netns, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		n->netns[0] = '\0';   /* not ours to remove */
		if (errno == EEXIST)
			return sbx_error(e, "%s already exists: the sandbox has a network namespace; destroy it "
					 "first", n->netns);
		return sbx_error_errno(e, "cannot create %s", n->netns);
	}
	close(fd);
	if (in_child(make_netns, n->netns, "create the sandbox's network namespace", e) < 0)
		return -1;
	int ns = open(n->netns, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return sbx_error_errno(e, "cannot open the sandbox's network namespace %s", n->netns);
	int rc = nsnet_create_fd(id, ns, &n->index, n->veth, e);
	close(ns);
	if (rc < 0) {
		n->index = -1;
		n->veth[0] = '\0';
		return -1;
	}
	setup_arg a = { n, geteuid() };
	if (in_child(setup_netns, &a, "set up the sandbox's network", e) < 0)
		return -1;
	rt_net net;
	char *path = rules_path(n);
	nsnet_rules_load(path, n->internet, &net);
	free(path);
	rc = apply_rules(n, &net, e);
	nsnet_rules_free(&net);
	return rc;
}

int vm_net_create(const char *id, const char *state_dir, int internet, vm_net *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	out->index = -1;
	out->internet = internet ? 1 : 0;
	/* Joined later from other processes and working directories. */
	if (state_dir[0] != '/')
		return sbx_error(e, "the state directory of sandbox %s must be an absolute path, not '%s'", id,
				 state_dir);
	if ((size_t)snprintf(out->netns, sizeof out->netns, "%s/netns", state_dir) >= sizeof out->netns)
		return sbx_error(e, "the state directory path %s is too long", state_dir);
	if (build(id, out, e) == 0)
		return 0;
	vm_net_destroy(out, NULL);
	return -1;
}

int vm_net_ensure(const char *id, const char *state_dir, vm_net *n, sbx_err *e)
{
	struct statfs fs;
	if (n->netns[0] && statfs(n->netns, &fs) == 0 && fs.f_type == NSFS_MAGIC && n->veth[0] &&
	    if_nametoindex(n->veth) > 0)
		return 0;
	int internet = n->internet;
	if (vm_net_destroy(n, e) < 0)   /* what is left of it: a stale veth, an empty mount point */
		return -1;
	return vm_net_create(id, state_dir, internet, n, e);
}

char *vm_net_agent_addr(const vm_net *n)
{
	if (n->index < 0)
		return NULL;
	uint32_t host, guest;
	nsnet_addrs(n->index, &host, &guest);
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &guest, a, sizeof a);
	return xasprintf("tcp:%s:%d", a, GUEST_AGENT_PORT);
}

int vm_net_enter(const vm_net *n)
{
	if (!n->netns[0]) {
		errno = ENOENT;
		return -1;
	}
	int fd = open(n->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = setns(fd, CLONE_NEWNET);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int vm_net_destroy(vm_net *n, sbx_err *e)
{
	if (n->veth[0] && nsnet_delete(n->veth, e) < 0)
		return -1;
	n->veth[0] = '\0';
	n->index = -1;
	if (n->netns[0]) {
		/* The namespace (tap0, eth0, its table) goes with its last user:
		 * this mount, once the VMM is gone. */
		while (umount2(n->netns, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			;
		if (errno != EINVAL && errno != ENOENT)
			return sbx_error_errno(e, "cannot unmount the sandbox's network namespace %s", n->netns);
		if (unlink(n->netns) < 0 && errno != ENOENT)
			return sbx_error_errno(e, "cannot remove %s", n->netns);
		n->netns[0] = '\0';
	}
	return 0;
}
