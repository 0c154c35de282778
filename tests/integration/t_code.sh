#!/usr/bin/env bash
# The code interpreter: /execute (NDJSON from real ipykernel kernels) and
# /contexts, against an agent that pre-starts its default Python kernel.
# (Both agents' sanitizer reports: done_testing's scan.)
. "$(dirname "$0")/lib.sh"
start_agent || exit 1

OUT=$SCRATCH/.out
NDJSON_BAD=0

# run JSON [CURL_ARGS...]: NDJSON in $OUT, HTTP status on stdout.
run() {
	local json=$1; shift
	curl -s -N -m 120 -o "$OUT" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$json" "$@" "$URL/execute"
}
# runto FILE JSON: like run, NDJSON into FILE (for cells run in the background).
runto() {
	curl -s -N -m 120 -o "$1" -H 'Content-Type: application/json' --data-binary "$2" "$URL/execute"
}
# py CODE: runs CODE in the default context; pyin CONTEXT CODE: in CONTEXT.
py() { run "$(jq -cn --arg c "$1" '{code:$c}')" >/dev/null; check_ndjson; }
pyin() { run "$(jq -cn --arg c "$2" --arg x "$1" '{code:$c,context_id:$x}')" >/dev/null; check_ndjson; }
# Every response: non-empty lines, each a JSON object with a type, the last
# one end_of_execution.
check_ndjson() {
	if grep -q '^$' "$OUT" || ! jq -e -s 'all(type == "object" and has("type")) and
			(.[-1].type == "end_of_execution") and ([.[] | select(.type == "end_of_execution")] | length == 1)' \
			"$OUT" >/dev/null 2>&1 || [ -n "$(tail -c1 "$OUT")" ]; then
		NDJSON_BAD=$((NDJSON_BAD + 1))
		echo "# bad NDJSON response:"; sed 's/^/#   /' "$OUT" | head -20
	fi
}
q() { jq -r -s "$1" "$OUT"; }
main_text() { q '[.[] | select(.type == "result" and .is_main_result)][0].text // "none"'; }
stdout_text() { q '[.[] | select(.type == "stdout") | .text] | join("")'; }
# post PATH [CURL_ARGS...]: status on stdout, body in $SCRATCH/.body
req() {
	local path=$1; shift
	curl -s -m 60 -o "$SCRATCH/.body" -w '%{http_code}' "$@" "$URL$path"
}
body() { cat "$SCRATCH/.body"; }

# --- basics -------------------------------------------------------------------
st=$(run '{"code":"print(\"hello\")"}'); check_ndjson
expect_eq "print: status 200" "$st" 200
expect_eq "print: stdout line" "$(stdout_text)" "hello"
expect_match "print: stdout has a timestamp" "$(q '[.[] | select(.type == "stdout")][0].timestamp')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
expect_eq "print: no results" "$(q '[.[] | select(.type == "result")] | length')" 0

py '1+1'
expect_eq "1+1: main result text" "$(main_text)" 2
expect_eq "1+1: result line" "$(q '[.[] | select(.type == "result")][0] | [.is_main_result, .extra] | tostring')" '[true,{}]'
n1=$(q '[.[] | select(.type == "number_of_executions")][0].execution_count')
py '2+2'
n2=$(q '[.[] | select(.type == "number_of_executions")][0].execution_count')
expect_eq "execution count increments" "$((n1 + 1))" "$n2"

py 'import sys; print("oops", file=sys.stderr)'
expect_eq "stderr line" "$(q '[.[] | select(.type == "stderr") | .text] | join("")')" "oops"

py 'sbx_state = 40'
py 'sbx_state += 2
sbx_state'
expect_eq "state kept across cells" "$(main_text)" 42
py '"abc"'
expect_eq "string result has its quotes stripped (E2B quirk)" "$(main_text)" abc

py 'def boom():
    raise ValueError("bad value")
print("before")
boom()'
expect_eq "exception: exactly one error line" "$(q '[.[] | select(.type == "error")] | length')" 1
expect_eq "exception: name/value" "$(q '[.[] | select(.type == "error")][0] | .name + ": " + .value')" "ValueError: bad value"
expect_match "exception: traceback joined with newlines" "$(q '[.[] | select(.type == "error")][0].traceback')" 'boom\(\)'
expect_eq "exception: no ANSI colours" "$(q '[.[] | select(.type == "error")][0].traceback | test("\u001b")')" false
expect_eq "exception: output before it kept" "$(stdout_text)" "before"

