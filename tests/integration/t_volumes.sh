#!/usr/bin/env bash
# Volumes on sbxd, at the curl level: /volumes bad input, the content API
# (/volumecontent) against hostile content — symlinks planted in a volume
# pointing out of it (as a sandbox could), "..", fifos, a huge listing, a
# truncated upload, a full disk (507), wrong tokens — and a volume mounted in
# an ns sandbox: same uid inside and out, delete refused while mounted, also
# after sbxd restarts, and a mount path through a symlink refused.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/sbxd_lib.sh"

sbxd_init
sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"
expect_eq "sbx env exports E2B_VOLUME_API_URL (the SDKs' volume content API)" "${E2B_VOLUME_API_URL:-}" "$API"

# --- /volumes ---------------------------------------------------------------------
out=$(curl -s -m 10 -w ' %{http_code}' -X POST -d '{"name":"v"}' "$API/volumes")
expect_match "POST /volumes without the API key → 401" "$out" ' 401$'
api POST /volumes '{"name":' >/dev/null
expect_eq "POST /volumes, bad JSON → 400" "$(status)" 400
out=$(api POST /volumes '{}')
expect_eq "POST /volumes without a name → 400" "$(status)" 400
expect_match "  ... saying what a name is" "$(jq -r .message <<<"$out")" 'name.*required'
for bad in '"../x"' '"a/b"' '""' '"x y"' '42' "\"$(printf 'n%.0s' $(seq 65))\""; do
	api POST /volumes "{\"name\":$bad}" >/dev/null
	[ "$(status)" = 400 ] || { notok "volume name $bad refused" "HTTP $(status)"; continue; }
	ok "volume name $bad → 400"
done
VOL=$(api POST /volumes '{"name":"vol_1"}')
expect_eq "POST /volumes → 201" "$(status)" 201
VID=$(jq -r .volumeID <<<"$VOL") VTOK=$(jq -r .token <<<"$VOL")
api POST /volumes '{"name":"vol_1"}' >/dev/null
expect_eq "a second volume with the same name → 409" "$(status)" 409
api GET /volumes/nosuchvolume >/dev/null
expect_eq "GET /volumes/unknown → 404" "$(status)" 404
api DELETE /volumes/nosuchvolume >/dev/null
expect_eq "DELETE /volumes/unknown → 404" "$(status)" 404
expect_eq "GET /volumes/NAME finds it by name" "$(api GET /volumes/vol_1 | jq -r .volumeID)" "$VID"
DATA=$STATE/volumes/$VID/data
[ -d "$DATA" ] && ok "its content lives in STATE/volumes/ID/data" || notok "volume data dir" "$DATA is missing"

# --- the content API ------------------------------------------------------------------
# vc METHOD PATH?QUERY [CURL_ARGS...]: with the volume's token; body on stdout.
vc() {
	local m=$1 p=$2; shift 2
	curl -s -m 20 -o "$SCRATCH/.body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $VTOK" "$@" \
		"$API/volumecontent/$VID/$p" >"$STATUS_FILE"
	cat "$SCRATCH/.body"
}
out=$(curl -s -m 10 -w ' %{http_code}' "$API/volumecontent/$VID/dir?path=/")
expect_match "content API without a token → 401" "$out" ' 401$'
out=$(curl -s -m 10 -w ' %{http_code}' -H "Authorization: Bearer x$VTOK" "$API/volumecontent/$VID/dir?path=/")
expect_match "content API with a wrong token → 401" "$out" ' 401$'
out=$(curl -s -m 10 -w ' %{http_code}' -H "X-API-KEY: $E2B_API_KEY" "$API/volumecontent/$VID/dir?path=/")
expect_match "  ... the API key is not the volume's token" "$out" ' 401$'
out=$(curl -s -m 10 -w ' %{http_code}' -H "Authorization: Bearer $VTOK" "$API/volumecontent/vol_1/dir?path=/")
expect_match "content API by name, not id → 404" "$out" ' 404$'
vc GET 'file' >/dev/null
expect_eq "no path → 400" "$(status)" 400
vc GET 'nothing?path=/' >/dev/null
expect_eq "an unknown verb → 404" "$(status)" 404
vc POST 'file?path=/x' >/dev/null
expect_eq "POST on /file → 405" "$(status)" 405

vc PUT 'file?path=/in.txt' --data-binary 'inside' >/dev/null
expect_eq "PUT a file → 201" "$(status)" 201
expect_eq "  ... on disk in the volume" "$(cat "$DATA/in.txt")" inside
for p in '../meta.json' '/../../meta.json' 'a/../../meta.json' '..' 'a/%01b'; do
	out=$(vc GET "file?path=$p")
	if [ "$(status)" = 400 ]; then ok "path '$p' → 400"; else notok "path '$p' refused" "HTTP $(status): $out"; fi
