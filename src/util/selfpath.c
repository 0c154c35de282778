#include "selfpath.h"
#include "xalloc.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *self_exe(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	return xstrdup(exe);
}

char *self_dir(void)
{
	char *exe = self_exe();
	char *slash = exe ? strrchr(exe, '/') : NULL;
	if (!slash) {
		free(exe);
		return NULL;
	}
	*slash = '\0';
	return exe;
}

char *self_find(const char *rel, int want_dir)
{
	char *dir = self_dir();
	if (!dir)
		return NULL;
	char *p = xasprintf("%s/%s", dir, rel);
	free(dir);
	struct stat st;
	int ok = stat(p, &st) == 0 && (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode) && access(p, X_OK) == 0);
	if (ok)
		return p;
	free(p);
	return NULL;
}
