#!/usr/bin/env bash
# Network rules (E2B's allowInternetAccess, network.allowOut/denyOut and
# PUT /sandboxes/{id}/network) through sbxd, enforced in each sandbox's
# namespace: deny one address, deny all but one, a name from sbxd's hosts
# file (and the name moving to another address), rules changed at run time,
# a sandbox created without internet getting a link later, malformed input.
# Denied connections are refused at once (a TCP reset), not left to time out.
# The only addresses reached are two test hosts (198.18.77.1, .2) in a
# network namespace this test makes, routed from the host like the
# internet would be.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sbxd_lib.sh"

SUF=$(tr -dc a-z0-9 </dev/urandom | head -c 6)
TH=sbxt-nr-$SUF           # the test hosts' netns
TH_LINK=tnr$SUF           # its link on the host (not "sbx*": that is a sandbox's)
PY=/usr/bin/python3
HOSTS=$SCRATCH/hosts
TH_PID=
nr_cleanup() {
	[ -n "$TH_PID" ] && stop_pid "$TH_PID" TERM 5
	ip netns del "$TH" 2>/dev/null
	ip link del "$TH_LINK" 2>/dev/null
	return 0
}

sbxd_init
trap 'nr_cleanup; sbxd_cleanup; cleanup' EXIT

# The test hosts: 198.18.77.1 and .2 in one netns, behind the host's
# 198.18.77.254, each answering GET /name with "testhost".
mkdir -p "$SCRATCH/www" && echo testhost >"$SCRATCH/www/name"
ip netns add "$TH" &&
	ip link add "$TH_LINK" type veth peer name eth0 netns "$TH" &&
	ip addr add 198.18.77.254/24 dev "$TH_LINK" && ip link set "$TH_LINK" up &&
	ip -n "$TH" addr add 198.18.77.1/24 dev eth0 && ip -n "$TH" addr add 198.18.77.2/24 dev eth0 &&
	ip -n "$TH" link set eth0 up && ip -n "$TH" link set lo up &&
	ip -n "$TH" route add default via 198.18.77.254 ||
	{ notok "make the test hosts' netns" "see above"; done_testing; exit 1; }
nsenter --net="/run/netns/$TH" $PY -m http.server 8080 --bind 0.0.0.0 --directory "$SCRATCH/www" >/dev/null 2>&1 &
TH_PID=$!
get() { curl -s -m 5 "$1"; }
wait_until 20 [ "$(get http://198.18.77.1:8080/name)" = testhost ]
expect_eq "control: the host reaches test host 1" "$(get http://198.18.77.1:8080/name)" testhost
expect_eq "control: and test host 2" "$(get http://198.18.77.2:8080/name)" testhost

echo "198.18.77.1 th.sbx.test   # the name the rules use" >"$HOSTS"
SBX_HOSTS_FILE=$HOSTS sbxd_start --net-refresh 1 || { notok "sbx serve starts" "see the log above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"

# reach ID TOK ADDR: "open" (GET /name answered), "refused" (the connection
# was refused: a reset), "timeout" (nothing within 4 s: dropped, not rejected).
reach() {
	run "$1" "$2" "timeout -k 1 4 bash -c 'exec 3<>/dev/tcp/$3/8080 && printf \"GET /name HTTP/1.0\r\n\r\n\" >&3 && tail -n 1 <&3' 2>&1; echo \" rc=\$?\""
}
verdict() {
	case "$1" in
	*testhost*) echo open ;;
	*"Connection refused"*) echo refused ;;
	*"rc=124"*) echo timeout ;;
	*) echo "other: $1" ;;
	esac
}
check() {   # check NAME ID TOK ADDR WANT
	expect_eq "$1" "$(verdict "$(reach "$2" "$3" "$4")")" "$5"
}

# --- at create ------------------------------------------------------------------
create '{"templateID":"base","timeout":300}' || { notok "create a plain sandbox" "$CREATED"; exit 1; }
P=$ID PT=$TOK
check "control: with no rules, the sandbox reaches test host 1" "$P" "$PT" 198.18.77.1 open
check "control: and test host 2" "$P" "$PT" 198.18.77.2 open

create '{"templateID":"base","network":{"denyOut":["198.18.77.1"]}}' || notok "create with denyOut" "$CREATED"
D=$ID DT=$TOK
check "denyOut [198.18.77.1]: test host 1 is refused" "$D" "$DT" 198.18.77.1 refused
check "denyOut [198.18.77.1]: test host 2 still answers" "$D" "$DT" 198.18.77.2 open
info=$(api GET "/sandboxes/$D")
expect_eq "getInfo: network.denyOut" "$(jq -c .network.denyOut <<<"$info")" '["198.18.77.1"]'
expect_eq "getInfo: allowInternetAccess true" "$(jq -c .allowInternetAccess <<<"$info")" true
expect_eq "getInfo: allowPublicTraffic defaults to true" "$(jq -c .network.allowPublicTraffic <<<"$info")" true

