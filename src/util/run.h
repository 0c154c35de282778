/*
 * run: a helper program (mkfs, dpkg-deb, a VMM's --version) run to the end
 * with its output kept, for its answer or for the error message.
 */
#ifndef SBX_RUN_H
#define SBX_RUN_H
#include "buf.h"
#include "err.h"

/* Run argv (argv[0] searched in PATH) in cwd (NULL: ours) with stdin from
 * /dev/null, its stdout and stderr appended to out (may be NULL).  0 when
 * it exited 0; else -1 with how it ended and the last lines it printed. */
int run_capture(const char *cwd, char *const argv[], sbx_buf *out, sbx_err *e);

#endif
