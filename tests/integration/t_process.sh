#!/usr/bin/env bash
# process.Process over Connect: Start, Connect, List, SendInput, SendSignal,
# Update, CloseStdin, their errors, keepalives and deadlines.
. "$(dirname "$0")/lib.sh"
start_agent --no-kernel --env GLOBAL=g --env OVER=global || exit 1
P=/process.Process

# --- helpers ------------------------------------------------------------------
# Frames on stdin → the concatenated stdout (or $1: stderr, pty) bytes.
out_of() { grep '^0 ' | cut -d' ' -f2- | jq -rj ".event.data.${1:-stdout} // empty | @base64d"; }
# The end event / end-stream of a decoded stream on stdin.
end_of() { grep '^0 ' | cut -d' ' -f2- | jq -c '.event.end // empty'; }
trailer_of() { grep '^2 ' | cut -d' ' -f2-; }
start_req() { jq -nc --arg c "$1" '{process:{cmd:"/bin/bash",args:["-l","-c",$c]},stdin:false}'; }

# bg NAME PATH JSON [CURL_ARGS...]: a stream in the background; frames: dec NAME.
bg() {
	local name=$1 path=$2 json=$3; shift 3
	printf '%s' "$json" | "$TOOLS/connect_frame" enc >"$SCRATCH/$name.req"
	curl -s -N -m 120 -o "$SCRATCH/$name.resp" -H 'Content-Type: application/connect+json' \
		--data-binary "@$SCRATCH/$name.req" "$@" "$URL$path" &
	eval "BG_$name=\$!"
}
dec() { [ -f "$SCRATCH/$1.resp" ] && "$TOOLS/connect_frame" dec <"$SCRATCH/$1.resp" 2>/dev/null; }
# wait_for NAME REGEX [SECONDS]: until the decoded frames of NAME match.
wait_for() {
	local i
	for i in $(seq 1 $((${3:-10} * 20))); do
		dec "$1" | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	return 1
}
wait_bg() { local v="BG_$1"; wait "${!v}" 2>/dev/null; }
pid_of() { dec "$1" | grep -m1 '"start"' | cut -d' ' -f2- | jq -r .event.start.pid; }
unary() { rpc "$P/$1" "$2"; }

# --- Start: output, exit, events in order -----------------------------------
r=$(rpc_stream $P/Start '{"process":{"cmd":"/bin/bash","args":["-l","-c","echo hello; echo err >&2; echo $FOO; pwd"],"envs":{"FOO":"bar"},"cwd":"/tmp"},"stdin":false}')
expect_eq "Start is HTTP 200" "$(status)" 200
expect_match "first event is start with a pid" "$(printf '%s\n' "$r" | head -1)" '^0 \{"event":\{"start":\{"pid":[0-9]+\}\}\}$'
expect_eq "stdout (envs, cwd)" "$(printf '%s\n' "$r" | out_of)" $'hello\nbar\n/tmp'
expect_eq "stderr" "$(printf '%s\n' "$r" | out_of stderr)" "err"
expect_eq "end event of a clean exit" "$(printf '%s\n' "$r" | end_of)" '{"exited":true,"status":"exit status 0"}'
expect_eq "end event is the last data frame" "$(printf '%s\n' "$r" | grep '^0 ' | tail -1 | grep -c '"end"')" 1
expect_eq "end-stream {} closes it" "$(printf '%s\n' "$r" | tail -1)" "2 {}"

r=$(rpc_stream $P/Start "$(start_req 'exit 3')")
expect_eq "non-zero exit" "$(printf '%s\n' "$r" | end_of)" \
	'{"exitCode":3,"exited":true,"status":"exit status 3","error":"exit status 3"}'

r=$(rpc_stream $P/Start "$(start_req 'kill -9 $$')")
expect_eq "killed by a signal" "$(printf '%s\n' "$r" | end_of)" \
	'{"exitCode":-1,"status":"signal: killed","error":"signal: killed"}'

