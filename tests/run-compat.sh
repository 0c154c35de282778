#!/bin/bash
# The official E2B JS SDKs (tests/compat, pinned) against sbx, in two modes.
#   tests/run-compat.sh BUILD_DIR [TEST_FILE...]
#     Debug mode: BUILD_DIR/sbx-agent on a free loopback port with a scratch
#     workdir, the SDKs in E2B debug mode pointed at it.
#   tests/run-compat.sh --api [--runtime R] BUILD_DIR [TEST_FILE...]
#     Normal (API) mode: a private sbxd (`sbx serve`: own XDG dirs, free port,
#     state dir in a scratch dir) with ns sandboxes; the SDKs get what
#     `sbx env` prints.  Afterwards every sandbox and sbxd are killed and the
#     host is checked for leftovers (one "ok"/"not ok" line).  Needs root and
#     the built templates (make templates); fails without them.  Before sbxd
#     starts, its config dir gets a key in sbxd's old form (sbx_<hex>): sbxd
#     must migrate it, saying so, and still accept it.  --runtime R makes R
#     (qemu: VM sandboxes cloned from a booted snapshot) sbxd's default, so
#     the SDKs' creates, which name no runtime, get R's sandboxes.
# TEST_FILEs are names in tests/compat (default: all; in debug mode all but
# api_*.test.mjs, which need sbxd).  Prints node's spec output, the verdict of
# tests/compat/verdict.mjs (a failed, skipped or todo test, a file that ran
# no test of its own, or no test at all fail the run) and, last, the closing
# line "compat-MODE: N passed, N failed, N skipped" over node's tests and
# this script's own checks.
set -u
MODE=debug
RUNTIME=
if [ "${1:-}" = --api ]; then MODE=api; shift; fi
if [ "$MODE" = api ] && [ "${1:-}" = --runtime ]; then RUNTIME=${2:?--runtime needs a name}; shift 2; fi
LABEL=$MODE${RUNTIME:+-$RUNTIME}
BUILD=${1:?usage: tests/run-compat.sh [--api [--runtime R]] BUILD_DIR [TEST_FILE...]}
shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMPAT=$ROOT/tests/compat
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "run-compat: no build dir '$BUILD'" >&2; exit 2; }
AGENT=$BUILD/sbx-agent
SBX=$BUILD/sbx
for bin in "$AGENT" "$SBX"; do
	[ -x "$bin" ] || { echo "run-compat: no $(basename "$bin") in '$BUILD'; build it with make" >&2; exit 2; }
done
for tool in node npm curl jq; do
	command -v "$tool" >/dev/null || { echo "run-compat: $tool is not installed (make deps)" >&2; exit 2; }
done
if [ "$MODE" = api ] && [ "$(id -u)" -ne 0 ]; then
	echo "not ok - run-compat --api needs root (the ns runtime); run it as root"
	echo "compat-api: 0 passed, 1 failed, 0 skipped"
	exit 1
fi

"$COMPAT/install.sh" || exit 2

SCRATCH=$(mktemp -d /tmp/sbx-compat.XXXXXX)
RC=1
# This script's own checks, added to node's in the closing line.
PASS=0 FAIL=0 SKIPPED=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }
COMPAT_TAG=run-compat
COMPAT_SUITE=compat
. "$ROOT/tests/compat-lib.sh"

