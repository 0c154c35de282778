/* runtimes: the drivers sbxd knows, and `--runtime auto|NAME` resolution. */
#ifndef SBX_DAEMON_RUNTIMES_H
#define SBX_DAEMON_RUNTIMES_H
#include "../../vm/runtime.h"

/* Built-in drivers, NULL-terminated, in `auto` preference order. */
extern const runtime_ops *const sbxd_builtin_runtimes[];

const runtime_ops *runtime_lookup(const runtime_ops *const *list, const char *name);
/* "auto": the first available driver; a name: that one, if available. */
int runtime_pick(const runtime_ops *const *list, const char *want, const runtime_ops **out, sbx_err *e);

#endif