# Environment: PATH HOME USER LOGNAME, then agent env, then request envs (later wins).
r=$(rpc_stream $P/Start '{"process":{"cmd":"/bin/sh","args":["-c","echo $GLOBAL $OVER $USER $LOGNAME; test -n \"$PATH\" && test -n \"$HOME\" && echo ok"],"envs":{"OVER":"request"}}}')
expect_eq "env order: global, then request" "$(printf '%s\n' "$r" | out_of)" "g request $(id -un) $(id -un)
ok"
# cwd: default workdir, ~, relative (joined to home = the workdir here).
mkdir -p "$SCRATCH/work/sub"
r=$(rpc_stream $P/Start '{"process":{"cmd":"pwd"}}')
expect_eq "default cwd is the workdir" "$(printf '%s\n' "$r" | out_of)" "$SCRATCH/work"
r=$(rpc_stream $P/Start '{"process":{"cmd":"pwd","cwd":"sub"}}')
expect_eq "relative cwd joins home" "$(printf '%s\n' "$r" | out_of)" "$SCRATCH/work/sub"
r=$(rpc_stream $P/Start '{"process":{"cmd":"pwd","cwd":"~/sub"}}')
expect_eq "~ expands to home" "$(printf '%s\n' "$r" | out_of)" "$SCRATCH/work/sub"
r=$(rpc_stream $P/Start '{"process":{"cmd":"pwd","cwd":"/nonexistent/dir"}}')
expect_eq "missing cwd → 200 + end-stream invalid_argument" "$(status) $(printf '%s\n' "$r" | trailer_of)" \
	"200 {\"error\":{\"code\":\"invalid_argument\",\"message\":\"cwd '/nonexistent/dir' does not exist\"}}"
expect_eq "…and no start event" "$(printf '%s\n' "$r" | grep -c '^0 ')" 0

# Large output arrives whole, in chunks of at most 32 KiB.
r=$(rpc_stream $P/Start "$(start_req 'head -c 300000 /dev/zero | tr "\0" x')")
expect_eq "300000 bytes of stdout" "$(printf '%s\n' "$r" | out_of | wc -c)" 300000
expect_eq "chunks ≤ 32 KiB" "$(printf '%s\n' "$r" | grep '^0 ' | cut -d' ' -f2- |
	jq -r '.event.data.stdout // empty | @base64d | length' | sort -n | tail -1 | awk '{print ($1 <= 32768)}')" 1

# --- request errors -------------------------------------------------------------
b=$(rpc $P/List '{')
expect_eq "bad JSON → 400" "$(status)" 400
expect_eq "bad JSON → invalid_argument" "$(printf '%s' "$b" | jq -r .code)" invalid_argument
b=$(rpc $P/SendSignal '{"process":{"pid":1,"tag":"x"},"signal":"SIGNAL_SIGKILL"}')
expect_eq "two oneof members → invalid_argument" "$(status) $(printf '%s' "$b" | jq -r .code)" "400 invalid_argument"
b=$(rpc $P/SendSignal '{"process":{"pid":999999},"signal":"SIGNAL_SIGKILL"}')
expect_eq "unknown pid → 404 not_found" "$(status) $(printf '%s' "$b" | jq -r .code)" "404 not_found"
expect_eq "not_found message" "$(printf '%s' "$b" | jq -r .message)" "process with pid 999999 not found"
r=$(rpc_stream $P/Connect '{"process":{"pid":999999}}')
expect_eq "Connect to an unknown pid → end-stream not_found" "$(status) $(printf '%s\n' "$r" | trailer_of | jq -r .error.code)" "200 not_found"
r=$(rpc_stream $P/Start '{"process":')
expect_eq "bad JSON in a stream → end-stream invalid_argument" "$(printf '%s\n' "$r" | trailer_of | jq -r .error.code)" invalid_argument
printf '\x00\x00\x00\x00\x09{}' >"$SCRATCH/trunc.bin"
st=$(curl -s -m 60 -o "$SCRATCH/trunc.resp" -w '%{http_code}' -H 'Content-Type: application/connect+json' --data-binary "@$SCRATCH/trunc.bin" "$URL$P/Start")
expect_eq "truncated envelope → end-stream invalid_argument" "$st $("$TOOLS/connect_frame" dec <"$SCRATCH/trunc.resp" | trailer_of | jq -r .error.code)" "200 invalid_argument"
printf '\x01\x00\x00\x00\x02{}' >"$SCRATCH/comp.bin"
curl -s -m 60 -o "$SCRATCH/comp.resp" -H 'Content-Type: application/connect+json' --data-binary "@$SCRATCH/comp.bin" "$URL$P/Start"
expect_match "compressed envelope refused" "$("$TOOLS/connect_frame" dec <"$SCRATCH/comp.resp" | trailer_of)" 'invalid_argument.*compressed'
b=$(curl -s -m 60 -w ' %{http_code}' -H 'Content-Type: text/plain' -d '{}' "$URL$P/List")
expect_match "wrong content type → Connect error" "$b" '^\{"code":"invalid_argument","message":"unsupported content type.*\} 400$'
b=$(curl -s -m 60 -w ' %{http_code}' -H 'Content-Type: application/json' -d '{}' "$URL$P/Start")
expect_match "unary content type on a stream method → error" "$b" 'unsupported content type.* 400$'
b=$(rpc $P/Nope '{}')
expect_eq "unknown method → unimplemented" "$(printf '%s' "$b" | jq -r .code)" unimplemented
b=$(rpc $P/StreamInput '{}')
expect_eq "StreamInput → unimplemented" "$(printf '%s' "$b" | jq -r .code)" unimplemented
r=$(rpc_stream $P/Start '{"process":{"cmd":"no-such-program-xyz"}}')
expect_match "missing program → end-stream error" "$(printf '%s\n' "$r" | trailer_of)" 'executable file not found'
r=$(rpc_stream $P/Start "$(start_req id)" -H "Authorization: Basic $(printf 'nosuchuser:' | base64)")
expect_eq "unknown user → unauthenticated" "$(printf '%s\n' "$r" | trailer_of | jq -r .error.code)" unauthenticated
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	# (cwd /: nobody cannot enter the 0700 scratch workdir, and is told so)
	r=$(rpc_stream $P/Start '{"process":{"cmd":"id","args":["-un"],"cwd":"/"}}' -H "Authorization: Basic $(printf 'nobody:' | base64)")
	expect_eq "Basic auth picks the user" "$(printf '%s\n' "$r" | out_of)" nobody
	r=$(rpc_stream $P/Start '{"process":{"cmd":"id"}}' -H "Authorization: Basic $(printf 'nobody:' | base64)")
	expect_match "a cwd the user cannot enter → invalid_argument" "$(printf '%s\n' "$r" | trailer_of)" 'invalid_argument.*Permission denied'
