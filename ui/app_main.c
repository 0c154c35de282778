/* app_main: `sbx workbench` options → app_main (workbench.h). */
#include "workbench.h"
#include "app.h"
#include "../src/util/selfpath.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: sbx [workbench] [--theme NAME] [--attach ID] [--notebook FILE.ipynb] [--no-sixel] [--no-mouse]\n"
	"\n"
	"The terminal workbench: sandboxes, notebooks, terminals and files.\n"
	"  --theme NAME       default, dark, light, high-contrast, mono (or ~/.config/sbx/themes/NAME.theme)\n"
	"  --attach ID        open a sandbox's panes at start (an id prefix)\n"
	"  --notebook FILE    open FILE.ipynb in the first sandbox attached\n"
	"  --no-sixel         draw images as coloured text even where sixel works\n"
	"  --no-mouse         leave the mouse to the terminal (select and copy text)\n"
	"Inside, F1 lists the keys and F2 (or C-Space) searches every command.\n";

int cmd_workbench(int argc, char **argv)
{
	app_opts o = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char **val = !strcmp(arg, "--theme") ? &o.theme : !strcmp(arg, "--attach") ? &o.attach
				 : !strcmp(arg, "--notebook") ? &o.notebook : NULL;
		if (val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "sbx workbench: %s needs a value\n%s", arg, usage);
				return 2;
			}
			*val = argv[++i];
		} else if (!strcmp(arg, "--no-sixel")) {
			o.no_sixel = 1;
		} else if (!strcmp(arg, "--no-mouse")) {
			o.no_mouse = 1;
		} else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "sbx workbench: unknown option '%s'\n%s", arg, usage);
			return 2;
		}
	}
	char *exe = self_exe();
	if (!exe) {
		fprintf(stderr, "sbx: cannot find its own binary to start sbxd with\n");
		return 1;
	}
	o.exe = exe;
	int rc = app_main(&o);
	free(exe);
	return rc;
}
