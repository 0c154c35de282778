/*
 * runtimes: the drivers sbxd knows, what each can do on this machine
 * (probed once, at sbxd's start, so the loop never waits on a probe), and
 * how a create's `runtime` (or `--runtime` of sbx serve) picks one.
 *
 * auto = the first VM driver (in list order: ch, qemu) that is available
 * and runs on KVM, else the first available driver without a VM (ns):
 * a VM under TCG is never picked by auto, only by its name.
 */
#ifndef SBX_DAEMON_RUNTIMES_H
#define SBX_DAEMON_RUNTIMES_H
#include <stddef.h>
#include "../../vm/runtime.h"

/* Built-in drivers, NULL-terminated, in `auto` preference order. */
extern const runtime_ops *const sbxd_builtin_runtimes[];

typedef struct rt_info {
	const runtime_ops *ops;
	int available;
	char *reason;        /* !available: why, and what to install or fix */
	const char *accel;   /* "kvm", "tcg", or NULL (no VM) */
} rt_info;

typedef struct rt_table {
	rt_info *v;
	size_t n;
} rt_table;

/* Asks every driver in list (available(), accel()); may take a while. */
void runtimes_probe(const runtime_ops *const *list, rt_table *t);
void runtimes_free(rt_table *t);
const rt_info *runtimes_find(const rt_table *t, const char *name);
/* What auto resolves to, or NULL (none of them can run here). */
const rt_info *runtimes_auto(const rt_table *t);
/* want NULL or "auto": runtimes_auto(); a name: that driver when it is
 * available.  -1 with a message naming the runtime and why otherwise. */
int runtimes_choose(const rt_table *t, const char *want, const runtime_ops **out, sbx_err *e);

#endif