fi

# --- a running process: List, tag, Connect, SIGKILL -----------------------------
bg A $P/Start '{"process":{"cmd":"/bin/bash","args":["-c","while :; do echo tick; sleep 0.1; done"],"envs":{"K":"v"}},"tag":"ticker","stdin":false}'
wait_for A '"start"' || notok "ticker started" "no start event"
pid=$(pid_of A)
l=$(unary List '{}')
expect_eq "List shows it with its config and tag" "$(printf '%s' "$l" | jq -c --argjson p "$pid" '.processes[]|select(.pid==$p)|[.tag,.config.cmd,.config.args[0],.config.envs.K,(.config.cwd|length>0)]')" \
	'["ticker","/bin/bash","-c","v",true]'
bg B $P/Connect "{\"process\":{\"pid\":$pid}}"
wait_for B 'dGljawo' || notok "Connect gets output" "no data"
expect_eq "Connect starts with the same start event" "$(dec B | head -1)" "0 {\"event\":{\"start\":{\"pid\":$pid}}}"
bg C $P/Connect '{"process":{"tag":"ticker"}}'
wait_for C 'dGljawo' && ok "Connect by tag" || notok "Connect by tag" "no data"
b=$(unary SendSignal "{\"process\":{\"pid\":$pid},\"signal\":\"SIGNAL_UNSPECIFIED\"}")
expect_eq "other signals → unimplemented" "$(status) $(printf '%s' "$b" | jq -r .code)" "501 unimplemented"
b=$(unary SendSignal "{\"process\":{\"pid\":$pid},\"signal\":\"SIGNAL_SIGKILL\"}")
expect_eq "SendSignal SIGKILL → {}" "$(status) $b" "200 {}"
wait_bg A; wait_bg B; wait_bg C
for s in A B C; do
	expect_eq "stream $s ends with signal: killed" "$(dec $s | end_of | jq -r .status) $(dec $s | tail -1)" "signal: killed 2 {}"
done
l=$(unary List '{}')
expect_eq "ended process leaves List" "$(printf '%s' "$l" | jq --argjson p "$pid" '[.processes[]|select(.pid==$p)]|length')" 0
r=$(rpc_stream $P/Connect "{\"process\":{\"pid\":$pid}}")
expect_eq "late Connect gets start, end, end-stream" \
	"$(printf '%s\n' "$r" | while read -r f j; do printf '%s:%s ' "$f" "$(printf '%s' "$j" | jq -r '.event // {}|keys|join("")')"; done)" \
	"0:start 0:end 2: "
expect_eq "…with its pid and status" "$(printf '%s\n' "$r" | grep '^0 ' | cut -d' ' -f2- | jq -r '.event.start.pid // .event.end.status' | tr '\n' ' ')" \
	"$pid signal: killed "
b=$(unary SendSignal "{\"process\":{\"pid\":$pid},\"signal\":\"SIGNAL_SIGTERM\"}")
expect_eq "signalling an ended process → not_found" "$(status)" 404