# --- env_vars: that cell only, values never pasted into code -------------------
val='it'\''s "quoted" \ and ünï'
run "$(jq -cn --arg v "$val" '{code:"import os\nprint(os.environ[\"SBX_T_VAR\"], end=\"\")", env_vars:{SBX_T_VAR:$v}}')" >/dev/null; check_ndjson
expect_eq "env_vars: no error" "$(q '[.[] | select(.type == "error")] | map(.value) | tostring')" "[]"
expect_eq "env_vars: visible in the cell, byte for byte" "$(stdout_text)" "$val"
py 'import os
str(os.environ.get("SBX_T_VAR"))'
expect_eq "env_vars: gone in the next cell" "$(main_text)" None
st=$(run '{"code":"1","env_vars":{"A":1}}')
expect_eq "env_vars: non-string value is 400" "$st" 400

# the global environment (/init envVars) reaches a kernel started before it
st=$(req /init -X POST -H 'Content-Type: application/json' -d '{"envVars":{"SBX_GLOBAL":"g1"}}')
expect_eq "/init accepted" "$st" 204
py 'import os
os.environ.get("SBX_GLOBAL")'
expect_eq "global env from /init visible in the running kernel" "$(main_text)" g1
run '{"code":"import os\nos.environ.get(\"SBX_GLOBAL\")","env_vars":{"SBX_GLOBAL":"local"}}' >/dev/null; check_ndjson
expect_eq "env_vars override the global env for one cell" "$(main_text)" local
py 'import os
os.environ.get("SBX_GLOBAL")'
expect_eq "global value back after that cell" "$(main_text)" g1

# --- rich results -----------------------------------------------------------------
py 'import matplotlib.pyplot as plt
plt.figure(figsize=(6, 4))
plt.bar(["A", "B", "C"], [1, 3, 2], label="Sold")
plt.title("Sales")
plt.show()'
expect_eq "chart: one non-main result" "$(q '[.[] | select(.type == "result") | .is_main_result] | tostring')" '[false]'
expect_match "chart: png is a base64 PNG" "$(q '[.[] | select(.type == "result")][0].png // "" | .[0:12]')" '^iVBORw0KGgo'
expect_eq "chart: e2b chart of type bar" "$(q '[.[] | select(.type == "result")][0].chart.type // "none"')" bar
expect_eq "chart: bar values" "$(q '[.[] | select(.type == "result")][0].chart.elements // [] | map(.value) | tostring')" '[1,3,2]'

py 'import pandas as pd
pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})'
expect_match "DataFrame: html table" "$(q '[.[] | select(.type == "result" and .is_main_result)][0].html // ""')" '<table'
expect_eq "DataFrame: data as column lists" "$(q '[.[] | select(.type == "result" and .is_main_result)][0].data | tostring')" '{"a":[1,2,3],"b":["x","y","z"]}'

# --- keepalive and interrupts --------------------------------------------------------
py 'import time; time.sleep(6); print("woke")'
expect_match "keepalive during 6 s of silence" "$(q '[.[] | .type] | join(",")')" 'keepalive.*stdout|keepalive'
expect_eq "keepalive: output still arrives" "$(stdout_text)" woke

run '{"code":"import time\ntime.sleep(30)"}' --max-time 2 >/dev/null
t0=$(date +%s)
py 'import sys
sys.last_type.__name__'
t1=$(date +%s)
expect_eq "client disconnect interrupts the cell (KeyboardInterrupt)" "$(main_text)" KeyboardInterrupt
# The agent learns of a vanished client when a keepalive write fails (as in
# E2B), so the interrupt lands within ~10 s, long before the sleep's 30 s.
if [ $((t1 - t0)) -lt 15 ]; then ok "next cell runs promptly after a disconnect ($((t1 - t0)) s)"
else notok "next cell runs promptly after a disconnect" "took $((t1 - t0)) s"; fi

