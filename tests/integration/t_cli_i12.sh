#!/usr/bin/env bash
# The sbx CLI's issue-12 commands end to end against a private sbxd (state
# and config in $SCRATCH, its own port): snapshot create/ls/rm, create
# --from, fork, events (--type), network (create rules, show, replace, clear, a bad
# entry), volume (create, ls, put, get, files, mkdir, rm-file, rm, mounted
# by create --volume, refused while mounted), port (list, forward), ls
# --state/--meta, and the errors for unknown names.  Needs root, the ns
# runtime and a built `base` template (`sbx template build base`).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"
FWD_PID=

# --- the raw tunnel, against a stand-in for sbxd (fake_tunnel.py) ----------------
FAKE_PORT=$(free_port)
/usr/bin/python3 "$(dirname "$0")/fake_tunnel.py" "$FAKE_PORT" "$SCRATCH/tunnel.log" 2>"$SCRATCH/fake.err" &
FAKE_PID=$!
FT_PID=
trap 'stop_pid "$FT_PID"; stop_pid "$FAKE_PID"; cleanup' EXIT
wait_until 10 curl -s -m 2 -o /dev/null "http://127.0.0.1:$FAKE_PORT/"
# `env ... timeout ... &` (not a function's subshell) so SIGTERM reaches sbx
F() { env E2B_API_URL="http://127.0.0.1:$FAKE_PORT" E2B_SANDBOX_URL="http://127.0.0.1:$FAKE_PORT" E2B_API_KEY=k \
	timeout -k 5 60 "$SBX" "$@"; }
FENV=(env E2B_API_URL="http://127.0.0.1:$FAKE_PORT" E2B_SANDBOX_URL="http://127.0.0.1:$FAKE_PORT" E2B_API_KEY=k
	timeout -k 5 60 "$SBX")
LPORT=$(free_port)
"${FENV[@]}" port fakesandbox000000001 7 --local "$LPORT" >"$SCRATCH/ft.out" 2>"$SCRATCH/ft.err" &
FT_PID=$!
wait_until 10 grep -q forwarding "$SCRATCH/ft.out"
# 1 MiB up, half-closed, echoed back upper-cased: both directions, EOF passed on
/usr/bin/python3 - "$LPORT" >"$SCRATCH/ft.py.out" 2>&1 <<'PY'
import socket, sys
data = bytes(97 + (i * 7) % 26 for i in range(1 << 20))
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = c.recv(65536)
    if not d:
        break
    got += d
print("same" if got == data.upper() else "differs: %d bytes" % len(got))
PY
expect_eq "tunnel: 1 MiB each way through sbx port, EOF passed on" "$(cat "$SCRATCH/ft.py.out")" same
expect_eq "  ... the upgrade carried the sandbox, its token and sbx-tcp" \
	"$(jq -r '[.path, .headers["e2b-sandbox-id"], .headers["x-access-token"], .headers.upgrade, .headers.connection] | join(" ")' "$SCRATCH/tunnel.log" | head -n1)" \
	"/sbx/tunnel/7 fakesandbox000000001 tok-fake sbx-tcp Upgrade"
stop_pid "$FT_PID" TERM 10
expect_match "  ... stops on SIGTERM, counting" "$(cat "$SCRATCH/ft.err")" "stopped forwarding \(1 connection\)"
LPORT=$(free_port)
"${FENV[@]}" port fakesandbox000000001 9 --local "$LPORT" >"$SCRATCH/ft.out" 2>"$SCRATCH/ft.err" &
FT_PID=$!
wait_until 10 grep -q forwarding "$SCRATCH/ft.out"
expect_match "tunnel: nothing listens on 9: warned from the port list" "$(cat "$SCRATCH/ft.err")" "nothing listens on port 9"
curl -s -m 10 -o /dev/null "http://127.0.0.1:$LPORT/"
wait_until 10 grep -q 'cannot forward' "$SCRATCH/ft.err"
expect_match "  ... a connection gets sbxd's reason on stderr" "$(cat "$SCRATCH/ft.err")" \
	"cannot forward a connection to port 9 of sandbox fakesandbox000000001: The sandbox is running but port is not open: nothing is listening on port 9 \(HTTP 502\)"
