#include "ns_net.h"
#include "ns_util.h"
#include "../../src/util/buf.h"
#include "../../src/util/strv.h"
#include "../../src/util/xalloc.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <net/route.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Replaced as a whole in one transaction, so every create may (re)install it
 * and concurrent creators never see it half-built. */
static const char nft_rules[] =
	"table inet sbx\n"
	"delete table inet sbx\n"
	"table inet sbx {\n"
	"  chain input {\n"
	"    type filter hook input priority filter - 10; policy accept;\n"
	"    iifname \"sbx*\" ct state established,related accept\n"
	"    iifname \"sbx*\" drop\n"
	"  }\n"
	"  chain forward {\n"
	"    type filter hook forward priority filter - 10; policy accept;\n"
	"    iifname \"sbx*\" oifname \"sbx*\" drop\n"
	"  }\n"
	"  chain postrouting {\n"
	"    type nat hook postrouting priority srcnat; policy accept;\n"
	"    ip saddr " NSNET_RANGE " oifname != \"sbx*\" masquerade\n"
	"  }\n"
	"}\n";

static int firewall(sbx_err *e)
{
	const char *argv[] = { "nft", "-f", "-", NULL };
	if (nsu_run(argv, nft_rules, e) < 0) {
		if (strstr(e ? e->msg : "", "not installed"))
			return sbx_error(e, "sandboxes with internet need nftables: apt-get install nftables "
					 "(or create the sandbox without internet)");
		return -1;
	}
	sbx_err fe;
	if (nsu_write_file("/proc/sys/net/ipv4/ip_forward", "1", &fe) < 0)
		return sbx_error(e, "cannot turn on IPv4 forwarding for sandbox NAT: %s", fe.msg);
	return 0;
}

void nsnet_addrs(int index, uint32_t *host, uint32_t *guest)
{
	uint32_t base = (10u << 24) | (231u << 16) | ((uint32_t)index << 2);
	*host = htonl(base + 1);
	*guest = htonl(base + 2);
}

/* --- rtnetlink, just enough to make and delete a veth pair --------------- */

typedef struct nl_msg {
	struct nlmsghdr h;
	char body[1024];
} nl_msg;

static struct rtattr *nl_add(nl_msg *m, int type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(m->h.nlmsg_len);
	struct rtattr *rta = (struct rtattr *)((char *)m + off);
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	m->h.nlmsg_len = (uint32_t)(off + RTA_ALIGN(rta->rta_len));
	return rta;
}

static void nl_end(nl_msg *m, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)m + m->h.nlmsg_len - (char *)nest);
}

static void nl_ifinfo(nl_msg *m, int ifindex)
{
	size_t off = NLMSG_ALIGN(m->h.nlmsg_len);
	struct ifinfomsg *ifi = (struct ifinfomsg *)((char *)m + off);
	memset(ifi, 0, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	m->h.nlmsg_len = (uint32_t)(off + NLMSG_ALIGN(sizeof *ifi));
}

/* Send one request and return 0 or -errno from the kernel's ack. */
static int nl_talk(nl_msg *m)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	m->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	m->h.nlmsg_seq = 1;
	int rc = -EIO;
	if (sendto(fd, m, m->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
		rc = -errno;
		goto out;
	}
	char buf[4096];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				rc = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				goto out;
			}
		}
	}
out:
	close(fd);
	return rc;
}

/* The MTU of the host's default route, so a sandbox never sends packets
 * the uplink must fragment or drop (cloud uplinks are often below 1500). */
static uint32_t uplink_mtu(void)
{
	uint32_t mtu = 1500;
	FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return mtu;
	char line[256], ifname[IFNAMSIZ];
	unsigned dest;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%15s %x", ifname, &dest) != 2 || dest != 0)
			continue;
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct ifreq ifr;
		memset(&ifr, 0, sizeof ifr);
		memcpy(ifr.ifr_name, ifname, sizeof ifname);
		if (fd >= 0 && ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 576)
			mtu = (uint32_t)ifr.ifr_mtu;
		if (fd >= 0)
			close(fd);
		break;
	}
	fclose(f);
	return mtu;
}

/* The peer goes into the namespace named by ns_attr (IFLA_NET_NS_PID or
 * IFLA_NET_NS_FD) = ns. */
