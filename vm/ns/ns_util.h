/*
 * ns_util: small file, directory and process helpers for the ns driver.
 *
 * All return 0 or -1 with a message in *e (e may be NULL) unless noted.
 */
#ifndef SBX_NS_UTIL_H
#define SBX_NS_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "../../src/util/err.h"

/* Write s to an existing file (cgroup and sysctl files) or create one (0644). */
int nsu_write_file(const char *path, const char *s, sbx_err *e);
/* Read at most n-1 bytes into buf, NUL-terminated, trailing newline kept. */
int nsu_read_file(const char *path, char *buf, size_t n, sbx_err *e);
/* The first unsigned integer in a file; "max" reads as UINT64_MAX. */
int nsu_read_u64(const char *path, uint64_t *out, sbx_err *e);
/* The value of "KEY VALUE" line KEY in a flat-keyed file (cpu.stat, cgroup.events). */
int nsu_read_keyed(const char *path, const char *key, uint64_t *out, sbx_err *e);


/*
 * fork(2) by the raw system call, with no exit signal: the child is not
 * seen by a caller's waitpid(-1, ...) (an event loop reaping "all" its
 * children cannot steal its status), and skips glibc's atfork handling, so
 * it must only make system calls (no malloc) before exec or _exit.
 * Wait for it with nsu_wait_private.
 */
pid_t nsu_fork_private(void);
int nsu_wait_private(pid_t pid, int *status);

/* Run argv (argv[0] searched in PATH) with stdin from `input` (NULL: /dev/null)
 * and stdout to /dev/null; on failure the message quotes its stderr. */
int nsu_run(const char *const argv[], const char *input, sbx_err *e);

/* From /proc/PID/stat: the start time (clock ticks since boot) and the
 * state letter.  -1 when the process does not exist. */
int nsu_proc_stat(pid_t pid, uint64_t *start_time, char *state);

/* Sleep for ms milliseconds. */
void nsu_sleep_ms(int ms);

#endif
