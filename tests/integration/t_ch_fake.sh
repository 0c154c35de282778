#!/usr/bin/env bash
# The ch driver against the fake cloud-hypervisor (tests/fake-ch): the real
# binary cannot run here (no usable KVM, no download), so these checks prove
# the driver speaks the documented API, schema, order and hybrid vsock, and
# that the fake refuses what the real VMM refuses, with the driver turning
# each refusal into a clear message.  The fake's guest is sbx-agent run on
# the host in the sandbox's network namespace: guest memory and processes do
# not survive its snapshots (it cannot check that).
. "$(dirname "$0")/lib.sh"

FAKE=$TOOLS/../fake-ch/fake_cloud_hypervisor
DRIVE=$TOOLS/ch-drive
VMNET=$TOOLS/sbx-vmnet
[ -x "$FAKE" ] || { notok "the fake is built" "no $FAKE (make all)"; done_testing; exit 1; }
export FAKE_CH_AGENT=$AGENT

W=$SCRATCH/w
mkdir -p "$W/vm"
echo kernel >"$W/bzImage"
echo initrd >"$W/initrd"
truncate -s 64M "$W/base.raw"
qemu-img create -q -f qcow2 -F raw -b "$W/base.raw" "$W/disk.qcow2"
ID=cht$$
ADDR=$("$VMNET" create "$W/vm" "$ID" --no-internet) || { notok "vm_net for the fake" "$ADDR"; done_testing; exit 1; }
NS=$W/vm/netns
FAKES=()
cleanup_fakes() {
	local p
	for p in "${FAKES[@]}"; do stop_pid "$p" KILL 2; done
	"$VMNET" destroy "$W/vm" >/dev/null 2>&1
}
at_done cleanup_fakes
trap 'cleanup_fakes; cleanup' EXIT

# start_fake DIR [ENV...]: a fresh VMM on DIR/api.sock in the namespace; FPID
start_fake() {
	local dir=$1; shift
	rm -f "$dir/api.sock"
	env "$@" nsenter --net="$NS" "$FAKE" --api-socket "path=$dir/api.sock" 2>>"$dir/vmm.log" &
	FPID=$!
	FAKES+=("$FPID")
	wait_until 5 test -S "$dir/api.sock"
}
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" | cut -c1)" = Z ]; }

A=$W/a
mkdir -p "$A"
start_fake "$A" || notok "the fake starts" "$(cat "$A/vmm.log")"
API=$A/api.sock
expect_match "vmm.ping gives the version" "$("$DRIVE" "$API" ping 2>&1)" '^53\.0 '

# --- order and schema ------------------------------------------------------------
out=$("$DRIVE" "$API" boot 2>&1)
expect_match "boot before create: refused, one clear message" "$out" \
	'^cloud-hypervisor refused vm\.boot: Error booting VM; VM is not created \(HTTP 404\); check that'
out=$("$DRIVE" "$API" raw PUT vm.create '{"payload":{"kernel":"/k"},"disks":[{"path":"/d"}]}')
expect_match "a disk without image_type: 400" "$out" '^400 .*no image_type'
out=$("$DRIVE" "$API" raw PUT vm.create '{"payload":{"kernel":"/k"},"cpus":{"boot_vcpus":1,"max_vcpus":1},"vcpus":2}')
expect_match "an unknown top-level field: 400 as serde says it" "$out" '^400 .*unknown field `vcpus`'
out=$("$DRIVE" "$API" raw PUT vm.create '{"cpus":{"boot_vcpus":1}}')
expect_match "required fields (payload, max_vcpus): 400" "$out" '^400 .*missing field'
out=$("$DRIVE" "$API" raw GET vm.boot)
expect_match "GET on an action: 400" "$out" '^400 '

# The driver's VmConfig, with a qcow2 overlay that has a backing file.
CMD="console=ttyS0 sbx.token=tok123"
"$DRIVE" "$API" create "$W/bzImage" "$W/initrd" "$CMD" "$W/disk.qcow2" "$A/serial.log" "$A/vsock.sock" 64 \
	&& ok "vm.create takes the driver's VmConfig" || notok "vm.create takes the driver's VmConfig" "see $A/vmm.log"
expect_eq "vm.info: Created" "$("$DRIVE" "$API" state 2>&1)" Created
"$DRIVE" "$API" boot && ok "vm.boot" || notok "vm.boot" "$(tail -3 "$A/vmm.log")"
out=$("$DRIVE" "$API" boot 2>&1)
expect_match "boot only once" "$out" 'refused vm\.boot: Error booting VM; VM is already booted \(HTTP 500\)'
expect_eq "vm.info: Running" "$("$DRIVE" "$API" state 2>&1)" Running

