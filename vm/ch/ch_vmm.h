/*
 * ch_vmm: finding and starting cloud-hypervisor.
 *
 * The binary: $SBX_CH_BINARY, else "binary = PATH" in <config dir>/ch.conf,
 * else cloud-hypervisor on PATH.  One VMM per sandbox, started with only
 * --api-socket path=<dir>/api.sock (the stale socket of a killed VMM is
 * unlinked first: before v53 CH does not) in the sandbox's network
 * namespace, its output in <dir>/vmm.log; then vmm.ping is polled.  sbx
 * supports v50–v53 (docs/runtime-ch.md).
 */
#ifndef SBX_CH_VMM_H
#define SBX_CH_VMM_H
#include "ch_api.h"
#include "../vm_net.h"
#include "../vm_proc.h"

#define CH_MIN_MAJOR 50
#define CH_MAX_MAJOR 53

/* The binary to run (heap), or NULL and what to install in *e. */
char *ch_binary(sbx_err *e);
/* `BIN --version` as a short key ("v53.0.0"), for snapshot stores. */
int ch_binary_version(const char *bin, char *out, size_t n, sbx_err *e);

/* Start a VMM for dir in net (NULL: the host's); *api is ready (caller
 * frees), *v its version. */
int ch_vmm_start(const char *bin, const char *dir, const vm_net *net, vm_proc *proc, ch_api *api, ch_version *v,
		 sbx_err *e);
/* vmm.shutdown, then wait (bounded) for it to exit; SIGKILL if it does not. */
int ch_vmm_stop(vm_proc *proc, ch_api *api, sbx_err *e);

#endif
