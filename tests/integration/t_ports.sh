#!/usr/bin/env bash
# A sandbox's own ports through sbxd (getHost): the Host route
# (P-ID.localhost:PORT, also reached as a browser would, by name), the
# E2b-Sandbox-Port route, 49983 in the Host form = the data plane, nothing
# listening, an unknown sandbox, allowPublicTraffic: false (token or 403),
# the tokens never reaching the server in the sandbox, the agent's
# /sbx/ports list, the raw tunnel (/sbx/tunnel/P, `sbx port`), a WebSocket
# upgrade through getHost, and E2B's ports answering inside the sandbox
# (curl http://0.0.0.0:49999/health from a command); one qemu case.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/sbxd_lib.sh"

sbxd_init
sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
export E2B_API_KEY=$(cat "$XDG_CONFIG_HOME/sbx/api_key")
create '{"templateID":"base"}' || { notok "create a base sandbox" "$CREATED"; exit 1; }
ok "a base sandbox"
expect_eq "create answers domain localhost:PORT (getHost's)" "$(jq -r .domain <<<"$CREATED")" "localhost:$PORT"
expect_eq "  ... and so does GET /sandboxes/ID" "$(api GET "/sandboxes/$ID" | jq -r .domain)" "localhost:$PORT"

# An HTTP server in the sandbox that answers with what it got: path, Host
# and every header (so a leaked token would show).
ECHO='import http.server,json
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = json.dumps({"path": self.path, "method": self.command, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": self.rfile.read(n).decode()}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("X-Echo", "1")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    do_GET = do_POST = do_PUT = answer
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", 8002), H).serve_forever()'
run "$ID" "$TOK" "mkdir -p /tmp/www && echo hello-from-8000 >/tmp/www/hello.txt && cat >/tmp/echo.py <<'PY'
$ECHO
PY
cd /tmp/www && (setsid python3 -m http.server 8000 >/tmp/h8000.log 2>&1 &) ; (setsid python3 /tmp/echo.py >/tmp/echo.log 2>&1 &)" >/dev/null
hp() {   # hp PORT PATH [CURL_ARGS...]: through sbxd with Host: PORT-ID.localhost:SBXDPORT
	local p=$1 path=$2; shift 2
	curl -s -m 30 -o "$SCRATCH/.body" -w '%{http_code}' -H "Host: $p-$ID.localhost:$PORT" "$@" "$API$path" >"$STATUS_FILE"
	cat "$SCRATCH/.body"
}
up() { [ "$(hp "$1" /)" = "" ] || true; [ "$(status)" = 200 ]; }
wait_until 20 up 8000 || notok "the server on 8000 came up" "$(hp 8000 /) [$(status)]"
wait_until 20 up 8002 || notok "the echo server on 8002 came up" "$(hp 8002 /) [$(status)]"

body=$(hp 8000 /hello.txt)
expect_eq "Host 8000-ID.localhost:PORT → the sandbox's port 8000 (200)" "$(status)" 200
expect_eq "  ... its file" "$body" hello-from-8000
code=$(curl -s -m 30 -o "$SCRATCH/.b2" -w '%{http_code}' --resolve "8000-$ID.localhost:$PORT:127.0.0.1" \
	"http://8000-$ID.localhost:$PORT/hello.txt")
expect_eq "the getHost URL by name, as a browser resolves *.localhost → 200" "$code $(cat "$SCRATCH/.b2")" "200 hello-from-8000"
code=$(curl -s -m 30 -o "$SCRATCH/.b3" -w '%{http_code}' -H "E2b-Sandbox-Id: $ID" -H "E2b-Sandbox-Port: 8000" "$API/hello.txt")
expect_eq "E2b-Sandbox-Id + E2b-Sandbox-Port: 8000 → 200" "$code $(cat "$SCRATCH/.b3")" "200 hello-from-8000"

# Path, query, method, body and headers arrive; the tokens do not.
body=$(hp 8002 '/a/b%20c?x=1&y=two%20words' -X POST -H "X-Access-Token: $TOK" \
	-H "E2B-Traffic-Access-Token: $TOK" -H 'X-Custom: yes' --data-binary 'payload')
expect_eq "echo server: 200" "$(status)" 200
expect_eq "  ... path and query as sent" "$(jq -r .path <<<"$body")" '/a/b%20c?x=1&y=two%20words'
expect_eq "  ... method and body" "$(jq -r '.method + " " + .body' <<<"$body")" "POST payload"
expect_eq "  ... the client's headers and Host" "$(jq -r '.headers["x-custom"] + " " + .headers.host' <<<"$body")" \
	"yes 8002-$ID.localhost:$PORT"
expect_eq "  ... no X-Access-Token nor E2B-Traffic-Access-Token reaches the sandbox's server" \
	"$(jq -c '[.headers | keys[] | select(test("access-token"))]' <<<"$body")" '[]'

body=$(hp 8001 /)
expect_eq "nothing listening on 8001 → 502" "$(status)" 502
expect_match "  ... E2B's words, the port" "$(jq -r '.message' <<<"$body")" '^The sandbox is running but port is not open.*8001'
expect_eq "  ... naming the sandbox and the port" "$(jq -r '"\(.sandboxId) \(.port)"' <<<"$body")" "$ID 8001"
body=$(curl -s -m 30 -w '\n%{http_code}' -H "Host: 8000-nosuchsandbox0000000.localhost:$PORT" "$API/")
expect_eq "unknown sandbox by Host → 502 {message: 'The sandbox was not found'} (E2B's)" \
	"$(head -n1 <<<"$body" | jq -r '.code, .message, .sandboxId' | tr '\n' '|') $(tail -n1 <<<"$body")" \
	"502|The sandbox was not found|nosuchsandbox0000000| 502"

code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H "Host: 49983-$ID.localhost:$PORT" -H "X-Access-Token: $TOK" "$API/envs")
expect_eq "Host 49983-ID… → the agent's own API (envd /envs: 200)" "$code" 200
code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H "Host: 49983-$ID.localhost:$PORT" "$API/envs")
expect_eq "  ... still with its token check (401 without)" "$code" 401

