#!/usr/bin/env bash
# ns runtime under load: 20 sandboxes created at once, each runs a command
# and a code cell, all destroyed at once; none fails, none leaks a process,
# mount, cgroup, loop device or veth.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ns_lib.sh"
ns_init
N=20

t0=$(date +%s%N)
for i in $(seq 1 $N); do
	("$RT" create --template "$NS_TEMPLATE" --state "$NS_ROOT/l$i" --id "l$i$NS_SUFFIX" --token "$NS_TOKEN" \
		--agent "$AGENT" --memory 256 --disk 128 >"$SCRATCH/l$i.out" 2>&1
	 echo $? >"$SCRATCH/l$i.rc") &
done
wait
made=0
for i in $(seq 1 $N); do
	if [ "$(cat "$SCRATCH/l$i.rc")" = 0 ]; then made=$((made + 1)); else echo "# l$i: $(cat "$SCRATCH/l$i.out")"; fi
done
expect_eq "$N sandboxes created at once" "$made" $N
echo "# $N creates in parallel: $(( ($(date +%s%N) - t0) / 1000000 )) ms"

up=0
for i in $(seq 1 $N); do ns_wait_health "$NS_ROOT/l$i" && up=$((up + 1)); done
expect_eq "all $N agents answer" "$up" $N
nets=$(for i in $(seq 1 $N); do jq -r .net_index "$NS_ROOT/l$i/state.json"; done | sort -u | wc -l)
expect_eq "each has its own network block" "$nets" $N

# Twenty Python kernels start at once: wait until each agent logs its kernel
# ready (the agent gives a kernel 60 s, which a loaded 2-core host needs).
ready=0
for s in $(seq 1 1800); do
	ready=$(grep -l 'is ready' "$NS_ROOT"/l*/disk/log/agent.log 2>/dev/null | wc -l)
	[ "$ready" -eq $N ] && break
	sleep 0.1
done
expect_eq "all $N kernels start" "$ready" $N

# A command and a cell in every sandbox, all in flight together.
for i in $(seq 1 $N); do
	printf '%s' "$(jq -nc --arg c "echo hello from \$(hostname)" '{process:{cmd:"/bin/bash",args:["-c",$c]},stdin:false}')" |
		"$TOOLS/connect_frame" enc >"$SCRATCH/c$i.req"
	curl -s -N -m 60 -o "$SCRATCH/c$i.resp" --unix-socket "$NS_ROOT/l$i/disk/run/agent.sock" \
		-H "X-Access-Token: $NS_TOKEN" -H 'Content-Type: application/connect+json' \
		--data-binary "@$SCRATCH/c$i.req" http://sbx/process.Process/Start &
	curl -s -N -m 240 -o "$SCRATCH/x$i.resp" --unix-socket "$NS_ROOT/l$i/disk/run/agent.sock" \
		-H "X-Access-Token: $NS_TOKEN" -H 'Content-Type: application/json' \
		--data-binary "{\"code\":\"$i * 2\"}" http://sbx/execute &
done
wait
cmds=0 cells=0
for i in $(seq 1 $N); do
	out=$("$TOOLS/connect_frame" dec <"$SCRATCH/c$i.resp" 2>/dev/null | ns_out)
	[ "$out" = "hello from l$i$NS_SUFFIX" ] && cmds=$((cmds + 1)) || echo "# l$i command: [$out]"
	res=$(jq -r -s '[.[] | select(.type == "result" and .is_main_result)][0].text // "none"' "$SCRATCH/x$i.resp" 2>/dev/null)
	[ "$res" = $((i * 2)) ] && cells=$((cells + 1)) || echo "# l$i cell: [$res] $(head -c 300 "$SCRATCH/x$i.resp")"
done
expect_eq "every sandbox ran its command" "$cmds" $N
expect_eq "every sandbox ran its cell" "$cells" $N

for i in $(seq 1 $N); do
	ns_snapshot "$NS_ROOT/l$i"
	printf '%s\n%s\n%s\n' "$SNAP_PID" "$SNAP_VETH" "$SNAP_CG" >"$SCRATCH/l$i.snap"
done
t0=$(date +%s%N)
for i in $(seq 1 $N); do
	("$RT" destroy "$NS_ROOT/l$i" >"$SCRATCH/d$i.out" 2>&1; echo $? >"$SCRATCH/d$i.rc") &
done
wait
gone=0
for i in $(seq 1 $N); do
	if [ "$(cat "$SCRATCH/d$i.rc")" = 0 ]; then gone=$((gone + 1)); else echo "# l$i destroy: $(cat "$SCRATCH/d$i.out")"; fi
done
expect_eq "$N sandboxes destroyed at once" "$gone" $N
echo "# $N destroys in parallel: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
leaks=0
for i in $(seq 1 $N); do
	SNAP_PID=$(sed -n 1p "$SCRATCH/l$i.snap")
	SNAP_VETH=$(sed -n 2p "$SCRATCH/l$i.snap")
	SNAP_CG=$(sed -n '3,$p' "$SCRATCH/l$i.snap")
	why=$(ns_leaks "$NS_ROOT/l$i")
	[ -z "$why" ] || { leaks=$((leaks + 1)); echo "# l$i left:$why"; }
done
expect_eq "no sandbox leaks a process, mount, cgroup, loop device or veth" "$leaks" 0
done_testing