# --- the guest: hybrid vsock and the namespace's DNAT ---------------------------------
"$DRIVE" "$A/vsock.sock" health && ok "the agent answers /health through hybrid vsock" \
	|| notok "the agent answers /health through hybrid vsock" "$(tail -5 "$A/serial.log")"
vs() { /usr/bin/python3 - "$A/vsock.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode())
try:
    d = s.recv(64)
except socket.timeout:
    d = b'TIMEOUT'
except ConnectionResetError:
    d = b''
print(repr(d))
PY
}
expect_match "vsock: the keyword in any case" "$(vs 'connect 49983\n')" "^b'OK [0-9]+\\\\n'"
expect_eq "vsock: nothing listening on the port: closed without OK" "$(vs 'CONNECT 7\n')" "b''"
expect_eq "vsock: a command over 32 bytes: closed" "$(vs 'CONNECT 49983                            \n')" "b''"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://${ADDR#tcp:}/health")
expect_match "the agent answers through vm_net's DNAT ($ADDR)" "$code" '^2'
expect_match "the guest's serial file holds the agent's log" "$(cat "$A/serial.log")" 'agent: listening on tcp:127\.0\.0\.1:49983'

# --- snapshot rules ------------------------------------------------------------------
mkdir -p "$W/snap"
out=$("$DRIVE" "$API" snapshot "$W/snap" 2>&1)
expect_match "snapshot while running: refused with what to do" "$out" \
	'^cloud-hypervisor refused vm\.snapshot: Error snapshotting VM; Trying to snapshot while VM is running \(HTTP 500\); the VM must be paused'
out=$("$DRIVE" "$API" resume 2>&1)
expect_match "resume while running: 405" "$out" 'refused vm\.resume: .*\(HTTP 405\)'
"$DRIVE" "$API" pause && ok "vm.pause" || notok "vm.pause" "$(tail -3 "$A/vmm.log")"
expect_eq "vm.info: Paused" "$("$DRIVE" "$API" state 2>&1)" Paused
out=$("$DRIVE" "$API" snapshot "$W/nosuchdir" 2>&1)
expect_match "snapshot into a missing directory: refused" "$out" 'refused vm\.snapshot: .*does not exist'
"$DRIVE" "$API" snapshot "$W/snap" && ok "vm.snapshot when paused" || notok "vm.snapshot when paused" "$(tail -3 "$A/vmm.log")"
expect_eq "memory-ranges is memory.size bytes" "$(stat -c %s "$W/snap/memory-ranges" 2>&1)" $((64 << 20))
expect_match "config.json is the VM's config" "$(cat "$W/snap/config.json")" "\"file\": \"$A/serial.log\""
out=$("$DRIVE" "$API" restore "$W/snap" 2>&1)
expect_match "restore into a VMM holding a VM: refused, with what to do" "$out" \
	'^cloud-hypervisor refused vm\.restore: Error restoring VM; VM is already created \(HTTP 404\); the snapshot must come from'
"$DRIVE" "$API" vmm-shutdown && ok "vmm.shutdown" || notok "vmm.shutdown" "$(tail -3 "$A/vmm.log")"
wait_until 5 gone "$FPID" && ok "the VMM exits on vmm.shutdown" || notok "the VMM exits on vmm.shutdown" "pid $FPID"
expect_eq "its vsock socket is gone" "$(ls "$A/vsock.sock" 2>&1 >/dev/null | grep -c 'No such')" 1

# --- a clone: a patched copy, restored into a fresh VMM -------------------------------------
B=$W/b
mkdir -p "$B"
qemu-img create -q -f qcow2 -F qcow2 -b "$W/disk.qcow2" "$B/disk.qcow2"
"$DRIVE" - clone "$W/snap" "$B/restore" "$B/disk.qcow2" "$B/vsock.sock" "$B/serial.log" \
	&& ok "the snapshot copied for a clone" || notok "the snapshot copied for a clone" "see above"
expect_eq "memory-ranges hard-linked, not copied" "$(stat -c %i "$B/restore/memory-ranges")" "$(stat -c %i "$W/snap/memory-ranges")"
start_fake "$B"
"$DRIVE" "$B/api.sock" restore "$B/restore" && ok "vm.restore of the patched copy (v53: resume in the body)" \
	|| notok "vm.restore of the patched copy" "$(tail -3 "$B/vmm.log")"
expect_eq "the clone runs" "$("$DRIVE" "$B/api.sock" state 2>&1)" Running
"$DRIVE" "$B/vsock.sock" health && ok "the clone's agent answers on the clone's vsock socket" \
	|| notok "the clone's agent answers on the clone's vsock socket" "$(tail -3 "$B/serial.log")"
