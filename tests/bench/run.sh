#!/bin/bash
# make bench: a `1+1` round-trip through sbx-agent vs. jupyter_client direct,
# the terminal pane's throughput (bench/term_bench), the data plane through
# sbxd (transfers, a terminal end to end: dataplane.sh), sandbox start-up,
# and E2B's own JS suites against sbxd (e2b_suites.sh: only when
# SBX_E2B_REPO / SBX_CI_REPO name checkouts of E2B's repositories).
#   tests/bench/run.sh BUILD_DIR [N]
# Starts BUILD_DIR/sbx-agent on a free loopback port, runs roundtrip.py with
# Debian's python (the one with jupyter_client/ipykernel), and rewrites the
# results block of docs/PERFORMANCE.md.
set -u
BUILD=${1:?usage: tests/bench/run.sh BUILD_DIR [N]}
N=${2:-200}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
AGENT=$(cd "$BUILD" 2>/dev/null && pwd)/sbx-agent
PY=/usr/bin/python3
if [ ! -x "$AGENT" ]; then
	echo "bench: no sbx-agent in '$BUILD'; build it with make" >&2
	exit 2
fi
if ! $PY -c 'import jupyter_client, ipykernel' 2>/dev/null; then
	echo "bench: $PY lacks jupyter_client/ipykernel (apt-get install python3-jupyter-client python3-ipykernel)" >&2
	exit 2
fi

SCRATCH=$(mktemp -d /tmp/sbx-bench.XXXXXX)
LOG=$SCRATCH/agent.log
mkdir -p "$SCRATCH/work"
AGENT_PID=
RC=1
cleanup() {
	if [ -n "$AGENT_PID" ]; then
		# Snapshot the agent's children (kernel) before it goes, then make sure.
		kids=$(ps -o pid= --ppid "$AGENT_PID" 2>/dev/null)
		kill -TERM "$AGENT_PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$AGENT_PID" $kids 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	if [ "$RC" -ne 0 ]; then
		echo "bench: agent log (last 30 lines):"
		tail -n 30 "$LOG" 2>/dev/null | sed 's/^/  | /'
	fi
	rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$AGENT" --listen "tcp:127.0.0.1:$PORT" --workdir "$SCRATCH/work" >"$LOG" 2>&1 &
AGENT_PID=$!
for _ in $(seq 1 200); do
	kill -0 "$AGENT_PID" 2>/dev/null || { echo "bench: sbx-agent exited during start-up" >&2; exit 1; }
	case "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" in 2??) break;; esac
	sleep 0.05
done

mkdir -p "$ROOT/docs"
# PYDEVD_*: silences debugpy's frozen-modules warning in the direct kernel.
PYDEVD_DISABLE_FILE_VALIDATION=1 timeout --foreground 900 $PY "$ROOT/tests/bench/roundtrip.py" \
	--url "$URL" --n "$N" --warmup 20 --out "$ROOT/docs/PERFORMANCE.md" \
	--agent-version "$("$AGENT" --version 2>/dev/null)"
RC=$?
[ "$RC" -ne 0 ] && exit "$RC"

# splice NAME FILE: FILE replaces the NAME block of docs/PERFORMANCE.md.
splice() {
	awk -v f="$2" -v b="<!-- $1:begin" -v e="<!-- $1:end" '
		index($0, b) == 1 { print; while ((getline l < f) > 0) print l; skip = 1; next }
		index($0, e) == 1 { skip = 0 }
		!skip' "$ROOT/docs/PERFORMANCE.md" >"$SCRATCH/perf.md" && cp "$SCRATCH/perf.md" "$ROOT/docs/PERFORMANCE.md"
}

# The workbench's terminal panes: libvterm alone vs our term_screen.
if [ -x "$BUILD/bench/term_bench" ]; then
	"$BUILD/bench/term_bench" "${SBX_BENCH_TERM_MB:-16}" 5 >"$SCRATCH/term.md" || exit 1
	splice workbench "$SCRATCH/term.md"
fi

# Sandboxes through sbxd (needs root for the ns runtime and a built template).
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: sandbox start-up skipped: the ns runtime needs root"
	exit 0
