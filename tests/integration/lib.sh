# Sourced by every tests/integration/t_*.sh.  Each check prints one TAP line
# ("ok - NAME", "not ok - NAME: why", "ok - NAME # SKIP why"); the script ends
# with done_testing; tests/tap_run.sh counts the lines and checks the plan.
#
# Environment from the runner: AGENT (sbx-agent binary), TOOLS (test tools dir).
#   start_agent [ARGS...]   start sbx-agent on a free loopback port with a
#                           scratch workdir; sets URL, SCRATCH, AGENT_PID, AGENT_LOG
#   stop_agent              SIGTERM it; a check that it exits with status 0
#   ok NAME | notok NAME WHY | skip NAME WHY | skip_all WHY (plan 1..0, exit)
#   expect_eq NAME GOT WANT
#   expect_match NAME GOT REGEX
#   wait_until SECS CMD...  run CMD every 0.05 s until it succeeds; 1 after SECS
#   at_done CMD             done_testing runs CMD first (stop what must exit
#                           cleanly before the sanitizer scan); last added first
#   san_log FILE            one more log to scan for sanitizer reports
#   done_testing            the last line: runs the at_done commands, stops the
#                           agent, checks that no process the test started
#                           reported a sanitizer error, prints the plan 1..N
#   rpc PATH JSON [CURL_ARGS...]     unary Connect call; body on stdout, status in $STATUS file
#   rpc_stream PATH JSON [CURL_ARGS...]  server-stream call; one decoded frame per
#                                        line: "<flags> <json>"
#
# Sanitizer reports (the SAN build) go to $SAN_DIR through ASAN_OPTIONS and
# UBSAN_OPTIONS log_path, inherited by every process the test starts (agent,
# sbxd, sbx, the workbench); done_testing also scans $SCRATCH's *.log files
# and the san_log ones, for what a process wrote to stderr.
set -u
: "${AGENT:?AGENT must point at sbx-agent}"
: "${TOOLS:?TOOLS must point at the test tools}"
SCRATCH=$(mktemp -d /tmp/sbx-it.XXXXXX)
STATUS_FILE=$SCRATCH/.status
TAP_FILE=$SCRATCH/.tap        # one line per check: counted across subshells
: >"$TAP_FILE"
AGENT_PID=
AGENT_LOG=$SCRATCH/agent.log
SAN_DIR=$SCRATCH/san
mkdir -p "$SAN_DIR" && chmod 1777 "$SAN_DIR"   # processes that dropped root write here too
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN_DIR/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$SAN_DIR/ubsan"
SAN_PAT='ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|Sanitizer:DEADLYSIGNAL|SUMMARY: [A-Za-z]+Sanitizer'
SAN_LOGS=()
SAN_CHECKED=
DONE_HOOKS=()
FAILS=0

