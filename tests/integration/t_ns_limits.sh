#!/usr/bin/env bash
# ns runtime limits: a memory hog is OOM-killed while the agent keeps
# serving; a fork bomb stops at pids.max and the host stays responsive; a
# full disk gives ENOSPC inside and costs the host no more than the limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ns_lib.sh"
ns_init

cg_file() {   # cg_file ST CONTROLLER FILE: that file of the sandbox's cgroup
	jq -r --arg c "$2" '.cgroup.dirs[.cgroup.controllers[$c]]' "$1/state.json" | sed "s|\$|/$3|"
}

# --- memory ------------------------------------------------------------------
ns_create hog --memory 128 --disk 256 || { notok "create hog" "see above"; exit 1; }
H=$ST
v=$(jq -r .cgroup.version "$H/state.json")
if [ "$v" = 2 ]; then limit=$(cat "$(cg_file "$H" memory memory.max)"); else limit=$(cat "$(cg_file "$H" memory memory.limit_in_bytes)"); fi
expect_eq "memory limit written to the cgroup (v$v)" "$limit" $((128 << 20))
r=$(ns_run "$H" "python3 -c 'a = []
for i in range(64): a.append(b\"x\" * (16 << 20))
print(\"survived\")'")
end=$(printf '%s\n' "$r" | ns_end)
expect_match "a python memory hog past 128 MB is killed, and the agent says so" "$end" '"status":"signal: killed"'
if [ "$v" = 2 ]; then
	kills=$(awk '$1=="oom_kill"{print $2}' "$(cg_file "$H" memory memory.events)")
else
	kills=$(awk '$1=="oom_kill"{print $2}' "$(cg_file "$H" memory memory.oom_control)")
fi
[ "${kills:-0}" -ge 1 ] && ok "the kill was the cgroup's OOM killer ($kills kill(s))" || notok "cgroup OOM kill counted" "oom_kill=${kills:-none}"
expect_eq "the agent keeps serving after the OOM kill" "$(ns_health "$H")" 204
r=$(ns_run "$H" 'echo still here')
expect_eq "and runs new commands" "$(printf '%s\n' "$r" | ns_out)" "still here"
ns_snapshot "$H"
"$RT" destroy "$H" || notok "destroy hog" "failed"
ns_no_leak hog "$H"

# --- pids --------------------------------------------------------------------
ns_create bomb --cpus 1 --pids 200 --memory 512 || { notok "create bomb" "see above"; exit 1; }
F=$ST
expect_eq "pids limit written to the cgroup" "$(cat "$(cg_file "$F" pids pids.max)")" 200
printf '%s' "$(jq -nc '{process:{cmd:"/bin/bash",args:["-c","f() { f | f & }; f; sleep 30"]},stdin:false}')" |
	"$TOOLS/connect_frame" enc >"$SCRATCH/bomb.req"
curl -s -N -o /dev/null --unix-socket "$(ns_sock "$F")" -H "X-Access-Token: $NS_TOKEN" \
	-H 'Content-Type: application/connect+json' --data-binary "@$SCRATCH/bomb.req" \
	http://sbx/process.Process/Start &
CURL=$!
for i in $(seq 1 100); do
	cur=$(cat "$(cg_file "$F" pids pids.current)")
	[ "$cur" -ge 195 ] && break
	sleep 0.1
done
hit=$(awk '$1=="max"{print $2}' "$(cg_file "$F" pids pids.events)")
if [ "${cur:-0}" -le 200 ] && [ "${hit:-0}" -gt 0 ]; then
	ok "a fork bomb stops at pids.max ($cur tasks, $hit forks refused)"
else
	notok "fork bomb contained" "pids.current=$cur, refused forks=${hit:-0}"
fi
slow=0
for i in 1 2 3 4 5; do
	t0=$(date +%s%N); true; /bin/true; t1=$(date +%s%N)
	[ $(( (t1 - t0) / 1000000 )) -gt 500 ] && slow=$((slow + 1))
done
expect_eq "the host stays responsive during the bomb (runs true quickly)" "$slow" 0
expect_eq "the agent still answers during the bomb" "$(ns_health "$F" 5)" 204
kill $CURL 2>/dev/null
ns_snapshot "$F"
t0=$(date +%s%N)
if out=$("$RT" destroy "$F" 2>&1); then ok "destroy a sandbox mid fork bomb ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"; else notok "destroy mid fork bomb" "$out"; fi
ns_no_leak bomb "$F"

# --- disk --------------------------------------------------------------------
avail0=$(df -k --output=avail "$NS_ROOT" | tail -1)
ns_create full --disk 64 --memory 256 || { notok "create full" "see above"; exit 1; }
D=$ST
r=$(ns_run "$D" 'dd if=/dev/zero of=$HOME/fill bs=1M count=200 2>&1 | head -1; df -k --output=avail / | tail -1')
out=$(printf '%s\n' "$r" | ns_out)
expect_match "filling the 64 MB disk gives ENOSPC inside" "$(printf '%s\n' "$out" | head -1)" 'No space left on device'
left=$(printf '%s\n' "$out" | tail -1 | tr -d ' ')
[ "${left:-9999}" -lt 1024 ] && ok "and the disk reads as full inside ($left KB free)" || notok "disk full inside" "$left KB free"
used=$(du -k "$D/disk.img" | cut -f1)
[ "$used" -le $((65 * 1024)) ] && ok "the host pays at most the limit ($used KB for a 64 MB disk)" ||
	notok "disk usage bounded" "$used KB"
avail1=$(df -k --output=avail "$NS_ROOT" | tail -1)
[ $((avail0 - avail1)) -lt $((80 * 1024)) ] && ok "the host file system lost < 80 MB" ||
	notok "host file system unaffected" "lost $(( (avail0 - avail1) / 1024 )) MB"
expect_eq "the agent answers with its disk full" "$(ns_health "$D")" 204
r=$(ns_run "$D" 'rm $HOME/fill && echo ok > $HOME/more && cat $HOME/more')
expect_eq "freeing space makes the disk writable again" "$(printf '%s\n' "$r" | ns_out)" ok
stats=$("$RT" stats "$D")
dt=$(printf '%s\n' "$stats" | awk '$1=="disk_total"{print $2}')
[ "$dt" -le $((64 << 20)) ] && ok "stats: disk_total is the limit ($dt B)" || notok "stats disk_total" "$dt"
ns_snapshot "$D"
"$RT" destroy "$D" || notok "destroy full" "failed"
ns_no_leak full "$D"
done_testing
