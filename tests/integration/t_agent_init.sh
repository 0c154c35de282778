#!/usr/bin/env bash
# POST /init's machine fields (timestamp, sbxEntropy, sbxHostname): checked
# before anything applies, and applied only by an agent that is PID 1 —
# never to the host a test (or a person) runs the agent on.
. "$(dirname "$0")/lib.sh"
start_agent --no-kernel --env PRESET=1 || exit 1

code() { curl -s -m 10 -o "$SCRATCH/.body" -w '%{http_code}' "$@"; }
body() { cat "$SCRATCH/.body"; }
hex() { head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }

host_name=$(hostname)
good=$(printf '{"timestamp":"2001-02-03T04:05:06.789+02:00","sbxEntropy":"%s","sbxHostname":"sbx-init-test"}' "$(hex 64)")
st=$(code -X POST -d "$good" "$URL/init")
expect_eq "/init with timestamp, sbxEntropy and sbxHostname is 204" "$st" 204
expect_eq "an agent that is not PID 1 leaves the host's name alone" "$(hostname)" "$host_name"
expect_eq "… and the host's clock" "$(( $(date +%Y) > 2001 ))" 1
expect_match "… and says so in its log" "$(cat "$AGENT_LOG")" 'not PID 1'

# Each refused body carries an env var: a 400 must change nothing.
refuse() {   # NAME FIELD-JSON MESSAGE-REGEX
	local st
	st=$(code -X POST -d "{\"envVars\":{\"LEAK\":\"1\"},$2}" "$URL/init")
	expect_eq "/init refuses $1 (400)" "$st" 400
	expect_match "… saying why ($1)" "$(body)" "$3"
}
refuse "a timestamp that is not RFC 3339" '"timestamp":"yesterday"' 'timestamp .* RFC 3339'
refuse "a timestamp with month 13" '"timestamp":"2024-13-01T00:00:00Z"' 'RFC 3339'
refuse "a timestamp without a zone" '"timestamp":"2024-01-01T00:00:00"' 'RFC 3339'
refuse "a timestamp that is a number" '"timestamp":1700000000' 'timestamp must be a non-empty string'
refuse "sbxEntropy with an odd length" "\"sbxEntropy\":\"$(hex 32)a\"" 'sbxEntropy must be 32 to 256 bytes in hex'
refuse "sbxEntropy that is not hex" "\"sbxEntropy\":\"$(printf 'zz%.0s' $(seq 1 32))\"" 'sbxEntropy'
refuse "sbxEntropy of 31 bytes" "\"sbxEntropy\":\"$(hex 31)\"" 'sbxEntropy'
refuse "sbxEntropy of 257 bytes" "\"sbxEntropy\":\"$(hex 257)\"" 'sbxEntropy'
refuse "sbxHostname with capitals" '"sbxHostname":"Bad"' 'sbxHostname must be 1 to 63 characters'
refuse "sbxHostname with a dot" '"sbxHostname":"a.b"' 'sbxHostname'
refuse "sbxHostname of 64 characters" "\"sbxHostname\":\"$(printf 'a%.0s' $(seq 1 64))\"" 'sbxHostname'
refuse "an empty sbxHostname" '"sbxHostname":""' 'sbxHostname must be a non-empty string'
expect_eq "refused /init calls changed nothing" "$(curl -s -m 5 "$URL/envs" | jq -r 'has("LEAK")')" false
st=$(code -X POST -d "{\"sbxEntropy\":\"$(hex 32)\",\"sbxHostname\":\"$(printf 'a%.0s' $(seq 1 63))\"}" "$URL/init")
expect_eq "/init takes 32 bytes of entropy and a 63-character hostname" "$st" 204
st=$(code -X POST -d "{\"sbxEntropy\":\"$(hex 256 | tr a-f A-F)\",\"timestamp\":\"2024-01-01t00:00:00z\"}" "$URL/init")
expect_eq "/init takes 256 bytes of upper-case hex and a lower-case t/z timestamp" "$st" 204

# An agent that is PID 1 (as in a VM, or an ns sandbox's init) applies them.
# In a user namespace it owns its own hostname but neither the clock nor
# the kernel's RNG: those fail with EPERM, logged, and /init still succeeds.
port=$(free_port)
log1=$SCRATCH/pid1.log
mkdir -p "$SCRATCH/w1"
unshare --user --map-root-user --uts --pid --fork --kill-child \
	"$AGENT" --no-kernel --listen "tcp:127.0.0.1:$port" --workdir "$SCRATCH/w1" >"$log1" 2>&1 &
pid1=$!
at_done "stop_pid $pid1"
if ! wait_until 10 curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/health"; then
	skip "an agent that is PID 1 applies /init's fields" "unshare --user --pid failed here: $(head -3 "$log1")"
else
	st=$(code -X POST -d "{\"timestamp\":\"2001-02-03T04:05:06Z\",\"sbxEntropy\":\"$(hex 64)\",\"sbxHostname\":\"vm-name-1\"}" \
		"http://127.0.0.1:$port/init")
	expect_eq "PID 1: /init is 204 though the clock and RNG are not its to set" "$st" 204
	inner=$(ps -o pid= --ppid "$pid1" | tr -d ' ')
	expect_eq "PID 1: the hostname is set (in its UTS namespace)" \
		"$(nsenter --target "$inner" --uts hostname 2>&1)" vm-name-1
	expect_match "PID 1: the clock it may not set is logged" "$(cat "$log1")" 'cannot set the clock \(-?[0-9.+]+ s off\)'
	expect_match "PID 1: the entropy it may not add is logged" "$(cat "$log1")" 'cannot add entropy to /dev/random'
	expect_eq "PID 1: the host's clock is untouched" "$(( $(date +%Y) > 2001 ))" 1
	expect_eq "PID 1: the host's name is untouched" "$(hostname)" "$host_name"
fi
done_testing
