#!/usr/bin/env bash
# sbxd and a real ns sandbox against hostile clients:
#   - a request line `G\xffT /health` with only E2b-Sandbox-Id (no API key,
#     no access token) used to kill the sandbox's agent, its PID 1, and so
#     the sandbox;
#   - 1100 idle TCP connections used to make /health time out for everyone
#     for as long as they stayed open.
# sbxd runs with the usual default fd limit (1024): its connection limit
# follows it, and the flood is larger.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sbxd_lib.sh"
. "$(dirname "$0")/flood_lib.sh"

sbxd_init
trap 'unflood; sbxd_cleanup; cleanup' EXIT
ulimit -Sn 1024
sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
ulimit -Sn 4096 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
eval "$("$SBX" env --state-dir "$STATE")"
HOSTPORT=127.0.0.1:$PORT

# The sandbox must run the agent under test: "base" alone names the newest
# base built by anyone, so ask for the one built with $AGENT (built once).
if ! tdir=$("$TOOLS/sbx-template" build base -q --agent "$AGENT" 2>"$SCRATCH/tpl.err"); then
	notok "base template with this agent" "$(tail -n 3 "$SCRATCH/tpl.err")"; exit 1
fi
TPL=$(basename "$tdir")
if create "{\"templateID\":\"$TPL\",\"timeout\":300}"; then ok "create a sandbox"; else notok "create a sandbox" "$(status): $CREATED"; exit 1; fi

# --- bytes that are not UTF-8, through the proxy, without credentials ----------
r=$(raw_to "$HOSTPORT" "G\\xffT /health HTTP/1.1\\r\\nHost: x\\r\\nE2b-Sandbox-Id: $ID\\r\\nConnection: close\\r\\n\\r\\n")
expect_match 'G\xffT /health with only E2b-Sandbox-Id → the agent'"'"'s 405' "$r" '^HTTP/1.1 405'
expect_match "  ... saying which method is allowed" "$r" 'is not allowed on /health: use GET'
for _ in $(seq 1 40); do
	[ "$(px "$ID" "$TOK" GET /health >/dev/null; status)" = 204 ] && break
	sleep 0.05
done
expect_eq "the sandbox's agent still answers" "$(status)" 204
expect_eq "the sandbox still runs commands" "$(run "$ID" "$TOK" 'echo alive')" alive
r=$(raw_to "$HOSTPORT" "GET /%%ff HTTP/1.1\\r\\nHost: x\\r\\nE2b-Sandbox-Id: $ID\\r\\nConnection: close\\r\\n\\r\\n")
expect_match "GET /%ff through the proxy → 401 (no token)" "$r" '^HTTP/1.1 401'
out=$(px "$ID" "$TOK" GET '/%ff')
expect_eq "GET /%ff with the token → the agent's 404" "$(status)" 404
expect_match "  ... a JSON message naming the path" "$(jq -r .message <<<"$out")" $'^no such endpoint: GET /\xef\xbf\xbd$'
out=$(curl -s -m 10 -w ' %{http_code}' -H $'E2b-Sandbox-Id: \xff\xfe' "$API/health")
expect_match "an E2b-Sandbox-Id that is not UTF-8 → 502 with a JSON body" "$out" '^\{"code":502,.*\} 502$'
expect_eq "the sandbox is still listed as running" "$(api GET "/sandboxes/$ID" | jq -r .state)" running

# --- a flood of idle connections ---------------------------------------------
# A stream through the proxy that is running when the flood comes must survive it.
printf '%s' '{"process":{"cmd":"/bin/sleep","args":["60"]}}' | "$TOOLS/connect_frame" enc >"$SCRATCH/sleep.req"
curl -s -N -m 120 -o "$SCRATCH/sleep.resp" -H 'Content-Type: application/connect+json' -H "E2b-Sandbox-Id: $ID" \
	-H "X-Access-Token: $TOK" --data-binary "@$SCRATCH/sleep.req" "$API/process.Process/Start" &
STREAM_PID=$!
for _ in $(seq 1 100); do [ -s "$SCRATCH/sleep.resp" ] && break; sleep 0.05; done
if flood "$HOSTPORT" 1100; then ok "1100 idle connections to sbxd"; else notok "1100 idle connections to sbxd" "see above"; fi
expect_eq "sbxd's /health answers during the flood" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$API/health")" 200
expect_eq "  ... and the control plane" \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-API-KEY: $E2B_API_KEY" "$API/sandboxes/$ID")" 200
expect_eq "  ... and the sandbox's data plane" \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "E2b-Sandbox-Id: $ID" "$API/health")" 204
if kill -0 "$STREAM_PID" 2>/dev/null; then ok "a running stream survives the flood"; else notok "a running stream survives the flood" "its curl ended"; fi
unflood
kill "$STREAM_PID" 2>/dev/null
wait "$STREAM_PID" 2>/dev/null
expect_eq "/health after the flood" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$API/health")" 200

api DELETE "/sandboxes/$ID" >/dev/null
expect_eq "kill the sandbox" "$(status)" 204
done_testing
