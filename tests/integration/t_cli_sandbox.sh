#!/usr/bin/env bash
# The sbx CLI end to end against a private sbxd (state and config in
# $SCRATCH, its own port): create, ls, info, exec (plain, stdin, -t),
# run (text, errors, charts), files (trees both ways, mkdir/mv/rm), timeout,
# pause/resume, logs, kill, unknown and abbreviated ids.  Needs root, the ns
# runtime and a built `base` template (`sbx template build base`); a built
# `code-interpreter` adds the chart check.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
cli_need base "the sbx CLI's sandboxes"
trap 'cli_stop; cleanup' EXIT
cli_serve

# --- create / ls / info -------------------------------------------------------
out=$("$SBX" create --timeout 5m --meta owner=cli-test --env GREETING=hello 2>"$SCRATCH/err"); rc=$?
ID=$(printf '%s\n' "$out" | tail -n1)
expect_eq "create exits 0" "$rc" 0; [ "$rc" = 0 ] || sed "s/^/# /" "$SCRATCH/err"
expect_match "create prints the id on its last line" "$ID" '^[a-z0-9]{20}$'
expect_match "ls shows it, with its runtime (no accelerator: ns)" "$("$SBX" ls)" "^$ID +base +running +ns +[0-9]"
expect_eq "ls --json has it" "$("$SBX" ls --json | jq -r --arg id "$ID" '.[] | select(.sandboxID == $id) | .state')" running
expect_eq "ls --meta filters in" "$("$SBX" ls --json --meta owner=cli-test | jq length)" 1
expect_eq "ls --meta filters out" "$("$SBX" ls --json --meta owner=nobody | jq length)" 0
info=$("$SBX" info "$ID" --json)
expect_eq "info --json: id" "$(jq -r .sandboxID <<<"$info")" "$ID"
expect_eq "info --json: metadata" "$(jq -r .metadata.owner <<<"$info")" cli-test
expect_match "info (text)" "$("$SBX" info "$ID")" "state: +running"
expect_match "info (text): the runtime" "$("$SBX" info "$ID")" '^runtime: +ns$'
rts=$("$SBX" runtimes)
expect_match "runtimes: ns available, auto's pick and the default" "$rts" '^ns +yes +- +auto picks it; the default$'
expect_eq "runtimes --json: ns" "$("$SBX" runtimes --json | jq -c '.[] | select(.name == "ns") | [.available, .accel]')" '[true,null]'
err=$("$SBX" create --runtime vmware 2>&1); rc=$?
expect_eq "create --runtime with an unknown runtime: exit 1" "$rc" 1
expect_match "  ... saying which there are" "$err" "unknown runtime 'vmware'; use auto or one of: .*ns"
expect_eq "an abbreviated id works" "$("$SBX" info "${ID:0:5}" --json | jq -r .sandboxID)" "$ID"
err=$("$SBX" info zzzz-nope 2>&1); rc=$?
expect_eq "unknown id: exit 1" "$rc" 1
expect_eq "unknown id: the message" "$err" "sbx info: no sandbox 'zzzz-nope' (see \`sbx ls\`)"

# --- exec ---------------------------------------------------------------------
expect_eq "exec echo" "$("$SBX" exec "$ID" -- echo hello world)" "hello world"
expect_eq "exec sees the create env" "$("$SBX" exec "$ID" -- 'echo $GREETING')" hello
"$SBX" exec "$ID" -- 'echo out; echo err >&2; exit 7' >"$SCRATCH/o" 2>"$SCRATCH/e"; rc=$?
expect_eq "exec: exit code propagates" "$rc" 7
expect_eq "exec: stdout" "$(cat "$SCRATCH/o")" out
expect_eq "exec: stderr" "$(cat "$SCRATCH/e")" err
expect_eq "exec -i forwards stdin" "$(printf 'a\nb\n' | "$SBX" exec -i "$ID" -- wc -l)" 2
expect_eq "exec --cwd" "$("$SBX" exec --cwd /tmp "$ID" -- pwd)" /tmp
timeout -k 5 30 script -eqc "$SBX exec -t $ID -- 'tty; stty size; exit 3'" /dev/null </dev/null >"$SCRATCH/t"; rc=$?
out=$(tr -d '\r' <"$SCRATCH/t")
expect_eq "exec -t: exit code" "$rc" 3
expect_match "exec -t: a pty" "$out" '/dev/pts/[0-9]+'
expect_match "exec -t: its size" "$out" '^[0-9]+ [0-9]+$'
(sleep 1; printf 'echo typed-$((6*7))\r'; sleep 1; printf 'exit 4\r'; sleep 1) |
	timeout -k 5 30 script -eqc "$SBX exec -t $ID" /dev/null >"$SCRATCH/t"; rc=$?
