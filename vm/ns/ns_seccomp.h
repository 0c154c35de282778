/*
 * ns_seccomp: the seccomp filter every process in a sandbox runs under.
 *
 * Docker's default profile is the baseline: what it refuses to a container
 * with Docker's default capabilities is refused here with EPERM (never a
 * kill), the rest is allowed.  Built with libseccomp in the creator (it
 * allocates) and installed by the init just before it execs the agent, so
 * the agent and everything it starts inherit it; the init holds
 * CAP_SYS_ADMIN in the sandbox's user namespace, so no_new_privs is not
 * needed and sudo keeps working.  The list is in docs/runtime-ns.md.
 *
 * personality(2) is allowed only with Docker's values (0, PER_LINUX32,
 * UNAME26, both, and the 0xffffffff query): libseccomp cannot say "not one
 * of these" on one argument, so a second, hand-written filter does it.
 */
#ifndef SBX_NS_SECCOMP_H
#define SBX_NS_SECCOMP_H
#include <linux/filter.h>
#include "../../src/util/err.h"

typedef struct nssec_filter {
	struct sock_fprog main;        /* from libseccomp */
	struct sock_fprog persona;     /* personality's argument check */
	struct sock_filter persona_insns[32];
} nssec_filter;

/* Build both programs (a few ms). */
int nssec_build(nssec_filter *f, sbx_err *e);
void nssec_free(nssec_filter *f);

/* In the child, last thing before exec: only system calls.  0 or -1 (errno). */
int nssec_install(const nssec_filter *f);

#endif
