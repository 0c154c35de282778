# Sourced (after lib.sh) by tests/integration/t_ns_*.sh: ns-runtime sandboxes
# driven by build/tools/sbx-rt, checked through their agent and from the host.
#
#   ns_init                 skip the file (exit 0) unless root and ns available;
#                           find or build the test template; set NS_ROOT
#   ns_create NAME [ARGS]   sbx-rt create into $NS_ROOT/NAME, id NAME$NS_SUFFIX
#                           (unique per run: runs may overlap); waits for the
#                           agent's /health; sets ST=state dir
#   ns_pid ST | ns_sock ST  the sandbox init's host pid / the agent's socket
#   ns_run ST CMD [USER]    run CMD with bash -c through the agent's
#                           process.Process/Start; decoded frames on stdout
#   ns_out | ns_err | ns_end  stdout / stderr / end event of ns_run's frames
#   ns_health ST [SECS]     the agent's /health status code ("000": no answer)
#   ns_snapshot ST          remember what the sandbox owns on the host, for ns_no_leak
#   ns_no_leak NAME ST      after destroy: no mount, cgroup, veth, loop, process
#   ns_leaks ST             the same as text ("" when nothing is left), no check
#   ns_keep_logs [ST...]    copy sandboxes' agent logs (default: all) into
#                           $SCRATCH/logs for done_testing's sanitizer scan
#                           (ns_snapshot and done_testing call it)
#
# The test template is a minimal Debian rootfs cached outside the checkout
# (SBX_NS_TEMPLATE overrides it with a built template dir); the agent under
# test ($AGENT) is bound into each sandbox.  Nothing here sends traffic off
# this machine: reachability is checked against the host's own addresses.
NS_TOKEN=ns-test-token
NS_CACHE=/var/cache/sbx-test
NS_TEMPLATE_DEFAULT=$NS_CACHE/ns-template-v1
NS_PKGS=python3,python3-ipykernel,procps,iproute2
RT="$TOOLS/sbx-rt"
NS_ROOT=
NS_SUFFIX=$(tr -dc a-z0-9 </dev/urandom | head -c 6)
NS_FWD0=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo 0)

ns_build_template() {
	local t=$NS_TEMPLATE_DEFAULT
	mkdir -p "$NS_CACHE"
	(
		flock 9
		[ -f "$t/meta.json" ] && exit 0
		rm -rf "$t.tmp" && mkdir -p "$t.tmp" || exit 1
		echo "# building the ns test template in $t (mmdebstrap, a few minutes)" >&2
		mmdebstrap --variant=minbase --include="$NS_PKGS" \
			--customize-hook='chroot "$1" useradd -m -u 1000 -s /bin/bash user' \
			bookworm "$t.tmp/rootfs" >"$NS_CACHE/ns-template.log" 2>&1 || exit 1
		echo '{"name":"sbx-ns-test"}' >"$t.tmp/meta.json"
		mv "$t.tmp" "$t"
	) 9>"$NS_CACHE/.ns-template.lock"
}

# Debian packages of the shared libraries $AGENT links directly (apt brings
# theirs): the rootfs must run the agent under test, sanitizer builds too.
ns_agent_pkgs() {
	local lib
	for lib in $(objdump -p "$AGENT" | awk '$1 == "NEEDED" {print $2}'); do
		dpkg -S "*/$lib" 2>/dev/null | head -1 | cut -d: -f1
	done | sort -u
}

# Add what the agent needs and the cached rootfs lacks (the agent's
# dependencies change more often than the template should be rebuilt).
ns_template_deps() {
	local r=$NS_TEMPLATE_DEFAULT/rootfs p missing=
	for p in $(ns_agent_pkgs); do
		chroot "$r" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "# adding$missing to the ns test template" >&2
	(
		flock 9
		chroot "$r" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing && apt-get clean" \
			>>"$NS_CACHE/ns-template.log" 2>&1
	) 9>"$NS_CACHE/.ns-template.lock"
}

ns_init() {
	if [ "$(id -u)" -ne 0 ]; then
		skip_all "the ns runtime needs root"
	fi
	local why
	if ! why=$("$RT" available); then
		notok "ns runtime available" "$why"
		exit 1
	fi
	if [ -n "${SBX_NS_TEMPLATE:-}" ]; then
		NS_TEMPLATE=$SBX_NS_TEMPLATE
	else
		NS_TEMPLATE=$NS_TEMPLATE_DEFAULT
		if { [ ! -f "$NS_TEMPLATE/meta.json" ] && ! ns_build_template; } || ! ns_template_deps; then
			notok "build the ns test template" "see $NS_CACHE/ns-template.log"
			exit 1
		fi
	fi
	# Short: the agent's socket path lives under it and must fit in sun_path.
	NS_ROOT=$(mktemp -d /tmp/sbx-ns.XXXXXX)
	trap 'ns_cleanup; cleanup' EXIT
	trap 'exit 143' TERM INT     # the runner's timeout still cleans up
	at_done ns_keep_logs
}

