#include "runtimes.h"
#include "../util/buf.h"
#include <string.h>

/* The drivers auto picks from, in order of preference. */
const runtime_ops *const sbxd_builtin_runtimes[] = { &runtime_ns, NULL };

const runtime_ops *runtime_lookup(const runtime_ops *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp((*list)->name, name))
			return *list;
	return NULL;
}

int runtime_pick(const runtime_ops *const *list, const char *want, const runtime_ops **out, sbx_err *e)
{
	sbx_err why;
	if (!want || !strcmp(want, "auto")) {
		sbx_buf all = SBX_BUF_INIT;
		for (const runtime_ops *const *p = list; *p; p++) {
			if ((*p)->available(&why) == 1) {
				buf_free(&all);
				*out = *p;
				return 0;
			}
			buf_printf(&all, "%s%s: %s", all.len ? "; " : "", (*p)->name, why.msg);
		}
		sbx_error(e, "no sandbox runtime works on this machine (%s)", buf_cstr(&all));
		buf_free(&all);
		return -1;
	}
	const runtime_ops *r = runtime_lookup(list, want);
	if (!r) {
		sbx_buf names = SBX_BUF_INIT;
		for (const runtime_ops *const *p = list; *p; p++)
			buf_printf(&names, "%s%s", names.len ? ", " : "", (*p)->name);
		sbx_error(e, "unknown runtime '%s'; use auto or one of: %s", want, buf_cstr(&names));
		buf_free(&names);
		return -1;
	}
	if (r->available(&why) != 1)
		return sbx_error(e, "the %s runtime cannot run here: %s", r->name, why.msg);
	*out = r;
	return 0;
}
