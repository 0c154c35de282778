#!/bin/bash
# make bench: a `1+1` round-trip through sbx-agent vs. jupyter_client direct.
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
[ "$RC" -eq 0 ] && echo "bench: results written to docs/PERFORMANCE.md"
exit "$RC"
