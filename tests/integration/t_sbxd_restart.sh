#!/usr/bin/env bash
# sbxd loses nothing to a kill -9: two running sandboxes and a paused one are
# listed and usable after a restart (files, a Python variable, processes).
# Then the pool: create → 201 latency with and without pre-started
# sandboxes, and a claimed one still gets the request's env vars and token.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/sbxd_lib.sh"

# median and p95 of numbers on stdin
stats() { sort -n | awk '{v[NR]=$1} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.95+0.999)]; printf "median %d ms, p95 %d ms (n=%d)", m, p, NR}'; }

sbxd_init
sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"

# --- kill -9 with two running sandboxes and one paused ---------------------------
create '{"templateID":"base","metadata":{"who":"a"}}' || { notok "create a" "$(status): $CREATED"; exit 1; }
A=$ID TA=$TOK
create '{"templateID":"base","metadata":{"who":"b"},"envVars":{"B":"bee"}}' || { notok "create b" "$(status)"; exit 1; }
B=$ID TB=$TOK
create '{"templateID":"base","metadata":{"who":"c"}}' || { notok "create c" "$(status)"; exit 1; }
C=$ID TC=$TOK
run "$A" "$TA" 'echo from-a > $HOME/a.txt' >/dev/null
expect_eq "a: a Python variable is set" "$(cell "$A" "$TA" 'v = 41; v')" 41
run "$C" "$TC" 'echo from-c > $HOME/c.txt' >/dev/null
api POST "/sandboxes/$C/pause" '{}' >/dev/null
expect_eq "c paused" "$(status)" 204

sbxd_stop KILL
ok "sbxd killed with -9"
sbxd_start || { notok "sbxd restarts" "see above"; exit 1; }
ok "sbxd restarts on the same state dir"
out=$(api GET '/v2/sandboxes?order=asc')
expect_eq "all three are listed" "$(jq -r '[.[] | .metadata.who + ":" + .state] | sort | join(" ")' <<<"$out")" \
	"a:running b:running c:paused"
expect_eq "a: its file survived" "$(run "$A" "$TA" 'cat $HOME/a.txt')" from-a
expect_eq "a: its Python variable survived" "$(cell "$A" "$TA" 'v + 1')" 42
expect_eq "b: runs commands with its env" "$(run "$B" "$TB" 'echo $B')" bee
out=$(api POST "/v2/sandboxes/$C/connect" '{"timeout":60}')
expect_eq "c: connect resumes it → 201" "$(status)" 201
expect_eq "c: its file survived" "$(run "$C" "$TC" 'cat $HOME/c.txt')" from-c
expect_eq "c: its token is the same" "$(jq -r .envdAccessToken <<<"$out")" "$TC"
expect_eq "get after restart: SandboxDetail" "$(api GET "/sandboxes/$B" | jq -r '.state + " " + .metadata.who')" "running b"

# A sandbox whose processes died while sbxd was down is dropped, with a log line.
sbxd_stop KILL
kill -9 "$(jq -r .pid "$STATE/sandboxes/$B/state.json")"
sleep 0.2
sbxd_start || { notok "sbxd restarts again" "see above"; exit 1; }
api GET "/sandboxes/$B" >/dev/null
expect_eq "a sandbox that died meanwhile is dropped at adoption" "$(status)" 404
expect_match "  ... with a log line" "$(grep "dropped sandbox $B" "$SBXD_LOG")" 'processes are gone'
for i in $(seq 1 100); do [ -e "$STATE/sandboxes/$B.json" ] || break; sleep 0.1; done   # torn down in a job
[ ! -e "$STATE/sandboxes/$B.json" ] && ok "  ... and its files removed" || notok "dropped sandbox's files removed" "$(ls "$STATE/sandboxes")"
for id in "$A" "$C"; do api DELETE "/sandboxes/$id" >/dev/null; done
expect_eq "kill the adopted ones → 204" "$(status)" 204

# --- create latency without and with the pool --------------------------------------
N=${SBXD_BENCH_N:-10}
# timed_create BODY: curl's own time for create → 201, in ms (no jq in the timing); sets ID.
timed_create() {
	local t
	t=$(curl -s -o "$SCRATCH/.created" -w '%{http_code} %{time_total}' -H "X-API-KEY: $E2B_API_KEY" \
		-H 'Content-Type: application/json' --data-binary "$1" "$API/v2/sandboxes")
	ID=$(jq -r .sandboxID "$SCRATCH/.created")
	TOK=$(jq -r .envdAccessToken "$SCRATCH/.created")
	[ "${t%% *}" = 201 ] || { echo "# create: $t $(cat "$SCRATCH/.created")"; return 1; }
	awk -v s="${t#* }" 'BEGIN { printf "%d\n", s * 1000 + 0.5 }'
}
: >"$SCRATCH/nopool"
for i in $(seq 1 "$N"); do
	timed_create '{"templateID":"base"}' >>"$SCRATCH/nopool" || notok "create without the pool" "see above"
	api DELETE "/sandboxes/$ID" >/dev/null
done
NOPOOL=$(stats <"$SCRATCH/nopool")
ok "create → 201 without a pool: $NOPOOL"

sbxd_stop TERM
sbxd_start --pool 2 || { notok "sbxd with --pool 2" "see above"; exit 1; }
pool_ready() {   # pool_ready N: N base pool sandboxes recorded and answering
	local n
	n=$(cat "$STATE"/sandboxes/*.json 2>/dev/null |
		jq -s '[.[] | select(.pooled and .state == "running" and .templateID == "base")] | length')
	[ "${n:-0}" -ge "$1" ]
}
wait_pool() {
	local i
	for i in $(seq 1 300); do pool_ready "$1" && return 0; sleep 0.1; done
	return 1
}
wait_pool 2 && ok "the pool fills (2 base sandboxes)" || notok "the pool fills" "$(ls "$STATE/sandboxes")"
expect_eq "pool sandboxes are not listed" "$(api GET /v2/sandboxes)" "[]"
: >"$SCRATCH/pool"
for i in $(seq 1 "$N"); do
	wait_pool 1 >/dev/null
	timed_create "{\"templateID\":\"base\",\"envVars\":{\"P\":\"p$i\"},\"metadata\":{\"n\":\"$i\"}}" \
		>>"$SCRATCH/pool" || notok "create from the pool" "see above"
	if [ "$i" = 1 ]; then
		expect_eq "a claimed sandbox gets the request's env vars" "$(run "$ID" "$TOK" 'echo $P')" p1
		expect_eq "  ... and metadata" "$(api GET "/sandboxes/$ID" | jq -r .metadata.n)" 1
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "E2b-Sandbox-Id: $ID" -H "X-Access-Token: wrong" "$API/envs")
		expect_eq "  ... and its own access token" "$code" 401
	fi
	api DELETE "/sandboxes/$ID" >/dev/null
done
POOL=$(stats <"$SCRATCH/pool")
ok "create → 201 from the pool: $POOL"
echo "# create latency: without pool $NOPOOL; with --pool 2 $POOL"

sbxd_stop TERM
expect_eq "sbxd stops on SIGTERM with status 0" "$SBXD_RC" 0
left=$(ls "$STATE/sandboxes" | grep -c '\.json$')
expect_eq "stopping sbxd destroys the unclaimed pool sandboxes" "$left" 0
expect_eq "no mounts left" "$(grep -c " $STATE/" /proc/mounts)" 0
done_testing
