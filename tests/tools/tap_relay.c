/*
 * tap_relay: a stand-in guest for a VM sandbox's network (vm/vm_net.h).
 *
 *   tap_relay SANDBOX_NETNS GUEST_NETNS
 *
 * Attaches to the sandbox's GUEST_TAP (as the VMM would), creates a tap
 * "eth0" in GUEST_NETNS configured as the guest configures its eth0
 * (GUEST_IP/30, GUEST_MAC, lo up, default route via GUEST_GW), and copies
 * Ethernet frames between the two until killed.  Whatever runs in
 * GUEST_NETNS then sees the network a real guest behind the real tap sees.
 * SANDBOX_NETNS "-": already in it (started by vm_proc, as a VMM is).
 * Prints "sandbox net:[INODE]" (the namespace it attached in), then "ready"
 * once both ends are up.
 */
#include "../../vm/guest/guest.h"
#include "../../vm/ns/ns_net.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "tap_relay: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void enter(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die(path);
	close(fd);
}

static int open_tap(const char *name)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("/dev/net/tun");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die(name);
	return fd;
}

static void guest_eth0(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "eth0");
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	unsigned m[6];
	sscanf(GUEST_MAC, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
	for (int i = 0; i < 6; i++)
		ifr.ifr_hwaddr.sa_data[i] = (char)m[i];
	if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
		die("setting the guest's MAC");
	struct in_addr ip, gw;
	inet_pton(AF_INET, GUEST_IP, &ip);
	inet_pton(AF_INET, GUEST_GW, &gw);
	if (nsnet_if_up(s, "lo", 0, 0) < 0 || nsnet_if_up(s, "eth0", ip.s_addr, htonl(0xfffffffcu)) < 0)
		die("addressing the guest's eth0");
	struct rtentry rt;
	memset(&rt, 0, sizeof rt);
	struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
	struct sockaddr_in *gwa = (struct sockaddr_in *)&rt.rt_gateway;
	struct sockaddr_in *mask = (struct sockaddr_in *)&rt.rt_genmask;
	dst->sin_family = gwa->sin_family = mask->sin_family = AF_INET;
	gwa->sin_addr = gw;
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	if (ioctl(s, SIOCADDRT, &rt) < 0)
		die("the guest's default route");
	close(s);
}

/* One frame from one tap to the other; a full queue drops it, as a wire would. */
static void pass(int from, int to)
{
	char frame[65536];
	ssize_t n = read(from, frame, sizeof frame);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		die("reading a frame");
	if (write(to, frame, (size_t)n) < 0 && errno != EIO && errno != EAGAIN)
		die("writing a frame");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: tap_relay SANDBOX_NETNS GUEST_NETNS\n");
		return 2;
	}
	if (strcmp(argv[1], "-") != 0)
		enter(argv[1]);
	char ns[64] = "";
	if (readlink("/proc/self/ns/net", ns, sizeof ns - 1) < 0)
		die("/proc/self/ns/net");
	printf("sandbox %s\n", ns);
	int sb = open_tap(GUEST_TAP);
	enter(argv[2]);
	int g = open_tap("eth0");
	guest_eth0();
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = { { sb, POLLIN, 0 }, { g, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents)
			pass(sb, g);
		if (p[1].revents)
			pass(g, sb);
	}
}
