#!/bin/bash
# The official E2B Python SDKs (tests/compat-py, pinned and hashed) against
# sbx under pytest, in the two modes of tests/run-compat.sh:
#   tests/run-compat-py.sh BUILD_DIR [TEST_FILE...]
#     Debug mode: BUILD_DIR/sbx-agent on a free loopback port with a scratch
#     workdir; the SDKs in E2B debug mode (E2B_DEBUG=true) with
#     E2B_SANDBOX_URL pointed at it, so envd (49983) and the code
#     interpreter (49999) are both that one agent.  Sandbox.create makes no
#     control-plane call there ("debug_sandbox_id").
#   tests/run-compat-py.sh --api [--runtime R] BUILD_DIR [TEST_FILE...]
#     API mode: a private sbxd (`sbx serve`, own XDG dirs, free port, state
#     in a scratch dir) with the SDKs set up by what `sbx env` prints; every
#     test module gets real sandboxes.  Afterwards every sandbox and sbxd
#     are killed and the host is checked for leftovers.  Needs root and the
#     built templates (make templates).  --runtime R: sbxd's default runtime.
# TEST_FILEs are names in tests/compat-py (default: every test_*.py; in
# debug mode all but test_api_*.py, which need sbxd).  Prints pytest's
# output with its closing summary line, then this script's own checks and,
# last, "compat-py-MODE: N passed, N failed, N skipped".  A failed, erroring
# or skipped test, or no test at all, fails the run.
set -u
MODE=debug
RUNTIME=
if [ "${1:-}" = --api ]; then MODE=api; shift; fi
if [ "$MODE" = api ] && [ "${1:-}" = --runtime ]; then RUNTIME=${2:?--runtime needs a name}; shift 2; fi
LABEL=$MODE${RUNTIME:+-$RUNTIME}
BUILD=${1:?usage: tests/run-compat-py.sh [--api [--runtime R]] BUILD_DIR [TEST_FILE...]}
shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUITE=$ROOT/tests/compat-py
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "run-compat-py: no build dir '$BUILD'" >&2; exit 2; }
AGENT=$BUILD/sbx-agent
SBX=$BUILD/sbx
for bin in "$AGENT" "$SBX"; do
	[ -x "$bin" ] || { echo "run-compat-py: no $(basename "$bin") in '$BUILD'; build it with make" >&2; exit 2; }
done
for tool in curl jq; do
	command -v "$tool" >/dev/null || { echo "run-compat-py: $tool is not installed (make deps)" >&2; exit 2; }
done
if [ "$MODE" = api ] && [ "$(id -u)" -ne 0 ]; then
	echo "not ok - run-compat-py --api needs root (the ns runtime); run it as root"
	echo "compat-py-api: 0 passed, 1 failed, 0 skipped"
	exit 1
fi

VENV=$("$SUITE/install.sh" | tail -n 1) && [ -x "$VENV/bin/python" ] ||
	{ echo "run-compat-py: tests/compat-py/install.sh failed" >&2; exit 2; }

SCRATCH=$(mktemp -d /tmp/sbx-compat-py.XXXXXX)
RC=1
# pytest's counts plus this script's own checks, for the closing line.
PASS=0 FAIL=0 SKIPPED=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Every live descendant of $1 (the agent's commands, PTYs and kernels).
descendants() {
	local kids k
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null)
	for k in $kids; do
		echo "$k"
		descendants "$k"
	done
}

# pytest over the given files (default: all; in debug mode not test_api_*),
# under an outer guard against a hang (each test has its own timeout in
# conftest.py).  Adds pytest's counts to PASS/FAIL/SKIPPED.
run_suite() {
	local out=$SCRATCH/pytest.out rc line n word
	cd "$SUITE" || return 1
	if [ $# -eq 0 ]; then
		set -- test_*.py
		[ "$MODE" = debug ] && set -- $(printf '%s\n' "$@" | grep -v '^test_api_')
	fi
	PYTHONDONTWRITEBYTECODE=1 timeout --foreground --kill-after=10 1200 \
		"$VENV/bin/python" -m pytest -p no:cacheprovider -o console_output_style=classic \
		-rfEs -v "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# The closing line, e.g. "==== 2 failed, 30 passed, 1 skipped in 41.2s ====".
	line=$(grep -E '^=+ .*( passed| failed| error| skipped| no tests ran).* in [0-9.]+s' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		notok "pytest exited $rc without its summary line"
		return 1
	fi
	for word in passed failed errors error skipped xfailed xpassed; do
		n=$(echo "$line" | grep -oE "[0-9]+ $word\b" | head -n 1 | cut -d' ' -f1)
		[ -n "$n" ] || continue
		case $word in
		passed) PASS=$((PASS + n));;
		skipped|xfailed) SKIPPED=$((SKIPPED + n));;
		*) FAIL=$((FAIL + n));;
		esac
	done
	[ "$rc" -eq 0 ] || [ "$FAIL" -gt 0 ] || notok "pytest exited $rc"
	[ "$rc" -eq 0 ]
}

