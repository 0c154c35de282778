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

void rt_list_parse(const json_t *health, rt_list *out)
{
	memset(out, 0, sizeof *out);
	const json_t *arr = json_object_get(health, "runtimes"), *v;
	const char *def = json_string_value(json_object_get(health, "defaultRuntime"));
	if (def && *def)
		out->def = clean(def, 64);
	if (!json_is_array(arr))
		return;
	out->v = xcalloc(json_array_size(arr) + 1, sizeof *out->v);
	size_t i;
	json_array_foreach(arr, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		if (!name || !*name)
			continue;
		const char *accel = json_string_value(json_object_get(v, "accel"));
		const char *reason = json_string_value(json_object_get(v, "reason"));
		rt_choice *c = &out->v[out->n++];
		c->name = clean(name, 64);
		c->accel = accel && *accel ? clean(accel, 32) : NULL;
		c->available = json_is_true(json_object_get(v, "available"));
		c->is_auto = json_is_true(json_object_get(v, "auto"));
		if (!c->available)
			c->reason = clean(reason && *reason ? reason : "sbxd gave no reason", 400);
		if (!c->available)
			c->label = xasprintf("%s (unavailable)", c->name);
		else if (c->accel)
			c->label = xasprintf("%s (%s)", c->name, c->accel);
		else
			c->label = xstrdup(c->name);
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

const char *rt_accel_of(const json_t *sandbox)
{
	const char *s = json_string_value(json_object_get(sandbox, "accel"));
	/* a tag on the screen: only what an accelerator's name can be */
	if (!s || !*s || strlen(s) > 16 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(s))
		return "";
	return s;
}

void rt_progress_of(const json_t *sandbox, rt_progress *out)
{
	memset(out, 0, sizeof *out);
	const json_t *p = json_object_get(sandbox, "sbxProgress");
	const char *op = json_string_value(json_object_get(p, "op"));
	if (!json_is_object(p) || !op)
		return;
	json_int_t done = json_integer_value(json_object_get(p, "done")),
		   total = json_integer_value(json_object_get(p, "total"));
	out->active = 1;
	out->resuming = !strcmp(op, "resuming");
	out->done = done > 0 ? done : 0;
	out->total = total > 0 ? total : 0;
}

double rt_progress_frac(const rt_progress *p)
{
	if (!p->total)
		return -1;
	return p->done >= p->total ? 1.0 : (double)p->done / (double)p->total;
}