stop_pid "$FT_PID" TERM 10
err=$(F port fakesandbox000000001 7 --local "$FAKE_PORT" 2>&1); rc=$?
expect_eq "a local port in use: exit 1" "$rc" 1
expect_match "  ... says what to do" "$err" "local port $FAKE_PORT is in use; pick another with --local"
stop_pid "$FAKE_PID"
FAKE_PID=

cli_need base "the sbx CLI's sandboxes"
stop_all() {
	stop_pid "$FWD_PID" TERM 10
	FWD_PID=
	cli_stop
}
trap 'stop_all; cleanup' EXIT
S() { timeout -k 5 300 "$SBX" "$@"; }
cli_serve

ID=$(S create --timeout 10m --meta owner=i12 2>"$SCRATCH/err" | tail -n1)
expect_match "create" "$ID" '^[a-z0-9]{20}$' || sed 's/^/# /' "$SCRATCH/err"
S exec "$ID" -- 'echo snapped > $HOME/mark' >/dev/null

# --- ls filters -----------------------------------------------------------------
expect_eq "ls --state running --meta: in" "$(S ls --json --state running --meta owner=i12 | jq -r '.[].sandboxID')" "$ID"
expect_eq "ls --state paused: out" "$(S ls --json --state paused --meta owner=i12 | jq length)" 0
expect_eq "ls --meta K=V of another value: out" "$(S ls --json --meta owner=other | jq length)" 0

# --- snapshots ------------------------------------------------------------------
out=$(S snapshot create "${ID:0:6}" --name cli-snap 2>"$SCRATCH/err"); rc=$?
expect_eq "snapshot create: exit 0" "$rc" 0; [ "$rc" = 0 ] || sed 's/^/# /' "$SCRATCH/err"
expect_eq "snapshot create prints the snapshot id" "$(tail -n1 <<<"$out")" "cli-snap:default"
expect_eq "the source keeps running" "$(S info "$ID" --json | jq -r .state)" running
ls_json=$(S snapshot ls --json)
expect_eq "snapshot ls --json has it" "$(jq -r '.[] | select(.snapshotID == "cli-snap:default") | .names[0]' <<<"$ls_json")" \
	"local/cli-snap:default"
expect_match "snapshot ls (table)" "$(S snapshot ls)" "^cli-snap:default .*local/cli-snap:default$"
expect_eq "snapshot ls --sandbox ID" "$(S snapshot ls --sandbox "$ID" --json | jq -r '.[].snapshotID')" "cli-snap:default"
expect_eq "snapshot ls --sandbox OTHER" "$(S snapshot ls --sandbox "$ID" --json | jq length)" 1
FROM=$(S create --from cli-snap --timeout 5m 2>"$SCRATCH/err" | tail -n1)
expect_match "create --from NAME" "$FROM" '^[a-z0-9]{20}$' || sed 's/^/# /' "$SCRATCH/err"
expect_eq "  ... has the snapshot's files" "$(S exec "$FROM" -- 'cat $HOME/mark')" snapped
expect_eq "  ... its templateID is the snapshot" "$(S info "$FROM" --json | jq -r .templateID)" "cli-snap:default"
S kill "$FROM" >/dev/null
err=$(S create --from no-such-snap 2>&1); rc=$?
expect_eq "create --from an unknown snapshot: exit 1" "$rc" 1
expect_match "  ... says so" "$err" "^sbx create: cannot create a sandbox: .*no-such-snap"
err=$(S snapshot create zzzz-nope 2>&1); rc=$?
expect_eq "snapshot create of an unknown sandbox: exit 1" "$rc" 1
expect_eq "  ... says so" "$err" "sbx snapshot: no sandbox 'zzzz-nope' (see \`sbx ls\`)"
err=$(S snapshot create 2>&1); rc=$?
expect_eq "snapshot create without an id: exit 2" "$rc" 2
expect_match "  ... and usage" "$err" "no sandbox id given"

# --- fork -----------------------------------------------------------------------
out=$(S fork "$ID" --count 2 --timeout 5m 2>"$SCRATCH/err"); rc=$?
expect_eq "fork --count 2: exit 0" "$rc" 0; [ "$rc" = 0 ] || sed 's/^/# /' "$SCRATCH/err"
expect_eq "  ... two new ids" "$(grep -cE '^[a-z0-9]{20}$' <<<"$out")" 2
for f in $out; do
	expect_eq "  ... fork $f has the files" "$(S exec "$f" -- 'cat $HOME/mark')" snapped
	S kill "$f" >/dev/null
