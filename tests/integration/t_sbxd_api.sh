#!/usr/bin/env bash
# sbxd end to end with the ns runtime: `sbx serve` and `sbx env`, the E2B
# control plane with curl (shapes, status codes, error bodies), the data
# plane through the proxy (envd, streamed /execute NDJSON), pause/connect
# keeping files and Python state, timeouts that really kill, kill, bad input.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/sbxd_lib.sh"

sbxd_init
sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
ok "sbx serve starts and answers /health"

env_out=$("$SBX" env --state-dir "$STATE")
eval "$env_out"
expect_eq "sbx env: E2B_API_URL" "${E2B_API_URL:-}" "$API"
expect_eq "sbx env: E2B_SANDBOX_URL" "${E2B_SANDBOX_URL:-}" "$API"
expect_eq "sbx env: E2B_API_KEY is the stored key" "${E2B_API_KEY:-}" "$(cat "$XDG_CONFIG_HOME/sbx/api_key")"
expect_eq "the API key file is 0600" "$(stat -c %a "$XDG_CONFIG_HOME/sbx/api_key")" 600

# --- bad input -----------------------------------------------------------------
out=$(curl -s -w ' %{http_code}' "$API/v2/sandboxes")
expect_match "missing API key → 401 {code:401}" "$out" '^\{"code":401,"message":".+"\} 401$'
out=$(curl -s -w ' %{http_code}' -H 'X-API-KEY: wrong' "$API/sandboxes")
expect_match "wrong API key → 401" "$out" ' 401$'
out=$(api POST /v2/sandboxes '{"templateID": "base",')
expect_eq "bad JSON → 400" "$(status)" 400
expect_match "bad JSON: the message names the problem" "$(jq -r .message <<<"$out")" 'not valid JSON'
out=$(api POST /v2/sandboxes '{"templateID":"no-such-template"}')
expect_match "unknown template → 404" "$(status) $(jq -r .code <<<"$out")" '^404 404$'
expect_match "unknown template: says how to build it" "$(jq -r .message <<<"$out")" 'sbx template build no-such-template'
out=$(api GET /sandboxes/nosuchsandbox0000000)
expect_eq "unknown id → 404 {code:404}" "$(status) $(jq -r .code <<<"$out")" "404 404"
api DELETE /sandboxes/nosuchsandbox0000000 >/dev/null
expect_eq "kill of an unknown id → 404" "$(status)" 404
out=$(px nosuchsandbox0000000 x GET /health)
expect_eq "data plane to an unknown id → 502" "$(status) $(jq -r .code <<<"$out")" "502 502"
expect_eq "  ... naming the sandbox" "$(jq -r .sandboxId <<<"$out")" nosuchsandbox0000000
api GET /nowhere >/dev/null
expect_eq "unknown route → 404" "$(status)" 404
out=$(api POST /v2/sandboxes '{"templateID":"base","runtime":"vmware"}')
expect_eq "an unknown runtime → 400" "$(status)" 400
expect_match "  ... listing the ones there are" "$(jq -r .message <<<"$out")" "unknown runtime 'vmware'; use auto or one of: .*ns"
out=$(api POST /v2/sandboxes '{"templateID":"base","metadata":{"sbx.runtime":"vmware"}}')
expect_eq "  ... named by the metadata key sbx.runtime too" "$(status)" 400
health=$(curl -s -m 10 "$API/health")
expect_eq "/health: defaultRuntime (and runtime, as before)" "$(jq -r '.defaultRuntime + " " + .runtime' <<<"$health")" "ns ns"
expect_eq "/health: ns is listed, available, no accelerator, auto's pick" \
	"$(jq -c '.runtimes[] | select(.name == "ns") | [.available, .accel, .auto, .default]' <<<"$health")" '[true,null,true,true]'
