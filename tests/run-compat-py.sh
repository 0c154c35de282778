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
# TEST_FILEs are names in tests/compat-py (default: every test_*.py and
# llm/test_*.py, E2B's LLM examples against tests/fake-llm; in debug mode
# all but test_api_*.py and llm/test_fake_scripts.py, which need sbxd).  Prints pytest's
# output with its closing summary line, then this script's own checks and,
# last, "compat-py-MODE: N passed, N failed, N skipped".  A failed, erroring
# or skipped test, or no test at all, fails the run.  The agent, sbxd and
# leak-check parts are tests/compat-lib.sh, shared with tests/run-compat.sh.
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
# In use: another checkout's install.sh must not remove it under us.
exec 8<"$VENV/.sbx-complete" && flock -s 8

SCRATCH=$(mktemp -d /tmp/sbx-compat-py.XXXXXX)
RC=1
# pytest's counts plus this script's own checks, for the closing line.
PASS=0 FAIL=0 SKIPPED=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }
COMPAT_TAG=run-compat-py
COMPAT_SUITE=compat-py
. "$ROOT/tests/compat-lib.sh"

# pytest over the given files (default: all; in debug mode not test_api_*),
# under an outer guard against a hang (each test has its own timeout in
# conftest.py).  Adds pytest's counts to PASS/FAIL/SKIPPED.
run_suite() {
	local out=$SCRATCH/pytest.out rc line n word
	cd "$SUITE" || return 1
	if [ $# -eq 0 ]; then
		set -- test_*.py llm/test_*.py
		# debug mode has no sbxd, and test_fake_scripts needs real code-interpreter sandboxes
		[ "$MODE" = debug ] && set -- $(printf '%s\n' "$@" | grep -v -e '^test_api_' -e '^llm/test_fake_scripts')
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
run_debug() {
	local workdir=$SCRATCH/work
	mkdir -p "$workdir"
	start_agent "$workdir" || return 1
	echo "run-compat-py: debug mode: sbx-agent $("$AGENT" --version 2>/dev/null) on $AGENT_URL, workdir $workdir, venv $VENV"
	unset E2B_API_URL E2B_API_KEY E2B_DOMAIN
	E2B_DEBUG=true E2B_SANDBOX_URL=$AGENT_URL SBX_COMPAT_WORKDIR=$workdir run_suite "$@"
	local rc=$?
	# A sanitizer build reports memory errors and leaks in its log (the
	# leaks at exit): stop the agent first.
	stop_agent
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$AGENT_LOG"; then
		notok "sbx-agent's log has a sanitizer report: $(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$AGENT_LOG")"
		return 1
	fi
	ok "sbx-agent's log has no sanitizer report"
	return $rc
}

# ---- API mode: a private sbxd -----------------------------------------------
run_api() {
	local t env_out rc
	for t in base code-interpreter; do
		if ! "$SBX" template ls --json 2>/dev/null | jq -e --arg t "$t" 'any(.[]; .name == $t)' >/dev/null; then
			notok "template '$t' is not built; run make templates"
			return 2
		fi
	done
	build_e2b_fixture || return 2
	export XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/xdg-state
	unset E2B_DEBUG E2B_DOMAIN SBX_COMPAT_WORKDIR
	start_sbxd || { notok "sbxd did not start"; return 1; }
	start_test_registry || return 1
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

compat_main "$@"
