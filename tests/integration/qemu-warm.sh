#!/usr/bin/env bash
# make test's set-up before the integration suite: the qemu runtime's booted
# snapshot of the code-interpreter template, made by one create through a
# private sbxd (a cold boot under TCG, minutes; cached in
# $SBX_CACHE_DIR/vm/qemu per template build, so a no-op when cached).  The
# integration tests then only ever clone it — t_lifecycle_disk, t_netrules
# and t_snapshots run before t_vm_qemu, which used to be the one to make it,
# and a skip fails make test.
#   AGENT=build-san/sbx-agent TOOLS=build-san/tools tests/integration/qemu-warm.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sbxd_lib.sh"
sbxd_init
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 missing (apt-get install qemu-system-x86 qemu-utils)"
sbxd_template code-interpreter
sbxd_start || { notok "sbxd starts" "see above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"
t0=$(ms)
API_MAX_S=1500 create '{"templateID":"code-interpreter","runtime":"qemu","timeout":600}' ||
	{ notok "create a qemu code-interpreter sandbox" "$(status): $CREATED"; exit 1; }
ok "a qemu code-interpreter sandbox: its booted snapshot is cached ($(( $(ms) - t0 )) ms)"
api DELETE "/sandboxes/$ID" >/dev/null
expect_eq "killed" "$(status)" 204
done_testing