# --- contexts ------------------------------------------------------------------------------
st=$(req /contexts -X POST -H 'Content-Type: application/json' -d '{"cwd":"/tmp"}')
ctx=$(body | jq -r .id)
expect_eq "POST /contexts" "$st $(body | jq -c '[.language, .cwd]')" '200 ["python","/tmp"]'
st=$(req /contexts)
expect_eq "GET /contexts lists it" "$st $(body | jq --arg id "$ctx" '[.[] | select(.id == $id)] | length')" "200 1"
expect_eq "GET /contexts lists the default python context" "$(body | jq '[.[] | select(.language == "python")] | length >= 2')" true
pyin "$ctx" 'import os
os.getcwd()'
expect_eq "context cwd is the kernel's cwd" "$(main_text)" /tmp
pyin "$ctx" 'ctx_secret = 7'
pyin "$ctx" 'ctx_secret'
expect_eq "context keeps its own state" "$(main_text)" 7
py 'ctx_secret'
expect_eq "default context is isolated from it" "$(q '[.[] | select(.type == "error")][0].name')" NameError
st=$(req /contexts -X POST -d '{}')
ctx2=$(body | jq -r .id)
pyin "$ctx2" 'ctx_secret'
expect_eq "second context is isolated" "$(q '[.[] | select(.type == "error")][0].name')" NameError

st=$(req "/contexts/$ctx/restart" -X POST)
expect_eq "restart: 200 null" "$st $(body)" "200 null"
pyin "$ctx" 'ctx_secret'
expect_eq "restart: state lost" "$(q '[.[] | select(.type == "error")][0].name')" NameError
pyin "$ctx" '3*3'
expect_eq "restart: context usable" "$(main_text)" 9

st=$(req "/contexts/$ctx2" -X DELETE)
expect_eq "DELETE context: 200 null" "$st $(body)" "200 null"
st=$(req "/contexts/$ctx2" -X DELETE)
expect_eq "DELETE again: 404" "$st $(body)" "404 Context $ctx2 not found"
st=$(run "$(jq -cn --arg x "$ctx2" '{code:"1",context_id:$x}')")
expect_eq "execute in a deleted context: 404" "$st $(cat "$OUT")" "404 Context $ctx2 not found"
st=$(req "/contexts/$ctx2/restart" -X POST)
expect_eq "restart a deleted context: 404" "$st" 404
st=$(req /contexts)
expect_eq "deleted context not listed" "$(body | jq --arg id "$ctx2" '[.[] | select(.id == $id)] | length')" 0

run '{"code":"import sys\nsys.version_info[0] + 40","language":" Python "}' >/dev/null; check_ndjson
expect_eq "language selects (normalised) python" "$(main_text)" 43

# --- queueing, restart and delete while cells run ---------------------------------------
st=$(req /contexts -X POST -d '{}')
ctx3=$(body | jq -r .id)
# wait_out FILE TEXT: until the cell streaming into FILE printed TEXT (20 s).
out_has() { jq -r -s '[.[] | select(.type == "stdout") | .text] | join("")' "$1" 2>/dev/null | grep -q "$2"; }
wait_out() { wait_until 20 out_has "$1" "$2" || echo "# no '$2' from the cell in $1: $(head -c 300 "$1" 2>/dev/null)"; }
runto "$SCRATCH/.q1" "$(jq -cn --arg x "$ctx3" '{code:"import time\nprint(\"started\", flush=True)\ntime.sleep(2)\nprint(\"first\")\nq_flag = \"second\"",context_id:$x}')" &
q1=$!
wait_out "$SCRATCH/.q1" started
pyin "$ctx3" 'print(q_flag)'
wait $q1
expect_eq "queued cell waits for the running one" "$(jq -r -s '[.[] | select(.type == "stdout") | .text] | join("")' "$SCRATCH/.q1" | tr -d '\n')/$(stdout_text)" "startedfirst/second"
runto "$SCRATCH/.q2" "$(jq -cn --arg x "$ctx3" '{code:"import time\nprint(\"running\", flush=True)\ntime.sleep(20)",context_id:$x}')" &
q2=$!
wait_out "$SCRATCH/.q2" running
st=$(req "/contexts/$ctx3/restart" -X POST)
wait $q2
expect_eq "restart ends a running cell with ContextRestarting" "$st $(jq -r -s '[.[] | select(.type == "error") | .name] | join(",")' "$SCRATCH/.q2") $(jq -r -s '.[-1].type' "$SCRATCH/.q2")" "200 ContextRestarting end_of_execution"
runto "$SCRATCH/.q3" "$(jq -cn --arg x "$ctx3" '{code:"import time\nprint(\"running\", flush=True)\ntime.sleep(20)",context_id:$x}')" &
q3=$!
wait_out "$SCRATCH/.q3" running
st=$(req "/contexts/$ctx3" -X DELETE)
wait $q3
expect_eq "delete ends a running cell with ContextDeleted" "$st $(jq -r -s '[.[] | select(.type == "error") | .name] | join(",")' "$SCRATCH/.q3") $(jq -r -s '.[-1].type' "$SCRATCH/.q3")" "200 ContextDeleted end_of_execution"

