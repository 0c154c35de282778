/*
 * metrics_hist: each running sandbox's recent resource samples, for E2B's
 * GET /sandboxes/{id}/metrics?start=&end=.  sbxd samples every running
 * sandbox every MHIST_EVERY_MS into a ring of MHIST_SLOTS per sandbox
 * (an hour), kept in memory only (sbox.metrics; freed with the sandbox).
 */
#ifndef SBX_DAEMON_METRICS_HIST_H
#define SBX_DAEMON_METRICS_HIST_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "../../vm/runtime.h"

#define MHIST_EVERY_MS 5000
#define MHIST_SLOTS 720

typedef struct mhist mhist;

mhist *mhist_new(size_t slots);
void mhist_free(mhist *h);
/* Adds a sample taken at ts_ms (unix ms); the oldest goes when full. */
void mhist_push(mhist *h, const rt_stats *st, int64_t ts_ms);
size_t mhist_count(const mhist *h);
/* Appends to arr (E2B's SandboxMetric, oldest first) the samples taken
 * in [from_ms, to_ms]; returns how many. */
size_t mhist_range(const mhist *h, int64_t from_ms, int64_t to_ms, json_t *arr);

struct sbxd;
/* The 5 s sampler over d->boxes (running, ready, not pool). */
void mhist_start(struct sbxd *d);
void mhist_stop(struct sbxd *d);

#endif
