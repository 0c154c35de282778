#!/usr/bin/env bash
# sbxd notices a sandbox whose agent is killed from the host (kill -9): the
# state turns "dead" with a reason (API, `sbx ls`/`info`), the data plane
# answers 502 saying the agent died, connect/resume/pause/metrics/timeout
# are refused with that message (`sbx resume` exits 1), the state survives
# an sbxd restart, a sandbox adopted after a restart is watched too, and
# DELETE removes a dead one.  Needs root, the ns runtime and the base template.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sbxd_lib.sh"

sbxd_init
sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"
export XDG_STATE_HOME=$SCRATCH/xdg-state   # `sbx` finds this sbxd through E2B_API_URL

agent_pid() { jq -r .pid "$STATE/sandboxes/$1/state.json"; }

# wait_state ID STATE: polls GET /sandboxes/ID (at most 10 s); the last state on stdout
wait_state() {
	local s i
	for i in $(seq 1 100); do
		s=$(api GET "/sandboxes/$1" | jq -r .state 2>/dev/null)
		[ "$s" = "$2" ] && break
		sleep 0.1
	done
	echo "$s"
}

create '{"templateID":"base","timeout":300}' || { notok "create" "$(status): $CREATED"; exit 1; }
A=$ID TA=$TOK
expect_eq "a runs commands" "$(run "$A" "$TA" 'echo hi')" hi
kill -9 "$(agent_pid "$A")"
expect_eq "kill -9 of its agent: the state turns dead" "$(wait_state "$A" dead)" dead
info=$(api GET "/sandboxes/$A")
# the pidfd noticed it (the backstop poll would say "its processes are gone")
expect_eq "GET: a reason users can read" "$(jq -r .stateReason <<<"$info")" "its init (the agent) exited or was killed outside sbxd"
expect_match "GET: when it died" "$(jq -r .diedAt <<<"$info")" '^20[0-9]{2}-'
expect_match "sbxd's log for it says so" "$(api GET "/sandboxes/$A/logs")" 'died: its init'

out=$(px "$A" "$TA" GET /health)
expect_eq "data plane: 502" "$(status)" 502
expect_match "data plane: says the agent died and what to do" "$(jq -r .message <<<"$out")" \
	"sandbox $A's agent died \\(.*\\); .*kill it .*create a new one"
out=$(api POST "/v2/sandboxes/$A/connect" '{"timeout":60}')
expect_eq "connect: refused with 409" "$(status)" 409
expect_match "connect: the message" "$(jq -r .message <<<"$out")" "agent died"
api POST "/sandboxes/$A/resume" '{}' >/dev/null
expect_eq "v1 resume: 409" "$(status)" 409
api POST "/sandboxes/$A/pause" '{}' >/dev/null
expect_eq "pause: 409" "$(status)" 409
out=$(api GET "/sandboxes/$A/metrics")
expect_eq "metrics: 409, not 500" "$(status)" 409
api POST "/sandboxes/$A/timeout" '{"timeout":60}' >/dev/null
expect_eq "timeout: 409" "$(status)" 409

# the CLI
expect_match "sbx ls shows it dead" "$("$SBX" ls)" "^$A +base +dead"
expect_match "sbx info gives the reason" "$("$SBX" info "$A")" 'reason: +its init'
err=$("$SBX" resume "$A" 2>&1); rc=$?
expect_eq "sbx resume: exit 1" "$rc" 1
expect_match "sbx resume: says it died" "$err" "agent died"
err=$("$SBX" exec "$A" -- true 2>&1); rc=$?
expect_eq "sbx exec: exit 1" "$rc" 1
expect_match "sbx exec: says it died and what to do" "$err" "agent died .*sbx kill $A"
expect_eq "v2 list with state=dead" "$(api GET '/v2/sandboxes?state=dead' | jq -r '.[].sandboxID')" "$A"
expect_eq "v2 list with state=running leaves it out" "$(api GET '/v2/sandboxes?state=running' | jq length)" 0
# E2B's SDKs: the default list is E2B's (running, paused); the Python SDK
# parses state into an enum of those, so for it a dead one is not found, and why
expect_eq "v2 list, no filter: left out (E2B's default)" "$(api GET '/v2/sandboxes' | jq length)" 0
out=$(curl -s -m 10 -H "X-API-KEY: $E2B_API_KEY" -H 'Sbx-States: extended' "$API/v2/sandboxes" | jq -r '.[].sandboxID + " " + .[].state')
expect_eq "v2 list, no filter, a client that knows the state: listed dead" "$out" "$A dead"
out=$(curl -s -m 10 -o "$SCRATCH/.py" -w '%{http_code}' -H "X-API-KEY: $E2B_API_KEY" -H 'lang: python' "$API/sandboxes/$A")
expect_eq "GET from the Python SDK (lang: python): 404" "$out" 404
expect_match "... saying it died and what to do" "$(jq -r .message "$SCRATCH/.py")" "sandbox $A's agent died .*create a new one"
out=$(curl -s -m 10 -H "X-API-KEY: $E2B_API_KEY" -H 'lang: js' "$API/sandboxes/$A" | jq -r .state)
expect_eq "GET from the JS SDK (lang: js): state dead" "$out" dead