# --- kernel death ---------------------------------------------------------------------------
py 'import os; os.kill(os.getpid(), 9)'
expect_eq "killed kernel: KernelDied error" "$(q '[.[] | select(.type == "error")][0].name')" KernelDied
expect_match "killed kernel: clear value" "$(q '[.[] | select(.type == "error")][0].value')" 'exited \(signal 9.*state is lost.*restarted'
py '1+1'
expect_eq "next cell works after automatic restart" "$(main_text)" 2
py 'sbx_state'
expect_eq "restart lost the old state" "$(q '[.[] | select(.type == "error")][0].name')" NameError

# --- request errors --------------------------------------------------------------------------
st=$(run '{"code":"1","context_id":"nope"}')
expect_eq "unknown context: 404 text/plain" "$st $(cat "$OUT")" "404 Context nope not found"
st=$(run '{"code":"1","context_id":"x","language":"python"}')
expect_eq "context_id and language: 400" "$st" 400
st=$(run '{"code":')
expect_eq "bad JSON: 400" "$st" 400
st=$(run '{"context_id":"x"}')
expect_eq "missing code: 400" "$st" 400
st=$(run '{"code":"1","language":"cobol"}')
expect_match "unknown language: 404 naming installed kernels" "$st $(cat "$OUT")" '^404 .*cobol.*python3'
st=$(req /contexts -X POST -d '{"cwd":"/no/such/dir"}')
expect_eq "context with a missing cwd: 400" "$st" 400

expect_eq "no blank lines or malformed NDJSON in any response" "$NDJSON_BAD" 0

# --- shutdown: no kernel left behind ----------------------------------------------------------
kpids=$(pgrep -P "$AGENT_PID" | tr '\n' ' ')
rundir=
for p in $kpids; do
	f=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -m1 '\.json$')
	[ -n "$f" ] && rundir=$(dirname "$f")
done
expect_match "kernels are children of the agent" "$kpids" '[0-9]'
if [ -n "$rundir" ]; then ok "a kernel's connection file names the runtime dir ($rundir)"
else notok "a kernel's connection file names the runtime dir" "no *.json in the cmdline of [$kpids]"; fi
stop_agent
# Exited kernels may stay zombies for a moment until init reaps them.
for _ in $(seq 1 30); do
	left=
	for p in $kpids; do
		s=$(ps -o stat= -p "$p" 2>/dev/null)
		case "$s" in ''|Z*) ;; *) left="$left $p" ;; esac
	done
	[ -z "$left" ] && break
	sleep 0.1
done
expect_eq "no kernel processes left after SIGTERM" "$left" ""
if [ -z "$rundir" ]; then notok "runtime dir removed" "not known (see above)"
elif [ -e "$rundir" ]; then notok "runtime dir removed" "$rundir still exists"
else ok "runtime dir removed"; fi

# --- a kernel that cannot start: a clear error line, not a hang ------------------------------
mkdir -p "$SCRATCH/jp/kernels/python3"
printf '{"argv":["/usr/bin/python3","-c","import sys; print(\\"no kernel here\\"); sys.exit(3)","{connection_file}"],"language":"python"}' \
	>"$SCRATCH/jp/kernels/python3/kernel.json"
JUPYTER_PATH=$SCRATCH/jp start_agent || exit 1
st=$(run '{"code":"1+1"}'); check_ndjson
expect_eq "failed kernel start: status 200 and one error line" "$st $(q '[.[] | select(.type == "error")] | length')" "200 1"
expect_eq "failed kernel start: error name" "$(q '[.[] | select(.type == "error")][0].name')" KernelStartFailed
expect_match "failed kernel start: says why, with the kernel's log" "$(q '[.[] | select(.type == "error")][0].value' | tr '\n' ' ')" 'exit status 3.*no kernel here'
expect_eq "no blank lines or malformed NDJSON in the failure response" "$NDJSON_BAD" 0
done_testing
