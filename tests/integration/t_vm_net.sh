#!/usr/bin/env bash
# VM sandbox networking (vm/vm_net.h) with a stand-in guest instead of a VM:
# tap_relay, started by vm_proc in the sandbox's namespace as a VMM is,
# attaches to its tap0 as a VMM does and relays frames to a tap in a
# "guest" netns configured as the real guest configures eth0.
# Checked: the agent port answers from the host through the namespace with
# internet on and off; three sandboxes with the same guest address at once;
# with internet the guest reaches a test host (198.18.0.1, in a netns this
# test makes) through the NAT, without it cannot; it never reaches the host's
# own addresses nor another sandbox; destroy leaves nothing.
# Every address used belongs to this machine or to namespaces made here.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "VM sandbox networks need root"
for t in nft nsenter ip; do
	command -v "$t" >/dev/null || { notok "$t is installed" "apt-get install nftables iproute2 util-linux"; done_testing; exit 1; }
done
[ -c /dev/net/tun ] || { notok "/dev/net/tun exists" "modprobe tun"; done_testing; exit 1; }

VMNET=$TOOLS/sbx-vmnet
RELAY=$TOOLS/tap_relay
PY=/usr/bin/python3
SUF=$(tr -dc a-z0-9 </dev/urandom | head -c 6)
ROOT=$(mktemp -d /tmp/sbx-vmnet.XXXXXX)
TH=sbxt-th-$SUF          # the test host's netns
TH_LINK=tvm$SUF          # its link on the host (not "sbx*": that is a sandbox's)
FWD0=$(cat /proc/sys/net/ipv4/ip_forward)
BG=()                    # background processes of this shell
NAMES=()

vm_cleanup() {
	local p n
	for p in "${BG[@]}"; do stop_pid "$p" TERM 5; done
	BG=()
	for n in "${NAMES[@]}"; do
		[ -f "$ROOT/$n/state.json" ] && "$VMNET" kill "$ROOT/$n" >/dev/null 2>&1
		[ -f "$ROOT/$n/state.json" ] && "$VMNET" destroy "$ROOT/$n" >/dev/null 2>&1
		ip netns del "sbxt-g-$n-$SUF" 2>/dev/null
	done
	ip netns del "$TH" 2>/dev/null
	ip link del "$TH_LINK" 2>/dev/null
	# The host's shared table goes only when no sandbox needs it (vm/ns/ns_net.h).
	FWD0=$FWD0 flock -x /run/sbx-ns.lock sh -c '
		ip -o link show | grep -q ": sbx[0-9]*@" && exit 0
		nft delete table inet sbx 2>/dev/null
		[ "$FWD0" = 0 ] && echo 0 >/proc/sys/net/ipv4/ip_forward
		exit 0'
	rm -rf "$ROOT"
	return 0
}
trap 'vm_cleanup; cleanup' EXIT
trap 'exit 143' TERM INT

gns() { echo "/run/netns/sbxt-g-$1-$SUF"; }
# gexec NAME CMD...: run CMD in NAME's guest.
gexec() { local n=$1; shift; nsenter --net="$(gns "$n")" "$@"; }
# probe NAME HOST PORT: "open" or "closed" from inside NAME's guest (3 s cap).
probe() { gexec "$1" timeout -k 1 3 bash -c "echo > /dev/tcp/$2/$3" 2>/dev/null && echo open || echo closed; }
# hprobe HOST PORT: the same from the host.
hprobe() { timeout -k 1 3 bash -c "echo > /dev/tcp/$1/$2" 2>/dev/null && echo open || echo closed; }
ipof() { echo "$1" | sed -n 's/^tcp:\([0-9.]*\):49983$/\1/p'; }
hostside() { $PY -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]) - 1)" "$1"; }