cleanup() {
	stop_pid "$AGENT_PID"
	AGENT_PID=
	# A script that ended early still shows what a sanitizer found.
	[ -n "$SAN_CHECKED" ] || san_check
	if [ "$(fails)" -gt 0 ] && [ -f "$AGENT_LOG" ]; then
		echo "# agent log (last 30 lines):"; tail -n 30 "$AGENT_LOG" | sed 's/^/#   /'
	fi
	rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 143' TERM INT     # bash skips the EXIT trap when a signal kills it

ok() { echo ok >>"$TAP_FILE"; echo "ok - $1"; }
notok() { echo "not ok" >>"$TAP_FILE"; FAILS=$((FAILS + 1)); echo "not ok - $1: $2"; }
skip() { echo ok >>"$TAP_FILE"; echo "ok - $1 # SKIP $2"; }
skip_all() { echo "1..0 # SKIP $1"; SAN_CHECKED=1; exit 0; }
# Failed checks so far, subshells' included.
fails() { grep -c '^not ok' "$TAP_FILE"; }
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "got [$2] want [$3]"; fi
}
expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else notok "$1" "[$2] does not match /$3/"; fi
}
wait_until() {
	local secs=$1 i; shift
	for i in $(seq 1 $((secs * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# stop_pid PID [SIGNAL] [SECS]: signal a child of this shell, wait up to SECS
# (10) for it to exit, then SIGKILL it; its exit status in STOP_RC (not on
# stdout: only this shell, not a $(...), can wait for its children).
stop_pid() {
	local pid=$1 sig=${2:-TERM} secs=${3:-10} i s
	STOP_RC=0
	[ -n "$pid" ] || return 0
	kill "-$sig" "$pid" 2>/dev/null
	for i in $(seq 1 $((secs * 20))); do
		s=$(ps -o stat= -p "$pid" 2>/dev/null)
		[ -z "$s" ] || [ "${s:0:1}" = Z ] && break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null; STOP_RC=$?
}

stop_agent() {
	[ -n "$AGENT_PID" ] || return 0
	stop_pid "$AGENT_PID"
	AGENT_PID=
	expect_eq "the agent exits with status 0 on SIGTERM" "$STOP_RC" 0
}

at_done() { DONE_HOOKS+=("$1"); }
san_log() { SAN_LOGS+=("$1"); }

# san_check: one check, not ok with the reports' first lines when any log of
# a process this test started holds a sanitizer report.
san_check() {
	local f hits=() l
	SAN_CHECKED=1
	while IFS= read -r f; do
		[ -f "$f" ] && grep -qE "$SAN_PAT" "$f" 2>/dev/null && hits+=("$f")
	done < <({ find "$SAN_DIR" -type f; find "$SCRATCH" -name '*.log' -type f; printf '%s
' "${SAN_LOGS[@]}"; } 2>/dev/null | sort -u)
	if [ ${#hits[@]} -eq 0 ]; then
		ok "no sanitizer report from any process the test started"
		return 0
	fi
	notok "no sanitizer report from any process the test started" "reports in: ${hits[*]}"
	for f in "${hits[@]}"; do
		echo "# $f:"
		grep -E -m1 -A25 "$SAN_PAT" "$f" | sed 's/^/#   /'
	done
	for l in "${hits[@]}"; do mkdir -p /tmp/sbx-san-reports && cp "$l" "/tmp/sbx-san-reports/$(basename "$SCRATCH")-$(basename "$l")" 2>/dev/null; done
	echo "# copies kept in /tmp/sbx-san-reports"
	return 1
}

# The last line of every test script: the plan ("1..N", N the checks run,
# subshells' included), so the runner can tell a script that ended early
# from one that ran to its end.
done_testing() {
	local i
	for ((i = ${#DONE_HOOKS[@]} - 1; i >= 0; i--)); do ${DONE_HOOKS[i]}; done
	stop_agent
	san_check
	echo "1..$(wc -l <"$TAP_FILE")"
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_agent() {
	local port; port=$(free_port)
	mkdir -p "$SCRATCH/work"
	"$AGENT" --listen "tcp:127.0.0.1:$port" --workdir "$SCRATCH/work" "$@" >>"$AGENT_LOG" 2>&1 &
	AGENT_PID=$!
	URL=http://127.0.0.1:$port
	for _ in $(seq 1 100); do
		if curl -s -m 2 -o /dev/null "$URL/health"; then return 0; fi
		sleep 0.05
	done
	echo "# agent did not answer on $URL"; cat "$AGENT_LOG"
	return 1
}

rpc() {
	local path=$1 json=$2; shift 2
	curl -s -m 60 -o - -w '%{http_code}' -H 'Content-Type: application/json' \
		-H 'Connect-Protocol-Version: 1' --data-binary "$json" "$@" "$URL$path" >"$SCRATCH/.rpc"
	local out; out=$(cat "$SCRATCH/.rpc")
	echo "${out: -3}" >"$STATUS_FILE"
	printf '%s' "${out:0:${#out}-3}"
}
status() { cat "$STATUS_FILE"; }

rpc_stream() {
	local path=$1 json=$2; shift 2
	printf '%s' "$json" | "$TOOLS/connect_frame" enc >"$SCRATCH/.req"
	curl -s -N -m 60 -o "$SCRATCH/.resp" -w '%{http_code}' -H 'Content-Type: application/connect+json' \
		-H 'Connect-Protocol-Version: 1' --data-binary "@$SCRATCH/.req" "$@" "$URL$path" >"$STATUS_FILE"
	"$TOOLS/connect_frame" dec <"$SCRATCH/.resp"
}