create '{"templateID":"base","network":{"denyOut":["0.0.0.0/0"],"allowOut":["198.18.77.2/32"]}}' ||
	notok "create with deny all + allowOut" "$CREATED"
A=$ID AT=$TOK
check "deny all + allowOut [198.18.77.2/32]: test host 2 answers (allow wins)" "$A" "$AT" 198.18.77.2 open
check "deny all + allowOut: test host 1 is refused" "$A" "$AT" 198.18.77.1 refused
r=$(run "$A" "$AT" 'timeout -k 1 4 bash -c "exec 3<>/dev/tcp/127.0.0.1/49983" 2>&1; echo rc=$?')
expect_match "deny all: the sandbox's own loopback still passes (no refusal)" "$r" '^rc=(0|1)$'

create '{"templateID":"base","allow_internet_access":false,"network":{"allowOut":["th.sbx.test"],"allowPublicTraffic":false}}' ||
	notok "create with internet off + a name from the hosts file" "$CREATED"
N=$ID NT=$TOK
check "internet off + allowOut [th.sbx.test] (hosts file: 198.18.77.1): test host 1 answers" "$N" "$NT" 198.18.77.1 open
check "internet off + allowOut [th.sbx.test]: test host 2 is refused" "$N" "$NT" 198.18.77.2 refused
info=$(api GET "/sandboxes/$N")
expect_eq "getInfo: allowInternetAccess false" "$(jq -c .allowInternetAccess <<<"$info")" false
expect_eq "getInfo: network.allowOut keeps the name" "$(jq -c .network.allowOut <<<"$info")" '["th.sbx.test"]'
expect_eq "getInfo: allowPublicTraffic false" "$(jq -c .network.allowPublicTraffic <<<"$info")" false

# The name moves: sbxd resolves it again (--net-refresh 1) and follows.
echo "198.18.77.2 th.sbx.test" >"$HOSTS"
moved() { [ "$(verdict "$(reach "$N" "$NT" 198.18.77.2)")" = open ]; }
wait_until 20 moved
check "the name now means 198.18.77.2: test host 2 answers" "$N" "$NT" 198.18.77.2 open
check "  ... and test host 1 is refused" "$N" "$NT" 198.18.77.1 refused

# A new sbxd adopts the sandbox with its rules, and keeps following the name.
sbxd_stop TERM
SBX_HOSTS_FILE=$HOSTS sbxd_start --net-refresh 1 || { notok "sbx serve starts again" "see the log above"; exit 1; }
expect_eq "after a restart of sbxd: getInfo still shows the rules" \
	"$(api GET "/sandboxes/$N" | jq -c '[.allowInternetAccess, .network.allowOut]')" '[false,["th.sbx.test"]]'
check "  ... which still hold: test host 1 is refused" "$N" "$NT" 198.18.77.1 refused
echo "198.18.77.1 th.sbx.test" >"$HOSTS"
back() { [ "$(verdict "$(reach "$N" "$NT" 198.18.77.1)")" = open ]; }
wait_until 20 back
check "  ... and the new sbxd follows the name back to test host 1" "$N" "$NT" 198.18.77.1 open
check "  ... test host 2 refused again" "$N" "$NT" 198.18.77.2 refused

# --- at run time -----------------------------------------------------------------
api PUT "/sandboxes/$P/network" '{"denyOut":["198.18.77.2"]}' >/dev/null
expect_eq "updateNetwork → 204" "$(status)" 204
check "after the update: test host 2 is refused" "$P" "$PT" 198.18.77.2 refused
check "after the update: test host 1 still answers" "$P" "$PT" 198.18.77.1 open
expect_eq "getInfo shows the new rules" "$(api GET "/sandboxes/$P" | jq -c .network.denyOut)" '["198.18.77.2"]'
api PUT "/sandboxes/$P/network" '{"allow_internet_access":false,"allowOut":["198.18.77.1"]}' >/dev/null
expect_eq "updateNetwork to internet off + allowOut → 204" "$(status)" 204
check "  ... test host 1 answers" "$P" "$PT" 198.18.77.1 open
check "  ... test host 2 is refused" "$P" "$PT" 198.18.77.2 refused
expect_eq "  ... getInfo: allowInternetAccess false" "$(api GET "/sandboxes/$P" | jq -c .allowInternetAccess)" false
api PUT "/sandboxes/$P/network" '{}' >/dev/null
expect_eq "an empty update clears every rule → 204" "$(status)" 204
check "  ... test host 2 answers again" "$P" "$PT" 198.18.77.2 open
info=$(api GET "/sandboxes/$P")
expect_eq "  ... getInfo: internet on, no lists" "$(jq -c '[.allowInternetAccess, .network.allowOut, .network.denyOut]' <<<"$info")" '[true,null,null]'

