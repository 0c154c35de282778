#!/bin/bash
# The official E2B JS SDKs (tests/compat, pinned) against a fresh sbx-agent.
#   tests/run-compat.sh BUILD_DIR [TEST_FILE...]
# Starts BUILD_DIR/sbx-agent on a free loopback port with a scratch workdir,
# runs `node --test` in E2B debug mode pointed at it, and stops the agent and
# everything it started.  Prints node's spec summary (ℹ tests/pass/fail).
set -u
BUILD=${1:?usage: tests/run-compat.sh BUILD_DIR [TEST_FILE...]}
shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMPAT=$ROOT/tests/compat
AGENT=$(cd "$BUILD" 2>/dev/null && pwd)/sbx-agent
if [ ! -x "$AGENT" ]; then
	echo "run-compat: no sbx-agent in '$BUILD'; build it with make" >&2
	exit 2
fi
for tool in node npm curl; do
	command -v "$tool" >/dev/null || { echo "run-compat: $tool is not installed (make deps)" >&2; exit 2; }
done

# Reinstall the pinned SDKs whenever the lockfile changed since the last npm ci.
STAMP=$COMPAT/node_modules/.sbx-lock-sha256
WANT=$(sha256sum "$COMPAT/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
	echo "run-compat: npm ci (package-lock.json changed or node_modules missing)"
	if ! (cd "$COMPAT" && npm ci --no-audit --no-fund --loglevel=error); then
		echo "run-compat: npm ci failed; is the npm registry reachable?" >&2
		exit 2
	fi
	echo "$WANT" >"$STAMP"
fi

SCRATCH=$(mktemp -d /tmp/sbx-compat.XXXXXX)
WORKDIR=$SCRATCH/work
LOG=$SCRATCH/agent.log
mkdir -p "$WORKDIR"
AGENT_PID=
RC=1

# Every live descendant of $1 (the agent's commands, PTYs and kernels).
descendants() {
	local kids
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null)
	for k in $kids; do
		echo "$k"
		descendants "$k"
	done
}

stop_agent() {
	[ -n "$AGENT_PID" ] || return 0
	local procs
	procs=$(descendants "$AGENT_PID")
	kill -TERM "$AGENT_PID" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	# Whatever survived the agent's own shutdown: the snapshot, then anything
	# still running inside the scratch dir (e.g. reparented grandchildren).
	kill -KILL "$AGENT_PID" $procs 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	local stray
	stray=$(for p in /proc/[0-9]*; do
		case "$(readlink "$p/cwd" 2>/dev/null)" in "$SCRATCH"*) echo "${p#/proc/}";; esac
	done)
	if [ -n "$stray" ]; then
		echo "run-compat: killing processes left in $SCRATCH: $(echo $stray)" >&2
		kill -KILL $stray 2>/dev/null
	fi
	AGENT_PID=
}

cleanup() {
	stop_agent
	if [ "$RC" -ne 0 ] && [ -f "$LOG" ]; then
		echo "run-compat: agent log (last 40 lines of $LOG):"
		tail -n 40 "$LOG" | sed 's/^/  | /'
	fi
	rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
URL=http://127.0.0.1:$PORT
"$AGENT" --listen "tcp:127.0.0.1:$PORT" --workdir "$WORKDIR" >"$LOG" 2>&1 &
AGENT_PID=$!

ready=
for _ in $(seq 1 200); do
	if ! kill -0 "$AGENT_PID" 2>/dev/null; then
		echo "run-compat: sbx-agent exited during start-up" >&2
		exit 1
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")
	case "$code" in 2??) ready=1; break;; esac
	sleep 0.05
done
if [ -z "$ready" ]; then
	echo "run-compat: sbx-agent did not answer GET $URL/health within 10 s" >&2
	exit 1
fi
echo "run-compat: sbx-agent $($AGENT --version 2>/dev/null) on $URL, workdir $WORKDIR"

cd "$COMPAT" || exit 1
if [ $# -eq 0 ]; then set -- *.test.mjs; fi
# The outer timeout only guards against a runner hang; each test has its own.
E2B_DEBUG=true E2B_SANDBOX_URL=$URL SBX_COMPAT_WORKDIR=$WORKDIR \
	timeout --foreground --kill-after=10 1200 node --test --test-reporter=spec "$@"
RC=$?
exit "$RC"
