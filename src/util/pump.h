/*
 * pump: raw bytes both ways between two stream fds on the loop (a tunnel's
 * two ends), at most PUMP_BUF bytes held per direction: a side that does
 * not take its bytes stops the reading of the other.  One side's EOF is
 * passed on as shutdown(SHUT_WR) of the other once its bytes are out.
 * done runs once (from a loop callback, never from pump_new) when both
 * directions ended or either side failed; the pump never closes the fds
 * (their owners do, after pump_free).
 */
#ifndef SBX_UTIL_PUMP_H
#define SBX_UTIL_PUMP_H
#include <stddef.h>
#include "loop.h"

#define PUMP_BUF (256 * 1024)

typedef struct sbx_pump sbx_pump;
typedef void (*pump_done_cb)(sbx_pump *p, void *ud);

/* a_pre: bytes already read from a (sent to b first); b_pre likewise. */
sbx_pump *pump_new(sbx_loop *l, int a, int b, const void *a_pre, size_t a_pre_len, const void *b_pre,
		   size_t b_pre_len, pump_done_cb done, void *ud);
/* Stops watching the fds and frees the pump (fine from done). */
void pump_free(sbx_pump *p);

#endif