done
vc PUT 'file?path=../escape.txt' --data-binary x >/dev/null
expect_eq "PUT with .. → 400" "$(status)" 400
[ ! -e "$STATE/volumes/$VID/escape.txt" ] && ok "  ... and nothing is written outside" || notok "PUT .." "escape.txt was written"

# Symlinks a sandbox could plant, each pointing out of the volume.
ln -s /etc "$DATA/etc"
ln -s ../meta.json "$DATA/meta"
ln -s "$STATE" "$DATA/state"
mkdir "$DATA/sub" && ln -s ../../.. "$DATA/sub/up"
for p in etc/passwd meta state/sbxd.json sub/up/meta.json; do
	out=$(vc GET "file?path=$p")
	if [ "$(status)" = 400 ] && [[ $(jq -r .message <<<"$out") == *"outside the volume"* ]]; then
		ok "reading through symlink $p → 400 'outside the volume'"
	else
		notok "symlink escape $p" "HTTP $(status): $out"
	fi
done
vc PUT 'file?path=etc/sbx-evil' --data-binary x >/dev/null
expect_eq "writing through a symlinked dir → 400" "$(status)" 400
[ ! -e /etc/sbx-evil ] && ok "  ... /etc/sbx-evil not written" || { notok "write escape" "/etc/sbx-evil exists"; rm -f /etc/sbx-evil; }
vc POST 'dir?path=etc/sbx-evil-dir&force=true' >/dev/null
[ ! -e /etc/sbx-evil-dir ] && ok "mkdir -p through a symlink makes nothing outside (HTTP $(status))" ||
	{ notok "mkdir escape" "/etc/sbx-evil-dir exists"; rmdir /etc/sbx-evil-dir; }
vc GET 'dir?path=state' >/dev/null
expect_eq "listing a symlinked dir out of the volume → 400" "$(status)" 400
ln -s /etc/hostname "$DATA/hn"
before=$(stat -c '%a %u' /etc/hostname)
vc PATCH 'path?path=hn' -d '{"mode":511}' >/dev/null
expect_eq "chmod of a symlink → 400" "$(status)" 400
vc PATCH 'path?path=hn' -d '{"uid":4242}' >/dev/null
expect_eq "chown of a symlink changes the link itself (200)" "$(status)" 200
expect_eq "  ... /etc/hostname keeps its mode and owner" "$(stat -c '%a %u' /etc/hostname)" "$before"
vc DELETE 'path?path=etc' >/dev/null
expect_eq "DELETE of a symlink → 204" "$(status)" 204
[ -f /etc/passwd ] && [ ! -L "$DATA/etc" ] && ok "  ... removes the link, not /etc" || notok "DELETE symlink" "state odd"
vc DELETE 'path?path=sub' >/dev/null
expect_eq "DELETE of a dir holding an escaping symlink → 204" "$(status)" 204
[ -f "$STATE/volumes/$VID/meta.json" ] && ok "  ... the volume's meta.json is still there" || notok "rm -r" "meta.json gone"
vc DELETE 'path?path=/' >/dev/null
expect_eq "DELETE of the root → 400" "$(status)" 400

mkfifo "$DATA/fifo"
vc GET 'file?path=fifo' >/dev/null
expect_eq "reading a fifo → 400 at once (never blocks)" "$(status)" 400
for q in 'dir?path=/&depth=0' 'dir?path=/&depth=x' 'dir?path=/&depth=99' 'dir?path=/d&mode=99999' \
	'dir?path=/d&force=maybe' 'dir?path=/d&uid=-1'; do
	m=GET; [[ $q == *mode* || $q == *force* || $q == *uid* ]] && m=POST
	vc $m "$q" >/dev/null
	if [ "$(status)" = 400 ]; then ok "$m $q → 400"; else notok "$m $q" "HTTP $(status)"; fi
done
vc PATCH 'path?path=in.txt' -d '{"mode":"rw"}' >/dev/null
expect_eq "PATCH with a non-number mode → 400" "$(status)" 400
vc PATCH 'path?path=in.txt' -d '[1' >/dev/null
expect_eq "PATCH with bad JSON → 400" "$(status)" 400

# A listing is bounded.
mkdir "$DATA/many" && (cd "$DATA/many" && seq 1 10001 | xargs touch)
out=$(vc GET 'dir?path=many')
expect_eq "a listing of more than 10000 entries → 400" "$(status)" 400
expect_match "  ... saying to list less" "$(jq -r .message <<<"$out")" 'more than 10000 entries'
rm -rf "$DATA/many"