# A runtime this machine cannot run (ch without its binary or KVM, ...):
# a create naming it is refused with the driver's reason.
bad=$(jq -r '[.runtimes[] | select(.available | not)][0] // empty | .name + "\t" + .reason' <<<"$health")
if [ -n "$bad" ]; then
	out=$(api POST /v2/sandboxes "{\"templateID\":\"base\",\"runtime\":\"${bad%%$'\t'*}\"}")
	expect_eq "a runtime that cannot run here → 400" "$(status)" 400
	expect_eq "  ... naming it and why" "$(jq -r .message <<<"$out" | grep -cF "${bad#*$'\t'}")" 1
fi

# --- create, get, list ---------------------------------------------------------
t0=$(ms)
if create '{"templateID":"base","metadata":{"user":"u1","run":"api"},"envVars":{"X":"1"},"timeout":300}'; then
	ok "create → 201 ($(( $(ms) - t0 )) ms)"
else
	notok "create → 201" "$(status): $CREATED"; exit 1
fi
expect_eq "Sandbox shape" "$(jq -c 'keys' <<<"$CREATED")" \
	'["alias","clientID","domain","envdAccessToken","envdVersion","sandboxID","templateID","trafficAccessToken"]'
expect_match "sandboxID is 20 of [a-z0-9]" "$ID" '^[a-z0-9]{20}$'
expect_eq "envdVersion" "$(jq -r .envdVersion <<<"$CREATED")" 0.6.13
expect_eq "trafficAccessToken = envdAccessToken" "$(jq -r .trafficAccessToken <<<"$CREATED")" "$TOK"
expect_eq "domain is localhost:PORT (getHost: P-ID.localhost:PORT reaches sbxd)" "$(jq -r .domain <<<"$CREATED")" "localhost:$PORT"

out=$(api GET "/sandboxes/$ID")
expect_eq "get → 200" "$(status)" 200
expect_eq "SandboxDetail: state, limits, metadata" "$(jq -c '[.state,.cpuCount,.memoryMB,.diskSizeMB,.metadata.user]' <<<"$out" 2>/dev/null)" \
	'["running",2,512,2048,"u1"]'
expect_eq "SandboxDetail: the token" "$(jq -r .envdAccessToken <<<"$out")" "$TOK"
expect_eq "SandboxDetail: the runtime and its accelerator (none)" "$(jq -c '[.runtime, .accel]' <<<"$out")" '["ns",null]'
expect_match "SandboxDetail: RFC 3339 times" "$(jq -r '.startedAt + " " + .endAt' <<<"$out")" \
	'^[0-9-]{10}T[0-9:.]+Z [0-9-]{10}T[0-9:.]+Z$'
out=$(api GET '/v2/sandboxes?metadata=user%3Du1&state=running,paused&limit=10')
expect_eq "list with the SDK's metadata filter" "$(status) $(jq -r '[.[].sandboxID]|join(",")' <<<"$out")" "200 $ID"
expect_eq "list: runtime and accelerator" "$(jq -c '[.[0].runtime, .[0].accel, .[0].sbxProgress]' <<<"$out")" '["ns",null,null]'
out=$(api GET '/v2/sandboxes?metadata=user%3Dnobody')
expect_eq "list: a metadata filter that matches nothing" "$out" "[]"
out=$(api GET '/v2/sandboxes?state=paused')
expect_eq "list: state=paused (none yet)" "$out" "[]"
out=$(api GET /sandboxes)
expect_eq "v1 list" "$(jq -r '.[0].sandboxID' <<<"$out")" "$ID"
ID1=$ID TOK1=$TOK
create '{"templateID":"base","metadata":{"run":"api"}}' || notok "second create" "$(status)"
ID2=$ID TOK2=$TOK ID=$ID1 TOK=$TOK1
out=$(curl -s -D "$SCRATCH/.hdr" -H "X-API-KEY: $E2B_API_KEY" "$API/v2/sandboxes?limit=1")
next=$(grep -i '^x-next-token:' "$SCRATCH/.hdr" | cut -d' ' -f2 | tr -d '\r')
out2=$(api GET "/v2/sandboxes?limit=1&nextToken=$next")
expect_eq "pages of 1 via X-Next-Token" "$(jq -r '.[0].sandboxID' <<<"$out") $(jq -r '.[0].sandboxID' <<<"$out2") $(jq length <<<"$out2")" \
	"$ID2 $ID 1"

# --- data plane through the proxy ----------------------------------------------
px "$ID" "$TOK" GET /health >/dev/null
expect_eq "proxy: /health → 204" "$(status)" 204
expect_eq "proxy: a command runs, with the create's env vars" "$(run "$ID" "$TOK" 'echo hello $X; whoami')" "hello 1
user"
px "$ID" "" GET /envs >/dev/null
expect_eq "proxy: the agent enforces the access token" "$(status)" 401
px "$ID" "$TOK2" GET /envs >/dev/null
expect_eq "proxy: another sandbox's token is refused" "$(status)" 401

# /execute streams: each NDJSON line arrives when it is printed.
curl -s -N -m 120 -H "E2b-Sandbox-Id: $ID" -H "X-Access-Token: $TOK" -H 'Content-Type: application/json' \
	--data-binary '{"code":"import time\nfor i in range(3):\n    print(i, flush=True)\n    time.sleep(0.5)\n\"done\""}' \
	"$API/execute" | while IFS= read -r line; do echo "$(ms) $line"; done >"$SCRATCH/exec.log"
first=$(grep '"stdout"' "$SCRATCH/exec.log" | head -1 | cut -d' ' -f1)
last=$(grep '"end_of_execution"' "$SCRATCH/exec.log" | cut -d' ' -f1)
expect_eq "proxy: /execute NDJSON ends with end_of_execution" "$(tail -1 "$SCRATCH/exec.log" | cut -d' ' -f2- | jq -r .type)" end_of_execution
expect_eq "proxy: /execute stdout lines" "$(grep -c '"stdout"' "$SCRATCH/exec.log")" 3
if [ -n "$first" ] && [ -n "$last" ] && [ $((last - first)) -ge 800 ]; then
	ok "proxy: /execute streams live (first line $((last - first)) ms before the end)"
else
	notok "proxy: /execute streams live" "first=$first last=$last: $(cat "$SCRATCH/exec.log")"
fi
expect_eq "proxy: /contexts with the traffic token" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "E2b-Sandbox-Id: $ID" -H "E2B-Traffic-Access-Token: $TOK" "$API/contexts")" 200

