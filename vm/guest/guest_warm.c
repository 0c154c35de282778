/* guest_warm: see guest.h (the cells a booted snapshot runs before saving). */
#include "guest.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char WARM_CHART[] =
	"try:\n"
	"    import numpy, pandas\n"
	"except ImportError:\n"
	"    pass\n"
	"import matplotlib.pyplot as plt\n"
	"plt.plot([1, 2, 3], [1, 4, 9])\n"
	"plt.show()\n";

/* Then the user's namespace, history and execution count are as a fresh
 * kernel's (ns sandboxes start that way: `plt` is not defined, the first
 * cell is In[1]); the modules stay loaded.  IPython counts the cell that
 * sets the count after it ran: 0 here makes the next cell 1. */
static const char WARM_RESET[] =
	"get_ipython().run_line_magic('reset', '-f'); get_ipython().execution_count = 0";

static const char WARM_ONE[] = "1+1", WANT_ONE[] = "\"text\":\"2\"";

const char *const guest_warm_recipe[] = { WARM_ONE, WANT_ONE, WARM_CHART, WARM_RESET, NULL };

static int exists(const char *dir, const char *rel)
{
	char p[4200];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return stat(p, &st) == 0;
}

int guest_warm_cells(const char *template_dir, guest_cell out[GUEST_WARM_MAX])
{
	int n = 0;
	if (exists(template_dir, "rootfs/usr/lib/sbx/python")) {
		out[n++] = (guest_cell){ WARM_ONE, WANT_ONE };
		if (exists(template_dir, "rootfs/usr/lib/python3/dist-packages/matplotlib"))
			out[n++] = (guest_cell){ WARM_CHART, NULL };
		out[n++] = (guest_cell){ WARM_RESET, NULL };
	}
	out[n] = (guest_cell){ NULL, NULL };
	return n;
}

int guest_warm_check(const guest_cell *c, long status, const char *body, int *retry, sbx_err *e)
{
	const char *err = strstr(body, "\"type\":\"error\"");
	*retry = err && strstr(err, "KernelStartFailed");
	if (status == 200 && !err && (!c->want || strstr(body, c->want)))
		return 0;
	return sbx_error(e, "warming the template's code interpreter failed (HTTP %ld): %.300s", status,
			 err ? err : body);
}