ns_keep_logs() {
	local st
	[ $# -gt 0 ] || set -- "$NS_ROOT"/*
	mkdir -p "$SCRATCH/logs"
	for st in "$@"; do
		[ -f "$st/disk/log/agent.log" ] && cp "$st/disk/log/agent.log" "$SCRATCH/logs/ns-$(basename "$st").log"
		# destroy keeps the log's tail here: the agent's reports at exit
		[ -f "$st/agent.log" ] && cp "$st/agent.log" "$SCRATCH/logs/ns-$(basename "$st")-tail.log"
	done
	return 0
}

ns_health() {
	curl -s -o /dev/null -m "${2:-2}" -w '%{http_code}' --unix-socket "$(ns_sock "$1")" http://sbx/health
}

ns_wait_health() {
	local i pid
	pid=$(jq -r .pid "$1/state.json" 2>/dev/null)
	for i in $(seq 1 200); do
		[ "$(ns_health "$1" 1)" = 204 ] && return 0
		ns_gone "$pid" && return 1      # the agent died (see its log)
		sleep 0.05
	done
	return 1
}

ns_create() {
	local name=$1; shift
	ST=$NS_ROOT/$name
	local out
	if ! out=$("$RT" create --template "$NS_TEMPLATE" --state "$ST" --id "$name$NS_SUFFIX" \
		--token "$NS_TOKEN" --agent "$AGENT" "$@" 2>&1); then
		echo "# sbx-rt create $name: $out"
		return 1
	fi
	if ! ns_wait_health "$ST"; then
		echo "# agent of $name does not answer; its log:"
		sed 's/^/#   /' "$ST/disk/log/agent.log" 2>/dev/null | tail -n 20
		return 1
	fi
}

ns_pid() { jq -r .pid "$1/state.json"; }
ns_sock() { echo "$1/disk/run/agent.sock"; }

# ns_run ST CMD [USER] [EXTRA_CURL_ARGS...]; frames to stdout, HTTP status in $(status).
ns_run() {
	local st=$1 cmd=$2 user=${3:-user}
	shift $(($# < 3 ? $# : 3))
	URL=http://sbx rpc_stream /process.Process/Start \
		"$(jq -nc --arg c "$cmd" '{process:{cmd:"/bin/bash",args:["-c",$c]},stdin:false}')" \
		--unix-socket "$(ns_sock "$st")" -H "X-Access-Token: $NS_TOKEN" \
		-H "Authorization: Basic $(printf '%s:' "$user" | base64)" "$@"
}
ns_out() { grep '^0 ' | cut -d' ' -f2- | jq -rj '.event.data.stdout // empty | @base64d'; }
ns_err() { grep '^0 ' | cut -d' ' -f2- | jq -rj '.event.data.stderr // empty | @base64d'; }
ns_end() { grep '^0 ' | cut -d' ' -f2- | jq -c '.event.end // empty'; }

# What a sandbox owns on the host, read before destroy removes state.json.
ns_snapshot() {
	ns_keep_logs "$1"
	SNAP_PID=$(jq -r .pid "$1/state.json")
	SNAP_VETH=$(jq -r .veth "$1/state.json")
	SNAP_CG=$(jq -r '.cgroup.dirs[]' "$1/state.json")
}

# A pid is gone when it no longer exists or is a zombie: a sandbox's init is
# reparented to the host's PID 1, which reaps it (where it reaps orphans).
ns_gone() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -z "$s" ] || [ "${s:0:1}" = Z ]
}

# ns_leaks ST: what a destroyed sandbox left behind, on stdout ("" for nothing).
ns_leaks() {
	local st=$1 why="" d
	grep -q " $st/" /proc/mounts && why="$why mounts:$(grep " $st/" /proc/mounts | cut -d' ' -f2 | tr '\n' ' ')"
	for d in $SNAP_CG; do [ -d "$d" ] && why="$why cgroup:$d"; done
	[ -n "$SNAP_VETH" ] && ip link show "$SNAP_VETH" >/dev/null 2>&1 && why="$why veth:$SNAP_VETH"
	losetup -j "$st/disk.img" 2>/dev/null | grep -q . && why="$why loop:$(losetup -j "$st/disk.img")"
	ns_gone "$SNAP_PID" || why="$why process:$SNAP_PID"
	[ -e "$st/state.json" ] && why="$why state.json"
	[ -e "$st/disk" ] && why="$why disk-dir"
	printf '%s' "$why"
}

ns_no_leak() {
	local why; why=$(ns_leaks "$2")
	if [ -z "$why" ]; then ok "$1: destroy leaves nothing behind"; else notok "$1: destroy leaves nothing behind" "$why"; fi
}

ns_cleanup() {
	local st
	[ -n "$NS_ROOT" ] || return 0
	for st in "$NS_ROOT"/*; do
		[ -f "$st/state.json" ] && "$RT" destroy "$st" >/dev/null 2>&1
	done
	# Shared pieces go only when no sandbox (ours or anyone's) needs them;
	# creators hold the lock shared until their link exists (vm/ns/ns_net.h).
	NS_FWD0=$NS_FWD0 flock -x /run/sbx-ns.lock sh -c '
		ip -o link show | grep -q ": sbx[0-9]*@" && exit 0
		nft delete table inet sbx 2>/dev/null
		[ "$NS_FWD0" = 0 ] && echo 0 >/proc/sys/net/ipv4/ip_forward
		exit 0'
	rmdir /sys/fs/cgroup/*/sbx /sys/fs/cgroup/sbx 2>/dev/null
	rm -rf "$NS_ROOT"
	return 0
}
