#!/usr/bin/env bash
# User snapshots and fork through sbxd, on what the SDK tests cannot see:
# ns: the store on disk, an overlay whiteout and an opaque directory, the
# owners moved to the new sandbox's uid range, a hostile upper layer (its
# /etc/hosts a symlink to a host file) that must not make sbxd write on the
# host, snapshots surviving an sbxd restart, unfinished ones removed then,
# fork's temporary snapshot gone after the fork.
# ch (the fake cloud-hypervisor): a snapshot restored into a new VMM.
# qemu (one case, when the code-interpreter template's booted snapshot is
# cached: clones only, never a cold boot under TCG): a snapshot keeps the
# memory — a Python variable and a running process are in the new sandbox.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sbxd_lib.sh"
sbxd_init
sbxd_start || { notok "sbxd starts" "see above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"

SNAPS=$STATE/snapshots
create '{"templateID":"base","runtime":"ns","timeout":600}' || { notok "create an ns sandbox" "$(status): $CREATED"; exit 1; }
SRC=$ID STOK=$TOK
CANARY=$SCRATCH/canary
echo untouched >"$CANARY"
run "$SRC" "$STOK" "sudo sh -c 'rm -rf /usr/share/doc && mkdir /usr/share/doc && echo new > /usr/share/doc/only \
	&& rm /etc/os-release && ln -sf $CANARY /etc/hosts && echo mine > /home/user/owned && chown user:user /home/user/owned'" >/dev/null
expect_eq "the source's /etc/hosts is a symlink to a host path" "$(run "$SRC" "$STOK" 'readlink /etc/hosts')" "$CANARY"

out=$(api POST "/sandboxes/$SRC/snapshots" '{"name":"tsnap"}')
expect_eq "snapshot → 201" "$(status)" 201
expect_eq "its id" "$(jq -r .snapshotID <<<"$out")" "tsnap:default"
dir=$(grep -l '"tsnap:default"' "$SNAPS"/*/meta.json | xargs -r dirname)
expect_eq "stored: meta.json says ns, no memory, the source" \
	"$(jq -r '[.runtime, .memory, .sandboxID] | join(" ")' "$dir/meta.json" 2>/dev/null)" "ns false $SRC"
expect_eq "stored: the driver's upper layer and its uid range" "$(jq -r .driver "$dir/rt/ns.json" 2>/dev/null)" ns
expect_eq "the source is running again" "$(api GET "/sandboxes/$SRC" | jq -r .state)" running

create '{"templateID":"tsnap"}' || notok "create from the snapshot" "$(status): $CREATED"
expect_eq "the copy runs on ns" "$(api GET "/sandboxes/$ID" | jq -r '.runtime + " " + .templateID')" "ns tsnap:default"
expect_eq "an opaque directory stays opaque (only the new file)" "$(run "$ID" "$TOK" 'ls /usr/share/doc')" only
expect_eq "a deleted template file stays deleted (whiteout)" "$(run "$ID" "$TOK" 'test -e /etc/os-release; echo $?')" 1
expect_eq "owners: user's file is user's" "$(run "$ID" "$TOK" 'stat -c %U:%G /home/user/owned')" "user:user"
expect_eq "a hostile /etc/hosts symlink did not reach the host file" "$(cat "$CANARY")" untouched
expect_match "the copy's /etc/hosts is its own file, naming it" "$(run "$ID" "$TOK" 'test -L /etc/hosts || cat /etc/hosts')" "$ID"
COPY=$ID
host_range() { stat -c %u "$STATE/sandboxes/$1/disk/upper/home/user/owned"; }
expect_eq "on the host the copy's files are in its own uid range, not the source's" \
	"$(( $(host_range "$COPY") != $(host_range "$SRC") ))" 1
api DELETE "/sandboxes/$COPY" >/dev/null

# --- fork: its temporary snapshot does not stay -----------------------------------
before=$(ls "$SNAPS" | wc -l)
forks=$(api POST "/sandboxes/$SRC/fork" '{"count":2,"timeout":60}')
expect_eq "fork → 201" "$(status)" 201
expect_eq "two sandboxes" "$(jq -r '[.[].sandbox.sandboxID | select(. != null)] | length' <<<"$forks")" 2
expect_eq "the forks' template is not a listed snapshot" "$(api GET /snapshots | jq -r 'length')" 1
expect_eq "no snapshot dir left by the fork" "$(ls "$SNAPS" | wc -l)" "$before"
for f in $(jq -r '.[].sandbox.sandboxID' <<<"$forks"); do api DELETE "/sandboxes/$f" >/dev/null; done

# --- restart: snapshots stay, unfinished ones go ----------------------------------
mkdir -p "$SNAPS/unfinished0000000000/rt"
sbxd_stop TERM
sbxd_start || { notok "sbxd restarts" "see above"; exit 1; }
expect_eq "after a restart the snapshot is listed" "$(api GET '/snapshots?name=tsnap' | jq -r '.[].snapshotID')" "tsnap:default"
expect_eq "an unfinished snapshot dir is removed at start" "$(test -e "$SNAPS/unfinished0000000000"; echo $?)" 1
api DELETE /templates/tsnap >/dev/null
expect_eq "delete by name → 204" "$(status)" 204
expect_eq "its dir is gone" "$(test -e "$dir"; echo $?)" 1
api DELETE "/templates/tsnap" >/dev/null
expect_eq "again → 404" "$(status)" 404
api DELETE "/sandboxes/$SRC" >/dev/null

# --- ch, against the fake cloud-hypervisor (tests/fake-ch; its guest is
# sbx-agent on the host: no guest memory to check, but the driver's restore
# of a user snapshot into a new VMM and the source's token at /init are) ---
FAKE=$TOOLS/../fake-ch/fake_cloud_hypervisor
if [ -x "$FAKE" ]; then
	fakes_of() { for p in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$FAKE")" ] && echo "$p"; done; }
	kill_fakes() { local p; for p in $(fakes_of); do kill -9 "$p" 2>/dev/null; done; }
	at_done kill_fakes
	trap 'sbxd_cleanup; kill_fakes; cleanup' EXIT
	sbxd_stop TERM
	FAKE_CH_AGENT=$AGENT SBX_CH_BINARY=$FAKE SBX_KVM=on sbxd_start --runtime ch || { notok "sbxd --runtime ch starts" "see above"; exit 1; }
	BEFORE=$(fakes_of | wc -l)
	if create '{"templateID":"base","timeout":300}'; then
		CH=$ID CHT=$TOK
		out=$(api POST "/sandboxes/$CH/snapshots" '{"name":"chsnap"}')
		expect_eq "ch: snapshot → 201" "$(status)" 201
		d=$(grep -l '"chsnap:default"' "$SNAPS"/*/meta.json | xargs -r dirname)
		expect_eq "ch: the snapshot holds the VM's state and disk" \
			"$(jq -r .memory "$d/meta.json" 2>/dev/null) $(ls "$d/rt" "$d/rt/ch" 2>&1 | tr '\n' ' ')" \
			"true $d/rt: ch disk.qcow2  $d/rt/ch: config.json memory-ranges state.json "
		expect_eq "ch: the source runs on" "$(run "$CH" "$CHT" 'echo src')" src
		create '{"templateID":"chsnap","timeout":300}' || notok "ch: create from the snapshot" "$(status): $CREATED"
		SD=$STATE/sandboxes/$ID
		expect_eq "ch: the copy runs on ch" "$(api GET "/sandboxes/$ID" | jq -r .runtime)" ch
		expect_match "ch: restored into its own VMM from a patched copy of the snapshot" \
			"$(grep -h 'vm.restore' "$SD"/vmm.log 2>/dev/null)" "\"source_url\":\"file://$SD/restore\".* -> 204"
		expect_eq "ch: its agent took sbxd's /init with the source's token, then answers with its own" \
			"$(run "$ID" "$TOK" 'echo copy')" copy
		api DELETE /templates/chsnap >/dev/null
		expect_eq "ch: the snapshot can go before the copy" "$(status)" 204
		api POST "/sandboxes/$ID/pause" '{}' >/dev/null
		api POST "/sandboxes/$ID/resume" '{}' >/dev/null
		expect_eq "ch: the copy pauses and resumes without its snapshot" "$(run "$ID" "$TOK" 'echo again')" again
		for s in "$ID" "$CH"; do api DELETE "/sandboxes/$s" >/dev/null; done
		wait_until 10 test "$(fakes_of | wc -l)" -eq "$BEFORE" && ok "ch: no VMM left" || notok "ch: no VMM left" "$(fakes_of)"
	else
		notok "ch: create on the fake" "$(status): $CREATED"
	fi
	sbxd_stop TERM
	sbxd_start || { notok "sbxd restarts" "see above"; exit 1; }
else
	skip "ch: snapshots against the fake cloud-hypervisor" "no $FAKE (make all)"
fi

# --- qemu: the memory is kept -------------------------------------------------------
QEMU_CACHE=${SBX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}/vm/qemu
ci=$("$TOOLS/sbx-template" path code-interpreter 2>/dev/null)
hash=$(jq -r '.hash // empty' "$ci/meta.json" 2>/dev/null | cut -c1-12)
qrt=$(curl -s -m 5 "$API/health" | jq -r '.runtimes[] | select(.name == "qemu") | .available')
if [ "$qrt" != true ] || [ -z "$hash" ] || ! ls "$QEMU_CACHE/$hash"-*-2c1024m/meta.json >/dev/null 2>&1; then
	skip "qemu: memory kept in a snapshot" "no qemu runtime or no cached booted snapshot of code-interpreter (never cold-booted here)"
	done_testing
	exit
fi
create '{"templateID":"code-interpreter","runtime":"qemu","timeout":1800}' || { notok "create a qemu sandbox" "$(status): $CREATED"; done_testing; exit; }
Q=$ID QT=$TOK
expect_eq "qemu: a Python variable" "$(cell "$Q" "$QT" 'x = 41; x')" 41
run "$Q" "$QT" 'echo kept > $HOME/keep.txt; nohup bash -c "while :; do date +%s%N > /tmp/counter; sleep 0.2; done" >/dev/null 2>&1 &' >/dev/null
counting() { [ -n "$(run "$Q" "$QT" 'cat /tmp/counter 2>/dev/null')" ]; }
wait_until 20 counting && ok "qemu: a background process runs" || notok "background process" "no /tmp/counter"
t0=$(ms)
out=$(api POST "/sandboxes/$Q/snapshots" '{"name":"qsnap"}')
expect_eq "qemu: snapshot → 201 ($(( $(ms) - t0 )) ms)" "$(status)" 201
expect_eq "qemu: the snapshot holds the memory" \
	"$(jq -r .memory "$(grep -l '"qsnap:default"' "$SNAPS"/*/meta.json)" 2>/dev/null)" true
expect_eq "qemu: the source runs on with its variable" "$(cell "$Q" "$QT" 'x + 1')" 42
t0=$(ms)
create '{"templateID":"qsnap","timeout":600}' || notok "qemu: create from the snapshot" "$(status): $CREATED"
C=$ID CT=$TOK
echo "# qemu: create from the snapshot $(( $(ms) - t0 )) ms"
expect_eq "qemu: the copy runs on qemu" "$(api GET "/sandboxes/$C" | jq -r .runtime)" qemu
expect_eq "qemu: the Python variable is in the copy" "$(cell "$C" "$CT" 'x + 1')" 42
expect_eq "qemu: the file is in the copy" "$(run "$C" "$CT" 'cat $HOME/keep.txt')" kept
c1=$(run "$C" "$CT" 'cat /tmp/counter')
counts_on() { [ "$(run "$C" "$CT" 'cat /tmp/counter')" != "$c1" ]; }
wait_until 20 counts_on && ok "qemu: the background process runs on in the copy" || notok "process in the copy" "$c1"
expect_eq "qemu: the copy is named after itself" "$(run "$C" "$CT" hostname)" "$C"
expect_eq "qemu: the source's token does not open the copy" "$(px "$C" "$QT" GET /health >/dev/null; px "$C" "$QT" POST /files?path=/tmp/x >/dev/null; status)" 401
for s in "$C" "$Q"; do api DELETE "/sandboxes/$s" >/dev/null; done
api DELETE /templates/qsnap >/dev/null
expect_eq "qemu: delete the snapshot → 204" "$(status)" 204
gone() { [ "$(pgrep -f "$STATE/sandboxes/" | wc -l)" = 0 ]; }
wait_until 30 gone && ok "qemu: no QEMU left" || notok "no QEMU left" "$(pgrep -af "$STATE/sandboxes/")"
done_testing