# A client that goes away cancels the upstream call: the agent interrupts its cell.
curl -s -m 2 -o /dev/null -H "E2b-Sandbox-Id: $ID" -H "X-Access-Token: $TOK" -H 'Content-Type: application/json' \
	--data-binary '{"code":"import time\ntime.sleep(600)"}' "$API/execute"
# Not interrupted, the sleep would hold the kernel past cell's 120 s limit.
t0=$(ms)
r=$(cell "$ID" "$TOK" '6 * 7')
dt=$(( $(ms) - t0 ))
if [ "$r" = 42 ]; then
	ok "proxy: a dropped client's cell is interrupted (the next cell took $dt ms)"
else
	notok "proxy: a dropped client's cell is interrupted" "next cell gave [$r] after $dt ms"
fi

out=$(api GET "/sandboxes/$ID/metrics")
expect_eq "metrics → SandboxMetric[]" "$(status) $(jq -c '.[0] | keys' <<<"$out")" \
	'200 ["cpuCount","cpuUsedPct","diskTotal","diskUsed","memCache","memTotal","memUsed","timestamp","timestampUnix"]'
out=$(api GET "/sandboxes/$ID/logs")
expect_match "logs: sbxd's events and the agent's log" "$(status) $(grep -c '^==> ' <<<"$out")" '^200 [2-9]'