# sandbox NAME [--no-internet]: its network, a guest behind its tap0 and an
# HTTP server in the guest on the agent's port serving /name = NAME.
# Sets ADDR_<NAME>.
sandbox() {
	local n=$1 addr; shift
	NAMES+=("$n")
	if ! addr=$("$VMNET" create "$ROOT/$n" "vmnet-$n-$SUF" "$@" 2>"$ROOT/$n.err"); then
		notok "create $n" "$(cat "$ROOT/$n.err")"
		return 1
	fi
	eval "ADDR_$n=\$addr"
	ip netns add "sbxt-g-$n-$SUF" || return 1
	if ! "$VMNET" spawn "$ROOT/$n" "$RELAY" - "$(gns "$n")" >"$ROOT/$n.pid" 2>"$ROOT/$n.err"; then
		notok "start tap_relay for $n" "$(cat "$ROOT/$n.err")"
		return 1
	fi
	wait_until 10 grep -q ready "$ROOT/$n/vmm.log" || { notok "tap_relay for $n" "$(cat "$ROOT/$n/vmm.log")"; return 1; }
	mkdir -p "$ROOT/www-$n" && echo "$n" >"$ROOT/www-$n/name"
	gexec "$n" $PY -m http.server 49983 --bind 0.0.0.0 --directory "$ROOT/www-$n" >/dev/null 2>&1 &
	BG+=($!)
}

# The test host: 198.18.0.1 in its own netns, linked to the host (198.18.0.2).
ip netns add "$TH" &&
	ip link add "$TH_LINK" type veth peer name eth0 netns "$TH" &&
	ip addr add 198.18.0.2/30 dev "$TH_LINK" && ip link set "$TH_LINK" up &&
	ip -n "$TH" addr add 198.18.0.1/30 dev eth0 && ip -n "$TH" link set eth0 up &&
	ip -n "$TH" link set lo up && ip -n "$TH" route add default via 198.18.0.2 ||
	{ notok "make the test host's netns" "see above"; done_testing; exit 1; }
mkdir -p "$ROOT/www-th" && echo testhost >"$ROOT/www-th/name"
nsenter --net="/run/netns/$TH" $PY -m http.server 8080 --bind 198.18.0.1 --directory "$ROOT/www-th" >/dev/null 2>&1 &
BG+=($!)
# The MSS the test host's end of a connection uses (TCP_MAXSEG), on 8081.
nsenter --net="/run/netns/$TH" $PY -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 8081))
s.listen(8)
while True:
    c, _ = s.accept()
    c.sendall(b"%d\n" % c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG))
    c.close()' >/dev/null 2>&1 &
BG+=($!)
# A listener on every host address, for the guest to fail to reach.
PORT=$(free_port)
$PY -m http.server "$PORT" --bind 0.0.0.0 --directory "$ROOT/www-th" >/dev/null 2>&1 &
BG+=($!)

sandbox a || { done_testing; exit 1; }
RELAY_A=$(cat "$ROOT/a.pid")
expect_eq "vm_proc started the VMM stand-in in the sandbox's namespace" \
	"$(sed -n 's/^sandbox //p' "$ROOT/a/vmm.log")" "net:[$(stat -L -c %i "$ROOT/a/netns")]"
expect_eq "detached: in a session of its own, not a child of the test" \
	"$(ps -o sid=,ppid= -p "$RELAY_A" | awk -v me=$$ -v sid="$(ps -o sid= -p $$)" '{print ($1 != sid+0 && $2 != me) ? "yes" : "no"}')" yes
sandbox b --no-internet || { done_testing; exit 1; }
sandbox c || { done_testing; exit 1; }
ok "three VM sandbox networks, two with internet, one without, each with a guest behind tap0"

A_IN=$(ipof "$ADDR_a") B_IN=$(ipof "$ADDR_b") C_IN=$(ipof "$ADDR_c")
ia=$(jq -r .net.index "$ROOT/a/state.json")
expect_eq "the agent address is eth0's address of the sandbox's block" "$A_IN" \
	"$($PY -c "import ipaddress,sys; print(ipaddress.ip_address('10.231.0.0') + 4*int(sys.argv[1]) + 2)" "$ia")"
expect_eq "sbx-vmnet addr gives it again" "$("$VMNET" addr "$ROOT/a")" "$ADDR_a"
A_HOST=$(hostside "$A_IN") B_HOST=$(hostside "$B_IN")
expect_match "the namespace's bind mount is in the host's mount namespace after its creator exited" \
	"$(grep -c " $ROOT/a/netns .* nsfs " /proc/self/mountinfo)" '^1$'