expect_match "the clone's vm.restore body (v53): mode and resume" "$(grep 'vm.restore' "$B/vmm.log")" \
	'"memory_restore_mode":"(OnDemand|Copy)","resume":true\} -> 204'
"$DRIVE" "$B/api.sock" vmm-shutdown >/dev/null
wait_until 5 gone "$FPID" || notok "the clone's VMM exits" "pid $FPID"

# --- v51: no memory_restore_mode / resume; the driver resumes itself --------------------
C=$W/c
mkdir -p "$C"
"$DRIVE" - clone "$W/snap" "$C/restore" "$B/disk.qcow2" "$C/vsock.sock" "$C/serial.log"
start_fake "$C" FAKE_CH_VERSION=51.0.0
out=$("$DRIVE" "$C/api.sock" raw PUT vm.restore "{\"source_url\":\"file://$C/restore\",\"resume\":true}")
expect_match "v51 refuses v52's resume field (400)" "$out" '^400 .*unknown field `resume`'
"$DRIVE" "$C/api.sock" restore "$C/restore" && ok "restore on v51 (plain body, then vm.resume)" \
	|| notok "restore on v51" "$(tail -3 "$C/vmm.log")"
expect_match "v51: the driver's body has neither field" "$(grep 'vm.restore' "$C/vmm.log" | tail -1)" \
	'\{"source_url":"file://[^"]*"\} -> 204'
expect_eq "the v51 clone runs" "$("$DRIVE" "$C/api.sock" state 2>&1)" Running
"$DRIVE" "$C/api.sock" vmm-shutdown >/dev/null
wait_until 5 gone "$FPID" || notok "the v51 VMM exits" "pid $FPID"

# A leftover vsock socket (a killed VMM's) makes a restore fail: why the driver unlinks it.
D=$W/d
mkdir -p "$D"
"$DRIVE" - clone "$W/snap" "$D/restore" "$B/disk.qcow2" "$D/vsock.sock" "$D/serial.log"
/usr/bin/python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$D/vsock.sock"
start_fake "$D"
out=$("$DRIVE" "$D/api.sock" restore "$D/restore" 2>&1)
expect_match "a stale vsock socket: restore refused, clearly" "$out" 'refused vm\.restore: Error restoring VM; .*binding .*vsock\.sock'
expect_eq "a refused restore leaves the VMM empty (restore allowed again)" "$("$DRIVE" "$D/api.sock" state 2>&1 | grep -c 'not created')" 1
"$DRIVE" "$D/api.sock" vmm-shutdown >/dev/null
wait_until 5 gone "$FPID" || notok "that VMM exits" "pid $FPID"

# --- nothing left ------------------------------------------------------------------------
left=$(for p in "${FAKES[@]}"; do gone "$p" || echo "$p"; done)
expect_eq "no VMM left" "$left" ""
expect_eq "no fake guest (sbx-agent in the namespace) left" "$(ip netns pids "$(basename "$NS")" 2>/dev/null; \
	for p in $(ls /proc | grep -E '^[0-9]+$'); do [ "$(readlink /proc/$p/ns/net 2>/dev/null)" = "$(stat -L -c 'net:[%i]' "$NS" 2>/dev/null)" ] && echo $p; done)" ""
"$VMNET" destroy "$W/vm" && ok "the namespace goes" || notok "the namespace goes" "see above"

