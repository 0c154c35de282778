#include "metrics_hist.h"
#include "api_json.h"
#include "sandbox.h"
#include "../util/xalloc.h"
#include <stdlib.h>

struct sample {
	int64_t ts;
	rt_stats st;
};

struct mhist {
	struct sample *v;
	size_t slots, head, n;   /* head: where the next goes */
};

mhist *mhist_new(size_t slots)
{
	mhist *h = xcalloc(1, sizeof *h);
	h->slots = slots ? slots : 1;
	h->v = xcalloc(h->slots, sizeof *h->v);
	return h;
}

void mhist_free(mhist *h)
{
	if (!h)
		return;
	free(h->v);
	free(h);
}

void mhist_push(mhist *h, const rt_stats *st, int64_t ts_ms)
{
	h->v[h->head].ts = ts_ms;
	h->v[h->head].st = *st;
	h->head = (h->head + 1) % h->slots;
	if (h->n < h->slots)
		h->n++;
}

size_t mhist_count(const mhist *h)
{
	return h ? h->n : 0;
}

size_t mhist_range(const mhist *h, int64_t from_ms, int64_t to_ms, json_t *arr)
{
	size_t k = 0;
	for (size_t i = 0; h && i < h->n; i++) {
		const struct sample *s = &h->v[(h->head + h->slots - h->n + i) % h->slots];
		if (s->ts >= from_ms && s->ts <= to_ms) {
			json_array_append_new(arr, json_metric(&s->st, s->ts));
			k++;
		}
	}
	return k;
}

/* --- the sampler ------------------------------------------------------------ */

static int64_t sample_all(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	sbxd *d = ud;
	int64_t now = wall_ms();
	for (sbox *sb = d->boxes; sb; sb = sb->next) {
		rt_stats st;
		sbx_err e;
		if (sb->rec.pooled || sb->rec.state != SB_RUNNING || !sb->ready || !sb->rt || sb->pausing ||
		    sb->resuming || sb->ops->stats(sb->rt, &st, &e) < 0)
			continue;   /* a failure here is liveness.c's to judge */
		if (!sb->metrics)
			sb->metrics = mhist_new(MHIST_SLOTS);
		mhist_push(sb->metrics, &st, now);
	}
	return MHIST_EVERY_MS;
}

void mhist_start(sbxd *d)
{
	if (!d->metrics_timer)
		d->metrics_timer = loop_add_timer(d->loop, MHIST_EVERY_MS, sample_all, d);
}

void mhist_stop(sbxd *d)
{
	if (d->metrics_timer)
		loop_del_timer(d->loop, d->metrics_timer);
	d->metrics_timer = 0;
}