done
err=$(S fork zzzz-nope 2>&1); rc=$?
expect_eq "fork of an unknown sandbox: exit 1" "$rc" 1
KILLED=$(S create | tail -n1)
kid=$(S ls --json | jq -r --arg k "$KILLED" '.[] | select(.sandboxID == $k) | .sandboxID')
S kill "$KILLED" >/dev/null
err=$(S fork "$kid" 2>&1); rc=$?
expect_eq "fork of a killed sandbox: exit 1" "$rc" 1

# --- snapshot rm ----------------------------------------------------------------
expect_eq "snapshot rm" "$(S snapshot rm cli-snap:default)" "deleted snapshot cli-snap:default"
err=$(S snapshot rm cli-snap:default 2>&1); rc=$?
expect_eq "snapshot rm again: exit 1" "$rc" 1
expect_match "  ... says where to look" "$err" "HTTP 404.*\`sbx snapshot ls\` lists the snapshots"

# --- events ---------------------------------------------------------------------
ev=$(S events "$ID" --json --limit 50)
expect_eq "events ID --json: created" "$(jq -r '[.[] | select(.type == "sandbox.lifecycle.created")] | length' <<<"$ev")" 1
expect_eq "  ... all of that sandbox" "$(jq -r '[.[] | select(.sandboxId != "'"$ID"'")] | length' <<<"$ev")" 0
expect_match "events (table)" "$(S events --limit 100)" "created +$ID"
expect_match "events of the killed sandbox outlive it" "$(S events "$KILLED")" "killed +$KILLED"
expect_eq "events --limit 1" "$(S events --json --limit 1 | jq length)" 1
ev=$(S events "$ID" --json --limit 50 --type snapshotted --type paused,sandbox.lifecycle.resumed)
expect_eq "events --type: only those (the snapshot's pause, itself, the resume)" \
	"$(jq -c '[.[].type | sub("sandbox.lifecycle."; "")] | unique' <<<"$ev")" '["paused","resumed","snapshotted"]'
expect_eq "events --type killed of a running sandbox: none" "$(S events "$ID" --json --type killed | jq length)" 0
err=$(S events --type pasued 2>&1); rc=$?
expect_eq "events --type with a typo: exit 2" "$rc" 2
expect_match "  ... names the types" "$err" "'pasued' is not an event type; want one of created, updated, paused"

# --- network --------------------------------------------------------------------
NET=$(S create --timeout 5m --allow-out 198.18.0.1 --deny-out 198.18.0.0/15 2>"$SCRATCH/err" | tail -n1)
expect_match "create --allow-out --deny-out" "$NET" '^[a-z0-9]{20}$' || sed 's/^/# /' "$SCRATCH/err"
expect_eq "  ... getInfo has the rules" "$(S network "$NET" --json | jq -c '[.network.allowOut, .network.denyOut]')" \
	'[["198.18.0.1"],["198.18.0.0/15"]]'
expect_match "network ID (text)" "$(S network "$NET")" "allow out: +198.18.0.1"
expect_match "network ID --deny-out: replaced" "$(S network "$NET" --deny-out 10.0.0.0/8,192.0.2.1)" "rules replaced"
expect_eq "  ... getInfo has the new rules" "$(S network "$NET" --json | jq -c '[.network.allowOut // [], .network.denyOut]')" \
	'[[],["10.0.0.0/8","192.0.2.1"]]'
err=$(S network "$NET" --deny-out 10.0.0.0/99 2>&1); rc=$?
expect_eq "a malformed CIDR: exit 1" "$rc" 1
expect_match "  ... names it" "$err" "10.0.0.0/99"
S network "$NET" --clear >/dev/null
expect_eq "network --clear" "$(S network "$NET" --json | jq -c '[.network.allowOut // [], .network.denyOut // []]')" '[[],[]]'
NOI=$(S create --timeout 5m --no-internet | tail -n1)
expect_eq "create --no-internet" "$(S network "$NOI" --json | jq -r .allowInternetAccess)" false
S kill "$NET" "$NOI" >/dev/null

