# The tests' package registry (server.py) on a test host that sandboxes
# reach through their NAT.  Source it; needs root, ip, nsenter, curl.
#   registry_start DIR   fetch.sh's packages, then a netns "test host" with
#                        198.19.N.1/30 linked to the host (198.19.N.2), and
#                        server.py in it on port 8080, logging to DIR/registry.log.
#                        Sets REGISTRY_URL (http://198.19.N.1:8080), REGISTRY_HOST,
#                        REGISTRY_LOG; 0 once GET / answers, else 1 with why on stderr.
#   registry_stop        stops the server, removes the netns and its link.
# Why a netns: a sandbox may never reach the host itself (vm/ns: input from
# sbx* links is dropped), but its NAT forwards to any other address, as to
# the internet; 198.18.0.0/15 is the benchmarking range (RFC 2544), never
# anyone's real network.  N (1..254) is one no host link has yet
# (t_vm_net.sh uses 198.18.0.0/30), picked under a lock.
REGISTRY_DIR_=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REGISTRY_URL= REGISTRY_HOST= REGISTRY_LOG= REGISTRY_NS_= REGISTRY_LINK_= REGISTRY_PID_=

registry_start() {
	local dir=$1 pkgs suf n i
	pkgs=$("$REGISTRY_DIR_/fetch.sh" | tail -n 1) && [ -d "$pkgs/npm" ] ||
		{ echo "registry: tests/registry/fetch.sh failed" >&2; return 1; }
	suf=$(tr -dc a-z0-9 </dev/urandom | head -c 6)
	REGISTRY_NS_=sbxt-reg-$suf
	REGISTRY_LINK_=treg$suf   # not "sbx*": that is a sandbox's link
	REGISTRY_LOG=$dir/registry.log
	exec {lk}>/run/sbx-registry.lock
	flock -w 30 "$lk" || { echo "registry: /run/sbx-registry.lock is held" >&2; exec {lk}>&-; return 1; }
	n=
	for i in $(seq 0 253); do
		i=$(( ($$ + i) % 254 + 1 ))
		[ -z "$(ip -4 -o addr show to "198.19.$i.0/24")" ] && { n=$i; break; }
	done
	if [ -z "$n" ] || ! { ip netns add "$REGISTRY_NS_" &&
		ip link add "$REGISTRY_LINK_" type veth peer name eth0 netns "$REGISTRY_NS_" &&
		ip addr add "198.19.$n.2/30" dev "$REGISTRY_LINK_" && ip link set "$REGISTRY_LINK_" up &&
		ip -n "$REGISTRY_NS_" addr add "198.19.$n.1/30" dev eth0 && ip -n "$REGISTRY_NS_" link set eth0 up &&
		ip -n "$REGISTRY_NS_" link set lo up && ip -n "$REGISTRY_NS_" route add default via "198.19.$n.2"; }; then
		exec {lk}>&-
		echo "registry: cannot make the test host's netns (free 198.19.N.0/24: ${n:-none})" >&2
		registry_stop
		return 1
	fi
	exec {lk}>&-
	REGISTRY_HOST=198.19.$n.1
	REGISTRY_URL=http://$REGISTRY_HOST:8080
	nsenter --net="/run/netns/$REGISTRY_NS_" /usr/bin/python3 "$REGISTRY_DIR_/server.py" \
		--dir "$pkgs" --bind "$REGISTRY_HOST" --port 8080 --log "$REGISTRY_LOG" >"$dir/registry.out" 2>&1 &
	REGISTRY_PID_=$!
	for i in $(seq 1 100); do
		[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$REGISTRY_URL/")" = 200 ] && return 0
		kill -0 "$REGISTRY_PID_" 2>/dev/null || break
		sleep 0.1
	done
	echo "registry: server.py did not answer on $REGISTRY_URL: $(cat "$dir/registry.out")" >&2
	registry_stop
	return 1
}

registry_stop() {
	if [ -n "$REGISTRY_PID_" ]; then
		kill "$REGISTRY_PID_" 2>/dev/null
		wait "$REGISTRY_PID_" 2>/dev/null
	fi
	[ -n "$REGISTRY_NS_" ] && ip netns del "$REGISTRY_NS_" 2>/dev/null
	[ -n "$REGISTRY_LINK_" ] && ip link del "$REGISTRY_LINK_" 2>/dev/null
	REGISTRY_PID_= REGISTRY_NS_= REGISTRY_LINK_=
	return 0
}
