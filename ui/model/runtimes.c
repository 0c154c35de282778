/* runtimes: see runtimes.h. */
#include "runtimes.h"
#include "conbuf.h"
#include "../../src/util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sbxd's strings are shown as they come: keep them printable and short. */
static char *clean(const char *s, size_t max)
{
	sbx_buf b = SBX_BUF_INIT;
	conbuf_sanitize(s, strnlen(s, max), &b);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

void rt_list_from(const sbx_health *h, rt_list *out)
{
	memset(out, 0, sizeof *out);
	if (h->default_runtime && *h->default_runtime)
		out->def = clean(h->default_runtime, 64);
	out->v = xcalloc(h->nruntimes + 1, sizeof *out->v);
	for (size_t i = 0; i < h->nruntimes; i++) {
		const sbx_runtime_info *r = &h->runtimes[i];
		if (!r->name || !*r->name)
			continue;
		rt_choice *c = &out->v[out->n++];
		c->name = clean(r->name, 64);
		c->accel = r->accel && *r->accel ? clean(r->accel, 32) : NULL;
		c->available = r->available;
		c->is_auto = r->is_auto;
		if (!c->available) {
			c->reason = clean(r->reason && *r->reason ? r->reason : "sbxd gave no reason", 400);
			c->label = xasprintf("%s (unavailable)", c->name);
		} else if (c->accel) {
			c->label = xasprintf("%s (%s)", c->name, c->accel);
		} else {
			c->label = xstrdup(c->name);
		}
	}
}

void rt_list_free(rt_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].accel);
		free(l->v[i].reason);
		free(l->v[i].label);
	}
	free(l->v);
	free(l->def);
	memset(l, 0, sizeof *l);
}

size_t rt_list_default(const rt_list *l)
{
	for (size_t i = 0; l->def && i < l->n; i++)
		if (!strcmp(l->v[i].name, l->def) && l->v[i].available)
			return i;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].is_auto && l->v[i].available)
			return i;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].available)
			return i;
	return 0;
}

void rt_tag(const char *runtime, const char *accel, char *out, size_t n)
{
	if (!runtime || !*runtime)
		snprintf(out, n, "%s", "");
	else if (accel && *accel)
		snprintf(out, n, "%s\xc2\xb7%s", runtime, accel);
	else
		snprintf(out, n, "%s", runtime);
}

const char *rt_accel_of(const sbx_info *i)
{
	const char *s = i->accel;
	if (!s || !*s || strlen(s) > 16 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(s))
		return "";
	return s;
}

void rt_progress_of(const sbx_info *i, rt_progress *out)
{
	memset(out, 0, sizeof *out);
	if (!i->progress_op || !*i->progress_op)
		return;
	out->active = 1;
	out->resuming = !strcmp(i->progress_op, "resuming");
	out->done = i->progress_done > 0 ? i->progress_done : 0;
	out->total = i->progress_total > 0 ? i->progress_total : 0;
}

double rt_progress_frac(const rt_progress *p)
{
	if (!p->total)
		return -1;
	return p->done >= p->total ? 1.0 : (double)p->done / (double)p->total;
}
