#include "pool.h"
#include "sandbox.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define POOL_RETRY_MS 10000
/* After a claim, refill a little later: a runtime create blocks the loop
 * for a moment, and the claim's answer should leave first. */
#define POOL_REFILL_DELAY_MS 50

static const char *const default_templates[] = { "base", "code-interpreter", NULL };

struct pool {
	sbxd *d;
	int size;
	char **names;
	size_t nnames;
	int64_t timer;
	sbox *filling;          /* the pool sandbox being started */
	char **unbuilt;         /* names already reported as not built */
};

void pool_init(sbxd *d, int size, const char *const *templates)
{
	struct pool *p = xcalloc(1, sizeof *p);
	p->d = d;
	p->size = size;
	if (!templates)
		templates = default_templates;
	for (const char *const *t = templates; *t; t++) {
		p->names = xrealloc(p->names, (p->nnames + 1) * sizeof *p->names);
		p->names[p->nnames++] = xstrdup(*t);
	}
	p->unbuilt = xcalloc(p->nnames, sizeof *p->unbuilt);
	d->pool = p;
	pool_kick(d);
}

static int64_t on_timer(sbx_loop *l, int64_t id, void *ud);

static void filled(sbox *sb, int ok, const char *err, void *ud)
{
	struct pool *p = ud;
	p->filling = NULL;
	if (!ok) {
		log_warn("sbxd: pool: a %s sandbox did not start (%s); trying again in %d s", sb->rec.template_id,
			 err, POOL_RETRY_MS / 1000);
		if (!sb->killed)
			sbox_kill(sb, "it did not start", NULL, NULL);
		if (p->timer)
			loop_del_timer(p->d->loop, p->timer);
		p->timer = loop_add_timer(p->d->loop, POOL_RETRY_MS, on_timer, p);
		return;
	}
	pool_kick(p->d);
}

/* One step: drop pool sandboxes nobody will claim, start at most one. */
static void refill(struct pool *p)
{
	sbxd *d = p->d;
	sbx_err e;
	if (p->filling || d->stopping)
		return;
	sbxd_template *tpls = xcalloc(p->nnames, sizeof *tpls);
	int *found = xcalloc(p->nnames, sizeof *found), *have = xcalloc(p->nnames, sizeof *have);
	for (size_t i = 0; i < p->nnames; i++) {
		found[i] = d->find_template(p->names[i], &tpls[i], &e) == 0;
		if (!found[i] && p->size > 0 && !p->unbuilt[i]) {
			log_info("sbxd: pool: no %s sandboxes: %s", p->names[i], e.msg);
			p->unbuilt[i] = xstrdup(e.msg);
		} else if (found[i]) {
			free(p->unbuilt[i]);
			p->unbuilt[i] = NULL;
		}
	}
	/* Of a template no longer built or rebuilt since, or beyond the size
	 * (a smaller --pool than the previous sbxd's): let them go. */
	for (sbox *sb = d->boxes, *next; sb; sb = next) {
		next = sb->next;   /* sbox_kill unlinks sb only */
		if (!sb->rec.pooled)
			continue;
		size_t k = p->nnames;
		for (size_t i = 0; i < p->nnames && k == p->nnames; i++)
			if (found[i] && !strcmp(sb->rec.template_id, tpls[i].id))
				k = i;
		const char *why = k == p->nnames ? "its template is not a pool template (or no longer built)"
				: strcmp(sb->rec.template_dir, tpls[k].dir) ? "its template was rebuilt"
				: have[k] >= p->size ? "the pool is smaller now" : NULL;
		if (why)
			sbox_kill(sb, why, NULL, NULL);
		else
			have[k]++;
	}
	for (size_t i = 0; i < p->nnames; i++) {
		if (!found[i] || have[i] >= p->size)
			continue;
		sbox_new_args a = {
			.tpl = &tpls[i], .alias = tpls[i].id, .cpus = tpls[i].cpus, .memory_mb = tpls[i].memory_mb,
			.disk_mb = tpls[i].disk_mb, .internet = 1, .timeout_s = 0, .pooled = 1,
		};
		sbox *sb;
		if (sbox_create(d, &a, &sb, &e) < 0) {
			log_warn("sbxd: pool: cannot start a %s sandbox: %s", tpls[i].id, e.msg);
		} else {
			p->filling = sb;
			sbox_when_ready(sb, filled, p);
		}
		break;
	}
	for (size_t i = 0; i < p->nnames; i++)
		sbxd_template_free(&tpls[i]);
	free(tpls);
	free(found);
	free(have);
}

static int64_t on_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct pool *p = ud;
	p->timer = 0;
	refill(p);
	return -1;
}

static void kick_in(sbxd *d, int64_t ms)
{
	struct pool *p = d->pool;
	if (p && !p->timer)
		p->timer = loop_add_timer(d->loop, ms, on_timer, p);
}

void pool_kick(sbxd *d)
{
	kick_in(d, 0);
}

sbox *pool_take(sbxd *d, const sbxd_template *tpl)
{
	if (!d->pool || d->pool->size <= 0)
		return NULL;
	for (sbox *sb = d->boxes; sb; sb = sb->next) {
		if (sb->rec.pooled && !strcmp(sb->rec.template_id, tpl->id) && !strcmp(sb->rec.template_dir, tpl->dir) &&
		    !sb->op && !sb->creating && sb->ready && sb->rec.state == SB_RUNNING) {
			kick_in(d, POOL_REFILL_DELAY_MS);
			return sb;
		}
	}
	return NULL;
}

void pool_free(sbxd *d)
{
	struct pool *p = d->pool;
	if (!p)
		return;
	if (p->timer)
		loop_del_timer(d->loop, p->timer);
	if (p->filling)
		sbox_unwait(p->filling, filled, p);
	for (sbox *sb = d->boxes, *next; sb; sb = next) {
		next = sb->next;
		if (sb->rec.pooled)
			sbox_kill(sb, "sbxd is stopping and it was never handed out", NULL, NULL);
	}
	for (size_t i = 0; i < p->nnames; i++) {
		free(p->names[i]);
		free(p->unbuilt[i]);
	}
	free(p->names);
	free(p->unbuilt);
	free(p);
	d->pool = NULL;
}