# node --test over the given files (default: all but api_* in debug mode),
# under an outer guard against a runner hang (each test has its own
# timeout).  The spec reporter shows the run; verdict.mjs judges it.
run_suite() {
	local verdict=$SCRATCH/verdict.txt rc line
	cd "$COMPAT" || return 1
	if [ $# -eq 0 ]; then
		set -- *.test.mjs
		[ "$MODE" = debug ] && set -- $(printf '%s\n' "$@" | grep -v '^api_')
	fi
	SBX_COMPAT_NAME=node SBX_COMPAT_FILES="$*" timeout --foreground --kill-after=10 1200 \
		node --test --test-reporter=spec --test-reporter-destination=stdout \
		--test-reporter=./verdict.mjs --test-reporter-destination="$verdict" "$@"
	rc=$?
	cat "$verdict" 2>/dev/null
	line=$(grep -E '^node: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$verdict" 2>/dev/null)
	if [ -z "$line" ]; then
		notok "node --test exited $rc without verdict.mjs's closing line"
		return 1
	fi
	set -- $line
	PASS=$((PASS + $2)) FAIL=$((FAIL + $4)) SKIPPED=$((SKIPPED + $6))
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$verdict"; then
		notok "node --test exited $rc"
	fi
	[ "$rc" -eq 0 ] && ! grep -q '^not ok' "$verdict"
}

# ---- debug mode: one bare sbx-agent -----------------------------------------
run_debug() {
	local workdir=$SCRATCH/work
	mkdir -p "$workdir"
	start_agent "$workdir" || return 1
	echo "run-compat: debug mode: sbx-agent $("$AGENT" --version 2>/dev/null) on $AGENT_URL, workdir $workdir"
	E2B_DEBUG=true E2B_SANDBOX_URL=$AGENT_URL SBX_COMPAT_WORKDIR=$workdir run_suite "$@"
}

# ---- API mode: a private sbxd with ns sandboxes -----------------------------
# The key sbxd started with was HEX in sbxd's old form, sbx_HEX: it must be
# e2b_HEX now (E2B SDKs 2.27 to 2.45 refuse anything else before sending),
# in the file and in what `sbx env` exports, sbxd must have said so, and
# both forms must be accepted, a wrong key not.
check_key_migration() {
	local hex=$1 file=$XDG_CONFIG_HOME/sbx/api_key now k want got bad=
	now=$(cat "$file")
	if [ "$now" = "e2b_$hex" ] && grep -q "old form sbx_" "$SBXD_LOG"; then
		ok "sbxd migrated the old key sbx_… to e2b_… (same digits) and said so"
	else
		notok "old key not migrated: $file holds '$now'; sbxd's log: $(grep -i 'key' "$SBXD_LOG" | head -3)"
	fi
	if [ "$E2B_API_KEY" = "e2b_$hex" ]; then ok "sbx env exports the migrated key"
	else notok "sbx env exports '$E2B_API_KEY', not e2b_$hex"; fi
	local wrong=${hex%?}0
	[ "$wrong" = "$hex" ] && wrong=${hex%?}1
	for k in "sbx_$hex=200" "e2b_$hex=200" "e2b_$wrong=401" "sbx_$wrong=401" "=401"; do
		want=${k##*=} k=${k%=*}
		got=$(curl -m 10 -s -o /dev/null -w '%{http_code}' ${k:+-H "X-API-KEY: $k"} "$E2B_API_URL/sandboxes")
		[ "$got" = "$want" ] || bad="$bad ${k:-no key}: HTTP $got, want $want;"
	done
	if [ -z "$bad" ]; then ok "sbxd takes the key in both forms and refuses a wrong or missing one (401)"
	else notok "sbxd's key check:$bad"; fi
}

run_api() {
	local t
	for t in base code-interpreter; do
		if ! "$SBX" template ls --json 2>/dev/null | jq -e --arg t "$t" 'any(.[]; .name == $t)' >/dev/null; then
			notok "template '$t' is not built; run make templates"
			return 2
		fi
	done
	build_e2b_fixture || return 2
	# Private config and state; the template cache is shared.  The config
	# starts with a key in sbxd's old form, as an existing user's does.
	export XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/xdg-state
	unset E2B_DEBUG E2B_DOMAIN SBX_COMPAT_WORKDIR
	local hex
	hex=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
	mkdir -p "$XDG_CONFIG_HOME/sbx"
	(umask 077; echo "sbx_$hex" >"$XDG_CONFIG_HOME/sbx/api_key")
	start_sbxd || { notok "sbxd did not start"; return 1; }
	start_test_registry || return 1
	local env_out
	env_out=$("$SBX" env --state-dir "$STATE") || { notok "sbx env failed"; return 1; }
	eval "$env_out"
	export E2B_API_URL E2B_SANDBOX_URL E2B_API_KEY
	echo "run-compat: API mode: sbxd on $E2B_API_URL (state $STATE, log $SBXD_LOG)"
	check_key_migration "$hex"
	sample_owned &
	SAMPLER_PID=$!
	run_suite "$@"
	local rc=$?
	kill "$SAMPLER_PID" 2>/dev/null
	wait "$SAMPLER_PID" 2>/dev/null
	SAMPLER_PID=
	kill_all || rc=1
	stop_sbxd
	check_leaks || rc=1
	[ "$FAIL" -eq 0 ] || rc=1
	return $rc
}

compat_main "$@"