# ---- debug mode: one bare sbx-agent -----------------------------------------
AGENT_PID=
AGENT_LOG=$SCRATCH/agent.log

stop_agent() {
	[ -n "$AGENT_PID" ] || return 0
	local procs stray
	procs=$(descendants "$AGENT_PID")
	kill -TERM "$AGENT_PID" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$AGENT_PID" $procs 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	# Anything still running in the scratch dir (reparented grandchildren).
	stray=$(for p in /proc/[0-9]*; do
		case "$(readlink "$p/cwd" 2>/dev/null)" in "$SCRATCH"*) echo "${p#/proc/}";; esac
	done)
	if [ -n "$stray" ]; then
		echo "run-compat-py: killing processes left in $SCRATCH: $(echo $stray)" >&2
		kill -KILL $stray 2>/dev/null
	fi
	AGENT_PID=
}

run_debug() {
	local workdir=$SCRATCH/work url ready=
	mkdir -p "$workdir"
	url=http://127.0.0.1:$(free_port)
	"$AGENT" --listen "tcp:${url#http://}" --workdir "$workdir" >"$AGENT_LOG" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 1 200); do
		if ! kill -0 "$AGENT_PID" 2>/dev/null; then
			notok "sbx-agent exited during start-up"
			return 1
		fi
		case "$(curl -m 2 -s -o /dev/null -w '%{http_code}' "$url/health")" in 2??) ready=1; break;; esac
		sleep 0.05
	done
	if [ -z "$ready" ]; then
		notok "sbx-agent did not answer GET $url/health within 10 s"
		return 1
	fi
	echo "run-compat-py: debug mode: sbx-agent $("$AGENT" --version 2>/dev/null) on $url, workdir $workdir, venv $VENV"
	unset E2B_API_URL E2B_API_KEY E2B_DOMAIN
	E2B_DEBUG=true E2B_SANDBOX_URL=$url SBX_COMPAT_WORKDIR=$workdir run_suite "$@"
}

# ---- API mode: a private sbxd -----------------------------------------------
STATE=$SCRATCH/state            # short: sandbox socket paths live under it
SBXD_PID=
SBXD_LOG=$SCRATCH/sbxd.log
OWNED=$SCRATCH/owned            # copies of each sandbox's driver state.json
SAMPLER_PID=
FWD0=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo 0)

