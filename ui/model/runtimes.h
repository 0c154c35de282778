/*
 * runtimes: what libsbx parsed from sbxd's GET /health about the runtimes
 * it can run (sbx_health: name, available, reason, accel, auto,
 * defaultRuntime), made ready for the create form, and the
 * "runtime·accel" tag and pause/resume progress the status bar and the
 * sandboxes list show (from sbx_info).  An older sbxd lists no runtimes:
 * n == 0.
 */
#ifndef SBX_UI_RUNTIMES_H
#define SBX_UI_RUNTIMES_H
#include <stddef.h>
#include "../../src/client/api.h"

typedef struct rt_choice {
	char *name;
	char *accel;       /* "kvm", "tcg"; NULL when the runtime has none */
	char *reason;      /* why it is unavailable; NULL when available */
	int available;
	int is_auto;       /* what `auto` picks */
	char *label;       /* "qemu (tcg)", "ch (unavailable)" */
} rt_choice;

typedef struct rt_list {
	rt_choice *v;
	size_t n;
	char *def;         /* defaultRuntime; NULL when not said */
} rt_list;

/* Fills out from h (an unavailable one without a reason gets "sbxd gave
 * no reason").  Strings are copied and sanitised for the screen. */
void rt_list_from(const sbx_health *h, rt_list *out);
void rt_list_free(rt_list *l);
/* Index of the entry to preselect: defaultRuntime, else the auto one,
 * else the first available; 0 when none. */
size_t rt_list_default(const rt_list *l);

/* A sandbox's accelerator fit for the screen: what an accelerator's name
 * can be ([a-z0-9_-], at most 16), else "". */
const char *rt_accel_of(const sbx_info *i);

/* A slow pause or resume while it runs (sbxProgress). */
typedef struct rt_progress {
	int active;            /* 0: none said */
	int resuming;          /* op "resuming"; else "pausing" */
	long long done, total; /* bytes; total 0: unknown */
} rt_progress;
void rt_progress_of(const sbx_info *i, rt_progress *out);
/* 0..1, or -1 when the total is unknown. */
double rt_progress_frac(const rt_progress *p);

/* "qemu·tcg", "ns" (runtime "" gives ""); out n >= 1. */
void rt_tag(const char *runtime, const char *accel, char *out, size_t n);

#endif