fi
SBX=$(cd "$BUILD" && pwd)/sbx
export XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/state
SBXD_PID=
stop_sbxd() {
	[ -n "$SBXD_PID" ] || return 0
	kill -TERM "$SBXD_PID" 2>/dev/null
	wait "$SBXD_PID" 2>/dev/null
	SBXD_PID=
}
trap 'stop_sbxd; cleanup' EXIT
# The data plane: transfers and a terminal, through sbxd vs. the direct ways.
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SBX" serve --listen "tcp:127.0.0.1:$port" --pool 0 --state-dir "$SCRATCH/dp-state" >"$SCRATCH/sbxd-dp.log" 2>&1 &
SBXD_PID=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
	sleep 0.1
done
mkdir -p "$SCRATCH/dp"
if ! timeout --foreground 1800 "$ROOT/tests/bench/dataplane.sh" "$SBX" "http://127.0.0.1:$port" \
	"$(cat "$XDG_CONFIG_HOME/sbx/api_key")" "$SCRATCH/dp-state" "$SCRATCH/dp" >"$SCRATCH/dataplane.md"; then
	echo "bench: data plane benchmark failed; sbxd log:" >&2
	tail -n 30 "$SCRATCH/sbxd-dp.log" >&2
	exit 1
fi
stop_sbxd
splice dataplane "$SCRATCH/dataplane.md"

"$SBX" template build code-interpreter >/dev/null || { echo "bench: cannot build the code-interpreter template" >&2; exit 1; }
for pool in 0 2; do
	port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$SBX" serve --listen "tcp:127.0.0.1:$port" --pool "$pool" >"$SCRATCH/sbxd-$pool.log" 2>&1 &
	SBXD_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
		sleep 0.1
	done
	[ "$pool" -gt 0 ] && sleep 10   # let the pool fill before the first claim
	key=$(cat "$XDG_CONFIG_HOME/sbx/api_key")
	mem=0; [ "$pool" -eq 0 ] && mem=5
	timeout --foreground 1200 $PY "$ROOT/tests/bench/sandboxes.py" --port "$port" --key "$key" \
		--pool "$pool" --n "${SBX_BENCH_N:-50}" --memory "$mem" >"$SCRATCH/sandboxes-$pool.json" || {
		echo "bench: sandbox benchmark failed (pool $pool); sbxd log:" >&2
		tail -n 30 "$SCRATCH/sbxd-$pool.log" >&2
		exit 1
	}
	stop_sbxd
done
$PY "$ROOT/tests/bench/report_sandboxes.py" "$SCRATCH/sandboxes-0.json" "$SCRATCH/sandboxes-2.json" \
	--out "$ROOT/docs/PERFORMANCE.md" || exit 1

# VM sandboxes (qemu; TCG where KVM is unusable) side by side with ns.
if command -v qemu-system-x86_64 >/dev/null; then
	port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$SBX" serve --listen "tcp:127.0.0.1:$port" --pool 0 --state-dir "$SCRATCH/vm-state" >"$SCRATCH/sbxd-vm.log" 2>&1 &
	SBXD_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
		sleep 0.1
	done
	cache=${SBX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}
	timeout --foreground 3600 $PY "$ROOT/tests/bench/vm_bench.py" --port "$port" \
		--key "$(cat "$XDG_CONFIG_HOME/sbx/api_key")" --state-dir "$SCRATCH/vm-state" --cache "$cache" \
		--n "${SBX_BENCH_VM_N:-20}" >"$SCRATCH/vm.md" || {
		echo "bench: VM benchmark failed; sbxd log:" >&2
		tail -n 30 "$SCRATCH/sbxd-vm.log" >&2
		exit 1
	}
	stop_sbxd
	splice vm "$SCRATCH/vm.md"
else
	echo "bench: VM rows skipped: qemu-system-x86_64 is not installed"
fi
# E2B's own test suites (skipped, saying so, without SBX_E2B_REPO/SBX_CI_REPO).
"$ROOT/tests/bench/e2b_suites.sh" "$BUILD" "$ROOT/docs/PERFORMANCE.md" || exit 1
echo "bench: results written to docs/PERFORMANCE.md"
