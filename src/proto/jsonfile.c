#include "jsonfile.h"
#include <stdio.h>
#include <unistd.h>

int json_file_replace(const char *path, const json_t *o, size_t flags, sbx_err *e)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp)
		return sbx_error(e, "path too long: %s", path);
	if (json_dump_file(o, tmp, flags) < 0) {
		sbx_error_errno(e, "cannot write %s", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		sbx_error_errno(e, "cannot replace %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}
