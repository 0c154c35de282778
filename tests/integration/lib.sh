# Sourced by every tests/integration/t_*.sh.  Each check prints one TAP-like
# line ("ok - NAME" or "not ok - NAME: why"); run-integration.sh counts them.
#
# Environment from the runner: AGENT (sbx-agent binary), TOOLS (test tools dir).
#   start_agent [ARGS...]   start sbx-agent on a free loopback port with a
#                           scratch workdir; sets URL, SCRATCH, AGENT_PID, AGENT_LOG
#   ok NAME | notok NAME WHY
#   expect_eq NAME GOT WANT
#   expect_match NAME GOT REGEX
#   rpc PATH JSON [CURL_ARGS...]     unary Connect call; body on stdout, status in $STATUS file
#   rpc_stream PATH JSON [CURL_ARGS...]  server-stream call; one decoded frame per
#                                        line: "<flags> <json>"
set -u
: "${AGENT:?AGENT must point at sbx-agent}"
: "${TOOLS:?TOOLS must point at the test tools}"
SCRATCH=$(mktemp -d /tmp/sbx-it.XXXXXX)
STATUS_FILE=$SCRATCH/.status
AGENT_PID=
AGENT_LOG=$SCRATCH/agent.log
FAILS=0

cleanup() {
	if [ -n "$AGENT_PID" ]; then
		kill "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	if [ "$FAILS" -gt 0 ] && [ -f "$AGENT_LOG" ]; then
		echo "# agent log (last 30 lines):"; tail -n 30 "$AGENT_LOG" | sed 's/^/#   /'
	fi
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

TESTS_RUN=0
ok() { TESTS_RUN=$((TESTS_RUN + 1)); echo "ok - $1"; }
notok() { TESTS_RUN=$((TESTS_RUN + 1)); echo "not ok - $1: $2"; FAILS=$((FAILS + 1)); }
# The last line of every test script: the TAP plan ("1..N"), so the runner can
# tell a script that ended early from one that ran to its end.
done_testing() { echo "1..$TESTS_RUN"; }
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "got [$2] want [$3]"; fi
}
expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else notok "$1" "[$2] does not match /$3/"; fi
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_agent() {
	local port; port=$(free_port)
	mkdir -p "$SCRATCH/work"
	"$AGENT" --listen "tcp:127.0.0.1:$port" --workdir "$SCRATCH/work" "$@" >"$AGENT_LOG" 2>&1 &
	AGENT_PID=$!
	URL=http://127.0.0.1:$port
	for _ in $(seq 1 100); do
		if curl -s -o /dev/null "$URL/health"; then return 0; fi
		sleep 0.05
	done
	echo "# agent did not answer on $URL"; cat "$AGENT_LOG"
	return 1
}

rpc() {
	local path=$1 json=$2; shift 2
	curl -s -o - -w '%{http_code}' -H 'Content-Type: application/json' \
		-H 'Connect-Protocol-Version: 1' --data-binary "$json" "$@" "$URL$path" >"$SCRATCH/.rpc"
	local out; out=$(cat "$SCRATCH/.rpc")
	echo "${out: -3}" >"$STATUS_FILE"
	printf '%s' "${out:0:${#out}-3}"
}
status() { cat "$STATUS_FILE"; }

rpc_stream() {
	local path=$1 json=$2; shift 2
	printf '%s' "$json" | "$TOOLS/connect_frame" enc >"$SCRATCH/.req"
	curl -s -N -o "$SCRATCH/.resp" -w '%{http_code}' -H 'Content-Type: application/connect+json' \
		-H 'Connect-Protocol-Version: 1' --data-binary "@$SCRATCH/.req" "$@" "$URL$path" >"$STATUS_FILE"
	"$TOOLS/connect_frame" dec <"$SCRATCH/.resp"
}