start_sbxd() {
	local port; port=$(free_port)
	# Its own session: a Ctrl-C must not stop sbxd before the cleanup has
	# used it to kill the sandboxes.
	setsid "$SBX" serve --listen "tcp:127.0.0.1:$port" --state-dir "$STATE" ${RUNTIME:+--runtime "$RUNTIME"} \
		>>"$SBXD_LOG" 2>&1 &
	SBXD_PID=$!
	for _ in $(seq 1 200); do
		[ "$(curl -m 2 -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ] && return 0
		kill -0 "$SBXD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "run-compat-py: sbxd did not start; its log:" >&2
	sed 's/^/  | /' "$SBXD_LOG" >&2
	return 1
}

stop_sbxd() {
	[ -n "$SBXD_PID" ] || return 0
	kill -TERM "$SBXD_PID" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$SBXD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SBXD_PID" 2>/dev/null
	wait "$SBXD_PID" 2>/dev/null
	SBXD_PID=
}

# What a sandbox owns on the host (init pid, veth, cgroups) is in its
# driver's state.json, which destroy removes: copy it while it lives.
sample_owned() {
	local d
	mkdir -p "$OWNED"
	while :; do
		for d in "$STATE"/sandboxes/*/; do
			[ -f "$d/state.json" ] && cp "$d/state.json" "$OWNED/$(basename "$d").json" 2>/dev/null
		done
		sleep 0.2
	done
}

run_ids() {
	{
		grep -oE 'sbxd: sandbox [a-z0-9]{20}' "$SBXD_LOG" | cut -d' ' -f3
		ls "$OWNED" 2>/dev/null | sed 's/\.json$//'
	} | sort -u
}

# After sbxd and its sandboxes are gone: nothing of theirs may be left.
check_leaks() {
	local ids alt why="" d v
	leak() { local w=$1; shift; [ $# -gt 0 ] && why="$why $w: $*;"; }
	ids=$(run_ids)
	alt=$(echo $ids | tr ' ' '|')
	if [ -n "$alt" ]; then
		leak processes $(grep -lE ":/sbx/($alt)(/|\$)" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3)
		leak vmms $(pgrep -f "$STATE/sandboxes/")
		leak cgroups $(for d in /sys/fs/cgroup/*/sbx/* /sys/fs/cgroup/sbx/*; do
			[ -d "$d" ] && echo "$ids" | grep -qx "$(basename "$d")" && echo "$d"; done)
	fi
	leak veths $(for v in $(cat "$OWNED"/*.json 2>/dev/null | jq -r '.veth // .net.veth // empty' | sort -u); do
		ip link show "$v" >/dev/null 2>&1 && echo "$v"; done)
	leak mounts $(cut -d' ' -f2 /proc/mounts | grep -F "$SCRATCH/")
	leak "loop devices" $(losetup -ln -O NAME,BACK-FILE 2>/dev/null | grep -F "$SCRATCH/" | cut -d' ' -f1)
	leak records $(ls "$STATE/sandboxes" 2>/dev/null)
	if [ -z "$why" ]; then
		ok "API run left nothing behind ($(echo $ids | wc -w) sandboxes: no process, cgroup, veth, mount, loop device or record)"
		return 0
	fi
	notok "API run left things behind:$why"
	return 1
}

# The tests kill their own sandboxes; anything still alive is noted.
kill_all() {
	local out rc
	out=$("$SBX" kill --all 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		notok "sbx kill --all failed: $out"
		return 1
	fi
	if echo "$out" | grep -q '^killed'; then
		echo "run-compat-py: note: sandboxes still alive after the suite, now killed: $(echo "$out" | grep '^killed' | cut -d' ' -f2- | tr '\n' ' ')"
	fi
}

cleanup_api() {
	[ -n "$SAMPLER_PID" ] && { kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; }
	SAMPLER_PID=
	if [ -n "$SBXD_PID" ] && kill -0 "$SBXD_PID" 2>/dev/null; then
		"$SBX" kill --all >/dev/null 2>&1
	fi
	stop_sbxd
	local st
	for st in "$STATE"/sandboxes/*/; do
		[ -f "$st/state.json" ] && [ -x "$BUILD/tools/sbx-rt" ] && "$BUILD/tools/sbx-rt" destroy "$st" >/dev/null 2>&1
	done
	FWD0=$FWD0 flock -x /run/sbx-ns.lock sh -c '
		ip -o link show | grep -q ": sbx[0-9]*@" && exit 0
		nft delete table inet sbx 2>/dev/null
		[ "$FWD0" = 0 ] && echo 0 >/proc/sys/net/ipv4/ip_forward
		exit 0'
}

run_api() {
	local t env_out rc
	for t in base code-interpreter; do
		if ! "$SBX" template ls --json 2>/dev/null | jq -e --arg t "$t" 'any(.[]; .name == $t)' >/dev/null; then
			notok "template '$t' is not built; run make templates"
			return 2
		fi
	done
	export XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/xdg-state
	unset E2B_DEBUG E2B_DOMAIN SBX_COMPAT_WORKDIR
	start_sbxd || { notok "sbxd did not start"; return 1; }
	env_out=$("$SBX" env --state-dir "$STATE") || { notok "sbx env failed"; return 1; }
	eval "$env_out"
	export E2B_API_URL E2B_SANDBOX_URL E2B_API_KEY
	echo "run-compat-py: API mode: sbxd on $E2B_API_URL (state $STATE, log $SBXD_LOG), venv $VENV"
	sample_owned &
	SAMPLER_PID=$!
	run_suite "$@"
	rc=$?
	kill "$SAMPLER_PID" 2>/dev/null
	wait "$SAMPLER_PID" 2>/dev/null
	SAMPLER_PID=
	kill_all || rc=1
	stop_sbxd
	check_leaks || rc=1
	return $rc
}

cleanup() {
	local log=$AGENT_LOG
	if [ "$MODE" = api ]; then cleanup_api; log=$SBXD_LOG; else stop_agent; fi
	if [ "$RC" -ne 0 ] && [ -f "$log" ]; then
		echo "run-compat-py: $MODE mode failed; last 40 lines of $log:"
		tail -n 40 "$log" | sed 's/^/  | /'
	fi
	if cut -d' ' -f2 /proc/mounts | grep -qF "$SCRATCH/"; then
		echo "run-compat-py: $SCRATCH still has mounts; left in place" >&2
	else
		rm -rf "$SCRATCH"
	fi
	echo "compat-py-$LABEL: $PASS passed, $FAIL failed, $SKIPPED skipped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$MODE" = api ]; then run_api "$@"; else run_debug "$@"; fi
RC=$?
# Only a run that passed something and failed and skipped nothing passes.
if [ "$RC" -eq 0 ] && { [ "$FAIL" -ne 0 ] || [ "$SKIPPED" -ne 0 ] || [ "$PASS" -eq 0 ]; }; then RC=1; fi
exit "$RC"