static int make_veth(const char *name, int ns_attr, uint32_t ns, uint32_t mtu)
{
	nl_msg m;
	memset(&m, 0, sizeof m);
	m.h.nlmsg_len = NLMSG_LENGTH(0);
	m.h.nlmsg_type = RTM_NEWLINK;
	m.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	nl_ifinfo(&m, 0);
	nl_add(&m, IFLA_IFNAME, name, strlen(name) + 1);
	nl_add(&m, IFLA_MTU, &mtu, sizeof mtu);
	struct rtattr *info = nl_add(&m, IFLA_LINKINFO, NULL, 0);
	nl_add(&m, IFLA_INFO_KIND, "veth", 5);
	struct rtattr *data = nl_add(&m, IFLA_INFO_DATA, NULL, 0);
	struct rtattr *peer = nl_add(&m, VETH_INFO_PEER, NULL, 0);
	nl_ifinfo(&m, 0);
	nl_add(&m, IFLA_IFNAME, "eth0", 5);
	nl_add(&m, IFLA_MTU, &mtu, sizeof mtu);
	nl_add(&m, ns_attr, &ns, sizeof ns);
	nl_end(&m, peer);
	nl_end(&m, data);
	nl_end(&m, info);
	return nl_talk(&m);
}

int nsnet_delete(const char *veth, sbx_err *e)
{
	unsigned idx = if_nametoindex(veth);
	if (!idx)
		return 0;
	nl_msg m;
	memset(&m, 0, sizeof m);
	m.h.nlmsg_len = NLMSG_LENGTH(0);
	m.h.nlmsg_type = RTM_DELLINK;
	nl_ifinfo(&m, (int)idx);
	int rc = nl_talk(&m);
	if (rc < 0 && rc != -ENODEV) {
		errno = -rc;
		return sbx_error_errno(e, "cannot delete network link %s (ip link del %s)", veth, veth);
	}
	return 0;
}

/* --- addresses and routes by ioctl: works the same on both sides ---------- */

int nsnet_if_up(int fd, const char *name, uint32_t addr, uint32_t mask)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (addr) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = addr;
		if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
			return -1;
		sin->sin_addr.s_addr = mask;
		if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
			return -1;
	}
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

/* IPv6 is neither routed nor NATed for sandboxes: keep link-local chatter off. */
static void no_ipv6(const char *ifname)
{
	char path[128];
	snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0) { /* no IPv6 in this kernel: nothing to turn off */ }
		close(fd);
	}
}

static uint32_t hash_id(const char *id)
{
	uint32_t h = 2166136261u;
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h;
}

static int create_link(const char *id, int ns_attr, uint32_t ns, int *index, char *veth, sbx_err *e)
{
	uint32_t start = hash_id(id) % NSNET_BLOCKS;
	int rc = -EEXIST;
	uint32_t mtu = uplink_mtu();
	for (uint32_t i = 0; i < NSNET_BLOCKS && rc == -EEXIST; i++) {
		*index = (int)((start + i) % NSNET_BLOCKS);
		snprintf(veth, 16, "sbx%d", *index);
		rc = make_veth(veth, ns_attr, ns, mtu);
	}
	if (rc == -EEXIST)
		return sbx_error(e, "all %d sandbox network blocks in %s are taken; destroy some sandboxes",
				 NSNET_BLOCKS, NSNET_RANGE);
	if (rc < 0) {
		errno = -rc;
		return sbx_error_errno(e, "cannot create the veth pair %s for the sandbox (is the veth "
				       "module available? modprobe veth)", veth);
	}
	no_ipv6(veth);
	uint32_t host, guest;
	nsnet_addrs(*index, &host, &guest);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || nsnet_if_up(fd, veth, host, htonl(0xfffffffcu)) < 0) {
		sbx_error_errno(e, "cannot address and bring up %s", veth);
		if (fd >= 0)
			close(fd);
		nsnet_delete(veth, NULL);
		return -1;
	}
	close(fd);
	return 0;
}

