#!/usr/bin/env bash
# ns runtime security (issue 8): each sandbox has its own user namespace
# mapped to a host uid range of its own, every process runs under the
# seccomp filter, keyrings and per-uid kernel counts do not cross the
# sandbox boundary, the agent (PID 1, holding the token) cannot be traced,
# and mountinfo shows no host path of the state dir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ns_lib.sh"
ns_init

if [ "$(uname -m)" != x86_64 ]; then
	ok "ns security # SKIP the probes use x86_64 system call numbers"
	done_testing
	exit 0
fi
HOSTKEY=
host_py() { /usr/bin/python3 -c "$1"; }
# Revoke the key this test added to the host root's keyring, whatever happens.
trap '[ -n "$HOSTKEY" ] && host_py "import ctypes; ctypes.CDLL(None).syscall(250, 21, $HOSTKEY)"; ns_cleanup; cleanup' EXIT

PROBE_B64=$(base64 -w0 "$(dirname "$0")/ns_probe.py")
# probe ST USER ARGS...: run ns_probe.py inside; its NAME=RESULT lines.
probe() {
	local st=$1 user=$2; shift 2
	ns_run "$st" "p=/tmp/ns_probe.\$(id -u).py; echo $PROBE_B64 | base64 -d >\$p && python3 \$p $*" "$user" | ns_out
}
field() { printf '%s\n' "$1" | sed -n "s/^$2=//p"; }

# A reservation left by a sandbox whose state dir is gone (a failed destroy,
# then the dir removed): the next create takes the range over.
mkdir -p /run/sbx-ns/uids
STALE=0
while [ -e "/run/sbx-ns/uids/$STALE" ]; do STALE=$((STALE + 1)); done
printf '%s' "$NS_ROOT/gone" >"/run/sbx-ns/uids/$STALE"
trap '[ -n "$HOSTKEY" ] && host_py "import ctypes; ctypes.CDLL(None).syscall(250, 21, $HOSTKEY)"
	grep -qs "$NS_ROOT/gone" "/run/sbx-ns/uids/$STALE" && rm -f "/run/sbx-ns/uids/$STALE"
	ns_cleanup; cleanup' EXIT

if ! ns_create seca --disk 256 || ! A=$ST || ! ns_create secc --no-internet || ! C=$ST; then
	notok "create two sandboxes" "see above"
	exit 1
fi
ok "create two sandboxes (one without internet)"

# --- user namespace ---------------------------------------------------------
map_a=$(ns_run "$A" 'cat /proc/self/uid_map; cat /proc/self/gid_map' | ns_out)
map_c=$(ns_run "$C" 'cat /proc/self/uid_map' | ns_out)
read -r in0 base_a len_a <<<"$(printf '%s\n' "$map_a" | head -1)"
read -r _ base_c _ <<<"$map_c"
if [ "$in0" = 0 ] && [ "$len_a" = 65536 ] && [ "$base_a" -ge $((0x70000000)) ] 2>/dev/null; then
	ok "uid_map is not the identity: 0..65535 -> $base_a.. on the host"
else
	notok "uid_map is not the identity" "[$(printf '%s' "$map_a" | tr '\n' ';')]"
fi
expect_eq "gid_map is the same range" "$(printf '%s\n' "$map_a" | sed -n 2p | tr -s ' ' | sed 's/^ //')" "0 $base_a 65536"
if [ -n "$base_c" ] && [ "$base_c" != "$base_a" ] && [ $(( base_a > base_c ? base_a - base_c : base_c - base_a )) -ge 65536 ]; then
	ok "two sandboxes get disjoint ranges ($base_a, $base_c)"
else
	notok "two sandboxes get disjoint ranges" "[$base_a] [$base_c]"
fi
pid_a=$(ns_pid "$A")
expect_eq "the agent runs as the range's first uid on the host" "$(stat -c %u "/proc/$pid_a")" "$base_a"
if getent passwd "$base_a" >/dev/null || getent passwd "$((base_a + 1000))" >/dev/null; then
	notok "no host account owns the range" "$(getent passwd "$base_a" "$((base_a + 1000))")"
else
	ok "no host account owns the range"
fi
slot=$(jq -r .uid_slot "$A/state.json")
if grep -qs "$NS_ROOT/gone" "/run/sbx-ns/uids/$STALE"; then
	notok "a stale reservation is taken over" "/run/sbx-ns/uids/$STALE still names a removed state dir"
else
	ok "a stale reservation is taken over (range $STALE; sandbox A has $slot)"
fi
expect_eq "state.json records the range, and /run holds its reservation" \
	"$(cat "/run/sbx-ns/uids/$slot" 2>/dev/null)" "$A"
out=$(ns_run "$A" 'stat -c "%U:%G" / /etc/passwd /home/user /usr/bin/su; id -un; echo x >/tmp/f && stat -c %U /tmp/f' | ns_out)
expect_eq "template files keep their owners inside; user's files are user's" \
	"$(printf '%s' "$out" | tr '\n' ' ')" "root:root root:root user:user root:root user user"
expect_eq "... and are stored in the range on the host" "$(stat -c %u "$A/disk/upper/tmp/f")" "$((base_a + 1000))"

