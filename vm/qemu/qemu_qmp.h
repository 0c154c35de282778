/*
 * qemu_qmp: a blocking QMP client over QEMU's Unix socket (-qmp
 * unix:PATH,server=on,wait=off), for runtime calls that run in sbxd's forked
 * jobs.  qmp_open connects (retrying while QEMU starts), reads the greeting
 * and negotiates capabilities; qmp_exec sends one command and waits, with a
 * deadline, for its reply, skipping asynchronous events.  Everything QEMU
 * sends is parsed as untrusted input (lines are bounded).
 */
#ifndef SBX_QEMU_QMP_H
#define SBX_QEMU_QMP_H
#include <jansson.h>
#include "../../src/util/buf.h"
#include "../../src/util/err.h"

typedef struct qmp {
	int fd;          /* -1 when closed */
	unsigned next_id;
	sbx_buf in;      /* bytes read, not yet a whole line */
} qmp;

/* What one line from QEMU is. */
typedef enum { QMP_GREETING, QMP_RETURN, QMP_ERROR, QMP_EVENT, QMP_OTHER } qmp_kind;

/* Pure: classifies one line (without its LF).  For QMP_RETURN and
 * QMP_ERROR, *id gets the reply's "id" when it is a string we sent
 * (else NULL; borrowed from *msg); *msg gets the parsed object (caller
 * decrefs; NULL for QMP_OTHER, with why in e). */
qmp_kind qmp_parse_line(const char *line, size_t len, json_t **msg, const char **id, sbx_err *e);

/* Connects to sock within timeout_ms (the socket may not exist yet). */
int qmp_open(qmp *q, const char *sock, int timeout_ms, sbx_err *e);
/* Runs cmd with args (taken; may be NULL) and waits up to timeout_ms for its
 * reply.  *ret (may be NULL) gets the "return" value (caller decrefs).  A
 * QMP error becomes "QEMU refused CMD: DESC". */
int qmp_exec(qmp *q, const char *cmd, json_t *args, int timeout_ms, json_t **ret, sbx_err *e);
void qmp_close(qmp *q);

#endif