# A sandbox created without internet has only lo; allowing something gives it its link.
create '{"templateID":"base","allow_internet_access":false}' || notok "create without internet" "$CREATED"
O=$ID OT=$TOK
expect_eq "without internet: only lo" "$(run "$O" "$OT" 'ls /sys/class/net | tr "\n" " "')" "lo "
api PUT "/sandboxes/$O/network" '{"allow_internet_access":false,"allowOut":["198.18.77.1"]}' >/dev/null
expect_eq "allowOut on a sandbox without a link → 204" "$(status)" 204
check "  ... it got one: test host 1 answers" "$O" "$OT" 198.18.77.1 open
check "  ... test host 2 is refused" "$O" "$OT" 198.18.77.2 refused

# --- malformed input ---------------------------------------------------------------
out=$(api POST /v2/sandboxes '{"templateID":"base","network":{"allowOut":["1.1.1.1","10.0.0.0/33"]}}')
expect_eq "create with a bad CIDR → 400" "$(status)" 400
expect_match "  ... naming the entry" "$(jq -r .message <<<"$out")" "allowOut\[1\]: '10\.0\.0\.0/33' is not a valid IP address or CIDR"
out=$(api POST /v2/sandboxes '{"templateID":"base","network":{"denyOut":["example.com"]}}')
expect_eq "create with a name in denyOut → 400" "$(status)" 400
expect_match "  ... saying names are for allowOut only" "$(jq -r .message <<<"$out")" "domain names are not supported for deny rules"
out=$(api POST /v2/sandboxes '{"templateID":"base","network":{"allowOut":["*.example.com"]}}')
expect_match "create with a wildcard → 400 saying why" "$(status) $(jq -r .message <<<"$out")" "^400 .*wildcard"
out=$(api POST /v2/sandboxes '{"templateID":"base","network":"open"}')
expect_eq "network that is not an object → 400" "$(status)" 400
out=$(api PUT "/sandboxes/$P/network" '{"denyOut":["300.1.1.1"]}')
expect_match "updateNetwork with a bad address → 400 naming it" "$(status) $(jq -r .message <<<"$out")" "^400 .*'300\.1\.1\.1'"
check "  ... and the rules stay as they were" "$P" "$PT" 198.18.77.2 open
api PUT "/sandboxes/$P/network" '{"denyOut":' >/dev/null
expect_eq "updateNetwork with bad JSON → 400" "$(status)" 400
api PUT /sandboxes/nosuchsandbox0000000/network '{}' >/dev/null
expect_eq "updateNetwork of an unknown sandbox → 404" "$(status)" 404
api GET "/sandboxes/$P/network" >/dev/null
expect_eq "GET on the network endpoint → 405" "$(status)" 405
expect_eq "nothing was created by the refused creates" "$(api GET /sandboxes | jq length)" 5

for s in "$P" "$D" "$A" "$N" "$O"; do api DELETE "/sandboxes/$s" >/dev/null; done
api PUT "/sandboxes/$D/network" '{}' >/dev/null
expect_eq "updateNetwork of a killed sandbox → 404" "$(status)" 404

# --- one VM sandbox (qemu): the rules on what the guest sends through its tap --------
# A clone of the code-interpreter template's booted snapshot; this test never
# boots a VM cold, so without that snapshot cached (t_vm_qemu makes it) it skips.
CI=$("$TOOLS/sbx-template" path code-interpreter 2>/dev/null)
CI_HASH=$(jq -r .hash "$CI/meta.json" 2>/dev/null | cut -c1-12)
QEMU_CACHE=${SBX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}/vm/qemu
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "qemu: allow/deny/update on a VM sandbox" "qemu-system-x86_64 is not installed"
elif [ -z "$CI_HASH" ] || ! ls -d "$QEMU_CACHE/$CI_HASH"-*/meta.json >/dev/null 2>&1; then
	skip "qemu: allow/deny/update on a VM sandbox" "no booted snapshot of code-interpreter cached (run t_vm_qemu.sh once)"
else
	create '{"templateID":"code-interpreter","runtime":"qemu","timeout":600,"network":{"denyOut":["198.18.77.1"]}}' ||
		notok "create a qemu sandbox with denyOut" "$(status): $CREATED"
	Q=$ID QT=$TOK
	check "qemu, denyOut [198.18.77.1]: test host 1 is refused" "$Q" "$QT" 198.18.77.1 refused
	check "qemu, denyOut [198.18.77.1]: test host 2 answers" "$Q" "$QT" 198.18.77.2 open
	api PUT "/sandboxes/$Q/network" '{"allow_internet_access":false,"allowOut":["198.18.77.1"]}' >/dev/null
	expect_eq "qemu: updateNetwork → 204" "$(status)" 204
	check "qemu, after the update: test host 1 answers" "$Q" "$QT" 198.18.77.1 open
	check "qemu, after the update: test host 2 is refused" "$Q" "$QT" 198.18.77.2 refused
	expect_match "qemu: the rules are kept for a rebuild of its namespace" \
		"$(tr '\n' ' ' <"$STATE/sandboxes/$Q/netrules" 2>&1)" '^internet 0 allow 198\.18\.77\.1 $'
	api DELETE "/sandboxes/$Q" >/dev/null
	expect_eq "qemu: kill → 204" "$(status)" 204
fi
done_testing
