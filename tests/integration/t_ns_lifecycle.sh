#!/usr/bin/env bash
# ns runtime lifecycle: pause stops everything and resume brings it back with
# files, processes and a kernel's variables intact; a sandbox outlives the
# kill -9 of the process that created it and is adopted from its state dir;
# a sandbox whose agent died is adopted as dead and destroyed cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ns_lib.sh"
ns_init

# execute ST CODE: the main result's text of a code-interpreter cell.
execute() {
	curl -s -N -m 60 --unix-socket "$(ns_sock "$1")" -H "X-Access-Token: $NS_TOKEN" \
		-H 'Content-Type: application/json' --data-binary "$(jq -cn --arg c "$2" '{code:$c}')" \
		http://sbx/execute | jq -r -s '[.[] | select(.type == "result" and .is_main_result)][0].text // "none"'
}
counter() { cat "/proc/$(ns_pid "$1")/root/tmp/counter" 2>/dev/null; }

# --- pause / resume -----------------------------------------------------------
ns_create life --memory 256 --disk 128 || { notok "create life" "see above"; exit 1; }
L=$ST
r=$(ns_run "$L" 'echo kept > $HOME/keep; nohup bash -c "i=0; while :; do i=\$((i+1)); echo \$i > /tmp/counter; sleep 0.1; done" >/dev/null 2>&1 & echo $!')
BGPID=$(printf '%s\n' "$r" | ns_out)
expect_eq "a kernel variable is set" "$(execute "$L" 'x = 41; x')" 41
counting() { [ -n "$(counter "$L")" ]; }
wait_until 10 counting
[ -n "$(counter "$L")" ] && ok "a background process runs (counter $(counter "$L"))" || notok "background counter" "no /tmp/counter"

t0=$(date +%s%N)
if out=$("$RT" pause "$L" 2>&1); then ok "pause ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"; else notok "pause" "$out"; fi
c1=$(counter "$L"); sleep 1; c2=$(counter "$L")
expect_eq "paused: the counter stands still" "$c2" "$c1"
expect_eq "paused: the agent does not answer" "$(ns_health "$L" 1)" 000
expect_eq "paused: still alive for the runtime" "$("$RT" adopt "$L" | cut -d' ' -f2)" alive
if out=$("$RT" resume "$L" 2>&1); then ok "resume"; else notok "resume" "$out"; fi
expect_eq "resumed: the agent answers" "$(ns_health "$L" 5)" 204
counts_on() { [ "$(counter "$L")" -gt "${c2:-0}" ] 2>/dev/null; }
wait_until 10 counts_on
c3=$(counter "$L")
[ "${c3:-0}" -gt "${c2:-0}" ] && ok "resumed: the same process counts on ($c2 -> $c3)" || notok "counter resumes" "$c2 -> $c3"
r=$(ns_run "$L" "cat \$HOME/keep; kill -0 $BGPID && echo running")
expect_eq "resumed: the file and the process are still there" "$(printf '%s\n' "$r" | ns_out | tr '\n' ' ')" "kept running "
expect_eq "resumed: the kernel's variable survived" "$(execute "$L" 'x + 1')" 42
ns_snapshot "$L"
"$RT" pause "$L" >/dev/null
if out=$("$RT" destroy "$L" 2>&1); then ok "destroy a paused sandbox"; else notok "destroy a paused sandbox" "$out"; fi
ns_no_leak life "$L"

# --- the creator dies ---------------------------------------------------------
ST=$NS_ROOT/orphan
"$RT" create --template "$NS_TEMPLATE" --state "$ST" --id "orphan$NS_SUFFIX" --token "$NS_TOKEN" \
	--agent "$AGENT" --memory 256 --hold >"$SCRATCH/hold.out" 2>&1 &
HOLD=$!
disown $HOLD    # no "Killed" job notice for the kill -9 below
for i in $(seq 1 100); do [ -s "$SCRATCH/hold.out" ] && break; sleep 0.05; done
ns_wait_health "$ST" || notok "orphan's agent answers" "$(cat "$SCRATCH/hold.out")"
kill -9 $HOLD
for i in $(seq 1 100); do kill -0 $HOLD 2>/dev/null || break; sleep 0.05; done
O=$ST
expect_eq "after kill -9 of its creator the sandbox is adopted alive" \
	"$("$RT" adopt "$O")" "unix:$O/disk/run/agent.sock alive"
expect_eq "and its agent answers" "$(ns_health "$O")" 204
r=$(ns_run "$O" 'echo works')
expect_eq "and runs commands" "$(printf '%s\n' "$r" | ns_out)" works
"$RT" stats "$O" >/dev/null && ok "stats of an adopted sandbox" || notok "stats of an adopted sandbox" "failed"
ns_snapshot "$O"
"$RT" destroy "$O" && ok "destroy an adopted sandbox" || notok "destroy an adopted sandbox" "failed"
ns_no_leak orphan "$O"

# --- the agent dies -----------------------------------------------------------
ns_create dies --memory 256 --disk 64 || { notok "create dies" "see above"; exit 1; }
X=$ST
ns_snapshot "$X"
kill -9 "$(ns_pid "$X")"
for i in $(seq 1 100); do ns_gone "$SNAP_PID" && break; sleep 0.05; done
expect_eq "a sandbox whose agent was killed is adopted as dead" "$("$RT" adopt "$X" | cut -d' ' -f2)" dead
expect_match "pausing it is a clear error" "$("$RT" pause "$X" 2>&1)" 'not running'
if out=$("$RT" destroy "$X" 2>&1); then ok "destroy a dead sandbox"; else notok "destroy a dead sandbox" "$out"; fi
ns_no_leak dies "$X"
done_testing