expect_eq "every guest has the same address" \
	"$(for n in a b c; do gexec $n ip -4 -o addr show dev eth0 | awk '{print $4}'; done | sort -u)" 169.254.0.21/30

get() { curl -s -m 5 "$1"; }
for n in a b c; do
	eval "ip=\$$(echo "${n^^}_IN")"
	wait_until 20 [ "$(get "http://$ip:49983/name")" = "$n" ]
	expect_eq "the host reaches $n's guest at its agent address $ip:49983" "$(get "http://$ip:49983/name")" "$n"
done

wait_until 20 [ "$(get http://198.18.0.1:8080/name)" = testhost ]
expect_eq "control: the host reaches the test host 198.18.0.1:8080" "$(get http://198.18.0.1:8080/name)" testhost
expect_eq "with internet, guest a reaches the test host through the NAT" \
	"$(gexec a curl -s -m 5 http://198.18.0.1:8080/name)" testhost
expect_eq "with internet, guest c too (same guest address, its own NAT)" \
	"$(gexec c curl -s -m 5 http://198.18.0.1:8080/name)" testhost
expect_eq "without internet, guest b cannot reach the test host" "$(probe b 198.18.0.1 8080)" closed
# The guest's eth0 has 1500 bytes, the sandbox's eth0 the uplink's MTU.
mtu=$(cat "/sys/class/net/$(jq -r .net.veth "$ROOT/a/state.json")/mtu")
wait_until 20 sh -c "nsenter --net=/run/netns/$TH ss -ltn | grep -q 198.18.0.1:8081"
mss=$(gexec a timeout -k 1 5 bash -c 'exec 3<>/dev/tcp/198.18.0.1/8081; head -1 <&3')
if [ -n "$mss" ] && [ "$mss" -le $((mtu - 40)) ]; then
	ok "the guest's TCP MSS is clamped to the sandbox's eth0 ($mss <= $mtu - 40)"
else
	notok "the guest's TCP MSS is clamped to the sandbox's eth0" "MSS [$mss], eth0 MTU $mtu"
fi

HOST_IP=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^10\.231\.\|^198\.18\.' | head -1)
wait_until 20 [ "$(hprobe 127.0.0.1 "$PORT")" = open ]
for h in "$A_HOST" 198.18.0.2 $HOST_IP; do
	expect_eq "control: the host's listener answers on $h:$PORT, from the host" "$(hprobe "$h" "$PORT")" open
	expect_eq "guest a cannot reach the host's $h:$PORT" "$(probe a "$h" "$PORT")" closed
done
expect_eq "guest b cannot reach the host side of its link ($B_HOST:$PORT)" "$(probe b "$B_HOST" "$PORT")" closed
expect_eq "guest a cannot reach sandbox c's agent address ($C_IN:49983)" "$(probe a "$C_IN" 49983)" closed
expect_eq "guest b cannot reach sandbox a's agent address ($A_IN:49983)" "$(probe b "$A_IN" 49983)" closed

# DNS: the guest's resolver is GUEST_GW; with internet the namespace sends
# port 53 on to the host's resolver (the one ns sandboxes get), never off.
RESOLVER=$(awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ && $2 !~ /^127\./ {print $2; exit}' /etc/resolv.conf)
if [ -n "$RESOLVER" ]; then
	expect_match "with internet, DNS to the gateway goes to the host's resolver $RESOLVER" \
		"$(nsenter --net="$ROOT/a/netns" nft list table ip sbxvm)" "ip daddr 169\.254\.0\.22 .*th dport 53 dnat to $RESOLVER"
else
	skip "with internet, DNS to the gateway goes to the host's resolver" "the host has no non-loopback IPv4 nameserver"
fi
expect_eq "without internet, no DNS forwarding" \
	"$(nsenter --net="$ROOT/b/netns" nft list table ip sbxvm | grep -c 'dport 53')" 0

# The same end to end, with the host's resolver replaced by the test host
# (a DNS stand-in answering "pong <query>" on 198.18.0.1:53) in a private
# mount namespace, where the sandboxes d (internet) and e (none) live and die.
echo "nameserver 127.0.0.53
nameserver 198.18.0.1" >"$ROOT/resolv.conf"
nsenter --net="/run/netns/$TH" $PY -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 53))
while True:
    d, a = s.recvfrom(512)
    s.sendto(b"pong " + d, a)' >/dev/null 2>&1 &