int nsnet_guest_setup(int index, const char **what)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*what = "socket for network set-up";
		return -1;
	}
	int rc = -1;
	if (nsnet_if_up(fd, "lo", 0, 0) < 0) {
		*what = "bringing up lo";
		goto out;
	}
	if (index >= 0) {
		uint32_t host, guest;
		nsnet_addrs(index, &host, &guest);
		no_ipv6("eth0");
		if (nsnet_if_up(fd, "eth0", guest, htonl(0xfffffffcu)) < 0) {
			*what = "addressing eth0";
			goto out;
		}
		struct rtentry rt;
		memset(&rt, 0, sizeof rt);
		struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
		struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway;
		struct sockaddr_in *mask = (struct sockaddr_in *)&rt.rt_genmask;
		dst->sin_family = gw->sin_family = mask->sin_family = AF_INET;
		gw->sin_addr.s_addr = host;
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		if (ioctl(fd, SIOCADDRT, &rt) < 0) {
			*what = "adding the default route";
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int create(const char *id, int ns_attr, uint32_t ns, int *index, char *veth, sbx_err *e)
{
	int lock = open(NSNET_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return sbx_error_errno(e, "cannot open the sandbox network lock %s", NSNET_LOCK);
	while (flock(lock, LOCK_SH) < 0 && errno == EINTR)
		;
	int rc = firewall(e) < 0 ? -1 : create_link(id, ns_attr, ns, index, veth, e);
	close(lock);
	return rc;
}

int nsnet_create(const char *id, pid_t pid, int *index, char *veth, sbx_err *e)
{
	return create(id, IFLA_NET_NS_PID, (uint32_t)pid, index, veth, e);
}

int nsnet_create_fd(const char *id, int netns_fd, int *index, char *veth, sbx_err *e)
{
	return create(id, IFLA_NET_NS_FD, (uint32_t)netns_fd, index, veth, e);
}

/* --- outbound rules ------------------------------------------------------- */

static int has_entries(const char *const *v)
{
	return v && v[0];
}

int nsnet_rules_any(const rt_net *net)
{
	return !net->internet || has_entries(net->allow_out) || has_entries(net->deny_out);
}

int nsnet_rules_open(const rt_net *net)
{
	return net->internet || has_entries(net->allow_out);
}

/* 4 or 6 for an address or CIDR, 0 for anything else: nothing but an
 * address ever reaches the script. */
static int addr_family(const char *s)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];
	if (strlen(s) >= sizeof buf)
		return 0;
	snprintf(buf, sizeof buf, "%s", s);
	char *slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		if (!*slash || strlen(slash) > 3 || strspn(slash, "0123456789") != strlen(slash))
			return 0;
	}
	int six = strchr(buf, ':') != NULL, max = six ? 128 : 32;
	if (inet_pton(six ? AF_INET6 : AF_INET, buf, a) != 1 || (slash && atoi(slash) > max))
		return 0;
	return six ? 6 : 4;
}

/* "elements = { a, b }" of the family's entries of v (plus all, when given). */
static int elements(sbx_buf *b, const char *const *v, int family, const char *all, sbx_err *e)
{
	int n = 0;
	for (size_t i = 0; v && v[i]; i++) {
		int f = addr_family(v[i]);
		if (!f)
			return sbx_error(e, "'%s' is not an IP address or CIDR; resolve names before the driver", v[i]);
		if (f == family)
			buf_printf(b, "%s%s", n++ ? ", " : " elements = { ", v[i]);
	}
	if (all)
		buf_printf(b, "%s%s", n++ ? ", " : " elements = { ", all);
	if (n)
		buf_puts(b, " }");
	return 0;
}

char *nsnet_rules_script(const rt_net *net, const char *iif, sbx_err *e)
{
	sbx_buf b;
	buf_init(&b);
	buf_puts(&b, "table inet sbx_rules\ndelete table inet sbx_rules\ntable inet sbx_rules {\n");
	static const struct { const char *name, *type, *all; int family, deny; } sets[] = {
		{ "allow4", "ipv4_addr", NULL, 4, 0 }, { "allow6", "ipv6_addr", NULL, 6, 0 },
		{ "deny4", "ipv4_addr", "0.0.0.0/0", 4, 1 }, { "deny6", "ipv6_addr", "::/0", 6, 1 },
	};
	for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
		buf_printf(&b, "  set %s { type %s; flags interval; auto-merge;", sets[i].name, sets[i].type);
		if (elements(&b, sets[i].deny ? net->deny_out : net->allow_out, sets[i].family,
			     sets[i].deny && !net->internet ? sets[i].all : NULL, e) < 0) {
			buf_free(&b);
			return NULL;
		}
		buf_puts(&b, " }\n");
	}
	if (iif)
		buf_printf(&b, "  chain out {\n    type filter hook forward priority filter - 5; policy accept;\n"
			   "    iifname != \"%s\" accept\n", iif);
	else
		buf_puts(&b, "  chain out {\n    type filter hook output priority filter - 5; policy accept;\n"
			 "    oifname \"lo\" accept\n");
	buf_puts(&b,
		 "    ct direction reply accept\n"
		 "    ip daddr @allow4 accept\n"
		 "    ip6 daddr @allow6 accept\n"
		 "    ip daddr @deny4 meta l4proto tcp reject with tcp reset\n"
		 "    ip6 daddr @deny6 meta l4proto tcp reject with tcp reset\n"
		 "    ip daddr @deny4 reject with icmpx type admin-prohibited\n"
		 "    ip6 daddr @deny6 reject with icmpx type admin-prohibited\n"
		 "  }\n}\n");
	return buf_detach(&b);
}