# --- seccomp ------------------------------------------------------------------
expect_eq "Seccomp is 2 (filter) for user" "$(ns_run "$A" 'grep ^Seccomp: /proc/self/status' | ns_out | tr -s '\t ' ' ')" "Seccomp: 2"
expect_eq "Seccomp is 2 (filter) for root" "$(ns_run "$A" 'grep ^Seccomp: /proc/self/status' root | ns_out | tr -s '\t ' ' ')" "Seccomp: 2"
res=$(probe "$A" root probes)
for name in io_uring_setup bpf perf_event_open userfaultfd open_by_handle_at unshare_user_mnt \
	mount kexec_load init_module clock_settime personality_noaslr add_key; do
	expect_eq "root inside: $name is refused with EPERM" "$(field "$res" "$name")" EPERM
done
expect_eq "personality's query still works" "$(field "$res" personality_query)" ok
res=$(probe "$A" user probes)
expect_eq "user inside: io_uring_setup is refused with EPERM" "$(field "$res" io_uring_setup)" EPERM
expect_eq "user inside: unshare(CLONE_NEWUSER|CLONE_NEWNS) is refused with EPERM" "$(field "$res" unshare_user_mnt)" EPERM

# --- keyrings -------------------------------------------------------------------
desc=sbx-sec-$NS_SUFFIX
HOSTKEY=$(host_py "import ctypes; l=ctypes.CDLL(None); l.syscall.restype=ctypes.c_long; print(l.syscall(248, b'user', b'$desc', b'hostsecret', 10, ctypes.c_long(-4)))")
if [ "${HOSTKEY:--1}" -gt 0 ] 2>/dev/null; then
	res=$(probe "$A" root key_search "$desc")
	expect_eq "root inside cannot search the host root's keyring" "$(field "$res" key_search)" EPERM
else
	notok "add a key to the host root's keyring" "add_key gave [$HOSTKEY]"
	HOSTKEY=
fi
res=$(probe "$A" user key_add "plant-$NS_SUFFIX")
expect_eq "user in one sandbox cannot plant a key" "$(field "$res" key_add)" EPERM
res=$(probe "$C" user key_search "plant-$NS_SUFFIX")
if [ "$(field "$res" key_search)" = ok ]; then
	notok "another sandbox cannot read a planted key" "keyctl search found it"
else
	ok "another sandbox cannot read a planted key ($(field "$res" key_search))"
fi

# --- per-uid counts: inotify instances --------------------------------------------
# Sandbox A's root takes every inotify instance it can and holds them; the
# host's root and sandbox C must still get theirs.  Held at most 20 s.
ns_run "$A" "echo $PROBE_B64 | base64 -d >/tmp/ns_probe.py; rm -f /tmp/release; setsid python3 /tmp/ns_probe.py inotify_hog /tmp/release >/tmp/hog.out 2>&1 </dev/null &" root >/dev/null
hog=
for _ in $(seq 1 100); do
	hog=$(ns_run "$A" 'cat /tmp/hog.out 2>/dev/null' root | ns_out | sed -n 's/^inotify_hog=//p')
	[ -n "$hog" ] && break
	sleep 0.1
done
host=$(host_py "import ctypes,os; l=ctypes.CDLL(None,use_errno=True); fd=l.inotify_init1(0); print('ok' if fd>=0 else os.strerror(ctypes.get_errno()))")
inner_user=$(probe "$C" user inotify)
inner_root=$(probe "$C" root inotify)
ns_run "$A" 'touch /tmp/release' root >/dev/null
if [ -n "$hog" ] && [ "$hog" -gt 0 ]; then
	ok "sandbox A's root holds $hog inotify instances (its own quota)"
else
	notok "sandbox A's root holds inotify instances" "[$hog]"
fi
expect_eq "the host's root still gets an inotify instance" "$host" ok
expect_eq "sandbox C's user still gets an inotify instance" "$(field "$inner_user" inotify)" ok
expect_eq "sandbox C's root still gets an inotify instance" "$(field "$inner_root" inotify)" ok

# --- the agent cannot be traced ----------------------------------------------------
res=$(probe "$A" root ptrace)
expect_eq "root inside cannot ptrace the agent (PID 1)" "$(field "$res" ptrace_pid1)" EPERM
expect_eq "root inside cannot read the agent's environment" "$(field "$res" environ_pid1)" EACCES
expect_eq "the agent still serves" "$(ns_health "$A")" 204

# --- mountinfo --------------------------------------------------------------------------
mi=$(ns_run "$A" 'cat /proc/self/mountinfo' | ns_out)
if [ -n "$mi" ] && ! printf '%s' "$mi" | grep -qF "$NS_ROOT"; then
	ok "mountinfo inside shows no host path of the state dir"
else
	notok "mountinfo inside shows no host path of the state dir" "$(printf '%s' "$mi" | grep -F "$NS_ROOT" | head -2)"
fi

# --- destroy gives the range back -------------------------------------------------
for st in "$A" "$C"; do
	s=$(jq -r .uid_slot "$st/state.json")
	ns_snapshot "$st"
	if out=$("$RT" destroy "$st" 2>&1); then ok "destroy $(basename "$st")"; else notok "destroy $(basename "$st")" "$out"; fi
	ns_no_leak "$(basename "$st")" "$st"
	[ -e "/run/sbx-ns/uids/$s" ] && notok "destroy frees the uid range" "/run/sbx-ns/uids/$s is left" ||
		ok "destroy frees the uid range"
done
done_testing
