/* sbxd_find_template: built templates through vm/template/template.h. */
#include <stdlib.h>
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
	/* e2b.toml's cpu_count/memory_mb, else E2B's defaults. */
	out->cpus = info.cpu_count > 0 ? info.cpu_count : SBXD_DEFAULT_CPUS;
	out->memory_mb = info.memory_mb > 0 ? info.memory_mb : SBXD_DEFAULT_MEMORY_MB;
	out->disk_mb = SBXD_DEFAULT_DISK_MB;
	/* Taken over: ENV/WORKDIR/USER and start-up of the recipe or Dockerfile. */
	out->env = info.env;
	out->nenv = info.nenv;
	info.env = NULL;
	info.nenv = 0;
	out->user = info.user;
	out->workdir = info.workdir;
	out->start_cmd = info.start_cmd;
	out->ready_cmd = info.ready_cmd;
	info.user = info.workdir = info.start_cmd = info.ready_cmd = NULL;
	template_info_free(&info);
	return 0;
}