# An upload cut short leaves nothing: no file, no temporary file.
/usr/bin/python3 - "$PORT" "$VID" "$VTOK" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("PUT /volumecontent/%s/file?path=/cut.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Length: 100000\r\n\r\n" % (sys.argv[2], sys.argv[3])).encode() + b"x" * 5000)
s.close()
EOF
if wait_until 10 bash -c "! ls -a '$DATA' | grep -q '^\.sbx-upload'"; then ok "a truncated upload leaves no temporary file"
else notok "truncated upload" "$(ls -a "$DATA")"; fi
[ ! -e "$DATA/cut.bin" ] && ok "  ... and no file" || notok "truncated upload" "cut.bin exists"
out=$(curl -s -m 10 -w ' %{http_code}' -H "Authorization: Bearer $VTOK" "$API/volumecontent/$VID/path?path=/in.txt")
expect_match "sbxd still answers after it" "$out" ' 200$'

# A full disk: 507 with a clear message, nothing left behind (a small tmpfs
# over the volume's data dir stands for the disk).
if mount -t tmpfs -o size=1m tmpfs "$DATA" 2>/dev/null; then
	head -c 3000000 /dev/zero >"$SCRATCH/3m"
	out=$(vc PUT 'file?path=big' --data-binary @"$SCRATCH/3m")
	expect_eq "an upload onto a full disk → 507" "$(status)" 507
	expect_match "  ... saying the disk is full" "$(jq -r .message <<<"$out")" 'full'
	[ -z "$(ls -A "$DATA")" ] && ok "  ... leaving nothing on it" || notok "507 clean-up" "$(ls -A "$DATA")"
	umount "$DATA"
else
	skip "507 on a full disk" "cannot mount a tmpfs here"
fi

# --- mounted in a sandbox -----------------------------------------------------------
create "{\"templateID\":\"base\",\"volumeMounts\":[{\"name\":\"vol_1\",\"path\":\"/mnt/v\"}]}"
expect_eq "create with volumeMounts → 201" "$(status)" 201
expect_eq "getInfo lists the mount" "$(api GET "/sandboxes/$ID" | jq -c .volumeMounts)" '[{"name":"vol_1","path":"/mnt/v"}]'
expect_eq "the sandbox reads the volume" "$(run "$ID" "$TOK" 'cat /mnt/v/in.txt')" inside
run "$ID" "$TOK" 'echo hi > /mnt/v/by-user.txt' >/dev/null
expect_eq "a file the sandbox's user writes has its uid on the host too" \
	"$(stat -c %u "$DATA/by-user.txt")" "$(run "$ID" "$TOK" 'id -u')"
expect_match "mounted nosuid and nodev" "$(run "$ID" "$TOK" 'grep " /mnt/v " /proc/self/mountinfo')" 'nosuid,nodev'
out=$(api DELETE "/volumes/$VID")
expect_eq "DELETE while mounted → 409" "$(status)" 409
expect_match "  ... naming the sandbox" "$(jq -r .message <<<"$out")" "$ID"
sbxd_stop TERM
sbxd_start || { notok "sbxd restarts" "see its log"; exit 1; }
api DELETE "/volumes/$VID" >/dev/null
expect_eq "  ... still 409 after sbxd restarts (the record keeps its mounts)" "$(status)" 409
api DELETE "/sandboxes/$ID" >/dev/null
api DELETE "/volumes/$VID" >/dev/null
expect_eq "DELETE once its sandbox is gone → 204" "$(status)" 204
[ ! -e "$STATE/volumes/$VID" ] && ok "  ... its directory is gone" || notok "volume removal" "$(ls "$STATE/volumes/$VID")"

api POST /volumes '{"name":"vol_2"}' >/dev/null
# Debian's /lib is a symlink (usrmerge): a mount path through it is refused.
create '{"templateID":"base","volumeMounts":[{"name":"vol_2","path":"/lib/sbxvol"}]}'
expect_eq "a mount path through a symlink in the rootfs → the create fails" "$(status)" 500
expect_match "  ... saying so" "$(jq -r .message <<<"$CREATED")" 'symlink'
qemu_ok=$(curl -s -m 10 "$API/health" | jq -r '.runtimes[] | select(.name == "qemu") | .available')
if [ "$qemu_ok" = true ]; then
	out=$(api POST /v2/sandboxes '{"templateID":"base","runtime":"qemu","volumeMounts":[{"name":"vol_2","path":"/mnt/v"}]}')
	expect_eq "volumeMounts on qemu → 400" "$(status)" 400
	expect_match "  ... naming the runtime and what to use" "$(jq -r .message <<<"$out")" 'need the ns runtime: qemu'
else
	skip "volumeMounts on qemu → 400" "qemu is not available here"
fi

done_testing
