/*
 * ns_net: a sandbox's network.
 *
 * With internet on, a veth pair links the host ("sbx<N>") to the sandbox
 * ("eth0") over a private /30 from NSNET_RANGE: block N is
 * 10.231.0.0 + 4N (host +1, sandbox +2), N < NSNET_BLOCKS.  N is
 * allocated by creating the host link with that name: the kernel refuses a
 * duplicate, so concurrent creators never share a block, and a dead
 * sandbox's link (and so its block) vanishes with its network namespace.
 *
 * One nftables table, "inet sbx", shared by all sandboxes, matching their
 * links by the "sbx" name prefix: masquerade outbound traffic, drop
 * everything sandboxes send to the host itself (any local address, including
 * 127.0.0.0/8 and the host side of their own link) and to each other.
 *
 * With internet off the sandbox's namespace has only lo (unless its
 * outbound rules allow something: then it gets the link too).
 *
 * Outbound rules (runtime.h rt_net, E2B's allowOut/denyOut) live in the
 * sandbox's own namespace, out of the sandbox's reach (its processes have
 * no CAP_NET_ADMIN): table "inet sbx_rules", sets allow4/allow6 (accept)
 * and deny4/deny6 (reject: a TCP reset or ICMP admin-prohibited, so
 * clients fail at once), internet off = 0.0.0.0/0 and ::/0 denied.
 * Loopback and replies to connections made into the sandbox always pass.
 * The whole table is replaced in one nft transaction (set_net).
 *
 * Whoever removes the table (tests tidying up) must hold an exclusive
 * flock on NSNET_LOCK and see no "sbx<N>" link first; creators hold it
 * shared from installing the table until their link exists, so no sandbox
 * ever has a link without the rules.
 */
#ifndef SBX_NS_NET_H
#define SBX_NS_NET_H
#include <stdint.h>
#include <sys/types.h>
#include "../../src/util/err.h"
#include "../runtime.h"

#define NSNET_RANGE "10.231.0.0/16"
#define NSNET_BLOCKS 16384
#define NSNET_LOCK "/run/sbx-ns.lock"

/* Under a shared NSNET_LOCK: install (or atomically replace) the shared
 * nftables table, turn on IPv4 forwarding, then create the veth pair with
 * its inner end "eth0" in the network namespace of pid, searching for a
 * free block from a hash of id.  Sets *index and the host link's name
 * (>= 16 bytes); the host end is addressed and up on return. */
int nsnet_create(const char *id, pid_t pid, int *index, char *veth, sbx_err *e);

/* The same with the namespace given by an open fd (/proc/PID/ns/net or a
 * bind mount of one): VM sandboxes, whose namespace has no process. */
int nsnet_create_fd(const char *id, int netns_fd, int *index, char *veth, sbx_err *e);

/* Delete the host link (its peer goes with it); a missing link is fine. */
int nsnet_delete(const char *veth, sbx_err *e);

/* Host and sandbox addresses of block index, in network byte order. */
void nsnet_addrs(int index, uint32_t *host, uint32_t *guest);

/* Address (addr/mask, network byte order; addr 0: leave as is) and bring up
 * link name through the AF_INET socket fd.  Only system calls. */
int nsnet_if_up(int fd, const char *name, uint32_t addr, uint32_t mask);

/* Inside the sandbox's network namespace, before exec: lo up and, for
 * index >= 0, eth0 addressed with a default route via the host.  Only
 * system calls (safe after fork).  Returns 0, or -1 with *what naming the
 * step that failed (errno set). */
int nsnet_guest_setup(int index, const char **what);

/* 1 when net restricts anything (a table is needed), 0 for plain internet. */
int nsnet_rules_any(const rt_net *net);
/* 1 when net lets anything out (the sandbox needs a link). */
int nsnet_rules_open(const rt_net *net);

/* The nft script that replaces table "inet sbx_rules" with net's rules:
 * iif NULL: hook output (the namespace's own traffic; lo passes); else
 * hook forward, for packets coming in on link iif (a VM's tap).  NULL
 * and *e when an entry is not an address or CIDR.  Caller frees. */
char *nsnet_rules_script(const rt_net *net, const char *iif, sbx_err *e);

/* Run nft -f script inside the network namespace at netns (a
 * /proc/PID/ns/net or a bind mount of one). */
int nsnet_nft_in(const char *netns, const char *script, sbx_err *e);

/* The rules as a file (a driver's "<state_dir>/netrules"), so that a
 * namespace made again (a VM's after a host reboot, an ns sandbox's fresh
 * init) gets them back: lines "internet 0|1", "allow ADDR", "deny ADDR".
 * load: the saved rules, or internet alone when there is no file; free
 * with nsnet_rules_free. */
#define NSNET_RULES_FILE "netrules"
int nsnet_rules_save(const char *path, const rt_net *net, sbx_err *e);
void nsnet_rules_load(const char *path, int internet, rt_net *net);
void nsnet_rules_free(rt_net *net);

/* Give a running sandbox without a link (created with internet off) its
 * link at run time: nsnet_create, then eth0 set up from inside its
 * namespace (that of pid). */
int nsnet_attach(const char *id, pid_t pid, int *index, char *veth, sbx_err *e);

#endif
