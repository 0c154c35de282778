#!/usr/bin/env bash
# `sbx ai` end to end: a private sbxd (state and config in $SCRATCH, its own
# port), real code-interpreter sandboxes on the ns runtime, and the scripted
# fake provider (tests/fake-llm) standing in for OpenAI and Anthropic through
# OPENAI_BASE_URL / ANTHROPIC_BASE_URL.  What the model "asks" is scripted;
# what the sandbox answers is real, and the fake refuses a turn whose tool
# results lack what the script expects (so a wrong result fails loudly).
# Needs root and a built code-interpreter template
# (`sbx template build code-interpreter`).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
unset OPENAI_API_KEY OPENAI_BASE_URL ANTHROPIC_API_KEY ANTHROPIC_BASE_URL SBX_AI_PROVIDER SBX_AI_MODEL \
	SBX_AI_MAX_STEPS GROQ_API_KEY MISTRAL_API_KEY TOGETHER_API_KEY
FAKE_PID=
cli_need code-interpreter "sbx ai's sandboxes"
stop_all() {
	stop_pid "$FAKE_PID" TERM 10
	FAKE_PID=
	cli_stop
}
trap 'stop_all; cleanup' EXIT
cli_serve

LOG=$SCRATCH/fake.jsonl
mkdir -p "$SCRATCH/scripts"
# a cell printing terminal escapes (a window title, a screen clear)
cat >"$SCRATCH/scripts/hostile.json" <<'EOF_'
{ "name": "hostile", "match": "hostile_output",
  "turns": [
    { "text": "Printing.", "tool_calls": [ { "name": "execute_python",
      "arguments": { "code": "print('A\\x1b]0;pwned\\x07B\\x1b[2JC')" } } ] },
    { "expect": ["ABC"], "text": "Done." } ] }
EOF_
# write_file, read_file, run_command, each result checked by the next turn
cat >"$SCRATCH/scripts/files.json" <<'EOF_'
{ "name": "files", "match": "files_roundtrip",
  "turns": [
    { "tool_calls": [ { "name": "write_file", "arguments": { "path": "notes/a.txt", "content": "hello\nworld\n" } } ] },
    { "expect": ["wrote 12 bytes to /home/user/notes/a.txt"],
      "tool_calls": [ { "name": "read_file", "arguments": { "path": "/home/user/notes/a.txt" } } ] },
    { "expect": ["hello\nworld"],
      "tool_calls": [ { "name": "run_command", "arguments": { "command": "wc -l notes/a.txt; pwd; exit 3" } } ] },
    { "expect": ["2 notes/a.txt", "/home/user", "exit status: 3"], "text": "The file has 2 lines." } ] }
EOF_
# the bounds: a binary file, a file over 1 MiB, a command printing megabytes
cat >"$SCRATCH/scripts/limits.json" <<'EOF_'
{ "name": "limits", "match": "files_limits",
  "turns": [
    { "tool_calls": [ { "name": "read_file", "arguments": { "path": "/bin/ls" } } ] },
    { "expect": ["/bin/ls is a binary file"],
      "tool_calls": [ { "name": "run_command", "arguments": { "command": "head -c 1500000 /dev/zero | tr '\\0' a > big.txt" } } ] },
    { "tool_calls": [ { "name": "read_file", "arguments": { "path": "big.txt" } } ] },
    { "expect": ["/home/user/big.txt is larger than 1024 KiB"],
      "tool_calls": [ { "name": "run_command", "arguments": { "command": "seq 1 300000" } } ] },
    { "expect": ["\n1\n2\n3\n", "bytes left out ...]\n", "\n300000\nexit status: 0"], "text": "Bounded." } ] }
EOF_
# Anthropic's overloaded_error mid-stream, on every attempt
cat >"$SCRATCH/scripts/overloaded.json" <<'EOF_'
{ "name": "overloaded", "match": "overloaded_test",
  "turns": [ { "text": "Partial answer that never ends.", "chunk": 4, "error_after_chunks": 2 } ] }
EOF_
# tools that would run for minutes, for Ctrl-C
cat >"$SCRATCH/scripts/slow_tools.json" <<'EOF_'
{ "name": "slow_cell", "match": "slow_cell",
  "turns": [ { "tool_calls": [ { "name": "execute_python",
      "arguments": { "code": "import time\nprint('cell started', flush=True)\ntime.sleep(600)" } } ] } ] }
