/* sbxd_find_template: built templates through vm/template/template.h. */
#include "sbxd.h"
#include "../util/xalloc.h"
#include "../../vm/template/template.h"

int sbxd_find_template(const char *name, sbxd_template *out, sbx_err *e)
{
	template_opts o = { 0 };   /* the default cache: $SBX_CACHE_DIR or ~/.cache/sbx */
	template_info info;
	if (template_find(&o, name, &info, e) < 0)
		return -1;   /* its message names the template and `sbx template build` */
	out->id = xstrdup(info.name);
	out->dir = xstrdup(info.dir);
	/* Recipes carry no limits (yet): E2B's defaults. */
	out->cpus = SBXD_DEFAULT_CPUS;
	out->memory_mb = SBXD_DEFAULT_MEMORY_MB;
	out->disk_mb = SBXD_DEFAULT_DISK_MB;
	template_info_free(&info);
	return 0;
}
