/*
 * vm_net: the network of one VM sandbox.
 *
 * Each VM sandbox gets its own network namespace, kept by a bind mount at
 * <state_dir>/netns so that it outlives its VMM (pause/resume keep it, and
 * so its address) and any sbxd (adopt finds it).  Inside it:
 *  - GUEST_TAP ("tap0", vm/guest/guest.h) with GUEST_GW/30: the VMM opens
 *    it by name, so every clone of a booted snapshot finds the same device,
 *    guest address and MAC, and clones never collide (Firecracker's model
 *    for clones, which E2B uses);
 *  - "eth0", the inner end of a veth whose host end is "sbx<N>", on block N
 *    of NSNET_RANGE (vm/ns/ns_net.h: same allocator, same host firewall:
 *    the guest never reaches the host or another sandbox);
 *  - its own nftables table: DNAT of eth0:GUEST_AGENT_PORT to the guest,
 *    so sbxd reaches the agent at "tcp:<inner eth0 address>:49983" with
 *    internet on or off; with internet on, the guest's traffic is
 *    masqueraded out through eth0 (and by the host onwards); with it off,
 *    every connection the guest starts is refused;
 *  - the outbound rules (runtime.h rt_net, vm_net_set_rules): table
 *    "inet sbx_rules" on what the guest sends through tap0 (vm/ns/ns_net.h),
 *    kept in <state_dir>/netrules for a rebuild.
 * DNS: the guest's resolv.conf points at GUEST_GW; the namespace DNATs
 * port 53 to the host's resolver as ns sandboxes see it (internet on only).
 */
#ifndef SBX_VM_NET_H
#define SBX_VM_NET_H
#include <stdint.h>
#include "../src/util/err.h"
#include "runtime.h"

typedef struct vm_net {
	char netns[4096];   /* the bind mount, "" when none */
	int index;          /* block in NSNET_RANGE, -1 when none */
	char veth[16];      /* host end, "" when none */
	int internet;
} vm_net;

/* Build all of the above for sandbox id under state_dir. */
int vm_net_create(const char *id, const char *state_dir, int internet, vm_net *out, sbx_err *e);
/* Before a paused sandbox's VMM starts again: when its network did not
 * survive (a host reboot drops the namespace's bind mount, the veth and
 * the tables), build it again under state_dir (its block, so the agent's
 * address, may change).  0 when it was intact or is rebuilt. */
int vm_net_ensure(const char *id, const char *state_dir, vm_net *n, sbx_err *e);
/* Replace the outbound rules (saved, then applied in one nft transaction
 * when the namespace exists; else at the next vm_net_ensure). */
int vm_net_set_rules(vm_net *n, const rt_net *net, sbx_err *e);
/* After vm_net_create: spec's allow_out/deny_out, when it has any. */
int vm_net_spec_rules(vm_net *n, const rt_spec *spec, sbx_err *e);
/* "tcp:10.231.x.y:49983": where sbxd reaches the agent.  Caller frees. */
char *vm_net_agent_addr(const vm_net *n);
/* In a forked child before exec'ing the VMM: join the namespace.  Only
 * system calls (async-signal-safe); -1 with errno set. */
int vm_net_enter(const vm_net *n);
/* Remove the veth, the namespace and its bind mount; missing pieces are
 * fine, so it may be retried. */
int vm_net_destroy(vm_net *n, sbx_err *e);

#endif
