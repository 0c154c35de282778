#!/usr/bin/env bash
# Filesystem-only pause through sbxd (issue 12): POST /pause {"memory":
# false} on ns stops every process of the sandbox and keeps its disk (no
# init, no veth; the disk stays mounted); a kill -9 of sbxd and a restart
# adopt it paused; connect starts a new init on the same disk with the same
# token and env.  connect {"memory": false} on a memory-paused sandbox drops
# its memory; autoPauseMemory: false makes the timeout pause a disk pause.
# Events record each step.  Bad input: 400.  Kill leaves nothing behind.
# One qemu case (a clone of the booted snapshot make test warms first,
# qemu-warm.sh): a filesystem-only pause and a cold boot of the sandbox's
# own disk.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sbxd_lib.sh"
sbxd_init
sbxd_start || { notok "sbxd starts" "see above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"

state_of() { api GET "/sandboxes/$1" | jq -r .state; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }
# A live process: not gone, not a zombie waiting for its reaper.
running() { local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1); [ -n "$st" ] && [ "$st" != Z ]; }
ev_types() { api GET "/events/sandboxes/$1?orderAsc=true&limit=100" | jq -r '[.[].type | sub("sandbox.lifecycle.";"")] | join(",")'; }

create '{"templateID":"base","timeout":600,"envVars":{"LIFE":"env kept"}}' || { notok "create" "$CREATED"; exit 1; }
ok "create an ns sandbox"
SD=$STATE/sandboxes/$ID
run "$ID" "$TOK" 'echo on disk > /home/user/keep.txt; sync' >/dev/null
run "$ID" "$TOK" 'nohup sleep 4242 >/dev/null 2>&1 &' >/dev/null
expect_eq "a background process runs" "$(run "$ID" "$TOK" 'pgrep -f "[s]leep 4242" >/dev/null && echo yes')" yes
PID0=$(jq -r .pid "$SD/state.json")
VETH=$(jq -r .veth "$SD/state.json")
CG=$(jq -r '.cgroup.dirs[0]' "$SD/state.json")

# --- bad input ---------------------------------------------------------------------
api POST "/sandboxes/$ID/pause" '{"memory":"no"}' >/dev/null
expect_eq "pause {memory: \"no\"} → 400" "$(status)" 400
api POST "/v2/sandboxes/$ID/connect" '{"memory":1}' >/dev/null
expect_eq "connect {memory: 1} → 400" "$(status)" 400

# --- the pause ---------------------------------------------------------------------
api POST "/sandboxes/$ID/pause" '{"memory":false}' >/dev/null
expect_eq "pause {memory: false} → 204" "$(status)" 204
expect_eq "state: paused" "$(state_of "$ID")" paused
expect_eq "the record says filesystem only" "$(jq -r .pausedDisk "$STATE/sandboxes/$ID.json")" true
expect_eq "the driver's state: no init, disk paused" "$(jq -r '[.pid, .disk_paused] | join(" ")' "$SD/state.json")" "0 true"
if running "$PID0"; then notok "its init is gone" "pid $PID0 still runs"; else ok "its init is gone"; fi
if [ -n "$VETH" ] && ip link show "$VETH" >/dev/null 2>&1; then notok "its veth is gone" "$VETH"; else ok "its veth is gone"; fi
expect_eq "its cgroup is there and empty" "$(cat "$CG/cgroup.procs" | wc -l)" 0
if mountpoint -q "$SD/disk"; then ok "its disk stays mounted"; else notok "its disk stays mounted" "$SD/disk"; fi
px "$ID" "$TOK" GET "/files?path=/home/user/keep.txt" >/dev/null
expect_eq "traffic to it without autoResume → 502" "$(status)" 502
api POST "/sandboxes/$ID/pause" '{"memory":false}' >/dev/null
expect_eq "pausing it again → 409" "$(status)" 409

# --- sbxd killed and restarted: adopted paused ---------------------------------------
sbxd_stop KILL
sbxd_start || { notok "sbxd restarts" "see above"; exit 1; }
expect_eq "adopted after a restart: still paused" "$(state_of "$ID")" paused

# --- connect: a new init on the same disk -------------------------------------------
api POST "/v2/sandboxes/$ID/connect" '{"timeout":600}' >/dev/null
expect_eq "connect → 201" "$(status)" 201
expect_eq "state: running" "$(state_of "$ID")" running
expect_eq "the file survived" "$(px "$ID" "$TOK" GET "/files?path=/home/user/keep.txt")" "on disk"
expect_eq "the process did not" "$(run "$ID" "$TOK" 'pgrep -f "[s]leep 4242" || echo none')" none
expect_eq "the env var is the agent's again" "$(run "$ID" "$TOK" 'echo $LIFE')" "env kept"
expect_eq "the old token still works, the template user is the default" "$(run "$ID" "$TOK" whoami)" user
PID1=$(jq -r .pid "$SD/state.json")
if [ "$PID1" != 0 ] && [ "$PID1" != "$PID0" ] && running "$PID1"; then ok "a new init runs"; else notok "a new init runs" "pid $PID0 → $PID1"; fi
expect_eq "its network came back" "$(run "$ID" "$TOK" 'ip -4 -o addr show eth0 | grep -c inet')" 1