# --- pause and connect keep files and Python state -------------------------------
run "$ID" "$TOK" 'echo kept > $HOME/keep.txt' >/dev/null
expect_eq "a Python variable is set" "$(cell "$ID" "$TOK" 'x = 41; x')" 41
api POST "/sandboxes/$ID/pause" '{}' >/dev/null
expect_eq "pause → 204" "$(status)" 204
out=$(api POST "/sandboxes/$ID/pause" '{}')
expect_eq "pause again → 409 {code:409}" "$(status) $(jq -r .code <<<"$out")" "409 409"
expect_eq "paused: get says so" "$(api GET "/sandboxes/$ID" | jq -r .state)" paused
expect_eq "paused: listed with state=paused" "$(api GET '/v2/sandboxes?state=paused' | jq -r '.[0].sandboxID')" "$ID"
px "$ID" "$TOK" GET /health >/dev/null
expect_eq "paused: the data plane answers 502" "$(status)" 502
out=$(api POST "/v2/sandboxes/$ID/connect" '{"timeout":120}')
expect_eq "connect a paused sandbox → 201" "$(status) $(jq -r .sandboxID <<<"$out")" "201 $ID"
expect_eq "resumed: the file is still there" "$(run "$ID" "$TOK" 'cat $HOME/keep.txt')" kept
expect_eq "resumed: the Python variable is still defined" "$(cell "$ID" "$TOK" 'x + 1')" 42
api POST "/v2/sandboxes/$ID/connect" '{"timeout":60}' >/dev/null
expect_eq "connect a running sandbox → 200" "$(status)" 200

# --- timeouts ----------------------------------------------------------------------
create '{"templateID":"base","timeout":3}' || notok "create (timeout 3)" "$(status)"
TID=$ID ID=$ID1 TOK=$TOK1
tpid=$(jq -r .pid "$STATE/sandboxes/$TID/state.json")
api POST "/sandboxes/$ID2/timeout" '{"timeout":2}' >/dev/null
expect_eq "timeout → 204" "$(status)" 204
api POST "/sandboxes/$ID2/timeout" '{"timeout":"soon"}' >/dev/null
expect_eq "timeout with a bad value → 400" "$(status)" 400
gone_api() { api GET "/sandboxes/$1" >/dev/null; [ "$(status)" = 404 ]; }
wait_until 30 gone_api "$TID"
api GET "/sandboxes/$TID" >/dev/null
expect_eq "timeout 3 s: gone" "$(status)" 404
wait_until 30 gone_api "$ID2"
api GET "/sandboxes/$ID2" >/dev/null
expect_eq "timeout changed to 2 s: gone too" "$(status)" 404
# Teardown runs in a background job after the API has forgotten the sandbox.
for _ in $(seq 1 100); do
	kill -0 "$tpid" 2>/dev/null && [ "$(ps -o stat= -p "$tpid" | cut -c1)" != Z ] || break
	sleep 0.1
done
if kill -0 "$tpid" 2>/dev/null && [ "$(ps -o stat= -p "$tpid" | cut -c1)" != Z ]; then
	notok "timeout really kills" "pid $tpid still runs"
else
	ok "timeout really kills (pid $tpid gone)"
fi
px "$TID" x GET /health >/dev/null
expect_eq "a timed-out sandbox's data plane → 502" "$(status)" 502

# --- kill ----------------------------------------------------------------------------
mounts_before=$(grep -c " $STATE/" /proc/mounts)
api DELETE "/sandboxes/$ID" >/dev/null
expect_eq "kill → 204" "$(status)" 204
api DELETE "/sandboxes/$ID" >/dev/null
expect_eq "kill again → 404" "$(status)" 404
api GET "/sandboxes/$ID" >/dev/null
expect_eq "get after kill → 404" "$(status)" 404
px "$ID" "$TOK" GET /health >/dev/null
expect_eq "data plane after kill → 502" "$(status)" 502
left=$(ls -A "$STATE/sandboxes")
expect_eq "nothing left in the state dir" "$left" ""
expect_eq "no mounts left (were $mounts_before)" "$(grep -c " $STATE/" /proc/mounts)" 0

sbxd_stop TERM
expect_eq "sbxd stops on SIGTERM with status 0 (no leak reports under ASan)" "$SBXD_RC" 0
done_testing
