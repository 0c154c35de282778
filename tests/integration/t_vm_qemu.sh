#!/usr/bin/env bash
# The qemu runtime end to end through sbxd (TCG here): a code-interpreter
# sandbox cloned from the template's booted snapshot runs Python, files,
# commands and a PTY; pause → kill -9 sbxd → what a host reboot drops (its
# netns, its veth) → restart → resume keeps a Python variable, a file and a
# background process; kill leaves nothing behind
# (QEMU, veth, netns mount, disk, paused state).  The snapshot is built at
# most once per template (cached in $SBX_CACHE_DIR/vm/qemu) and never
# rebuilt by this test when it is cached.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sbxd_lib.sh"
sbxd_init
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 missing (apt-get install qemu-system-x86 qemu-utils)"
sbxd_template code-interpreter
QEMU_CACHE=${SBX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}/vm/qemu
snaps_before=$(ls -d "$QEMU_CACHE"/*/meta.json 2>/dev/null | wc -l)
sbxd_start || { notok "sbxd starts" "see above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"
rt=$(curl -s -m 5 "$API/health" | jq -r '.runtimes[] | select(.name == "qemu") | (.available|tostring) + " " + (.accel // "")')
expect_match "sbxd serves the qemu runtime" "$rt" '^true (tcg|kvm)$'

# The first create builds the snapshot when it is not cached (minutes under TCG).
t0=$(ms)
API_MAX_S=1500 create '{"templateID":"code-interpreter","runtime":"qemu","timeout":1800}' ||
	{ notok "create a qemu sandbox" "$(status): $CREATED"; exit 1; }
ok "create a qemu sandbox ($(( $(ms) - t0 )) ms, snapshot cached before: $snaps_before)"
SD=$STATE/sandboxes/$ID
SNAP=$(jq -r .snapshot "$SD/state.json")
VETHS=$(jq -r .net.veth "$SD/state.json")
SNAP_BUILT=$(jq -r .built_at "$SNAP/meta.json")
info=$(api GET "/sandboxes/$ID")
expect_eq "info: runtime qemu" "$(jq -r .runtime <<<"$info")" qemu

# --- Python, files, commands, a PTY ---------------------------------------------------
t0=$(ms)
expect_eq "Python: 1+1 in the clone" "$(cell "$ID" "$TOK" '1+1')" 2
echo "# first 1+1 after create: $(( $(ms) - t0 )) ms"
# The snapshot's warm-up left nothing a user sees: as in a fresh kernel, the
# next cell is In[2] and the warm-up's names (plt) are not defined.
first=$(px "$ID" "$TOK" POST /execute -H 'Content-Type: application/json' -d '{"code":"\"plt\" in dir()"}')
expect_eq "the clone's kernel counts from 1 (this is its 2nd cell)" \
	"$(jq -r 'select(.type == "number_of_executions") | .execution_count' <<<"$first")" 2
expect_eq "the warm-up's names are not in the clone's namespace" \
	"$(jq -r 'select(.type == "result") | .text' <<<"$first")" False
expect_eq "Python: a variable is set" "$(cell "$ID" "$TOK" 'x = 41; x')" 41
printf 'hello from the host\n' >"$SCRATCH/up.txt"
px "$ID" "$TOK" POST "/files?path=/home/user/up.txt" -F "file=@$SCRATCH/up.txt" >/dev/null
expect_eq "files: write → 200" "$(status)" 200
expect_eq "files: read it back" "$(px "$ID" "$TOK" GET "/files?path=/home/user/up.txt")" "hello from the host"
expect_eq "command: runs in the guest (its kernel, not the host's), named after the sandbox" \
	"$(run "$ID" "$TOK" 'uname -r | grep -c cloud; hostname')" "$(printf '1\n%s' "$ID")"
skew=$(( $(run "$ID" "$TOK" 'date +%s') - $(date +%s) ))
[ "${skew#-}" -le 5 ] && ok "the clone's clock was set by /init (skew ${skew} s)" || notok "clone's clock" "off by $skew s"
pty=$(URL=$API rpc_stream /process.Process/Start \
	'{"process":{"cmd":"/bin/bash","args":["-c","test -t 0 && echo pty-$((6*7))"]},"pty":{"size":{"cols":80,"rows":24}}}' \
	-H "E2b-Sandbox-Id: $ID" -H "X-Access-Token: $TOK" | grep '^0 ' | cut -d' ' -f2- | jq -rj '.event.data.pty // empty | @base64d')
expect_match "PTY: a terminal in the guest" "$pty" 'pty-42'
# The serial log is the guest's to write: `sbx logs` on a terminal shows an
# escape sequence from it as text; piped, the bytes stay as they are.
run "$ID" "$TOK" 'printf "\033]0;owned\007serial-marker\n" | sudo tee /dev/console >/dev/null' >/dev/null
has_marker() { "$SBX" logs "$ID" | grep -q serial-marker; }
wait_until 20 has_marker && ok "the guest's console reaches sbx logs" || notok "serial log in sbx logs" "no marker"
expect_match "sbx logs on a terminal: the guest's escape sequence is shown, not sent" \
	"$(script -qec "$SBX logs $ID" /dev/null | grep serial-marker | tr -d '\r')" '[?]]0;owned[?]serial-marker'
expect_eq "sbx logs piped: the bytes as the guest wrote them" "$("$SBX" logs "$ID" | grep -c $'\033]0;owned\007serial')" 1
run "$ID" "$TOK" 'echo kept > $HOME/keep.txt; nohup bash -c "while :; do date +%s%N > /tmp/counter; sleep 0.2; done" >/dev/null 2>&1 &' >/dev/null
counting() { [ -n "$(run "$ID" "$TOK" 'cat /tmp/counter 2>/dev/null')" ]; }
wait_until 20 counting && ok "a background process runs" || notok "background process" "no /tmp/counter"

# --- pause → kill -9 sbxd → restart → resume -----------------------------------------
qpid=$(jq -r .vmm.pid "$SD/state.json")
t0=$(ms)
api POST "/sandboxes/$ID/pause" '{}' >/dev/null
expect_eq "pause → 204" "$(status)" 204
paused() { [ "$(api GET "/sandboxes/$ID" | jq -r .state)" = paused ]; }
wait_until 600 paused && ok "paused ($(( $(ms) - t0 )) ms)" || notok "paused" "$(api GET "/sandboxes/$ID")"
qemu_gone() { ! kill -0 "$qpid" 2>/dev/null; }
wait_until 10 qemu_gone && ok "paused: its QEMU is gone" || notok "paused: QEMU gone" "pid $qpid still runs"
[ -s "$SD/pause/state" ] && ok "paused: the VM's state is on disk ($(du -h "$SD/pause/state" | cut -f1))" || notok "pause/state" "missing"
counter1=$(jq -r .status "$SD/state.json")
expect_eq "paused: the driver's record says so" "$counter1" paused

sbxd_stop KILL
expect_eq "sbxd killed with -9" "$SBXD_RC" 137
# What a host reboot takes from a paused VM sandbox: its network namespace
# (the bind mount) and its veth; its files stay.  Resume builds them again.
umount "$SD/netns"; ip link del "$VETHS" 2>/dev/null   # (gone with the namespace when nothing else held it)
! grep -q "$SD/netns" /proc/mounts && ! ip link show "$VETHS" >/dev/null 2>&1 \
	&& ok "host reboot simulated: netns mount and veth gone" || notok "simulate a reboot" "$(grep "$SD" /proc/mounts)"
sbxd_start || { notok "sbxd restarts" "see above"; exit 1; }
expect_eq "after the restart it is listed paused" "$(api GET "/sandboxes/$ID" | jq -r .state)" paused
t0=$(ms)
out=$(api POST "/v2/sandboxes/$ID/connect" '{"timeout":1800}')
expect_eq "connect resumes it → 201" "$(status)" 201
running() { [ "$(api GET "/sandboxes/$ID" | jq -r .state)" = running ]; }
wait_until 600 running && ok "resumed ($(( $(ms) - t0 )) ms)" || notok "resumed" "$(api GET "/sandboxes/$ID")"
expect_eq "resumed: the Python variable survived" "$(cell "$ID" "$TOK" 'x + 1')" 42
expect_eq "resumed: the file survived" "$(run "$ID" "$TOK" 'cat $HOME/keep.txt')" kept
c1=$(run "$ID" "$TOK" 'cat /tmp/counter')
counts_on() { [ "$(run "$ID" "$TOK" 'cat /tmp/counter')" != "$c1" ]; }
wait_until 20 counts_on && ok "resumed: the background process counts on" || notok "background process survives" "$c1"
[ ! -e "$SD/pause" ] && ok "resumed: pause/ removed" || notok "pause/ removed" "$(ls "$SD/pause")"
VETHS="$VETHS $(jq -r .net.veth "$SD/state.json")"   # its new one (the old block may be taken)

# --- a second clone from the cached snapshot -----------------------------------------
t0=$(ms)
A=$ID TA=$TOK
create '{"templateID":"code-interpreter","runtime":"qemu","timeout":600}' || notok "second create" "$(status): $CREATED"
ID2=$ID TOK2=$TOK ID=$A TOK=$TA
VETHS="$VETHS $(jq -r .net.veth "$STATE/sandboxes/$ID2/state.json")"
expect_eq "a second clone answers 1+1" "$(cell "$ID2" "$TOK2" '1+1')" 2
echo "# second clone: create → first 1+1 $(( $(ms) - t0 )) ms"
expect_eq "the second clone has its own Python (x is not defined)" \
	"$(cell "$ID2" "$TOK2" "'x' in globals()")" False
api DELETE "/sandboxes/$ID2" >/dev/null
expect_eq "kill the second clone → 204" "$(status)" 204

# --- kill: nothing left behind -------------------------------------------------------
qpid=$(jq -r .vmm.pid "$SD/state.json")
api DELETE "/sandboxes/$ID" >/dev/null
expect_eq "kill → 204" "$(status)" 204
gone() { [ ! -e "$SD/disk.qcow2" ] && ! kill -0 "$qpid" 2>/dev/null; }
wait_until 30 gone && ok "killed: QEMU and the disk are gone" || notok "killed: QEMU and disk gone" "$(ls "$SD" 2>&1)"
expect_eq "killed: no QEMU runs for its state dir" "$(pgrep -f "$SD/" | wc -l)" 0
expect_eq "killed: no netns mount left" "$(grep -c "$STATE/sandboxes" /proc/mounts)" 0
left=; for v in $VETHS; do ip link show "$v" >/dev/null 2>&1 && left="$left $v"; done
expect_eq "killed: no veth of theirs left ($VETHS)" "$left" ""
expect_eq "killed: no paused state or disk left" "$(find "$STATE/sandboxes" \( -name disk.qcow2 -o -name pause -o -name state \) 2>/dev/null | wc -l)" 0
expect_eq "the booted snapshot was built at most once (not rebuilt)" "$(jq -r .built_at "$SNAP/meta.json")" "$SNAP_BUILT"
expect_eq "one snapshot more at most" "$(( $(ls -d "$QEMU_CACHE"/*/meta.json | wc -l) - snaps_before <= 1 ))" 1
done_testing
