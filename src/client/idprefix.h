/* idprefix: a sandbox named by a unique prefix of its id (pure). */
#ifndef SBX_CLIENT_IDPREFIX_H
#define SBX_CLIENT_IDPREFIX_H
#include <stddef.h>
#include "../util/err.h"

/* The one id in ids[0..n) equal to, else starting with, prefix: its index,
 * or -1 with e ("no sandbox 'abc' (see `sbx ls`)", or the ambiguous matches). */
int sbx_id_resolve(const char *prefix, const char *const *ids, size_t n, sbx_err *e);

#endif
