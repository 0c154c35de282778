#!/usr/bin/env bash
# The VM guest (vm/guest): Debian's cloud kernel, our initramfs and the base
# template's ext4 disk, booted COLD under QEMU (microvm, TCG) behind a qcow2
# overlay: the kernel finds the disk, init mounts it and starts the agent,
# which answers through the guest's eth0 with the token of sbx.token= and
# applies /init's machine fields as PID 1.  Then one sbx.probe=1 boot, which
# must print the marker and make QEMU exit on its own.  Needs root (the
# template build), qemu-system-x86_64, qemu-img and mkfs.ext4; the first run
# downloads the kernel .deb with apt-get.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
export SBX_ROOT=${SBX_ROOT:-$(cd "$here/../.." && pwd)}
for t in qemu-system-x86_64 qemu-img mkfs.ext4 dpkg-deb apt-get; do
	command -v "$t" >/dev/null || skip_all "$t is not installed"
done
[ "$(id -u)" = 0 ] || skip_all "needs root (template build)"
# The template is the one `make templates` built (normal build: its agent
# runs inside the VM); guest_build is this build's (host side, sanitized).
SBX=${SBX:-$SBX_ROOT/build/sbx}
[ -x "$SBX" ] || SBX=$(dirname "$AGENT")/sbx
DISK_MB=4096   # the drivers' size (GUEST_DISK_MB): one image per template
TOKEN=tok$$abc
QPID=

vm_cleanup() {
	[ -z "$QPID" ] || { kill -KILL "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null; }
	QPID=
	cleanup
}
trap vm_cleanup EXIT

out=$("$TOOLS/guest_build" 2>&1)
expect_match "guest_build gives the kernel, initramfs and cmdline" "$out" 'cmdline=console=ttyS0 .*panic=-1'
kv() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
kernel=$(kv kernel) initrd=$(kv initramfs) cmdline=$(kv cmdline)
echo "# kernel $(kv version), initramfs $(stat -c %s "$initrd" 2>/dev/null) bytes"
expect_eq "the initramfs is a newc archive cpio reads, with /init and the module order" \
	"$(cpio -it <"$initrd" 2>/dev/null | grep -cxE 'init|modules/order|modules/virtio_blk.ko|dev/console')" 4
expect_eq "init loads virtio_ring before virtio before virtio_blk" \
	"$(cpio -i --to-stdout modules/order <"$initrd" 2>/dev/null | grep -nxE 'virtio_ring.ko|virtio.ko|virtio_blk.ko' | cut -d: -f2 | tr '\n' ' ')" \
	"virtio_ring.ko virtio.ko virtio_blk.ko "
out2=$("$TOOLS/guest_build" 2>&1)
expect_eq "a second guest_build reuses the cache (same key)" "$(printf '%s\n' "$out2" | sed -n 's/^key=//p')" "$(kv key)"

tpl=$("$SBX" template build base 2>"$SCRATCH/tpl.log" | sed -n 's/^.*base ([0-9a-f]*) in //p')
if [ -z "$tpl" ] || [ ! -d "$tpl/rootfs" ]; then
	notok "the base template builds" "$(tail -5 "$SCRATCH/tpl.log")"
	done_testing
	exit
fi
dout=$("$TOOLS/guest_build" --disk "$tpl" "$DISK_MB" 2>&1)
disk=$(printf '%s\n' "$dout" | sed -n 's/^disk=//p')
expect_eq "guest_disk_image: <template>/disk-$DISK_MB.ext4" "$disk" "$tpl/disk-$DISK_MB.ext4"
expect_eq "the image is sparse and $DISK_MB MB" \
	"$(stat -c '%s' "$disk" 2>&1) $(( $(stat -c '%b*%B' "$disk" 2>/dev/null || echo 0) < DISK_MB * 1048576 ))" \
	"$(( DISK_MB * 1048576 )) 1"
expect_match "the image is ext4 with the rootfs" "$(debugfs -R 'ls -l /usr/lib/sbx' "$disk" 2>/dev/null)" 'sbx-agent'
qemu-img create -q -f qcow2 -F raw -b "$disk" "$SCRATCH/disk.qcow2"

# boot NAME APPEND [QEMU ARGS...]: QEMU in the background, serial in
# $SCRATCH/NAME.serial, pid in QPID.
boot() {
	local name=$1 append=$2; shift 2
	timeout -k 5 300 qemu-system-x86_64 -M microvm -accel tcg -m 512 -smp 1 -nodefaults -no-user-config \
		-nographic -no-reboot -kernel "$kernel" -initrd "$initrd" -append "$cmdline $append" \
		-serial "file:$SCRATCH/$name.serial" "$@" >"$SCRATCH/$name.qemu" 2>&1 &
	QPID=$!
}
serial_has() { grep -qE -- "$2" "$SCRATCH/$1.serial" 2>/dev/null; }
alive() { kill -0 "$QPID" 2>/dev/null; }
# Until the serial log matches or QEMU has ended; bounded.
wait_serial() {
	local name=$1 re=$2 i
	for i in $(seq 1 $((240 * 10))); do
		serial_has "$name" "$re" && return 0
		alive || { serial_has "$name" "$re"; return; }
		sleep 0.1
	done
	return 1
}

port=$(free_port)
t0=$(date +%s.%N)
boot cold "sbx.token=$TOKEN" \
	-drive "id=d0,file=$SCRATCH/disk.qcow2,format=qcow2,if=none" -device virtio-blk-device,drive=d0 \
	-netdev "user,id=n0,restrict=on,net=169.254.0.0/24,host=169.254.0.22,dhcpstart=169.254.0.100,hostfwd=tcp:127.0.0.1:$port-169.254.0.21:49983" \
	-device virtio-net-device,netdev=n0,mac=02:fc:00:00:00:05
if wait_serial cold 'agent: listening on tcp:0\.0\.0\.0:49983'; then
	echo "# cold boot to agent listening: $(echo "$(date +%s.%N) - $t0" | bc) s (TCG)"
	ok "cold boot: the agent listens on eth0"
else
	notok "cold boot: the agent listens on eth0" "serial log: $(tail -5 "$SCRATCH/cold.serial" 2>/dev/null | tr '\n' '|')"
fi
expect_match "init loaded the modules" "$(cat "$SCRATCH/cold.serial")" 'sbx-guest-init: [0-9]+ modules loaded'
expect_match "the kernel found the disk and init mounted it" "$(cat "$SCRATCH/cold.serial")" \
	'sbx-guest-init: /dev/vda mounted on /'
URL=http://127.0.0.1:$port
expect_eq "/health through the guest's eth0" "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/health")" 204
expect_eq "sbx.token is the agent's token: none is refused" \
	"$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/envs")" 401
