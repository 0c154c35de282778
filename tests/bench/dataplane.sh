#!/bin/bash
# The data plane, side by side in one run (called by run.sh, which has
# started sbxd; prints a markdown block for docs/PERFORMANCE.md):
#   transfers  POST/GET /files of MB bytes with curl, through sbxd's proxy
#              and straight to the agent's unix socket, interleaved;
#   terminal   `time cat` of a text file of CAT_MB in a 100x27 tmux pane
#              on the host, in the workbench's terminal pane (zoomed to
#              100x27, in tmux) and under `sbx exec -t` (in tmux),
#              interleaved.
#   tests/bench/dataplane.sh SBX API_URL KEY STATE_DIR SCRATCH
# Environment: SBX_BENCH_XFER_MB (100), SBX_BENCH_CAT_MB (135),
# SBX_BENCH_ROUNDS (3).
set -u
SBX=$1 API=$2 KEY=$3 STATE=$4 SCRATCH=$5
XFER_MB=${SBX_BENCH_XFER_MB:-100}
CAT_MB=${SBX_BENCH_CAT_MB:-135}
ROUNDS=${SBX_BENCH_ROUNDS:-3}
PY=/usr/bin/python3
TMUX_SOCK=sbxbench$$
W=100 H=27
ID=

say() { echo "bench: $*" >&2; }
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
finish() {
	tm kill-server 2>/dev/null
	[ -n "$ID" ] && curl -s -o /dev/null -m 20 -X DELETE -H "X-API-KEY: $KEY" "$API/sandboxes/$ID"
}
trap finish EXIT

command -v tmux >/dev/null || { say "data plane skipped: no tmux"; exit 0; }
"$SBX" template build base >/dev/null || { say "cannot build the base template"; exit 1; }
created=$(curl -s -m 60 -X POST -H "X-API-KEY: $KEY" -H 'Content-Type: application/json' \
	--data '{"templateID":"base","timeout":3600}' "$API/v2/sandboxes")
ID=$(jq -r '.sandboxID // empty' <<<"$created")
TOK=$(jq -r '.envdAccessToken // empty' <<<"$created")
[ -n "$ID" ] || { say "cannot create a base sandbox: $created"; exit 1; }
SOCK=$STATE/sandboxes/$ID/disk/run/agent.sock
[ -S "$SOCK" ] || { say "no agent socket at $SOCK"; exit 1; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# --- transfers ---------------------------------------------------------------
head -c $((XFER_MB * 1000 * 1000)) /dev/urandom >"$SCRATCH/xfer.bin"
# xfer WAY DIR: seconds for one transfer (WAY sbxd|direct, DIR up|down)
xfer() {
	local args=(-s -m 300 -o /dev/null -w '%{http_code} %{time_total}' -H "X-Access-Token: $TOK")
	local url="$API/files?path=/tmp/xfer-$1.bin"
	if [ "$1" = direct ]; then args+=(--unix-socket "$SOCK"); url="http://agent/files?path=/tmp/xfer-$1.bin"
	else args+=(-H "E2b-Sandbox-Id: $ID"); fi
	[ "$2" = up ] && args+=(-H 'Content-Type: application/octet-stream' --data-binary "@$SCRATCH/xfer.bin")
	local out
	out=$(curl "${args[@]}" "$url")
	case "$out" in 200\ *) echo "${out#* }";; *) say "$1 $2 failed: $out"; return 1;; esac
}
for r in $(seq 1 $((ROUNDS + 1))); do
	ways="sbxd direct"; [ $((r % 2)) = 0 ] && ways="direct sbxd"
	for dir in up down; do
		for w in $ways; do
			t=$(xfer "$w" "$dir") || exit 1
			[ "$r" -gt 1 ] && echo "$t" >>"$SCRATCH/xfer-$w-$dir"   # round 1 warms up
		done
	done
done

# --- terminal -----------------------------------------------------------------
$PY - "$SCRATCH/cat.txt" "$CAT_MB" <<'EOF'
import sys
words = 'the quick brown fox jumps over the lazy dog while sbx streams its output to a terminal'.split()
want, n, i = int(sys.argv[2]) * 1000 * 1000, 0, 0
with open(sys.argv[1], 'w') as f:
    while n < want:
        line = '%08d %s\n' % (i, ' '.join(words[i % 7:i % 7 + 6 + i % 5]))
        f.write(line); n += len(line); i += 1
EOF
up=$(curl -s -m 300 -o /dev/null -w '%{http_code}' -H "E2b-Sandbox-Id: $ID" -H "X-Access-Token: $TOK" \
	-H 'Content-Type: application/octet-stream' --data-binary "@$SCRATCH/cat.txt" "$API/files?path=/tmp/cat.txt&username=user")
[ "$up" = 200 ] || { say "cannot upload the text file ($up)"; exit 1; }

ENVS=(-e "E2B_API_URL=$API" -e "E2B_API_KEY=$KEY" -e "E2B_SANDBOX_URL=$API" -e "XDG_CONFIG_HOME=$XDG_CONFIG_HOME"
      -e "XDG_STATE_HOME=$XDG_STATE_HOME" -e "HOME=$SCRATCH" -e "LC_ALL=C.UTF-8")
