/*
 * loop: the one small event loop (redis `ae` in spirit) that every sbx
 * process runs: fd readiness via poll(2), one-shot or repeating timers, and
 * "prepare" hooks that run before each poll (to flush edge-triggered sources
 * such as ZeroMQ sockets, or to ask libmicrohttpd for its timeout).
 *
 * Single-threaded: every call must come from the thread running loop_run().
 * Callbacks may add or delete any fd or timer, including their own.
 */
#ifndef SBX_LOOP_H
#define SBX_LOOP_H
#include <stdint.h>

typedef struct sbx_loop sbx_loop;

/* LOOP_RDHUP: the peer of a stream socket has finished sending (POLLRDHUP),
 * whether or not unread data is still queued before its EOF. */
enum { LOOP_READ = 1, LOOP_WRITE = 2, LOOP_ERROR = 4 /* reported only: POLLERR/POLLHUP/POLLNVAL */,
       LOOP_RDHUP = 8 };

typedef void (*loop_fd_cb)(sbx_loop *l, int fd, int events, void *ud);
/* Return the delay in ms before the timer fires again, or -1 to drop it. */
typedef int64_t (*loop_timer_cb)(sbx_loop *l, int64_t id, void *ud);
/* Return a poll timeout bound in ms (-1: no opinion). */
typedef int (*loop_prepare_cb)(sbx_loop *l, void *ud);

sbx_loop *loop_new(void);
void loop_free(sbx_loop *l);

/* Watch fd for mask (LOOP_READ|LOOP_WRITE|LOOP_RDHUP); replaces an existing watch. */
void loop_add_fd(sbx_loop *l, int fd, int mask, loop_fd_cb cb, void *ud);
/* Change only the mask of a watched fd (0 pauses it). */
void loop_set_mask(sbx_loop *l, int fd, int mask);
void loop_del_fd(sbx_loop *l, int fd);

/* Fire cb after ms; returns an id > 0. */
int64_t loop_add_timer(sbx_loop *l, int64_t ms, loop_timer_cb cb, void *ud);
void loop_del_timer(sbx_loop *l, int64_t id);

void loop_add_prepare(sbx_loop *l, loop_prepare_cb cb, void *ud);
void loop_del_prepare(sbx_loop *l, loop_prepare_cb cb, void *ud);

/* One iteration: prepare hooks, poll (at most timeout_ms; -1 = until an
 * event), dispatch fds, then due timers.  Returns the number of events. */
int loop_once(sbx_loop *l, int timeout_ms);
/* Iterate until loop_stop(). */
void loop_run(sbx_loop *l);
void loop_stop(sbx_loop *l);

#endif
