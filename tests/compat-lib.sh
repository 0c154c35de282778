# What tests/run-compat.sh (JS SDKs) and tests/run-compat-py.sh (Python
# SDKs) share: a bare sbx-agent for E2B debug mode, a private sbxd for API
# mode, and the leak check after it.  Source it after setting SCRATCH (the
# run's scratch dir), BUILD, SBX (BUILD/sbx), RUNTIME (may be empty),
# MODE (debug|api), LABEL, PASS/FAIL/SKIPPED, COMPAT_TAG (the prefix of its
# messages) and COMPAT_SUITE (its closing line's name), and defining
# ok/notok and run_debug/run_api; compat_main runs the mode and exits.

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Every live descendant of $1 (the agent's commands, PTYs and kernels).
descendants() {
	local kids
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null)
	for k in $kids; do
		echo "$k"
		descendants "$k"
	done
}

# ---- debug mode: one bare sbx-agent -----------------------------------------
AGENT_PID=
AGENT_LOG=$SCRATCH/agent.log

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
		echo "$COMPAT_TAG: killing processes left in $SCRATCH: $(echo $stray)" >&2
		kill -KILL $stray 2>/dev/null
	fi
	AGENT_PID=
}

# start_agent WORKDIR: BUILD/sbx-agent on a free loopback port; sets
# AGENT_PID and AGENT_URL once GET /health answers (a notok line if not).
start_agent() {
	local ready=
	AGENT_URL=http://127.0.0.1:$(free_port)
	"$BUILD/sbx-agent" --listen "tcp:${AGENT_URL#http://}" --workdir "$1" >"$AGENT_LOG" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 1 200); do
		if ! kill -0 "$AGENT_PID" 2>/dev/null; then
			notok "sbx-agent exited during start-up"
			return 1
		fi
		case "$(curl -m 2 -s -o /dev/null -w '%{http_code}' "$AGENT_URL/health")" in 2??) ready=1; break;; esac
		sleep 0.05
	done
	if [ -z "$ready" ]; then
		notok "sbx-agent did not answer GET $AGENT_URL/health within 10 s"
		return 1
	fi
}

# ---- API mode: a private sbxd with ns sandboxes -----------------------------
STATE=$SCRATCH/state            # short: sandbox socket paths live under it
SBXD_PID=
SBXD_LOG=$SCRATCH/sbxd.log
OWNED=$SCRATCH/owned            # copies of each sandbox's driver state.json
SAMPLER_PID=
FWD0=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo 0)

# The E2B template directory the api_template_files tests create from
# (tests/fixtures/e2b-template), built with this run's sbx and agent: at
# once when that build is cached, else about a minute (a copy of base).
build_e2b_fixture() {
	local out
	if ! out=$("$SBX" template build "$ROOT/tests/fixtures/e2b-template" 2>&1); then
		notok "sbx template build tests/fixtures/e2b-template failed: $(echo "$out" | tail -n 3)"
		return 1
	fi
	echo "$COMPAT_TAG: $(echo "$out" | grep -E '^(already )?built' | head -n1)"
}

start_sbxd() {
	local port; port=$(free_port)
	# Its own session: a Ctrl-C of the run must not stop sbxd before the
	# cleanup has used it to kill the sandboxes.
	setsid "$SBX" serve --listen "tcp:127.0.0.1:$port" --state-dir "$STATE" ${RUNTIME:+--runtime "$RUNTIME"} \
		>>"$SBXD_LOG" 2>&1 &
	SBXD_PID=$!
	for _ in $(seq 1 200); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ] && return 0
		kill -0 "$SBXD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "$COMPAT_TAG: sbxd did not start; its log:" >&2
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

# Every sandbox this run had: the ids in sbxd's log and in the samples.
run_ids() {
	{
		grep -oE 'sbxd: sandbox [a-z0-9]{20}' "$SBXD_LOG" | cut -d' ' -f3
		ls "$OWNED" 2>/dev/null | sed 's/\.json$//'
	} | sort -u
}