bg T $P/Start "$(start_req 'sleep 30')"
wait_for T '"start"'
b=$(unary SendSignal "{\"process\":{\"tag\":\"none\"},\"signal\":15}")
expect_eq "unknown tag → not_found" "$(status)" 404
b=$(unary SendSignal "{\"process\":{\"pid\":$(pid_of T)},\"signal\":15}")
wait_bg T
expect_eq "SIGTERM (as a number)" "$(dec T | end_of | jq -r .status)" "signal: terminated"

# --- stdin ------------------------------------------------------------------------
bg S $P/Start '{"process":{"cmd":"cat"},"stdin":true}'
wait_for S '"start"'
pid=$(pid_of S)
b=$(unary SendInput "{\"process\":{\"pid\":$pid},\"input\":{\"stdin\":\"$(printf 'abc\n' | base64)\"}}")
expect_eq "SendInput stdin → {}" "$(status) $b" "200 {}"
wait_for S 'YWJjCg' && ok "cat echoes stdin" || notok "cat echoes stdin" "$(dec S)"
b=$(unary SendInput "{\"process\":{\"pid\":$pid},\"input\":{\"pty\":\"YQ==\"}}")
expect_eq "pty input to a pipe process → error" "$(printf '%s' "$b" | jq -r .code)" internal
b=$(unary CloseStdin "{\"process\":{\"pid\":$pid}}")
expect_eq "CloseStdin → {}" "$(status) $b" "200 {}"
wait_bg S
expect_eq "CloseStdin makes cat exit 0" "$(dec S | end_of)" '{"exited":true,"status":"exit status 0"}'

bg N $P/Start "$(start_req 'sleep 5')"
wait_for N '"start"'
b=$(unary SendInput "{\"process\":{\"pid\":$(pid_of N)},\"input\":{\"stdin\":\"YQ==\"}}")
expect_match "stdin:false → stdin not enabled" "$(status) $(printf '%s' "$b" | jq -r .message)" '^500 .*stdin not enabled'
unary SendSignal "{\"process\":{\"pid\":$(pid_of N)},\"signal\":9}" >/dev/null
wait_bg N

# --- PTY --------------------------------------------------------------------------
bg T1 $P/Start '{"process":{"cmd":"/bin/sh","envs":{"PS1":"$ "}},"pty":{"size":{"cols":80,"rows":24}}}'
wait_for T1 '"start"'
pid=$(pid_of T1)
send_pty() { unary SendInput "{\"process\":{\"pid\":$pid},\"input\":{\"pty\":\"$(printf '%s' "$1" | base64 -w0)\"}}"; }
b=$(send_pty $'echo typed-$((40+2)); echo TERM=$TERM\n')
expect_eq "SendInput pty → {}" "$(status) $b" "200 {}"
for _ in $(seq 1 100); do dec T1 | out_of pty | grep -q 'typed-42' && break; sleep 0.05; done
expect_match "PTY output has what was typed" "$(dec T1 | out_of pty)" 'typed-42'
expect_match "PTY gets TERM" "$(dec T1 | out_of pty)" 'TERM=xterm-256color'
send_pty $'stty size\n' >/dev/null
for _ in $(seq 1 100); do dec T1 | out_of pty | grep -q '24 80' && break; sleep 0.05; done
expect_match "PTY starts at the requested size" "$(dec T1 | out_of pty)" '24 80'
b=$(unary Update "{\"process\":{\"pid\":$pid},\"pty\":{\"size\":{\"cols\":100,\"rows\":30}}}")
expect_eq "Update (resize) → {}" "$(status) $b" "200 {}"
send_pty $'stty size\n' >/dev/null
for _ in $(seq 1 100); do dec T1 | out_of pty | grep -q '30 100' && break; sleep 0.05; done
expect_match "resize seen by stty size" "$(dec T1 | out_of pty)" '30 100'
b=$(unary SendInput "{\"process\":{\"pid\":$pid},\"input\":{\"stdin\":\"YQ==\"}}")
expect_eq "stdin input to a PTY process → error" "$(printf '%s' "$b" | jq -r .code)" internal
b=$(unary CloseStdin "{\"process\":{\"pid\":$pid}}")
expect_eq "CloseStdin on a PTY → error" "$(printf '%s' "$b" | jq -r .code)" internal
send_pty $'exit 5\n' >/dev/null
wait_bg T1
expect_eq "PTY process ends" "$(dec T1 | end_of | jq -r .status) $(dec T1 | tail -1)" "exit status 5 2 {}"
b=$(unary Update '{"process":{"pid":999999},"pty":{"size":{"cols":1,"rows":1}}}')
expect_eq "Update of an unknown pid → not_found" "$(status)" 404