# /sbx/ports: the servers, not the agent's own listeners.
ports=$(px "$ID" "$TOK" GET /sbx/ports)
expect_eq "GET /sbx/ports → 200" "$(status)" 200
expect_match "  ... lists 8000 with its command" "$(jq -c '.[] | select(.port == 8000) | [.proto, .cmd]' <<<"$ports")" \
	'http\.server 8000'
expect_eq "  ... and not the agent's own 49983/49999" "$(jq '[.[] | select(.port == 49983 or .port == 49999)] | length' <<<"$ports")" 0
# A process naming a file in the agent's kernel dir (/tmp/sbxk-<agent pid>-…,
# the agent is PID 1 here) is one of its kernels: not listed.
run "$ID" "$TOK" "mkdir -p /tmp/sbxk-1-fake && (setsid python3 -m http.server 8004 -d /tmp/sbxk-1-fake >/dev/null 2>&1 &)" >/dev/null
wait_until 20 bash -c "[ \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Host: 8004-$ID.localhost:$PORT' '$API/')\" = 200 ]"
expect_eq "  ... nor a kernel's (its command names the agent's kernel dir)" \
	"$(px "$ID" "$TOK" GET /sbx/ports | jq -c '[.[] | select(.port == 8004 or .port == 8000) | .port]')" '[8000]'

# The raw tunnel (sbx port ID P --local L): 101, then bytes both ways.
# tunnel PORT TOKEN SEND: the status line, then what came back after SEND.
tunnel() {
	/usr/bin/python3 - "$PORT" "$ID" "$@" <<'PY'
import socket, sys
port, sid, p, tok, send = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
req = f"GET /sbx/tunnel/{p} HTTP/1.1\r\nHost: x\r\nE2b-Sandbox-Id: {sid}\r\n"
if tok:
    req += f"X-Access-Token: {tok}\r\n"
s.sendall((req + "Connection: Upgrade\r\nUpgrade: sbx-tcp\r\n\r\n").encode())
data = b""
while b"\r\n\r\n" not in data:
    c = s.recv(4096)
    if not c:
        break
    data += c
head, _, rest = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode())
if b" 101 " not in head.split(b"\r\n")[0]:
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    while n and len(rest) < n[0]:
        c = s.recv(4096)
        if not c:
            break
        rest += c
    print(rest.decode(errors="replace"))
    sys.exit(0)
s.sendall(send.encode().replace(b"\\n", b"\r\n"))
s.shutdown(socket.SHUT_WR)
while True:
    c = s.recv(65536)
    if not c:
        break
    rest += c