# After sbxd (stopped and waited for) and its sandboxes are gone: nothing
# of theirs may be left on the host.
check_leaks() {
	local ids alt why="" d v
	# leak WHAT ITEMS...: note what is left (nothing when ITEMS is empty).
	leak() { local w=$1; shift; [ $# -gt 0 ] && why="$why $w: $*;"; }
	ids=$(run_ids)
	alt=$(echo $ids | tr ' ' '|')
	if [ -n "$alt" ]; then
		leak processes $(grep -lE ":/sbx/($alt)(/|\$)" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3)
		# VM sandboxes: their VMM runs with paths under the state dir.
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

# Kill the sandboxes that are still there (the tests kill their own).
kill_all() {
	local out
	out=$("$SBX" kill --all 2>&1)
	local rc=$?
	if [ $rc -ne 0 ]; then
		notok "sbx kill --all failed: $out"
		return 1
	fi
	if echo "$out" | grep -q '^killed'; then
		echo "$COMPAT_TAG: note: sandboxes still alive after the suite, now killed: $(echo "$out" | grep '^killed' | cut -d' ' -f2- | tr '\n' ' ')"
	fi
}

# On any exit: sbxd and whatever it still runs, then the shared network
# pieces when no sandbox of anyone needs them (vm/ns/ns_net.h).
cleanup_api() {
	[ -n "$SAMPLER_PID" ] && { kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; }
	SAMPLER_PID=
	if [ -n "$SBXD_PID" ] && kill -0 "$SBXD_PID" 2>/dev/null; then
		"$SBX" kill --all >/dev/null 2>&1
	fi
	stop_sbxd
	registry_stop
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

# ---- API mode: the tests' package registry ----------------------------------
# tests/registry on a test host the sandboxes reach through their NAT, for
# pip/npm installs without outside traffic: its URL and request log go to
# the tests as SBX_TEST_REGISTRY and SBX_TEST_REGISTRY_LOG.
. "$(dirname "${BASH_SOURCE[0]}")/registry/registry.sh"
start_test_registry() {
	registry_start "$SCRATCH" || { notok "the tests' package registry did not start (tests/registry/registry.sh)"; return 1; }
	export SBX_TEST_REGISTRY=$REGISTRY_URL SBX_TEST_REGISTRY_LOG=$REGISTRY_LOG
	echo "$COMPAT_TAG: package registry on $REGISTRY_URL (log $REGISTRY_LOG)"
}

# ---- the end of a run -------------------------------------------------------
# Stops what the mode started, shows the log's tail after a failure, removes
# the scratch dir, and prints the closing line.
compat_cleanup() {
	local log=$AGENT_LOG
	if [ "$MODE" = api ]; then cleanup_api; log=$SBXD_LOG; else stop_agent; fi
	if [ "$RC" -ne 0 ] && [ -f "$log" ]; then
		echo "$COMPAT_TAG: $MODE mode failed; last 40 lines of $log:"
		tail -n 40 "$log" | sed 's/^/  | /'
	fi
	if cut -d' ' -f2 /proc/mounts | grep -qF "$SCRATCH/"; then
		echo "$COMPAT_TAG: $SCRATCH still has mounts; left in place" >&2
	else
		rm -rf "$SCRATCH"
	fi
	echo "$COMPAT_SUITE-$LABEL: $PASS passed, $FAIL failed, $SKIPPED skipped"
}

# Runs the mode with the test files given; only a run that passed something
# and failed and skipped nothing passes.
compat_main() {
	RC=1
	trap compat_cleanup EXIT
	trap 'exit 130' INT TERM
	if [ "$MODE" = api ]; then run_api "$@"; else run_debug "$@"; fi
	RC=$?
	if [ "$RC" -eq 0 ] && { [ "$FAIL" -ne 0 ] || [ "$SKIPPED" -ne 0 ] || [ "$PASS" -eq 0 ]; }; then RC=1; fi
	exit "$RC"
}