BG+=($!)
NAMES+=(d e)     # for vm_cleanup, should dns.sh end early
wait_until 20 sh -c "nsenter --net=/run/netns/$TH ss -lun | grep -q 198.18.0.1:53"
cat >"$ROOT/dns.sh" <<'SH'
set -u
mount --bind "$ROOT/resolv.conf" /etc/resolv.conf || exit 1
for n in d e; do
	flag=; [ $n = e ] && flag=--no-internet
	"$VMNET" create "$ROOT/$n" "vmnet-$n-$SUF" $flag >/dev/null || continue
	ip netns add "sbxt-g-$n-$SUF"
	"$VMNET" spawn "$ROOT/$n" "$RELAY" - "/run/netns/sbxt-g-$n-$SUF" >/dev/null
	for i in $(seq 100); do grep -q ready "$ROOT/$n/vmm.log" && break; sleep 0.05; done
	printf '%s:' $n
	nsenter --net="/run/netns/sbxt-g-$n-$SUF" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
try:
    s.sendto(b"q1", ("169.254.0.22", 53))
    print(s.recv(100).decode())
except OSError:
    print("no answer")'
done
for n in d e; do "$VMNET" kill "$ROOT/$n"; "$VMNET" destroy "$ROOT/$n"; ip netns del "sbxt-g-$n-$SUF"; done
SH
dns=$(ROOT=$ROOT VMNET=$VMNET RELAY=$RELAY SUF=$SUF PY=$PY unshare -m --propagation private bash "$ROOT/dns.sh" 2>&1)
expect_eq "with internet, the guest's DNS query to its gateway is answered by the host's resolver" \
	"$(printf '%s\n' "$dns" | grep '^d:')" "d:pong q1"
expect_eq "without internet, the guest's DNS query gets no answer" "$(printf '%s\n' "$dns" | grep '^e:')" "e:no answer"

# Destroy: the VMM (here the relay) goes first, as the drivers do.
for p in "${BG[@]}"; do stop_pid "$p" TERM 5; done
BG=()
for n in a b c; do "$VMNET" kill "$ROOT/$n" || notok "kill $n's VMM" "see above"; done
s=$(ps -o stat= -p "$RELAY_A")
# Gone, or a zombie until its new parent (init, not us) reaps it.
expect_match "vm_proc_kill: the VMM stand-in is gone" "${s:0:1}" '^Z?$'
ip link del "$(jq -r .net.veth "$ROOT/c/state.json")"     # a piece already gone
for n in a b c; do
	st=$ROOT/$n
	veth=$(jq -r .net.veth "$st/state.json")
	ino=$(stat -L -c %i "$st/netns")
	"$VMNET" destroy "$st" 2>"$ROOT/$n.err" || notok "destroy $n" "$(cat "$ROOT/$n.err")"
	why=
	grep -q " $st/netns " /proc/self/mountinfo && why="$why mount"
	[ -e "$st/netns" ] && why="$why netns-file"
	ip link show "$veth" >/dev/null 2>&1 && why="$why veth:$veth"
	# No mount, process or open namespace fd holds it (the VMM, whose tap0
	# fd would, is gone: checked above), so tap0 and its table went with it.
	grep -q "net:\[$ino\]" /proc/*/mountinfo 2>/dev/null && why="$why netns-mounted"
	for l in /proc/[0-9]*/ns/net /proc/[0-9]*/fd/*; do
		[ "$(readlink "$l" 2>/dev/null)" = "net:[$ino]" ] && why="$why netns-held-by:${l#/proc/}"
	done
	expect_eq "$n: destroy leaves no mount, veth, or holder of the namespace (tap0, nft table)" "$why" ""
	"$VMNET" destroy "$st" 2>"$ROOT/$n.err"
	expect_eq "$n: destroy again is fine" "$?:$(cat "$ROOT/$n.err")" "0:"
done
done_testing