expect_eq "… and the token opens /envs" \
	"$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "X-Access-Token: $TOKEN" "$URL/envs")" 200
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
ent=$(head -c 64 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
st=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "X-Access-Token: $TOKEN" \
	-d "{\"timestamp\":\"$later\",\"sbxEntropy\":\"$ent\",\"sbxHostname\":\"vm-guest-test\"}" "$URL/init")
expect_eq "/init with the machine fields is 204" "$st" 204
wait_serial cold 'hostname vm-guest-test' >/dev/null
s=$(cat "$SCRATCH/cold.serial")
expect_match "the agent is PID 1 and set the clock an hour on" "$s" '/init: clock set \(it was 3[56][0-9]{2}\.[0-9]{3} s behind\)'
expect_match "… added the entropy" "$s" '/init: added 64 bytes of entropy'
expect_match "… and set the hostname" "$s" '/init: hostname vm-guest-test'
r=$(rpc_stream /process.Process/Start '{"process":{"cmd":"/bin/sh","args":["-c","hostname; cat /etc/resolv.conf /etc/hosts; echo clock $(date +%s)"]}}' \
	-H "X-Access-Token: $TOKEN")
host_now=$(date +%s)
got=$(printf '%s\n' "$r" | grep '^0 ' | cut -d' ' -f2- | jq -rj '.event.data.stdout // empty | @base64d')
expect_match "a process in the guest sees the hostname" "$got" '^vm-guest-test'
expect_match "… resolv.conf naming the gateway" "$got" 'nameserver 169\.254\.0\.22'
expect_match "… /etc/hosts resolving the name" "$got" $'127\.0\.1\.1\tvm-guest-test'
guest_now=$(printf '%s\n' "$got" | sed -n 's/^clock //p')
expect_eq "… and the clock an hour on (to a minute)" \
	"$(( ${guest_now:-0} - host_now > 3540 && ${guest_now:-0} - host_now < 3660 ))" 1
stop_pid "$QPID" TERM 20
QPID=

# The probe: no disk, no network; the marker, then QEMU ends by itself.
boot probe "sbx.probe=1"
if wait_serial probe 'sbx-guest-probe-ok'; then ok "sbx.probe=1 prints the marker"; else
	notok "sbx.probe=1 prints the marker" "$(tail -5 "$SCRATCH/probe.serial" 2>/dev/null | tr '\n' '|')"; fi
for _ in $(seq 1 600); do alive || break; sleep 0.1; done
if alive; then notok "the probe VM powers off and QEMU exits" "QEMU still runs 60 s after the marker"; else
	wait "$QPID"; expect_eq "the probe VM powers off and QEMU exits 0" "$?" 0; fi
QPID=
expect_eq "the probe never reached the root disk" "$(grep -c 'modules loaded' "$SCRATCH/probe.serial")" 0
done_testing