# a restart keeps it dead; a running one adopted after the restart is watched
create '{"templateID":"base"}' || { notok "create b" "$(status): $CREATED"; exit 1; }
B=$ID TB=$TOK
sbxd_stop KILL
sbxd_start || { notok "sbxd restarts" "see above"; exit 1; }
expect_eq "after a restart: still dead" "$(api GET "/sandboxes/$A" | jq -r .state)" dead
expect_eq "after a restart: b runs" "$(run "$B" "$TB" 'echo hi')" hi
expect_eq "sbx resume of a running one says so" "$("$SBX" resume "$B" 2>&1)" "sandbox $B is already running"
kill -9 "$(agent_pid "$B")"
expect_eq "an adopted sandbox's agent killed: dead" "$(wait_state "$B" dead)" dead

# the official JS SDK (tests/compat, after `npm ci` there): getInfo passes
# "dead" through; connect and calls on a handle held from before fail clearly
COMPAT=$(cd "$(dirname "$0")/../compat" && pwd)
if command -v node >/dev/null && [ -d "$COMPAT/node_modules/e2b" ]; then
	create '{"templateID":"base"}' || { notok "create c" "$(status): $CREATED"; exit 1; }
	C=$ID
	sdk=$(cd "$COMPAT" && SID=$C PID=$(agent_pid "$C") timeout -k 5 60 node --input-type=module -e '
		import { Sandbox } from "e2b"
		import { execSync } from "node:child_process"
		const id = process.env.SID, out = {}
		const sbx = await Sandbox.connect(id)
		execSync(`kill -9 ${process.env.PID}`)
		for (let i = 0; i < 100 && out.state !== "dead"; i++) {
			out.state = (await Sandbox.getInfo(id)).state
			if (out.state !== "dead") await new Promise((r) => setTimeout(r, 100))
		}
		try { await Sandbox.connect(id); out.connect = "connected" } catch (e) { out.connect = e.message }
		try { await sbx.commands.run("true"); out.run = "ran" } catch (e) { out.run = e.constructor.name + ": " + e.message }
		try { await sbx.files.read("/etc/hostname"); out.read = "read" } catch (e) { out.read = e.message }
		console.log(JSON.stringify(out))' 2>&1)
	expect_eq "SDK getInfo: state dead" "$(jq -r .state <<<"$sdk" 2>/dev/null)" dead
	expect_match "SDK connect: refused with the reason" "$(jq -r .connect <<<"$sdk" 2>/dev/null)" "^409: sandbox $C's agent died"
	# a Connect call's 502 is the SDK's own "not running" (it drops the message);
	# a REST call's carries ours
	expect_match "SDK commands.run on a held handle: not running" "$(jq -r .run <<<"$sdk" 2>/dev/null)" \
		"^SandboxNotFoundError: .*not running"
	expect_match "SDK files.read on a held handle: the reason" "$(jq -r .read <<<"$sdk" 2>/dev/null)" \
		"sandbox $C's agent died \\(.*\\); .*kill it"
	api DELETE "/sandboxes/$C" >/dev/null
else
	ok "the JS SDK on a dead sandbox # SKIP no node or tests/compat/node_modules (npm ci there)"
fi

api DELETE "/sandboxes/$A" >/dev/null
expect_eq "DELETE a dead one: 204" "$(status)" 204
api GET "/sandboxes/$A" >/dev/null
expect_eq "... then it is gone" "$(status)" 404
for i in $(seq 1 100); do [ -e "$STATE/sandboxes/$A.json" ] || break; sleep 0.1; done
[ ! -e "$STATE/sandboxes/$A.json" ] && ok "... and its files removed" || notok "dead sandbox's files removed" "$(ls "$STATE/sandboxes")"
out=$("$SBX" kill "$B" 2>&1)
expect_eq "sbx kill of a dead one" "$out" "killed $B"

done_testing