EOF_
cat >"$SCRATCH/scripts/slow_command.json" <<'EOF_'
{ "name": "slow_command", "match": "slow_command",
  "turns": [ { "tool_calls": [ { "name": "run_command",
      "arguments": { "command": "echo command started; exec sleep 613" } } ] } ] }
EOF_
/usr/bin/python3 "$ROOT/tests/fake-llm/fake_llm.py" --script "$ROOT/tests/fake-llm/scripts" \
	--script "$SCRATCH/scripts" --port 0 \
	--port-file "$SCRATCH/fake.port" --log "$LOG" >"$SCRATCH/fake-out.txt" 2>&1 &
FAKE_PID=$!
wait_until 10 test -s "$SCRATCH/fake.port"
FAKE=http://127.0.0.1:$(cat "$SCRATCH/fake.port")
expect_match "the fake provider listens" "$FAKE" ':[0-9]+$'

OAI=(env OPENAI_BASE_URL="$FAKE/v1" OPENAI_API_KEY=test-key)
ANT=(env ANTHROPIC_BASE_URL="$FAKE" ANTHROPIC_API_KEY=test-key)
# ai OUT_BASENAME ENV... -- ARGS...: runs sbx ai; stdout/stderr in files, status in RC
ai() {
	local name=$1; shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	(cd "$SCRATCH" && timeout -k 5 300 "${envs[@]}" "$SBX" ai "$@") >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err"
	RC=$?
	OUT=$(cat "$SCRATCH/$name.out")
	ERR=$(cat "$SCRATCH/$name.err")
}
# The requests the fake got whose first user message holds WORD, as a JSON array.
requests_for() {
	jq -s --arg w "$1" '[.[] | select(.body | type == "object") | select(
		[(.body.messages // [])[] | select(.role == "user") | (.content | if type == "string" then . else
		 ([.[]? | .text? // empty] | join(" ")) end)][0] // "" | ascii_downcase | contains($w))]' "$LOG"
}
nsandboxes() { "$SBX" ls --json | jq '[.[] | select(.state == "running")] | length'; }
# Every tool result text the requests carried (OpenAI "tool" messages, Anthropic tool_result blocks).
tool_results() {
	requests_for "$1" | jq -r '.[-1].body.messages[] | (select(.role == "tool") | .content),
		(select(.role == "user") | .content | arrays | .[] | select(.type == "tool_result") |
		 (.content | if type == "string" then . else ([.[]? | .text? // empty] | join("")) end))'
}

# --- E2B's strawberry, OpenAI; a sandbox made and killed ------------------------
before=$(nsandboxes)
ai straw "${OAI[@]}" -- "How many r's are in the word strawberry?"
expect_eq "openai strawberry: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/straw.err"
expect_match "  the model's code is shown" "$OUT" "print\('strawberry'.count\('r'\)\)"
expect_eq "  the sandbox's output is shown on its own line" "$(printf '%s\n' "$OUT" | grep -A1 '^--- output ---$' | tail -n1)" 3
expect_match "  the answer is printed" "$OUT" "There are 3 r's in \"strawberry\"."
expect_eq "  the tool result \"3\" went back to the model" "$(tool_results strawberry | tail -n1)" 3
sys=$(requests_for strawberry | jq -r '.[0].body.messages[0].content' | tr '\n' ' ')
expect_match "  the system prompt names the kernel, home, plt.show() and the packages" "$sys" \
	'Jupyter kernel.*kept between calls.*/home/user.*plt\.show\(\).*Preinstalled Python packages.*numpy'

expect_eq "  the sandbox it made is killed" "$(nsandboxes)" "$before"

# --- the same on Anthropic, with a transcript ------------------------------------
: >"$LOG"
ai straw_a "${ANT[@]}" -- --provider anthropic --transcript "$SCRATCH/t.json" "strawberry: how many r's?"
expect_eq "anthropic strawberry: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/straw_a.err"
expect_match "  the answer is printed" "$OUT" "There are 3 r's"
expect_eq "  it spoke Anthropic's API" "$(requests_for strawberry | jq -r '.[0].path')" /v1/messages
expect_eq "  the tool result \"3\" went back" "$(tool_results strawberry | tail -n1)" 3
expect_eq "  the transcript: user, call, result, answer" \
	"$(jq -r '[.messages[].role] | join(",")' "$SCRATCH/t.json" 2>&1)" "user,assistant,tool,assistant"

# --- one sandbox for the rest: the CSV uploaded to it --------------------------------
SID=$("$SBX" create code-interpreter --timeout 30m | tail -n1)
expect_match "a code-interpreter sandbox" "$SID" '^[a-z0-9]{20}$'
"$SBX" files "$SID" put "$ROOT/tests/fake-llm/data/dataset.csv" /home/user/dataset.csv >/dev/null

ai csv "${OAI[@]}" -- --sandbox "$SID" --charts "$SCRATCH/charts" \
	"Analyze /home/user/dataset.csv and plot the average vote per year"
expect_eq "csv analysis: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/csv.err"
expect_match "  the analysis printed in the sandbox" "$OUT" 'movies: 12, years 2015-2020, best year 2020'
expect_match "  the chart is said to be saved" "$OUT" "chart saved to $SCRATCH/charts/chart-1.png"
expect_eq "  chart-1.png is a PNG" "$(head -c 8 "$SCRATCH/charts/chart-1.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
	89504e470d0a1a0a
expect_match "  the model is told a chart was made" "$(tool_results dataset.csv)" 'a PNG chart was produced'
expect_eq "  --sandbox: that sandbox is kept" "$("$SBX" info "$SID" --json | jq -r .state)" running

# --- --upload: the file is in the new sandbox's home and the model is told -----------
: >"$LOG"
ai upload "${OAI[@]}" -- --charts "$SCRATCH/up" --upload "$ROOT/tests/fake-llm/data/dataset.csv" \
	"Analyze dataset.csv and plot the average vote per year"
expect_eq "--upload: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/upload.err"
expect_match "  the uploaded CSV was read in the sandbox" "$OUT" 'movies: 12, years 2015-2020'
expect_match "  the system prompt lists it" \
	"$(requests_for dataset.csv | jq -r '.[0].body.messages[0].content')" 'dataset\.csv'
nreq=$(requests_for dataset.csv | jq length)
ai upload_missing "${OAI[@]}" -- --upload "$SCRATCH/no-such.csv" "Analyze dataset.csv"
expect_eq "--upload of a missing file: exit 1" "$RC" 1
expect_match "  it says which file" "$ERR" "cannot upload $SCRATCH/no-such.csv: No such file"
expect_eq "  and made no request" "$(requests_for dataset.csv | jq length)" "$nreq"

# --- an error goes back to the model and it corrects itself ---------------------------
ai toolerr "${OAI[@]}" -- --sandbox "$SID" "tool_error: double the answer"
expect_eq "tool error fed back: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/toolerr.err"
expect_match "  the traceback is shown" "$ERR" "NameError"
expect_match "  the fixed answer" "$OUT" "The answer is 42."
expect_match "  the NameError went back to the model" "$(tool_results tool_error)" "NameError: name 'answer_value' is not defined"

# --- malformed arguments, an unknown tool: errors for the model, nothing run -----------
ai badargs "${OAI[@]}" -- --sandbox "$SID" "bad_args please"
expect_eq "malformed tool arguments: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/badargs.err"
expect_match "  the model is told they are not JSON" "$(tool_results bad_args)" 'not valid JSON'
ai unknown "${OAI[@]}" -- --sandbox "$SID" "unknown_tool please"
expect_eq "unknown tool: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/unknown.err"
expect_match "  the model is told which tools there are" "$(tool_results unknown_tool)" \
	'no tool "launch_rockets".*execute_python'
expect_match "  its answer" "$OUT" 'That tool is not available'

# --- what the sandbox prints is hostile ---------------------------------------------------
ai hostile "${OAI[@]}" -- --sandbox "$SID" "hostile_output please"
expect_eq "escapes from the sandbox: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/hostile.err"
expect_eq "  piped: the bytes are passed on" "$(grep -c $'A\x1b]0;pwned\x07B' "$SCRATCH/hostile.out")" 1
expect_eq "  the model gets the text without them" "$(tool_results hostile_output | tail -n1)" ABC
(cd "$SCRATCH" && timeout -k 5 300 script -qec "env OPENAI_BASE_URL=$FAKE/v1 OPENAI_API_KEY=k $SBX ai --sandbox $SID 'hostile_output again'" \
	/dev/null) >"$SCRATCH/hostile-tty.out" 2>&1
expect_match "  on a terminal: shown as '?'" "$(tr -d '\r' <"$SCRATCH/hostile-tty.out")" 'A\?\]0;pwned\?B\?\[2JC'
expect_eq "  on a terminal: no escape byte reaches it" "$(grep -c $'\x1b' "$SCRATCH/hostile-tty.out")" 0

# --- the file tools and a command --------------------------------------------------------
ai files "${OAI[@]}" -- --sandbox "$SID" "files_roundtrip please"
expect_eq "write_file, read_file, run_command: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/files.err"
expect_eq "  the file is in the sandbox" "$("$SBX" exec "$SID" -- cat /home/user/notes/a.txt | tr '\n' ' ')" "hello world "
expect_eq "  the command, its output and exit status are shown" \
	"$(printf '%s\n' "$OUT" | grep -A3 '^\$ wc -l' | tr '\n' '|')" '$ wc -l notes/a.txt; pwd; exit 3|2 notes/a.txt|/home/user|[exit status 3]|'

ai limits "${OAI[@]}" -- --sandbox "$SID" "files_limits please"
expect_eq "binary and large files refused, long output clipped for the model: exit 0" "$RC" 0
[ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/limits.err"
expect_eq "  the user still sees the whole output" "$(printf '%s\n' "$OUT" | grep -c '^[0-9][0-9]*$')" 300000
expect_match "  the model's copy is clipped" "$(tool_results files_limits | wc -c)" '^[0-9]{4,5}$'

# --- the step limit ---------------------------------------------------------------------
ai steps "${OAI[@]}" -- --sandbox "$SID" --max-steps 2 "step_limit forever"
expect_eq "step limit: exit 3" "$RC" 3
expect_match "  says so" "$ERR" 'step limit \(2 model turns\)'
expect_eq "  two model turns asked" "$(requests_for step_limit | jq length)" 2

# --- a 429 with Retry-After is retried ----------------------------------------------------
ai retry "${OAI[@]}" -- --sandbox "$SID" "retry_429 test"
expect_eq "429 retried: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/retry.err"
expect_match "  the user is told" "$ERR" 'answered 429.*retrying in 1 s'
expect_match "  then the answer" "$OUT" 'Answered after one retry.'
expect_eq "  two requests" "$(requests_for retry_429 | jq length)" 2

# --- an error event mid-stream (Anthropic) is retried, then reported -----------------------------
ai overloaded "${ANT[@]}" -- --provider anthropic --sandbox "$SID" --transcript "$SCRATCH/ov.json" "overloaded_test"
expect_eq "mid-stream overloaded_error: exit 1 once retries run out" "$RC" 1
expect_eq "  retried 4 times" "$(grep -c 'retrying in' "$SCRATCH/overloaded.err")" 4
expect_match "  the provider's words" "$(tail -n1 "$SCRATCH/overloaded.err")" "anthropic's reply failed: .*Overloaded"
expect_eq "  the text shown is kept in the transcript" "$(jq -r '.messages[-1].text' "$SCRATCH/ov.json")" "Partial "

# --- --no-stream ----------------------------------------------------------------------------
: >"$LOG"
printf 'strawberry r count\n' >"$SCRATCH/request.txt"
ai nostream "${OAI[@]}" -- --sandbox "$SID" --no-stream - <"$SCRATCH/request.txt"
expect_eq "--no-stream, the request from stdin: exit 0" "$RC" 0; [ "$RC" = 0 ] || sed 's/^/# /' "$SCRATCH/nostream.err"
expect_match "  the answer" "$OUT" "There are 3 r's"
expect_eq "  no request asked for a stream" "$(requests_for strawberry | jq '[.[] | .body.stream // false] | any')" false
expect_eq "  the request came from stdin" \
	"$(requests_for strawberry | jq -r '.[0].body.messages[] | select(.role == "user") | .content' | head -n1)" \
	"strawberry r count"

# --- Ctrl-C: during a slow stream, a cell, a command ---------------------------------------
# interrupt NAME WAIT_FOR REQUEST: starts sbx ai, waits for WAIT_FOR on its stdout, sends SIGINT;
# its exit status in STOP_RC
interrupt() {
	(cd "$SCRATCH" && exec "${OAI[@]}" "$SBX" ai --sandbox "$SID" --transcript "$SCRATCH/$1.json" "$3") \
		>"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err" &
	APID=$!
	wait_until 120 grep -q "$2" "$SCRATCH/$1.out"
	expect_match "$1: it got going before the Ctrl-C" "$(cat "$SCRATCH/$1.out")" "$2"
	kill -INT "$APID"
	exited() { local s; s=$(ps -o stat= -p "$APID" 2>/dev/null); [ -z "$s" ] || [ "${s:0:1}" = Z ]; }
	wait_until 30 exited
	stop_pid "$APID" KILL 1   # reaps it (KILL only if SIGINT did not end it)
}
interrupt stop 'Streaming slowly' "slow_answer please"
expect_eq "SIGINT stops the run: exit 130" "$STOP_RC" 130
expect_match "  the text shown so far is kept" "$(cat "$SCRATCH/stop.out")" '^Streaming slowly'
expect_match "  says it was stopped" "$(cat "$SCRATCH/stop.err")" 'stopped by the user'
expect_match "  the transcript holds the partial answer" \
	"$(jq -r '.messages[-1] | .role + ": " + .text' "$SCRATCH/stop.json" 2>&1)" '^assistant: Streaming slowly'
expect_eq "  the sandbox was not touched (--sandbox)" "$("$SBX" info "$SID" --json | jq -r .state)" running

interrupt stopcell 'cell started' "slow_cell please"
expect_eq "SIGINT during a cell: exit 130" "$STOP_RC" 130
expect_match "  the call gets a 'stopped' result in the transcript" \
	"$(jq -r '.messages[-1] | .role + ": " + .text' "$SCRATCH/stopcell.json" 2>&1)" '^tool: stopped by the user'
expect_eq "  the cell was interrupted: the kernel answers the next cell" \
	"$(timeout -k 5 60 "$SBX" run "$SID" -c 'print(6 * 7)' 2>&1)" 42

interrupt stopcmd 'command started' "slow_command please"
expect_eq "SIGINT during a command: exit 130" "$STOP_RC" 130
gone() { ! "$SBX" exec "$SID" -- pgrep -f 'sleep 613' >/dev/null 2>&1; }
wait_until 10 gone
expect_eq "  the command was killed" "$(gone && echo gone)" gone

# --- errors that need the user: missing key, refused key, unreachable provider -------------
before=$(nsandboxes)
ai nokey env -- --provider openai "strawberry"
expect_eq "missing key: exit 1" "$RC" 1
expect_match "  says what to set" "$ERR" 'OPENAI_API_KEY'
expect_eq "  no sandbox was made for it" "$(nsandboxes)" "$before"
ai badkey env OPENAI_BASE_URL="$FAKE/v1" OPENAI_API_KEY=bad-key -- --sandbox "$SID" "strawberry"
expect_eq "401: exit 1" "$RC" 1
expect_match "  names the variable and the provider's message" "$ERR" 'refused the key in OPENAI_API_KEY: .+'
ai badkey_a env ANTHROPIC_BASE_URL="$FAKE" ANTHROPIC_API_KEY=bad-key -- --provider anthropic --sandbox "$SID" "strawberry"
expect_match "401 (anthropic): names its variable" "$ERR" 'refused the key in ANTHROPIC_API_KEY'
DEAD=$(free_port)
ai unreach env OPENAI_BASE_URL="http://127.0.0.1:$DEAD/v1" OPENAI_API_KEY=k -- --sandbox "$SID" "strawberry"
expect_eq "unreachable provider: exit 1" "$RC" 1
expect_match "  says the URL and that it is unreachable" "$ERR" "127.0.0.1:$DEAD/v1.*unreachable"

# --- --keep, --providers -------------------------------------------------------------------
ai keep "${OAI[@]}" -- --keep "strawberry count"
KID=$(printf '%s\n' "$ERR" | sed -n 's/.*kept sandbox \([a-z0-9]*\).*/\1/p')
expect_match "--keep: prints the sandbox's id" "$KID" '^[a-z0-9]{20}$'
expect_eq "  it is still running" "$("$SBX" info "$KID" --json 2>/dev/null | jq -r .state)" running
ai prov env ANTHROPIC_API_KEY=x -- --providers
expect_match "--providers: anthropic active" "$(printf '%s\n' "$OUT" | grep '^\*')" '^\* anthropic '
expect_match "  openai unusable, saying what to set" "$OUT" 'openai .*unusable: .*OPENAI_API_KEY'

stop_all
done_testing