int nsnet_nft_in(const char *netns, const char *script, sbx_err *e)
{
	char nsarg[4200];
	if ((size_t)snprintf(nsarg, sizeof nsarg, "--net=%s", netns) >= sizeof nsarg)
		return sbx_error(e, "network namespace path %s is too long", netns);
	const char *argv[] = { "nsenter", nsarg, "nft", "-f", "-", NULL };
	if (nsu_run(argv, script, e) < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e ? e->msg : "");
		return sbx_error(e, "cannot install the sandbox's outbound rules (nftables): %s", why);
	}
	return 0;
}

int nsnet_attach(const char *id, pid_t pid, int *index, char *veth, sbx_err *e)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return sbx_error_errno(e, "cannot open the sandbox's network namespace %s", path);
	if (nsnet_create_fd(id, ns, index, veth, e) < 0) {
		close(ns);
		return -1;
	}
	/* eth0's address and route are set from inside, as at create. */
	pid_t c = nsu_fork_private();
	if (c == 0) {
		const char *what;
		_exit(setns(ns, CLONE_NEWNET) < 0 || nsnet_guest_setup(*index, &what) < 0 ? 1 : 0);
	}
	int st = -1;
	if (c < 0 || nsu_wait_private(c, &st) < 0 || st != 0) {
		sbx_error(e, "cannot set up eth0 inside sandbox %s's network namespace (status %d)", id, st);
		close(ns);
		nsnet_delete(veth, NULL);
		veth[0] = '\0';
		*index = -1;
		return -1;
	}
	close(ns);
	return 0;
}

int nsnet_rules_save(const char *path, const rt_net *net, sbx_err *e)
{
	sbx_buf b;
	buf_init(&b);
	buf_printf(&b, "internet %d\n", net->internet ? 1 : 0);
	for (size_t i = 0; net->allow_out && net->allow_out[i]; i++)
		buf_printf(&b, "allow %s\n", net->allow_out[i]);
	for (size_t i = 0; net->deny_out && net->deny_out[i]; i++)
		buf_printf(&b, "deny %s\n", net->deny_out[i]);
	/* Whole or not at all: a half-written file would lose rules. */
	char *tmp = xasprintf("%s.tmp", path);
	int rc = nsu_write_file(tmp, buf_cstr(&b), e);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = sbx_error_errno(e, "cannot rename %s to %s", tmp, path);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	buf_free(&b);
	return rc;
}

void nsnet_rules_load(const char *path, int internet, rt_net *net)
{
	char **allow = sbx_strv_dup(NULL), **deny = sbx_strv_dup(NULL), line[512];
	size_t na = 0, nd = 0;
	net->internet = internet;
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f)) {
		char word[16], arg[256];
		if (sscanf(line, "%15s %255s", word, arg) != 2)
			continue;
		if (!strcmp(word, "internet"))
			net->internet = atoi(arg) != 0;
		else if (!strcmp(word, "allow"))
			sbx_strv_push(&allow, &na, xstrdup(arg));
		else if (!strcmp(word, "deny"))
			sbx_strv_push(&deny, &nd, xstrdup(arg));
	}
	if (f)
		fclose(f);
	net->allow_out = (const char *const *)allow;
	net->deny_out = (const char *const *)deny;
}

void nsnet_rules_free(rt_net *net)
{
	sbx_strv_free((char **)net->allow_out);
	sbx_strv_free((char **)net->deny_out);
	net->allow_out = net->deny_out = NULL;
}
