#!/usr/bin/env bash
# ns runtime: a sandbox starts, its agent answers over the host-side socket,
# it is its own machine (hostname, /proc, /dev, files, capabilities), stats
# read sensibly, and destroy leaves nothing behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ns_lib.sh"
ns_init

MARK=/root/sbx-ns-marker-$$
echo secret >"$MARK"
trap 'rm -f "$MARK"; ns_cleanup; cleanup' EXIT
sleep 300 &
HOST_SLEEP=$!

t0=$(date +%s%N)
if ! ns_create basic --memory 256 --disk 256 --cpus 1; then
	notok "create a sandbox" "see above"
	exit 1
fi
ok "create a sandbox; its agent answers /health on $(ns_sock "$ST")"
echo "# create to /health: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
addr=$("$RT" adopt "$ST")
expect_eq "adopt reports the host-side socket and alive" "$addr" "unix:$ST/disk/run/agent.sock alive"

r=$(ns_run "$ST" 'echo "$(hostname) $(id -un) $(cat /etc/hostname)"')
expect_eq "a command runs through the agent, as user, hostname = id" "$(printf '%s\n' "$r" | ns_out)" "basic$NS_SUFFIX user basic$NS_SUFFIX"

r=$(ns_run "$ST" "cat $MARK; ls /root 2>&1 | head -1; test -e $MARK && echo visible || echo absent" root)
expect_eq "a host file is not visible inside (even as root)" "$(printf '%s\n' "$r" | ns_out | tail -1)" "absent"

r=$(ns_run "$ST" 'ps -e --no-headers -o pid,comm')
procs=$(printf '%s\n' "$r" | ns_out)
n=$(printf '%s\n' "$procs" | grep -c .)
if [ "$n" -le 6 ] && printf '%s\n' "$procs" | grep -Eq '^ *1 sbx-agent$' && ! printf '%s\n' "$procs" | grep -q " $HOST_SLEEP "; then
	ok "own pid namespace: $n processes, the agent is PID 1, no host PIDs"
else
	notok "own pid namespace" "$(printf '%s' "$procs" | tr '\n' ';')"
fi
kill $HOST_SLEEP 2>/dev/null

r=$(ns_run "$ST" 'ls /dev | tr "\n" " "; echo; readlink /dev/ptmx; stat -c %a /dev/shm /tmp; findmnt -no FSTYPE,OPTIONS /dev/pts')
out=$(printf '%s\n' "$r" | ns_out)
expect_eq "minimal /dev" "$(printf '%s\n' "$out" | head -1)" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero "
expect_eq "/dev/ptmx is the private devpts's" "$(printf '%s\n' "$out" | sed -n 2p)" "pts/ptmx"
expect_eq "/dev/shm and /tmp are world-writable, sticky" "$(printf '%s\n' "$out" | sed -n 3,4p | tr '\n' ' ')" "1777 1777 "
expect_match "devpts is a new instance with ptmxmode 0666" "$(printf '%s\n' "$out" | sed -n 5p)" '^devpts .*ptmxmode=666'

# Root inside is a service account, not the host's root.
r=$(ns_run "$ST" 'mount -t tmpfs x /mnt 2>&1 || echo denied; echo 1 > /proc/sys/kernel/sysrq 2>&1 || echo ro; grep CapBnd /proc/self/status' root)
out=$(printf '%s\n' "$r" | ns_out)
expect_match "root inside cannot mount" "$out" 'denied'
expect_match "/proc/sys is read-only inside" "$out" 'ro'
expect_match "root inside lacks CAP_SYS_ADMIN" "$(printf '%s\n' "$out" | grep CapBnd)" 'CapBnd:\s+00000000a00425fb'

r=$(ns_run "$ST" 'df -k / | tail -1')
expect_match "the root is an overlay limited to the 256 MB disk" "$(printf '%s\n' "$r" | ns_out)" '^overlay +2[0-9]{5} '

stats=$("$RT" stats "$ST")
cpu_count=$(printf '%s\n' "$stats" | awk '$1=="cpu_count"{print $2}')
mem_total=$(printf '%s\n' "$stats" | awk '$1=="mem_total"{print $2}')
mem_used=$(printf '%s\n' "$stats" | awk '$1=="mem_used"{print $2}')
disk_total=$(printf '%s\n' "$stats" | awk '$1=="disk_total"{print $2}')
pct=$(printf '%s\n' "$stats" | awk '$1=="cpu_used_pct"{print $2}')
expect_eq "stats: cpu_count from --cpus" "$cpu_count" 1
expect_eq "stats: mem_total from --memory" "$mem_total" $((256 << 20))
if [ "$mem_used" -gt $((1 << 20)) ] && [ "$mem_used" -lt $((256 << 20)) ] &&
	[ "$disk_total" -gt $((200 << 20)) ] && [ "$disk_total" -le $((256 << 20)) ] &&
	awk -v p="$pct" 'BEGIN{exit !(p >= 0 && p <= 100)}'; then
	ok "stats: memory, disk and cpu in range ($mem_used B, $disk_total B, $pct %)"
else
	notok "stats in range" "$(printf '%s' "$stats" | tr '\n' ' ')"
fi

expect_match "the agent logs to the state dir" "$(cat "$ST/disk/log/agent.log")" 'listening on unix:/run/sbx/agent.sock'

ns_snapshot "$ST"
if out=$("$RT" destroy "$ST" 2>&1); then ok "destroy"; else notok "destroy" "$out"; fi
ns_no_leak basic "$ST"
[ -s "$ST/agent.log" ] && ok "destroy keeps the agent log's tail" || notok "destroy keeps the agent log's tail" "no $ST/agent.log"
out=$("$RT" adopt "$ST" 2>&1)
expect_match "adopting a destroyed sandbox is a clear error" "$out" 'destroyed or never created'

# Bad input is refused before anything is made.
out=$("$RT" create --template /nonexistent --state "$NS_ROOT/bad" --id bad 2>&1)
expect_match "unknown template: clear error" "$out" 'has no rootfs/'
out=$("$RT" create --template "$NS_TEMPLATE" --state "$NS_ROOT/bad" --id 'Bad_Id' 2>&1)
expect_match "bad id: clear error" "$out" 'must be 1-63 characters'
long=$NS_ROOT/$(printf 'x%.0s' $(seq 1 90))
out=$("$RT" create --template "$NS_TEMPLATE" --state "$long" --id long 2>&1)
expect_match "state dir too long for the socket: clear error" "$out" 'too long'
rm -rf "$long"
done_testing