# --- connect {memory: false} on a memory-paused sandbox ------------------------------
run "$ID" "$TOK" 'nohup sleep 4343 >/dev/null 2>&1 &' >/dev/null
api POST "/sandboxes/$ID/pause" >/dev/null
expect_eq "a memory pause → 204" "$(status)" 204
api POST "/v2/sandboxes/$ID/connect" '{"memory":false}' >/dev/null
expect_eq "connect {memory: false} → 201" "$(status)" 201
expect_eq "its memory was dropped: the process is gone" "$(run "$ID" "$TOK" 'pgrep -f "[s]leep 4343" || echo none')" none
expect_eq "the file is still there" "$(px "$ID" "$TOK" GET "/files?path=/home/user/keep.txt")" "on disk"
expect_eq "events: each step" "$(ev_types "$ID")" "created,paused,resumed,paused,resumed"
expect_eq "events: which pauses kept memory" \
	"$(api GET "/events/sandboxes/$ID?orderAsc=true&types=paused" | jq -c '[.[].eventData.memory]')" "[false,true]"

# --- kill: nothing left ----------------------------------------------------------------
api DELETE "/sandboxes/$ID" >/dev/null
expect_eq "kill → 204" "$(status)" 204
if [ -e "$SD" ] || [ -e "$CG" ] || mountpoint -q "$SD/disk" 2>/dev/null; then
	notok "kill leaves nothing" "$(ls -d "$SD" "$CG" 2>&1)"
else
	ok "kill leaves nothing (state dir, cgroup, mount)"
fi

# --- autoPauseMemory: false ------------------------------------------------------------
create '{"templateID":"base","timeout":2,"autoPause":true,"autoPauseMemory":false}' || { notok "create (autoPauseMemory)" "$CREATED"; exit 1; }
wait_until 15 is_state "$ID" paused
expect_eq "the timeout paused it" "$(state_of "$ID")" paused
expect_eq "filesystem only" "$(jq -r .pausedDisk "$STATE/sandboxes/$ID.json")" true
api POST "/v2/sandboxes/$ID/connect" '{"timeout":60}' >/dev/null
expect_eq "connect → 201" "$(status)" 201
expect_eq "it answers" "$(run "$ID" "$TOK" 'echo up')" up
api DELETE "/sandboxes/$ID" >/dev/null

# --- one qemu case -------------------------------------------------------------------------
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "qemu: a filesystem-only pause" "qemu-system-x86_64 missing"
else
	create '{"templateID":"code-interpreter","runtime":"qemu","timeout":900,"envVars":{"VMLIFE":"env after boot"}}' ||
		{ notok "create a qemu sandbox" "$CREATED"; exit 1; }
	run "$ID" "$TOK" 'echo on the vm disk > /home/user/vm.txt; sync' >/dev/null
	BOOT0=$(run "$ID" "$TOK" 'cat /proc/sys/kernel/random/boot_id')
	api POST "/sandboxes/$ID/pause" '{"memory":false}' >/dev/null
	expect_eq "qemu: pause {memory: false} → 204" "$(status)" 204
	expect_eq "qemu: no memory kept" "$(ls "$STATE/sandboxes/$ID/pause/state" 2>/dev/null | wc -l)" 0
	api POST "/v2/sandboxes/$ID/connect" '{"timeout":900}' >/dev/null
	expect_eq "qemu: connect (a cold boot of its disk) → 201" "$(status)" 201
	expect_eq "qemu: the file survived" "$(px "$ID" "$TOK" GET "/files?path=/home/user/vm.txt")" "on the vm disk"
	BOOT1=$(run "$ID" "$TOK" 'cat /proc/sys/kernel/random/boot_id')
	if [ -n "$BOOT1" ] && [ "$BOOT1" != "$BOOT0" ]; then ok "qemu: a new boot"; else notok "qemu: a new boot" "[$BOOT0] → [$BOOT1]"; fi
	expect_eq "qemu: the booted agent got the sandbox's env (and token) by /init" "$(run "$ID" "$TOK" 'echo $VMLIFE')" "env after boot"
	expect_eq "qemu: its hostname is the sandbox's" "$(run "$ID" "$TOK" hostname)" "$ID"
	api DELETE "/sandboxes/$ID" >/dev/null
	expect_eq "qemu: kill → 204" "$(status)" 204
fi
done_testing
