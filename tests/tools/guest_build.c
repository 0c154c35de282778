/* guest_build: builds (or finds cached) the VM guest's artifacts and prints
 * them, for tests and by hand:
 *   guest_build                       KEY=VALUE lines: kernel, initramfs, version, key, cmdline
 *   guest_build --disk TEMPLATE_DIR MB   also disk=<TEMPLATE_DIR>/disk.ext4 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../vm/guest/guest.h"

int main(int argc, char **argv)
{
	sbx_err e = { { 0 } };
	if (argc != 1 && !(argc == 4 && !strcmp(argv[1], "--disk"))) {
		fprintf(stderr, "usage: guest_build [--disk TEMPLATE_DIR SIZE_MB]\n");
		return 2;
	}
	guest_kernel g;
	if (guest_kernel_get(&g, &e) < 0) {
		fprintf(stderr, "guest_build: %s\n", e.msg);
		return 1;
	}
	char *cmd = guest_cmdline("ttyS0", NULL);
	printf("kernel=%s\ninitramfs=%s\nversion=%s\nkey=%s\ncmdline=%s\n", g.kernel, g.initramfs, g.version, g.key,
	       cmd);
	free(cmd);
	guest_kernel_free(&g);
	if (argc == 4) {
		char *disk = NULL;
		if (guest_disk_image(argv[2], atoi(argv[3]), &disk, &e) < 0) {
			fprintf(stderr, "guest_build: %s\n", e.msg);
			return 1;
		}
		printf("disk=%s\n", disk);
		free(disk);
	}
	return 0;
}
