#!/usr/bin/env bash
# (l) The create form's runtimes: every runtime sbxd's /health lists, with
# its accelerator, sbxd's default preselected; an unavailable one (ch,
# with no cloud-hypervisor and KVM off) shows its reason under the field
# and Enter refuses it; the default creates.  When this sbxd lists no
# unavailable runtime (built without the VM drivers), api_proxy.py adds
# one to /health between the workbench and sbxd.
. "$(dirname "$0")/lib.sh"
# No VM can run for this sbxd: its ch and qemu drivers (when built in) say why.
export SBX_CH_BINARY=$SCRATCH/no-cloud-hypervisor SBX_KVM=off
tui_init base
if ! api GET /health | jq -e 'any(.runtimes[]; .available == false)' >/dev/null; then
	tui_api_proxy --runtime ch "cloud-hypervisor is not installed (api_proxy.py says so for this test)" || exit 1
fi
health=$(api GET /health)
def=$(jq -r '.defaultRuntime // empty' <<<"$health")
expect_match "sbxd names its default runtime" "$def" '^[a-z0-9]+$'
tui_start || exit 1
tui_wait_for "started" "No sandboxes."
tui_keys n
tui_wait_for "n opens the create form" "Create a sandbox"
tui_keys Tab Tab Tab   # past Template, From snapshot, Timeout
tui_wait_for "the runtime field starts at sbxd's default" "◄ $def"
tui_wait_for "... and says it is the default" "sbxd's default: $def"
n=$(jq '.runtimes | length' <<<"$health")
tui_wait_for "... it offers every runtime sbxd lists" " of $n)"
# Each listed runtime as the form shows it, by cycling with Right.
for i in $(seq 0 $((n - 1))); do
	name=$(jq -r ".runtimes[$i].name" <<<"$health")
	accel=$(jq -r ".runtimes[$i].accel // empty" <<<"$health")
	if [ "$(jq -r ".runtimes[$i].available" <<<"$health")" = true ]; then
		label=$name${accel:+ ($accel)}
	else
		label="$name (unavailable)"
	fi
	for _ in $(seq 1 "$n"); do _has "◄ $label ►" && break; tui_keys Right; sleep 0.1; done
	tui_wait_for "the form lists $label" "◄ $label ►" 2
done
bad=$(jq -r '[.runtimes[] | select(.available == false)][0].name' <<<"$health")
why=$(jq -r --arg n "$bad" '.runtimes[] | select(.name == $n) | .reason' <<<"$health")
for _ in $(seq 1 "$n"); do _has "◄ $bad (unavailable) ►" && break; tui_keys Right; sleep 0.1; done
tui_wait_for "$bad is shown unavailable" "◄ $bad (unavailable) ►"
tui_wait_for "... with sbxd's reason under it" "${why:0:40}"
tui_keys Enter
tui_wait_for "Enter refuses it, saying why" "cannot be chosen"
expect_eq "... the form stays" "$(tui_screen | grep -c 'Create a sandbox')" 1
expect_eq "... and nothing was created" "$(api GET /v2/sandboxes | jq length)" 0
for _ in $(seq 1 "$n"); do _has "◄ $def" && break; tui_keys Right; sleep 0.1; done
tui_keys Enter
tui_wait_for "the default creates and attaches" "1:" 60
tui_note_ids
expect_eq "sbxd ran it on the default runtime" "$(api GET /v2/sandboxes | jq -r '.[0].runtime')" "$def"
tui_alive "after the form"
done_testing