# --- lifetime: deadlines, keepalives, disconnects ---------------------------------
t0=$(date +%s%N)
r=$(rpc_stream $P/Start "$(start_req 'echo $$ > '"$SCRATCH"'/dl.pid; exec sleep 30')" -H 'Connect-Timeout-Ms: 700')
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "Connect-Timeout-Ms ends the stream with deadline_exceeded" "$(printf '%s\n' "$r" | trailer_of | jq -r .error.code)" deadline_exceeded
# Not before the deadline, and not at the process's own end (30 s).
expect_eq "…at the deadline" "$([ $ms -ge 600 ] && [ $ms -lt 25000 ] && echo yes || echo "no ($ms ms)")" yes
dl_gone() { ! kill -0 "$(cat "$SCRATCH/dl.pid")" 2>/dev/null; }
if wait_until 10 dl_gone; then ok "deadline kills the process"
else notok "deadline kills the process" "still running"; fi

# The deadline is the process's lifetime even when its client left first.
curl -s -m 60 -o /dev/null --max-time 0.4 -H 'Content-Type: application/connect+json' -H 'Connect-Timeout-Ms: 1000' \
	--data-binary @<(printf '%s' "$(start_req 'echo $$ > '"$SCRATCH"'/dl2.pid; exec sleep 30')" | "$TOOLS/connect_frame" enc) \
	"$URL$P/Start"
# It ran (wrote its pid) and is gone long before its sleep 30 would end.
dl2_started() { [ -s "$SCRATCH/dl2.pid" ]; }
dl2_gone() { ! kill -0 "$(cat "$SCRATCH/dl2.pid")" 2>/dev/null; }
if ! wait_until 10 dl2_started; then notok "deadline kills the process after its client left" "it never started"
elif wait_until 20 dl2_gone; then ok "deadline kills the process after its client left"
else notok "deadline kills the process after its client left" "pid $(cat "$SCRATCH/dl2.pid") still runs"; fi

# 2.3 s of silence, 1 s interval: 2 on time, 1 when timers run late on a
# loaded machine; never 0 nor a flood.
r=$(rpc_stream $P/Start "$(start_req 'sleep 2.3')" -H 'Keepalive-Ping-Interval: 1')
expect_match "keepalives after Keepalive-Ping-Interval of silence" \
	"$(printf '%s\n' "$r" | grep -c '^0 {"event":{"keepalive":{}}}$')" '^[12]$'

curl -s -m 60 -o /dev/null --max-time 0.5 -H 'Content-Type: application/connect+json' \
	--data-binary @<(printf '%s' "$(start_req "sleep 3; echo survived > $SCRATCH/survivor")" | "$TOOLS/connect_frame" enc) \
	"$URL$P/Start"
l=$(unary List '{}')
expect_match "process outlives its disconnected client" "$l" 'sleep 3; echo survived'
survived() { [ -s "$SCRATCH/survivor" ]; }
wait_until 20 survived
expect_eq "…and finishes its work" "$(cat "$SCRATCH/survivor" 2>/dev/null)" survived

# A Connect stream's deadline ends only that stream; the process lives on.
bg K $P/Start "$(start_req 'sleep 30')"
wait_for K '"start"'
pid=$(pid_of K)
r=$(rpc_stream $P/Connect "{\"process\":{\"pid\":$pid}}" -H 'Connect-Timeout-Ms: 300')
expect_eq "Connect deadline → deadline_exceeded" "$(printf '%s\n' "$r" | trailer_of | jq -r .error.code)" deadline_exceeded
expect_match "…and the process is still running" "$(unary List '{}')" "\"pid\":$pid"
unary SendSignal "{\"process\":{\"pid\":$pid},\"signal\":9}" >/dev/null
wait_bg K

# A slow client: reading pauses instead of buffering without bound, and no
# byte is lost or reordered.
r=$(rpc_stream $P/Start "$(start_req 'seq 1 600000')" --limit-rate 1500k)
expect_eq "every byte through a slow client, in order" "$(printf '%s\n' "$r" | out_of | md5sum)" "$(seq 1 600000 | md5sum)"
expect_eq "…then the end" "$(printf '%s\n' "$r" | end_of | jq -r .status)" "exit status 0"

r=$(rpc_stream $P/Start '{"process":{"cmd":""}}')
expect_eq "empty cmd → invalid_argument" "$(printf '%s\n' "$r" | trailer_of | jq -r .error.code)" invalid_argument

# The agent is still healthy after all of that.
expect_eq "agent healthy" "$(curl -s -m 60 -o /dev/null -w '%{http_code}' "$URL/health")" 204
done_testing