# tm_new ROWS CMD: a fresh tmux server with one W x ROWS window running CMD
tm_new() {
	tm kill-server 2>/dev/null
	tm start-server \; set -g default-terminal tmux-256color \; set -g escape-time 0 \
		\; new-session -d -s b -x "$W" -y "$1" "${ENVS[@]}" "$2" \
		\; set -g window-size manual \; set -g status off
}
screen() { tm capture-pane -p -t b 2>/dev/null; }
wait_for() {   # wait_for REGEX SECS
	local i
	for i in $(seq 1 $(($2 * 10))); do screen | grep -Eq "$1" && return 0; sleep 0.1; done
	return 1
}
# timed: types `time CMD` into the pane (bash with TIMEFORMAT) and prints
# the seconds it reports.
timed() {
	tm send-keys -t b -l "TIMEFORMAT='BENCH-REAL %R'; clear; time $1"
	tm send-keys -t b Enter
	wait_for 'BENCH-REAL [0-9]' 1200 || { say "no result for '$1'"; screen >&2; return 1; }
	screen | grep -Eo 'BENCH-REAL [0-9.]+' | tail -n1 | cut -d' ' -f2
}
way_tmux() {
	tm_new "$H" "env PS1='$ ' bash --norc --noprofile"
	wait_for '^\$' 10 && timed "cat $SCRATCH/cat.txt"
}
way_exec() {
	tm_new "$H" "env PS1='$ ' bash --norc --noprofile"
	wait_for '^\$' 10 && timed "$SBX exec -t $ID -- cat /tmp/cat.txt"
}
way_pane() {
	tm_new $((H + 3)) "$SBX workbench --attach $ID 2>>$SCRATCH/workbench.log"
	wait_for 'user@.*\$' 60 || { say "the workbench's terminal did not start"; screen >&2; return 1; }
	# focus the terminal (files, then terminal), zoom it from copy mode
	tm send-keys -t b M-Right; wait_for ' FILES ' 10
	tm send-keys -t b M-Down; wait_for ' TERMINAL ' 10
	tm send-keys -t b C-g; wait_for ' COPY ' 10
	tm send-keys -t b M-z; wait_for 'PTY '"$W"'x'"$H"' ' 10 || { say "cannot zoom the terminal"; screen >&2; return 1; }
	tm send-keys -t b q; wait_for ' TERMINAL ' 10
	timed "cat /tmp/cat.txt"
}
for r in $(seq 1 "$ROUNDS"); do
	ways="tmux pane exec"; [ $((r % 2)) = 0 ] && ways="exec pane tmux"
	for w in $ways; do
		t=$(way_$w) || exit 1
		echo "$t" >>"$SCRATCH/term-$w"
		tm kill-server 2>/dev/null
	done
done

# --- report --------------------------------------------------------------------
m() { median <"$SCRATCH/$1"; }
fmt() { awk -v s="$1" 'BEGIN { printf "%.3f", s }'; }
rate() { awk -v mb="$1" -v s="$2" 'BEGIN { printf "%.0f MB/s", mb / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cat <<EOF
## Results: the data plane through sbxd

Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(tmux -V), curl $(curl -V | awk 'NR == 1 { print $2 }'); load average after the run: $(cut -d' ' -f1-3 /proc/loadavg).

$XFER_MB MB of random bytes, \`curl --data-binary\` (\`POST /files\`, octet-stream) and \`GET /files\`, through sbxd's proxy (TCP to sbxd, its unix socket to the agent) and straight to the agent's unix socket, on one \`base\` sandbox; median of $ROUNDS rounds after one warm-up, the two ways alternating.  *share of direct* is direct time / sbxd time (1.00: as fast; target ≥ 0.50).

| transfer | straight to the agent | through sbxd | share of direct |
|---|---:|---:|---:|
EOF
for dir in up down; do
	d=$(m "xfer-direct-$dir") s=$(m "xfer-sbxd-$dir")
	label=upload; [ "$dir" = down ] && label=download
	echo "| $label | $(fmt "$d") s ($(rate "$XFER_MB" "$d")) | $(fmt "$s") s ($(rate "$XFER_MB" "$s")) | $(ratio "$d" "$s") |"
done
tt=$(m term-tmux) tp=$(m term-pane) te=$(m term-exec)
cat <<EOF

## Results: a terminal's throughput, end to end

\`time cat\` of a $CAT_MB MB text file (lines of 15–60 characters) on a ${W}x${H} terminal, all in tmux on this machine, median of $ROUNDS rounds, the three ways interleaved: *tmux* runs cat on the host in a tmux pane; *workbench pane* runs it in the sandbox in the workbench's terminal pane (zoomed to ${W}x${H}; agent PTY → Connect stream → sbxd → libvterm → curses → tmux); *sbx exec -t* runs it in the sandbox with the CLI's terminal in a tmux pane.  *share of tmux* is the tmux time / that time (target ≥ 0.50 for the pane).

| way | seconds | throughput | share of tmux |
|---|---:|---:|---:|
| tmux pane (host) | $(fmt "$tt") | $(rate "$CAT_MB" "$tt") | 1.00 |
| workbench terminal pane | $(fmt "$tp") | $(rate "$CAT_MB" "$tp") | $(ratio "$tt" "$tp") |
| \`sbx exec -t\` in tmux | $(fmt "$te") | $(rate "$CAT_MB" "$te") | $(ratio "$tt" "$te") |
EOF
