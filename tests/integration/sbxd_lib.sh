# Sourced (after lib.sh) by the sbxd integration tests: a private sbxd on a
# free port with its own state dir, its clean-up, and curl helpers for the
# control plane (api), the data plane (px, run, cell) and create.
# done_testing stops sbxd with SIGTERM and checks it exits with status 0;
# the sandboxes' agent logs are kept in $SCRATCH/logs before they are
# destroyed, for the sanitizer scan.
SBX=$(dirname "$AGENT")/sbx
STATE=$SCRATCH/state
SBXD_PID=
SBXD_LOG=$SCRATCH/sbxd.log
FWD0=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo 0)

sbxd_init() {
	if [ "$(id -u)" -ne 0 ]; then skip_all "sbxd needs root (the ns runtime)"; fi
	[ -x "$SBX" ] || { notok "sbx binary" "$SBX is missing; run make"; exit 1; }
	local why
	if ! why=$("$TOOLS/sbx-rt" available 2>&1); then notok "ns runtime available" "$why"; exit 1; fi
	export XDG_CONFIG_HOME=$SCRATCH/config
	sbxd_template base
	PORT=$(free_port)
	API=http://127.0.0.1:$PORT
	trap 'sbxd_cleanup; cleanup' EXIT
	at_done sbxd_done
}

# A template built once (minutes), cached outside the checkout; a failed
# build ends the test.
sbxd_template() {
	"$TOOLS/sbx-template" path "$1" >/dev/null 2>&1 && return 0
	echo "# building the $1 template (once; see ~/.cache/sbx/logs)"
	local out
	if ! out=$("$TOOLS/sbx-template" build "$1" -q 2>&1); then
		notok "build the $1 template" "$(printf '%s' "$out" | tail -n 3)"; exit 1
	fi
}

# done_testing's: a clean stop of the sbxd still running.
sbxd_done() {
	[ -n "$SBXD_PID" ] || return 0
	sbxd_keep_logs
	sbxd_stop TERM
	expect_eq "sbxd exits with status 0 on SIGTERM" "$SBXD_RC" 0
}

# Copies of the sandboxes' agent logs (they go with the sandbox).
sbxd_keep_logs() {
	local st
	mkdir -p "$SCRATCH/logs"
	for st in "$STATE"/sandboxes/*/; do
		[ -f "$st/disk/log/agent.log" ] && cp "$st/disk/log/agent.log" "$SCRATCH/logs/agent-$(basename "$st").log"
	done
	return 0
}

sbxd_start() {
	"$SBX" serve --listen "tcp:127.0.0.1:$PORT" --state-dir "$STATE" "$@" >>"$SBXD_LOG" 2>&1 &
	SBXD_PID=$!
	local i
	for i in $(seq 1 200); do
		[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$API/health")" = 200 ] && return 0
		kill -0 "$SBXD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# sbxd did not start; its log:"; tail -n 20 "$SBXD_LOG" | sed 's/^/#   /'
	return 1
}

sbxd_stop() {   # sbxd_stop [SIGNAL]; its exit status in SBXD_RC (SIGKILL after 30 s)
	[ -n "$SBXD_PID" ] || return 0
	stop_pid "$SBXD_PID" "${1:-TERM}" 30
	SBXD_RC=$STOP_RC
	SBXD_PID=
}

# Whatever a failed run left: sbxd, then every sandbox it recorded.
sbxd_cleanup() {
	sbxd_stop KILL
	sbxd_keep_logs
	local st
	for st in "$STATE"/sandboxes/*/; do
		[ -f "$st/state.json" ] && "$TOOLS/sbx-rt" destroy "$st" >/dev/null 2>&1
	done
	if ! ip -o link show 2>/dev/null | grep -q ': sbx[0-9]*@'; then
		nft delete table inet sbx 2>/dev/null
		[ "$FWD0" = 0 ] && echo 0 >/proc/sys/net/ipv4/ip_forward
	fi
	if [ "$(fails)" -gt 0 ] || [ -n "${SBXD_SHOW_LOG:-}" ]; then echo "# sbxd log (last 30 lines):"; tail -n 30 "$SBXD_LOG" | sed 's/^/#   /'; fi
	return 0
}

# api METHOD PATH [BODY]: control plane with the key; body on stdout, status via $(status);
# curl gives up after $API_MAX_S seconds (default 120).
api() {
	local args=(-s -m "${API_MAX_S:-120}" -o "$SCRATCH/.body" -w '%{http_code}' -X "$1" -H "X-API-KEY: $E2B_API_KEY")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	curl "${args[@]}" "$API$2" >"$STATUS_FILE"
	cat "$SCRATCH/.body"
}

# px ID TOKEN METHOD PATH [CURL_ARGS...]: data plane through the proxy.
px() {
	local id=$1 tok=$2 m=$3 p=$4; shift 4
	curl -s -m 60 -o "$SCRATCH/.body" -w '%{http_code}' -X "$m" -H "E2b-Sandbox-Id: $id" \
		${tok:+-H "X-Access-Token: $tok"} "$@" "$API$p" >"$STATUS_FILE"
	cat "$SCRATCH/.body"
}

# run ID TOKEN CMD: a command through the proxy (process.Process/Start); its stdout.
run() {
	URL=$API rpc_stream /process.Process/Start \
		"$(jq -nc --arg c "$3" '{process:{cmd:"/bin/bash",args:["-c",$c]},stdin:false}')" \
		-H "E2b-Sandbox-Id: $1" -H "X-Access-Token: $2" |
		grep '^0 ' | cut -d' ' -f2- | jq -rj '.event.data.stdout // empty | @base64d'
}

# cell ID TOKEN CODE: the main result's text of a code cell through the proxy.
cell() {
	curl -s -N -m 120 -H "E2b-Sandbox-Id: $1" -H "X-Access-Token: $2" -H 'Content-Type: application/json' \
		--data-binary "$(jq -cn --arg c "$3" '{code:$c}')" "$API/execute" |
		jq -r -s '[.[] | select(.type == "result" and .is_main_result)][0].text // "none"'
}

# create BODY: sets ID and TOK; the whole answer in $CREATED.
create() {
	CREATED=$(api POST /v2/sandboxes "$1")
	ID=$(jq -r .sandboxID <<<"$CREATED" 2>/dev/null)
	TOK=$(jq -r .envdAccessToken <<<"$CREATED" 2>/dev/null)
	[ "$(status)" = 201 ]
}

ms() { echo $(( $(date +%s%N) / 1000000 )); }
