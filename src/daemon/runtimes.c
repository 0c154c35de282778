#include "runtimes.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

/* The drivers sbxd serves; auto prefers the VM ones in this order. */
const runtime_ops *const sbxd_builtin_runtimes[] = { &runtime_ch, &runtime_qemu, &runtime_ns, NULL };

void runtimes_probe(const runtime_ops *const *list, rt_table *t)
{
	size_t n = 0;
	while (list[n])
		n++;
	t->v = xcalloc(n + 1, sizeof *t->v);
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		rt_info *ri = &t->v[i];
		sbx_err why = { "" };
		ri->ops = list[i];
		ri->available = list[i]->available(&why) == 1;
		if (!ri->available)
			ri->reason = xstrdup(*why.msg ? why.msg : "its driver says it cannot run here");
		ri->accel = list[i]->accel ? list[i]->accel() : NULL;
	}
}

void runtimes_free(rt_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].reason);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const rt_info *runtimes_find(const rt_table *t, const char *name)
{
	for (size_t i = 0; name && i < t->n; i++)
		if (!strcmp(t->v[i].ops->name, name))
			return &t->v[i];
	return NULL;
}

const rt_info *runtimes_auto(const rt_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].available && t->v[i].accel && !strcmp(t->v[i].accel, "kvm"))
			return &t->v[i];
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].available && !t->v[i].accel)
			return &t->v[i];
	return NULL;
}

int runtimes_choose(const rt_table *t, const char *want, const runtime_ops **out, sbx_err *e)
{
	if (!want || !strcmp(want, "auto")) {
		const rt_info *ri = runtimes_auto(t);
		if (ri) {
			*out = ri->ops;
			return 0;
		}
		sbx_buf all = SBX_BUF_INIT;
		for (size_t i = 0; i < t->n; i++)
			buf_printf(&all, "%s%s: %s", all.len ? "; " : "", t->v[i].ops->name,
				   t->v[i].available ? "runs only under TCG (name it to use it)" : t->v[i].reason);
		sbx_error(e, "no sandbox runtime works on this machine (%s)", buf_cstr(&all));
		buf_free(&all);
		return -1;
	}
	const rt_info *ri = runtimes_find(t, want);
	if (!ri) {
		sbx_buf names = SBX_BUF_INIT;
		for (size_t i = 0; i < t->n; i++)
			buf_printf(&names, "%s%s", names.len ? ", " : "", t->v[i].ops->name);
		sbx_error(e, "unknown runtime '%s'; use auto or one of: %s", want, buf_cstr(&names));
		buf_free(&names);
		return -1;
	}
	if (!ri->available)
		return sbx_error(e, "the %s runtime cannot run here: %s", ri->ops->name, ri->reason);
	*out = ri->ops;
	return 0;
}