if len(sys.argv) > 6:   # count: the size and sha256 of the body after the answer's head
    import hashlib
    body = rest.partition(b"\r\n\r\n")[2]
    print(len(body), hashlib.sha256(body).hexdigest())
else:
    print(rest.decode(errors="replace"))
PY
}
out=$(tunnel 8000 "$TOK" 'GET /hello.txt HTTP/1.0\nHost: t\n\n')
expect_eq "tunnel to 8000: 101 Switching Protocols" "$(head -n1 <<<"$out" | tr -d '\r')" "HTTP/1.1 101 Switching Protocols"
expect_match "  ... raw HTTP through it reaches the server, its answer comes back" "$(tail -n +2 <<<"$out" | tr -d '\r' | tr '\n' ' ')" \
	'HTTP/1.0 200 OK.*hello-from-8000'
# 24 MiB down the tunnel, intact (the pump's bounded buffers, both fds' back-pressure).
run "$ID" "$TOK" "head -c 25165824 /dev/urandom >/tmp/www/big.bin && sha256sum /tmp/www/big.bin | cut -d' ' -f1 >/tmp/www/big.sum" >/dev/null
want="25165824 $(run "$ID" "$TOK" "cat /tmp/www/big.sum")"
out=$(tunnel 8000 "$TOK" 'GET /big.bin HTTP/1.0\nHost: t\n\n' count)
expect_eq "  ... 24 MiB through it, intact (size, sha256)" "$(tail -n1 <<<"$out")" "$want"
out=$(tunnel 8001 "$TOK" '')
expect_match "tunnel to a port with nothing listening: 502, E2B's words" "$(tr -d '\r' <<<"$out" | tr '\n' ' ')" \
	'^HTTP/1.1 502 .*The sandbox is running but port is not open'
out=$(tunnel 8000 wrong-token '')
expect_match "tunnel with a wrong token: 401 from the agent" "$(head -n1 <<<"$out")" '^HTTP/1.1 401 '

# An upgrade (WebSocket) through getHost: the server's 101 and its headers
# come back, then bytes both ways (a raw echo server: the plumbing, not
# WebSocket framing, is what sbx carries).
WS='import base64, hashlib, socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 8003)); s.listen(4)
while True:
    c, _ = s.accept(); head = b""
    while b"\r\n\r\n" not in head:
        head += c.recv(4096)
    h = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in head.split(b"\r\n")[1:] if b":" in l}
    key = h.get(b"sec-websocket-key", b"")
    acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\nX-Path: " + head.split(b" ")[1] + b"\r\nX-Token-Seen: " + h.get(b"x-access-token", b"none") + b"\r\n\r\n")
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d.upper())
    c.close()'