# --- volumes --------------------------------------------------------------------
expect_match "volume create" "$(S volume create cli-vol)" "^created volume cli-vol "
expect_eq "volume ls --json" "$(S volume ls --json | jq -r '.[].name')" cli-vol
expect_match "volume ls (table)" "$(S volume ls)" "^cli-vol "
S volume mkdir cli-vol /dir >/dev/null
printf 'in the volume\n' >"$SCRATCH/a.txt"
S volume put cli-vol "$SCRATCH/a.txt" /dir/a.txt; rc=$?
expect_eq "volume put" "$rc" 0
printf 'from stdin' | S volume put cli-vol - /dir/b.txt
expect_match "volume files" "$(S volume files cli-vol /dir)" "a.txt"
expect_eq "volume ls NAME PATH --json" "$(S volume ls cli-vol /dir --json | jq -r '[.[].name] | sort | join(",")')" "a.txt,b.txt"
expect_eq "volume get to stdout" "$(S volume get cli-vol /dir/a.txt)" "in the volume"
S volume get cli-vol /dir/b.txt "$SCRATCH/b.out"
expect_eq "volume get to a file" "$(cat "$SCRATCH/b.out")" "from stdin"
err=$(S volume get cli-vol /nope.txt "$SCRATCH/n.out" 2>&1); rc=$?
expect_eq "volume get of a missing file: exit 1" "$rc" 1
expect_eq "  ... leaves no file behind" "$(ls "$SCRATCH" | grep -c 'n.out')" 0
VOL=$(S create --timeout 5m --volume cli-vol:/data 2>"$SCRATCH/err" | tail -n1)
expect_match "create --volume" "$VOL" '^[a-z0-9]{20}$' || sed 's/^/# /' "$SCRATCH/err"
expect_eq "  ... the sandbox sees the volume's files" "$(S exec "$VOL" -- cat /data/dir/a.txt)" "in the volume"
S exec "$VOL" -- 'echo from-sandbox > /data/c.txt' >/dev/null
expect_eq "  ... and writes into it" "$(S volume get cli-vol /c.txt)" from-sandbox
err=$(S volume rm cli-vol 2>&1); rc=$?
expect_eq "volume rm while mounted: exit 1" "$rc" 1
expect_match "  ... says which sandbox" "$err" "$VOL"
S kill "$VOL" >/dev/null
S volume rm-file cli-vol /dir/b.txt
expect_eq "volume rm-file" "$(S volume ls cli-vol /dir --json | jq -r '.[].name')" a.txt
expect_eq "volume rm" "$(S volume rm cli-vol)" "deleted volume cli-vol"
err=$(S volume rm cli-vol 2>&1); rc=$?
expect_eq "volume rm of an unknown volume: exit 1" "$rc" 1
expect_match "  ... says where to look" "$err" "\`sbx volume ls\` lists the volumes"
err=$(S create --volume no-such-vol:/data 2>&1); rc=$?
expect_eq "create --volume with an unknown volume: exit 1" "$rc" 1
expect_match "  ... names it" "$err" "no-such-vol"