# === through sbxd: sbx serve --runtime ch with the fake as cloud-hypervisor ================
. "$(dirname "$0")/sbxd_lib.sh"
sbxd_init
export SBX_CH_BINARY=$FAKE SBX_KVM=on
sbxd_start --runtime ch || { notok "sbx serve --runtime ch starts" "see the log above"; done_testing; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"
fakes_of() { for p in $(ls /proc | grep -E '^[0-9]+$'); do
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$FAKE")" ] && echo "$p"; done; }
kill_fakes() { local p; for p in $(fakes_of); do kill -9 "$p" 2>/dev/null; done; }
at_done kill_fakes
# A run that ends early: the ch sandboxes sbxd left, torn down by the driver.
ch_cleanup() {
	local st
	kill_fakes
	for st in "$STATE"/sandboxes/*/; do
		[ "$(jq -r .driver "$st/state.json" 2>/dev/null)" = ch ] && "$DRIVE" - destroy "$st" >/dev/null 2>&1
	done
	return 0
}
trap 'sbxd_cleanup; ch_cleanup; cleanup_fakes; cleanup' EXIT
BEFORE=$(fakes_of | wc -l)
create '{"templateID":"base","timeout":300}' || { notok "create on ch" "$(status): $CREATED"; done_testing; exit 1; }
ok "create on ch (booted snapshot, then a clone)"
SB=$(api GET "/sandboxes/$ID")
expect_eq "the sandbox's runtime is ch" "$(jq -r .runtime <<<"$SB")" ch
expect_eq "its accelerator is kvm" "$(jq -r .accel <<<"$SB")" kvm
SD=$STATE/sandboxes/$ID
expect_match "its VMM restored the clone from a patched copy" "$(grep -h 'vm.restore' "$SD"/vmm.log 2>/dev/null)" \
	"\"source_url\":\"file://$SD/restore\".* -> 204"
expect_eq "one VMM for it" "$(( $(fakes_of | wc -l) - BEFORE ))" 1
expect_eq "a command runs" "$(run "$ID" "$TOK" 'echo hello-ch')" hello-ch
F=$SCRATCH/ch-file.txt
px "$ID" "$TOK" POST "/files?path=$F" -F "file=@/etc/hostname" >/dev/null
expect_match "a file is written" "$(status)" '^20'
expect_eq "and read back" "$(px "$ID" "$TOK" GET "/files?path=$F")" "$(cat /etc/hostname)"
api POST "/sandboxes/$ID/pause" '{}' >/dev/null
expect_eq "pause: 204" "$(status)" 204
expect_eq "paused" "$(api GET "/sandboxes/$ID" | jq -r .state)" paused
expect_eq "paused: its VMM is gone" "$(( $(fakes_of | wc -l) - BEFORE ))" 0
expect_eq "paused: its snapshot is on disk" "$(ls "$SD/pause" 2>&1 | tr '\n' ' ')" "config.json memory-ranges state.json "
expect_eq "paused: no progress file left" "$(ls "$SD" | grep -c -x progress)" 0
expect_eq "paused: state.json says paused, no VMM pid" "$(jq -r '.status + " " + (.vmm.pid|tostring)' "$SD/state.json")" "paused 0"
api POST "/sandboxes/$ID/resume" '{}' >/dev/null
expect_eq "resume: 201" "$(status)" 201
expect_eq "running again" "$(api GET "/sandboxes/$ID" | jq -r .state)" running
expect_eq "a command runs after resume" "$(run "$ID" "$TOK" 'echo again')" again
expect_eq "the file is still there" "$(px "$ID" "$TOK" GET "/files?path=$F")" "$(cat /etc/hostname)"
expect_match "resumed by vm.restore from its pause snapshot" "$(grep -h 'vm.restore' "$SD"/vmm.log | tail -1)" \
	"file://$SD/pause.* -> 204"
# A filesystem-only pause (issue 12): the VMM goes with no snapshot; the
# resume boots the sandbox's disk in a fresh VMM (vm.create + vm.boot).
api POST "/sandboxes/$ID/pause" '{"memory":false}' >/dev/null
expect_eq "pause {memory: false}: 204" "$(status)" 204
expect_eq "disk-paused: its VMM is gone" "$(( $(fakes_of | wc -l) - BEFORE ))" 0
expect_eq "disk-paused: no memory snapshot kept" "$(ls -d "$SD/pause" 2>/dev/null)" ""
expect_eq "disk-paused: state.json says so" "$(jq -r '.status + " " + (.extra.disk_paused|tostring)' "$SD/state.json")" "paused true"
api POST "/v2/sandboxes/$ID/connect" '{}' >/dev/null
expect_eq "connect after it: 201" "$(status)" 201
expect_eq "a command runs after the cold boot" "$(run "$ID" "$TOK" 'echo booted')" booted
expect_eq "started by vm.create and vm.boot, not a restore" \
	"$(grep -hoE '/api/v1/vm\.(create|boot|restore) ' "$SD"/vmm.log | tail -2 | tr -d '\n')" "/api/v1/vm.create /api/v1/vm.boot "
NSF=$SD/netns
NSI=$(stat -L -c 'net:[%i]' "$NSF" 2>/dev/null)
api DELETE "/sandboxes/$ID" >/dev/null
expect_eq "kill: 204" "$(status)" 204
wait_until 10 test "$(fakes_of | wc -l)" -eq "$BEFORE" && ok "kill: no VMM left" || notok "kill: no VMM left" "$(fakes_of)"
left=$(for p in $(ls /proc | grep -E '^[0-9]+$'); do [ -n "$NSI" ] && [ "$(readlink /proc/$p/ns/net 2>/dev/null)" = "$NSI" ] && echo "$p"; done)
expect_eq "kill: nothing runs in its namespace" "$left" ""
expect_eq "kill: its state dir is gone" "$(ls -d "$SD" 2>/dev/null)" ""
expect_eq "kill: no mount of its namespace left" "$(grep -c "$ID" /proc/self/mountinfo)" 0

done_testing
