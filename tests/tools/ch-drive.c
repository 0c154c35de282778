/*
 * ch-drive: one cloud-hypervisor API call (vm/ch/ch_api) per run, for the
 * tests that check the fake refuses what the real VMM refuses and that the
 * driver's messages say so clearly.
 *
 *   ch-drive SOCK ping|state|boot|pause|resume|shutdown|delete|vmm-shutdown
 *   ch-drive SOCK create KERNEL INITRD CMDLINE DISK SERIAL VSOCK [MEM_MB]
 *   ch-drive SOCK snapshot DIR | restore DIR
 *   ch-drive SOCK raw METHOD ENDPOINT [BODY]     prints "STATUS BODY"
 *   ch-drive - clone SRC DST DISK VSOCK SERIAL   (ch_snapshot_clone)
 *   ch-drive VSOCK health                        (hybrid vsock GET /health)
 *   ch-drive - destroy STATE_DIR                 runtime_ch's adopt + destroy (test clean-up)
 * Exit 0 on success; else the driver's message on stderr and exit 1.
 */
#include "../../vm/ch/ch_api.h"
#include "../../vm/ch/ch_config.h"
#include "../../vm/ch/ch_vsock.h"
#include "../../vm/guest/guest.h"
#include "../../vm/runtime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ch-drive SOCK COMMAND [ARGS]\n");
		return 2;
	}
	const char *sock = argv[1], *cmd = argv[2];
	sbx_err e = { "" };
	ch_api a;
	ch_api_init(&a, sock, NULL);
	int rc = -1;
	ch_version v;
	if (!strcmp(cmd, "ping")) {
		if ((rc = ch_api_ping(&a, &v, 5000, &e)) == 0)
			printf("%d.%d %s\n", v.major, v.minor, v.text);
	} else if (!strcmp(cmd, "state")) {
		char *s;
		if ((rc = ch_api_state(&a, &s, &e)) == 0)
			printf("%s\n", s);
		free(s);
	} else if (!strcmp(cmd, "create") && argc >= 9) {
		ch_vm_params p = { 1, argc > 9 ? atoi(argv[9]) : 64, argv[3], argv[4], argv[5], argv[6], argv[7],
				   argv[8] };
		json_t *c = ch_vmconfig(&p);
		rc = ch_api_put(&a, "vm.create", c, 10000, &e);
		json_decref(c);
	} else if (!strcmp(cmd, "snapshot") && argc == 4) {
		rc = ch_api_snapshot(&a, argv[3], 60000, &e);
	} else if (!strcmp(cmd, "restore") && argc == 4) {
		if ((rc = ch_api_ping(&a, &v, 5000, &e)) == 0)
			rc = ch_api_restore(&a, &v, argv[3], 60000, &e);
	} else if (!strcmp(cmd, "raw") && argc >= 5) {
		long st = 0;
		sbx_buf r = SBX_BUF_INIT;
		if ((rc = ch_api_call(&a, argv[3], argv[4], argc > 5 ? argv[5] : NULL, 10000, &st, &r, &e)) == 0)
			printf("%ld %s\n", st, buf_cstr(&r));
		buf_free(&r);
	} else if (!strcmp(cmd, "clone") && argc == 8) {
		rc = ch_snapshot_clone(argv[3], argv[4], argv[5], argv[6], argv[7], &e);
	} else if (!strcmp(cmd, "destroy") && argc == 4) {
		rt_sandbox *sb;
		if ((rc = runtime_ch.adopt(argv[3], &sb, &e)) == 0)
			rc = runtime_ch.destroy(sb, &e);
	} else if (!strcmp(cmd, "health")) {
		rc = ch_vsock_health(sock, GUEST_AGENT_PORT, 10000, &e);
	} else {
		static const char *const ep[][2] = { { "boot", "vm.boot" }, { "pause", "vm.pause" },
			{ "resume", "vm.resume" }, { "shutdown", "vm.shutdown" }, { "delete", "vm.delete" },
			{ "vmm-shutdown", "vmm.shutdown" } };
		for (size_t i = 0; i < sizeof ep / sizeof ep[0]; i++)
			if (!strcmp(cmd, ep[i][0]))
				rc = ch_api_put(&a, ep[i][1], NULL, 10000, &e) == 0 ? 0 : -2;
		if (rc == -1 && !e.msg[0]) {
			fprintf(stderr, "ch-drive: unknown command or wrong arguments: %s\n", cmd);
			ch_api_free(&a);
			return 2;
		}
	}
	if (rc < 0)
		fprintf(stderr, "%s\n", e.msg);
	ch_api_free(&a);
	return rc < 0 ? 1 : 0;
}