# --- ports ----------------------------------------------------------------------
S exec "$ID" -- 'mkdir -p /tmp/www && echo served-$((6*7)) > /tmp/www/index.html && cd /tmp/www && nohup python3 -m http.server 8000 >/dev/null 2>&1 &' >/dev/null
listening() { S port "$ID" --json 2>/dev/null | jq -e '.[] | select(.port == 8000)' >/dev/null; }
if S port "$ID" --json >/dev/null 2>"$SCRATCH/err"; then
	wait_until 20 listening
	expect_eq "port ID --json: the server" "$(S port "$ID" --json | jq -r '.[] | select(.port == 8000) | .url')" \
		"http://8000-$ID.localhost:$PORT/"
	expect_match "port ID (table)" "$(S port "$ID")" "^8000 .*python3"
	LPORT=$(free_port)
	# timeout itself in the background (not a function's subshell): TERM reaches sbx
	timeout -k 5 300 "$SBX" port "$ID" 8000 --local "$LPORT" >"$SCRATCH/fwd.out" 2>"$SCRATCH/fwd.err" &
	FWD_PID=$!
	wait_until 10 grep -q forwarding "$SCRATCH/fwd.out"
	expect_match "port ID PORT --local: the local URL" "$(cat "$SCRATCH/fwd.out")" "http://127.0.0.1:$LPORT/ to port 8000"
	expect_match "  ... and sbxd's" "$(cat "$SCRATCH/fwd.out")" "http://8000-$ID.localhost:$PORT/"
	expect_eq "  ... forwards HTTP" "$(curl -s -m 10 "http://127.0.0.1:$LPORT/index.html")" served-42
	expect_eq "  ... twice at once" "$(curl -s -m 10 "http://127.0.0.1:$LPORT/index.html" "http://127.0.0.1:$LPORT/index.html" | tr '\n' ' ')" "served-42 served-42 "
	stop_pid "$FWD_PID" TERM 10; FWD_PID=
	expect_match "  ... SIGTERM (as Ctrl-C) stops it, counting" "$(cat "$SCRATCH/fwd.err")" "stopped forwarding \(3 connections\)"
	expect_eq "  ... through sbxd's raw tunnel (no HTTP-only fallback)" "$(grep -c 'no raw tunnel' "$SCRATCH/fwd.err")" 0
	# not HTTP: a line protocol (upper-casing echo) in the sandbox
	S exec "$ID" -- "nohup python3 -c 'import socketserver as s
class H(s.StreamRequestHandler):
    def handle(self):
        for l in self.rfile: self.wfile.write(l.upper())
s.TCPServer((\"127.0.0.1\", 8002), H).serve_forever()' >/dev/null 2>&1 &" >/dev/null
	wait_until 20 sh -c "timeout -k 5 60 '$SBX' port $ID --json | jq -e '.[] | select(.port == 8002)' >/dev/null"
	LPORT=$(free_port)
	timeout -k 5 300 "$SBX" port "$ID" 8002 --local "$LPORT" >"$SCRATCH/fwd.out" 2>"$SCRATCH/fwd.err" &
	FWD_PID=$!
	wait_until 10 grep -q forwarding "$SCRATCH/fwd.out"
	got=$(printf 'hello\nraw tcp\n' | timeout -k 5 20 /usr/bin/python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
c.sendall(sys.stdin.buffer.read()); c.shutdown(socket.SHUT_WR)
out = b""
while True:
    d = c.recv(4096)
    if not d: break
    out += d
sys.stdout.write(out.decode())' "$LPORT" | tr '\n' ' ')
	expect_eq "port --local: any TCP protocol (a line echo server)" "$got" "HELLO RAW TCP "
	stop_pid "$FWD_PID" TERM 10; FWD_PID=
	LPORT=$(free_port)
	# timeout itself in the background (not a function's subshell): TERM reaches sbx
	timeout -k 5 300 "$SBX" port "$ID" 8001 --local "$LPORT" >"$SCRATCH/fwd.out" 2>"$SCRATCH/fwd.err" &
	FWD_PID=$!
	wait_until 10 grep -q forwarding "$SCRATCH/fwd.out"
	expect_match "a port nothing listens on: warned" "$(cat "$SCRATCH/fwd.err")" "nothing listens on port 8001"
	# through the raw tunnel sbx port reports it; HTTP only (an sbxd without
	# the tunnel), the client gets sbxd's 502
	body=$(curl -s -m 10 "http://127.0.0.1:$LPORT/")
	wait_until 5 grep -q 'cannot forward a connection' "$SCRATCH/fwd.err"
	expect_match "  ... a connection to it gets the reason" "$body $(cat "$SCRATCH/fwd.err")" "port (is not open|8001).*nothing (is listening|answers on port 8001)"
	stop_pid "$FWD_PID" TERM 10; FWD_PID=
else
	skip "port list and forwarding" "this sbxd has no /sbx/ports: $(head -c 200 "$SCRATCH/err")"
fi
err=$(S port "$ID" 70000 2>&1); rc=$?
expect_eq "port with a bad PORT: exit 2" "$rc" 2
err=$(S port zzzz-nope 2>&1); rc=$?
expect_eq "port of an unknown sandbox: exit 1" "$rc" 1

stop_all
done_testing