out=$(tr -d '\r' <"$SCRATCH/t")
expect_match "exec -t: keys reach the shell" "$out" 'typed-42'
expect_eq "exec -t: the shell's exit code" "$rc" 4

# --- run ----------------------------------------------------------------------
expect_eq "run -c print(1)" "$("$SBX" run "$ID" -c 'print(1)')" 1
expect_eq "run: the last expression" "$("$SBX" run "$ID" -c 'x = 21' && "$SBX" run "$ID" -c 'x * 2')" 42
printf 'import sys\nprint("from", "file")\nprint("to stderr", file=sys.stderr)\n' >"$SCRATCH/cell.py"
expect_eq "run FILE" "$("$SBX" run "$ID" "$SCRATCH/cell.py" 2>/dev/null)" "from file"
"$SBX" run "$ID" -c 'raise ValueError("boom")' >"$SCRATCH/o" 2>"$SCRATCH/e"; rc=$?
expect_eq "run: exit 1 when the cell raised" "$rc" 1
expect_match "run: the traceback" "$(cat "$SCRATCH/e")" 'ValueError: boom'

CHART_TPL=
printf '%s\n' "$CLI_TEMPLATES" | grep -qx code-interpreter && CHART_TPL=code-interpreter
if [ -n "$CHART_TPL" ]; then
	CID=$("$SBX" create --template "$CHART_TPL" | tail -n1)
	out=$("$SBX" run "$CID" --out "$SCRATCH/charts" -c '
import matplotlib.pyplot as plt
plt.bar(["a", "b", "c"], [1, 2, 3]); plt.title("Counts"); plt.show()')
	png=$(printf '%s\n' "$out" | sed -n 's/^\[image\/png [0-9x]*\] //p' | head -n1)
	expect_match "run: chart saved to --out" "$png" "^$SCRATCH/charts/.*\.png$"
	expect_match "run: the file is a PNG" "$(file -b "$png" 2>/dev/null || head -c 4 "$png" | od -c)" 'PNG'
	expect_match "run: chart summary" "$out" "bar chart 'Counts'.*a=1, b=2, c=3"
	"$SBX" kill "$CID" >/dev/null
else
	skip "run: charts" "no built code-interpreter template (make templates)"
fi

# --- files --------------------------------------------------------------------
T=$SCRATCH/tree
mkdir -p "$T/a/b/c" "$T/empty" "$T/with space"
head -c 700000 /dev/urandom >"$T/a/b/c/big.bin"
echo one >"$T/one.txt"; echo two >"$T/a/two.txt"; echo s >"$T/with space/s p.txt"
sums() { (cd "$1" && find . -type f | sort | xargs -d '\n' md5sum); }
"$SBX" files "$ID" put "$T" up >"$SCRATCH/o" 2>&1; rc=$?
expect_eq "files put DIR" "$rc" 0
expect_eq "files: the remote tree" "$("$SBX" exec "$ID" -- 'cd up && find . | sort' | tr '\n' ' ')" \
	". ./a ./a/b ./a/b/c ./a/b/c/big.bin ./a/two.txt ./empty ./one.txt ./with space ./with space/s p.txt "
"$SBX" files "$ID" get up "$SCRATCH/back" >/dev/null 2>&1; rc=$?
expect_eq "files get DIR" "$rc" 0
expect_eq "files: round trip checksums" "$(sums "$SCRATCH/back")" "$(sums "$T")"
expect_eq "files: empty dirs come back" "$([ -d "$SCRATCH/back/empty" ] && echo yes)" yes
expect_eq "files get FILE -" "$("$SBX" files "$ID" get up/one.txt -)" one
echo single | "$SBX" files "$ID" put - up/from-stdin.txt
expect_eq "files put - REMOTE" "$("$SBX" exec "$ID" -- cat up/from-stdin.txt)" single
"$SBX" files "$ID" mkdir up/x/y/z && "$SBX" files "$ID" mv up/x up/moved && "$SBX" files "$ID" rm up/a
expect_match "files ls after mkdir/mv/rm" "$("$SBX" files "$ID" ls up)" 'moved/'
expect_eq "files: mv moved the tree" "$("$SBX" exec "$ID" -- 'test -d up/moved/y/z && test ! -e up/x && echo ok')" ok
expect_eq "files: rm removed" "$("$SBX" exec "$ID" -- 'test ! -e up/a && echo gone')" gone
err=$("$SBX" files "$ID" get no/such/file "$SCRATCH/x" 2>&1); rc=$?
expect_eq "files get missing: exit 1" "$rc" 1
expect_match "files get missing: says so" "$err" 'no no/such/file in sandbox'

# --- timeout ------------------------------------------------------------------
before=$("$SBX" info "$ID" --json | jq -r .endAt)
"$SBX" timeout "$ID" 1h >/dev/null
after=$("$SBX" info "$ID" --json | jq -r .endAt)
expect_eq "timeout moves endAt later" "$([[ "$after" > "$before" ]] && echo later)" later
SHORT=$("$SBX" create | tail -n1)
listed() { [ "$("$SBX" ls --json | jq --arg id "$1" '[.[] | select(.sandboxID == $id)] | length')" = 1 ]; }
expect_eq "a sandbox for the timeout is listed" "$(listed "$SHORT" && echo yes)" yes
"$SBX" timeout "$SHORT" 2 >/dev/null
unlisted() { ! listed "$1"; }
wait_until 30 unlisted "$SHORT"
expect_eq "a sandbox dies at its timeout" "$(listed "$SHORT" && echo "still listed" || echo gone)" gone

# --- pause / resume -----------------------------------------------------------
"$SBX" exec "$ID" -- 'echo kept > /tmp/state'
"$SBX" pause "$ID" >/dev/null
expect_eq "pause: ls says paused" "$("$SBX" info "$ID" --json | jq -r .state)" paused
err=$("$SBX" exec "$ID" -- true 2>&1); rc=$?
expect_match "exec on a paused sandbox says what to do" "$err" "is paused; resume it with \`sbx resume"
"$SBX" resume "${ID:0:6}" >/dev/null
expect_eq "resume: running again" "$("$SBX" info "$ID" --json | jq -r .state)" running
expect_eq "resume: files survive" "$("$SBX" exec "$ID" -- cat /tmp/state)" kept
expect_eq "resume: the kernel's variables survive" "$("$SBX" run "$ID" -c 'print(x)')" 21

# --- logs / kill --------------------------------------------------------------
expect_match "logs" "$("$SBX" logs "$ID")" '==> sbxd <=='
"$SBX" kill "$ID" >/dev/null; rc=$?
expect_eq "kill" "$rc" 0
err=$("$SBX" kill "$ID" 2>&1); rc=$?
expect_eq "kill again: exit 1" "$rc" 1
expect_match "kill again: no such sandbox" "$err" "no sandbox '$ID'"
"$SBX" create >/dev/null; "$SBX" create >/dev/null
expect_eq "two sandboxes to kill" "$("$SBX" ls --json | jq length)" 2
"$SBX" kill --all >/dev/null
expect_eq "kill --all" "$("$SBX" ls --json | jq length)" 0
cli_stop
expect_eq "sbxd stopped" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" 000
done_testing