run "$ID" "$TOK" "cat >/tmp/ws.py <<'PY'
$WS
PY
(setsid python3 /tmp/ws.py >/tmp/ws.log 2>&1 &)" >/dev/null
ws() {
	/usr/bin/python3 - "$PORT" "$ID" "$TOK" <<'PY'
import socket, sys
port, sid, tok = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall((f"GET /chat?room=1 HTTP/1.1\r\nHost: 8003-{sid}.localhost:{port}\r\nConnection: Upgrade\r\n"
           f"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           f"X-Access-Token: {tok}\r\n\r\n").encode())
data = b""
while b"\r\n\r\n" not in data:
    c = s.recv(4096)
    if not c:
        break
    data += c
head, _, rest = data.partition(b"\r\n\r\n")
lines = head.decode().split("\r\n")
h = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
print(lines[0], h.get("upgrade"), h.get("sec-websocket-accept"), h.get("x-path"), h.get("x-token-seen"))
s.sendall(b"ping over ws")
while len(rest) < 12:
    c = s.recv(4096)
    if not c:
        break
    rest += c
print(rest.decode())
PY
}
ws_up() { px "$ID" "$TOK" GET /sbx/ports | jq -e 'any(.[]; .port == 8003)' >/dev/null; }
wait_until 20 ws_up
out=$(ws 2>&1)
expect_eq "WebSocket upgrade via getHost: the server's 101, its headers, path and query; no token reaches it" \
	"$(head -n1 <<<"$out")" "HTTP/1.1 101 Switching Protocols websocket s3pPLMBiTxaQ9kYGzzhZRbK+xOo= /chat?room=1 none"
expect_eq "  ... then bytes both ways" "$(tail -n1 <<<"$out")" "PING OVER WS"

# E2B's ports inside the sandbox (code-interpreter's systemd test).
got=$(run "$ID" "$TOK" "python3 -c \"import urllib.request as u; r = u.urlopen('http://0.0.0.0:49999/health'); print(r.status, r.read().decode())\"")
expect_eq "in the sandbox: http://0.0.0.0:49999/health → 200 \"OK\"" "$got" '200 "OK"'
got=$(run "$ID" "$TOK" "python3 -c \"import urllib.request as u; print(u.urlopen('http://127.0.0.1:49983/health').status)\"")
expect_eq "in the sandbox: http://127.0.0.1:49983/health → 204 (envd)" "$got" 204

# allowPublicTraffic: false → the port route wants the traffic token.
ID1=$ID TOK1=$TOK
create '{"templateID":"base","network":{"allowPublicTraffic":false}}' || notok "create a private sandbox" "$CREATED"
run "$ID" "$TOK" "mkdir -p /tmp/www && echo private >/tmp/www/p.txt && cd /tmp/www && (setsid python3 -m http.server 8000 >/dev/null 2>&1 &)" >/dev/null
priv() { curl -s -m 30 -o "$SCRATCH/.p" -w '%{http_code}' -H "Host: 8000-$ID.localhost:$PORT" "$@" "$API/p.txt"; }
wait_until 20 bash -c "[ \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'E2B-Traffic-Access-Token: $TOK' -H 'Host: 8000-$ID.localhost:$PORT' '$API/p.txt')\" = 200 ]"
expect_eq "private sandbox, no traffic token → 403" "$(priv)" 403
expect_match "  ... saying which header" "$(jq -r .message "$SCRATCH/.p")" 'e2b-traffic-access-token'
expect_eq "  ... a wrong token → 403" "$(priv -H 'E2B-Traffic-Access-Token: nope')" 403
expect_eq "  ... its token → 200" "$(priv -H "E2B-Traffic-Access-Token: $TOK") $(cat "$SCRATCH/.p")" "200 private"
expect_eq "  ... the public sandbox needs none" "$(ID=$ID1 hp 8000 /hello.txt >/dev/null; status)" 200
got=$(api GET "/sandboxes/$ID" >/dev/null; jq -r .publicTraffic "$STATE/sandboxes/$ID.json" 2>/dev/null)
expect_eq "  ... kept in its record (publicTraffic false)" "$got" false

# One qemu case (TCG here; skipped where qemu is missing): the port route
# and the tunnel reach the guest over TCP, and E2B's ports answer inside
# the guest, whose agent is PID 1 there.
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "qemu: getHost, tunnel, in-guest 49999" "qemu-system-x86_64 missing"
else
	create '{"templateID":"base","runtime":"qemu","timeout":600}' || notok "create a qemu sandbox" "$(status): $CREATED"
	run "$ID" "$TOK" "mkdir -p /tmp/www && echo hello-from-vm >/tmp/www/v.txt && cd /tmp/www && (setsid python3 -m http.server 8000 >/dev/null 2>&1 &)" >/dev/null
	wait_until 60 bash -c "[ \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Host: 8000-$ID.localhost:$PORT' '$API/v.txt')\" = 200 ]"
	expect_eq "qemu: Host 8000-ID… → the guest's server" "$(hp 8000 /v.txt) $(status)" "hello-from-vm 200"
	out=$(tunnel 8000 "$TOK" 'GET /v.txt HTTP/1.0\nHost: t\n\n')
	expect_match "qemu: the tunnel to 8000 over the guest's TCP agent address" "$(tr -d '\r' <<<"$out" | tr '\n' ' ')" \
		'^HTTP/1.1 101 .*HTTP/1.0 200 OK.*hello-from-vm'
	got=$(run "$ID" "$TOK" "python3 -c \"import urllib.request as u; r = u.urlopen('http://0.0.0.0:49999/health'); print(r.status, r.read().decode())\"")
	expect_eq "qemu: in the guest, http://0.0.0.0:49999/health → 200 \"OK\"" "$got" '200 "OK"'
	api DELETE "/sandboxes/$ID" >/dev/null
fi

done_testing
