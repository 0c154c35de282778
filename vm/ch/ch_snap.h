/*
 * ch_snap: a template's booted snapshot for cloud-hypervisor, built once
 * per (template, guest kernel, CH version, cpus, memory) under
 * $SBX_CACHE_DIR/vm/ch/<template-hash12>-<guest key>-<ch version>-c<N>m<MB>/
 * (snapshots do not work across CH versions, so the version is in the key):
 *   snapshot/   vm.snapshot's output (config.json, state.json, memory-ranges)
 *   disk.qcow2  the disk overlay, frozen at the snapshot (clones' base)
 *   meta.json   {"token": the agent's token given on the cmdline, ...}
 * Built by the first create that needs it, under <key>.lock: cold boot in a
 * throwaway network namespace, wait for the agent through hybrid vsock,
 * warm it (Python templates: 1+1 and one figure), pause, snapshot, quit.
 */
#ifndef SBX_CH_SNAP_H
#define SBX_CH_SNAP_H
#include "../../src/util/err.h"

typedef struct ch_snap {
	char *dir;     /* the store entry above */
	char *token;   /* the booted agent's token */
} ch_snap;

int ch_snap_get(const char *bin, const char *template_dir, int cpus, int memory_mb, ch_snap *out, sbx_err *e);
void ch_snap_free(ch_snap *s);

#endif
