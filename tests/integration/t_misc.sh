#!/usr/bin/env bash
# envd's small endpoints: /health, /envs, /metrics, /init.
. "$(dirname "$0")/lib.sh"
start_agent --no-kernel --env PRESET=1 || exit 1

# code URL [CURL_ARGS...]: status on stdout, body in $SCRATCH/.body, headers in $SCRATCH/.hdr
code() {
	local url=$1; shift
	curl -s -o "$SCRATCH/.body" -D "$SCRATCH/.hdr" -w '%{http_code}' "$@" "$url"
}
body() { cat "$SCRATCH/.body"; }
hdr() { grep -i "^$1:" "$SCRATCH/.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

st=$(code "$URL/health")
expect_eq "/health is 204" "$st" 204
expect_eq "/health Cache-Control" "$(hdr Cache-Control)" "no-store"
expect_eq "/health has no body" "$(body)" ""
st=$(code "$URL/health" -X POST)
expect_eq "POST /health is 405" "$st" 405
expect_match "405 has a REST error body" "$(body)" '^\{"code":405,"message":".+"\}$'

st=$(code "$URL/envs")
expect_eq "/envs" "$st $(body)" '200 {"PRESET":"1"}'
expect_match "/envs Content-Type" "$(hdr Content-Type)" '^application/json'

st=$(code "$URL/metrics")
expect_eq "/metrics status" "$st" 200
m=$(body)
expect_eq "/metrics fields" "$(printf '%s' "$m" | jq -r 'keys_unsorted|join(",")')" \
	"ts,cpu_count,cpu_used_pct,mem_total_mib,mem_used_mib,mem_total,mem_used,mem_cache,disk_used,disk_total"
expect_eq "/metrics values are numbers" "$(printf '%s' "$m" | jq '[.[]|type=="number"]|all')" true
expect_eq "/metrics ts is now" "$(printf '%s' "$m" | jq --argjson now "$(date +%s)" '(.ts - $now)|fabs < 5')" true
expect_eq "/metrics sane values" "$(printf '%s' "$m" | jq '.cpu_count >= 1 and .cpu_used_pct >= 0 and .cpu_used_pct <= 100
	and .mem_total > 0 and .mem_used <= .mem_total and .mem_total_mib == ((.mem_total/1048576)|floor)
	and .disk_total > 0 and .disk_used <= .disk_total')" true
# A client that leaves before the CPU sample is taken must not hurt the agent.
curl -s -o /dev/null --max-time 0.02 "$URL/metrics"
sleep 0.2
expect_eq "agent fine after an abandoned /metrics" "$(code "$URL/health")" 204

st=$(code "$URL/init" -X POST -H 'Content-Type: application/json' \
	-d '{"envVars":{"FOO":"bar baz","PRESET":"2"},"timestamp":"2026-01-01T00:00:00Z","lifecycleID":"x"}')
expect_eq "/init is 204" "$st" 204
expect_eq "/init X-Envd-Version" "$(hdr X-Envd-Version)" "0.6.13"
expect_eq "/init Cache-Control" "$(hdr Cache-Control)" "no-store"
expect_eq "/envs after /init" "$(curl -s "$URL/envs" | jq -cS .)" '{"FOO":"bar baz","PRESET":"2"}'
st=$(code "$URL/init" -X POST -d '')
expect_eq "/init with an empty body" "$st" 204
st=$(code "$URL/init" -X POST -d '{"envVars":')
expect_eq "/init with bad JSON is 400" "$st" 400
expect_match "/init bad JSON says why" "$(body)" 'invalid JSON'
st=$(code "$URL/init" -X POST -d '{"envVars":{"A":1}}')
expect_eq "/init with a non-string env value is 400" "$st" 400
expect_eq "a refused /init changes nothing" "$(curl -s "$URL/envs" | jq -r 'has("A")')" false
st=$(code "$URL/init" -X POST -d '{"defaultWorkdir":"relative"}')
expect_eq "/init with a relative defaultWorkdir is 400" "$st" 400
st=$(code "$URL/init")
expect_eq "GET /init is 405" "$st" 405

mkdir -p "$SCRATCH/wd2"
st=$(code "$URL/init" -X POST -d "{\"defaultWorkdir\":\"$SCRATCH/wd2\"}")
expect_eq "/init defaultWorkdir" "$st" 204
curl -s -o /dev/null -H 'Content-Type: application/octet-stream' --data-binary wd "$URL/files?path=rel.txt"
expect_eq "relative uploads follow defaultWorkdir" "$(cat "$SCRATCH/wd2/rel.txt" 2>&1)" wd

st=$(code "$URL/init" -X POST -d '{"accessToken":"tok-1"}')
expect_eq "/init accessToken" "$st" 204
expect_eq "the new token is required" "$(code "$URL/envs")" 401
expect_eq "the new token opens /envs" "$(code "$URL/envs" -H 'X-Access-Token: tok-1')" 200
expect_eq "the new token guards /files" "$(code "$URL/files?path=rel.txt")" 401
expect_eq "/health stays open" "$(code "$URL/health")" 204
st=$(code "$URL/init" -X POST -d '{"accessToken":"tok-2"}')
expect_eq "/init cannot replace the token without it" "$st" 401
st=$(code "$URL/init" -X POST -H 'X-Access-Token: tok-1' -d '{"accessToken":"tok-2"}')
expect_eq "/init with the token rotates it" "$st $(code "$URL/envs" -H 'X-Access-Token: tok-2')" "204 200"
done_testing
