#!/usr/bin/env bash
# `sbx` starts sbxd by itself when none answers (tmux's client/server
# pattern): detached (its own session), logging to the state dir, on the
# address it last used; and it is stopped again afterwards.  Private
# XDG dirs keep the user's real sbxd out of it.
. "$(dirname "$0")/lib.sh"
SBX=$(dirname "$AGENT")/sbx
export XDG_STATE_HOME=$SCRATCH/state XDG_CONFIG_HOME=$SCRATCH/config
unset E2B_API_URL E2B_API_KEY E2B_SANDBOX_URL E2B_DOMAIN
ST=$XDG_STATE_HOME/sbx
PORT=$(free_port)
STARTED=

stop_sbxd() {
	local pid
	pid=$(jq -r .pid "$ST/sbxd.json" 2>/dev/null)
	if [ -n "$STARTED" ] && [ -n "$pid" ] && [ "$pid" != null ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	fi
}
trap 'stop_sbxd; cleanup' EXIT

# Where it listened last time (as `sbx serve` records it): the address reused.
mkdir -p "$ST"
printf '{"url":"http://127.0.0.1:%s","listen":"tcp:127.0.0.1:%s","port":%s,"pid":1}\n' "$PORT" "$PORT" "$PORT" \
	>"$ST/sbxd.json"
expect_eq "nothing answers before" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" 000

out=$("$SBX" ls 2>&1); rc=$?
STARTED=1
expect_eq "sbx ls exits 0 with no sbxd running" "$rc" 0
expect_match "it lists (nothing yet)" "$out" 'no sandboxes'
pid=$(jq -r .pid "$ST/sbxd.json")
expect_eq "sbxd answers on the recorded address" \
	"$(curl -s "http://127.0.0.1:$PORT/health" | jq -r .pid)" "$pid"
expect_eq "sbxd is detached (another session)" \
	"$([ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ] && echo yes)" yes
expect_eq "its parent is not sbx" "$(ps -o ppid= -p "$pid" | tr -d ' ' | grep -qx "$$" && echo child || echo detached)" \
	detached
expect_match "it logs to the state dir" "$(cat "$ST/sbxd.log")" 'serving'
expect_eq "the API key was made" "$(stat -c %a "$XDG_CONFIG_HOME/sbx/api_key")" 600

# A second client finds it running: no second sbxd.
"$SBX" ls >/dev/null 2>&1
expect_eq "a second client reuses it" "$(jq -r .pid "$ST/sbxd.json")" "$pid"
expect_eq "one sbxd only" "$(pgrep -fc "sbx serve --listen tcp:127.0.0.1:$PORT")" 1

stop_sbxd
expect_eq "stopped afterwards" "$(kill -0 "$pid" 2>/dev/null && echo running || echo gone)" gone

# An address something else holds: a clear error, no hang.
python3 -c '
import socket, sys, time, http.server, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self): self.send_response(404); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
threading.Thread(target=s.serve_forever, daemon=True).start()
time.sleep(float(sys.argv[2]))' "$PORT" 10 &
FOREIGN=$!
for _ in $(seq 1 100); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" = 404 ] && break
	sleep 0.05
done
err=$(timeout -k 5 20 "$SBX" ls 2>&1); rc=$?
kill $FOREIGN 2>/dev/null; wait $FOREIGN 2>/dev/null
expect_eq "a foreign server: exit 1" "$rc" 1
expect_match "a foreign server: says it is not sbxd" "$err" 'not sbxd'
done_testing
