#!/usr/bin/env bash
# ns runtime networking: a sandbox with internet has eth0 on its own /30 and
# a default route via the host, NAT installed; it cannot reach the host
# itself (loopback listeners, the host side of its link, the host's other
# addresses) nor another sandbox.  Without internet it has only lo.
# Every address tried belongs to this machine.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ns_lib.sh"
ns_init

PORT=$(free_port)
/usr/bin/python3 -m http.server "$PORT" --bind 0.0.0.0 >/dev/null 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; ns_cleanup; cleanup' EXIT

ns_create net1 --memory 256 || { notok "create net1" "see above"; exit 1; }
A=$ST
ns_create net2 --memory 256 || { notok "create net2" "see above"; exit 1; }
B=$ST
ns_create lonely --memory 256 --no-internet || { notok "create a sandbox without internet" "see above"; exit 1; }
C=$ST
ok "three sandboxes, two with internet, one without"

ia=$(jq -r .net_index "$A/state.json")
ib=$(jq -r .net_index "$B/state.json")
addr() { python3 -c "import ipaddress,sys; print(ipaddress.ip_address('10.231.0.0') + 4*int(sys.argv[1]) + int(sys.argv[2]))" "$1" "$2"; }
A_HOST=$(addr "$ia" 1) A_IN=$(addr "$ia" 2) B_IN=$(addr "$ib" 2)
HOST_IP=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^10\.231\.' | head -1)

for i in $(seq 1 100); do curl -s -m 2 -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
expect_eq "control: the host listener answers on the host's loopback" \
	"$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" 200
expect_eq "control: and on the host side of net1's link, from the host" \
	"$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$A_HOST:$PORT/")" 200

r=$(ns_run "$A" 'ip -4 -o addr show dev eth0 | awk "{print \$4}"; ip route show default')
out=$(printf '%s\n' "$r" | ns_out)
expect_eq "net1 has its /30 on eth0" "$(printf '%s\n' "$out" | head -1)" "$A_IN/30"
expect_match "net1's default route is the host side of its link" "$(printf '%s\n' "$out" | sed -n 2p)" "^default via $A_HOST dev eth0"
expect_match "outbound traffic is masqueraded" "$(nft list table inet sbx 2>&1)" 'ip saddr 10\.231\.0\.0/16 oifname != "sbx\*" masquerade'

# probe HOST PORT: "open" or "closed" from inside (bash's /dev/tcp, 3 s cap).
probe() { printf '{ timeout -k 1 3 bash -c "echo > /dev/tcp/%s/%s" 2>/dev/null && echo open || echo closed; }' "$1" "$2"; }

r=$(ns_run "$A" "python3 -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1 & for i in \$(seq 50); do $(probe 127.0.0.1 8000) | grep -q open && break; sleep 0.1; done; $(probe 127.0.0.1 8000); kill %1")
expect_eq "control: inside, the sandbox's own loopback works" "$(printf '%s\n' "$r" | ns_out)" open

r=$(ns_run "$A" "$(probe 127.0.0.1 "$PORT")")
expect_eq "net1 cannot reach the host's 127.0.0.1:$PORT" "$(printf '%s\n' "$r" | ns_out)" closed
r=$(ns_run "$A" "$(probe "$A_HOST" "$PORT")")
expect_eq "net1 cannot reach the host side of its link ($A_HOST:$PORT)" "$(printf '%s\n' "$r" | ns_out)" closed
if [ -n "$HOST_IP" ]; then
	expect_eq "control: the listener answers on the host's $HOST_IP, from the host" \
		"$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$HOST_IP:$PORT/")" 200
	r=$(ns_run "$A" "$(probe "$HOST_IP" "$PORT")")
	expect_eq "net1 cannot reach the host's own address $HOST_IP:$PORT" "$(printf '%s\n' "$r" | ns_out)" closed
fi
# As root inside, the same listener (which answers the host on that address,
# the control above) stays closed: the block does not depend on the user.
expect_eq "control: the probe itself sees the listener open, from the host" "$(bash -c "$(probe "$A_HOST" "$PORT")")" open
r=$(ns_run "$A" "$(probe "$A_HOST" "$PORT")" root)
expect_eq "net1 cannot reach the host's listener as root either ($A_HOST:$PORT)" "$(printf '%s\n' "$r" | ns_out)" closed

# Sandbox to sandbox: net2 listens on all addresses, net1 tries its address.
ns_run "$B" 'nohup python3 -m http.server 8000 --bind 0.0.0.0 >/dev/null 2>&1 &' >/dev/null
r=$(ns_run "$B" "for i in \$(seq 50); do $(probe "$B_IN" 8000) | grep -q open && break; sleep 0.1; done; $(probe "$B_IN" 8000)")
expect_eq "control: net2's listener answers on its own eth0" "$(printf '%s\n' "$r" | ns_out)" open
r=$(ns_run "$A" "$(probe "$B_IN" 8000)")
expect_eq "net1 cannot reach net2 ($B_IN:8000)" "$(printf '%s\n' "$r" | ns_out)" closed

r=$(ns_run "$C" 'ip -o link | cut -d: -f2 | tr -d " " | tr "\n" " "; ip route | wc -l')
expect_eq "without internet: only lo and no routes" "$(printf '%s\n' "$r" | ns_out | tr '\n' ' ')" "lo 0 "
r=$(ns_run "$C" "$(probe "$A_HOST" "$PORT"); $(probe 127.0.0.1 "$PORT")")
expect_eq "without internet: the host stays unreachable" "$(printf '%s\n' "$r" | ns_out | tr '\n' ' ')" "closed closed "
expect_eq "without internet: no host link" "$(jq -r .veth "$C/state.json")" ""

for s in "$A" "$B" "$C"; do
	ns_snapshot "$s"
	"$RT" destroy "$s" || notok "destroy $s" "failed"
	ns_no_leak "$(basename "$s")" "$s"
done
done_testing
