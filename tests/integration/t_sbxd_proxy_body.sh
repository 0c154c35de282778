#!/usr/bin/env bash
# Bodies through sbxd's proxy: uploads (octet-stream, multipart, chunked)
# and downloads arrive intact (size and sha256 on both sides), sbxd holds
# only a bounded part of a fast client's upload (it pauses the client while
# the agent catches up), and a slow-reading client still gets everything
# without sbxd buffering the file.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/sbxd_lib.sh"

sbxd_init
sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
export E2B_API_KEY=$(cat "$XDG_CONFIG_HOME/sbx/api_key")
create '{"templateID":"base"}' || { notok "create a base sandbox" "$CREATED"; exit 1; }
ok "a base sandbox"

sha() { sha256sum "$1" | cut -d' ' -f1; }
# in-sandbox size and sha256 of PATH
remote_sum() { run "$ID" "$TOK" "stat -c %s $1; sha256sum $1 | cut -d' ' -f1" | tr '\n' ' '; }
# peak RSS of sbxd in KiB since the last reset_peak
reset_peak() { echo 5 >"/proc/$SBXD_PID/clear_refs"; }
peak_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$SBXD_PID/status"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$SBXD_PID/status"; }

head -c $((64 << 20)) /dev/urandom >"$SCRATCH/big.bin"
BIG="$(stat -c %s "$SCRATCH/big.bin") $(sha "$SCRATCH/big.bin") "

# --- uploads --------------------------------------------------------------------
base=$(rss_kib)
reset_peak
px "$ID" "$TOK" POST "/files?path=/tmp/octet.bin" -m 120 -H 'Content-Type: application/octet-stream' \
	--data-binary "@$SCRATCH/big.bin" >/dev/null
expect_eq "64 MiB octet-stream upload through sbxd → 200" "$(status)" 200
grow=$(( $(peak_kib) - base ))
if [ "$grow" -lt $((16 << 10)) ]; then ok "sbxd held a bounded part of the upload (peak +${grow} KiB)"
else notok "sbxd held a bounded part of the upload" "its peak RSS grew by ${grow} KiB for a 64 MiB body"; fi
expect_eq "  ... arrived intact (size, sha256)" "$(remote_sum /tmp/octet.bin)" "$BIG"

px "$ID" "$TOK" POST "/files?path=/tmp/multi.bin" -m 120 -F "file=@$SCRATCH/big.bin" >/dev/null
expect_eq "multipart upload through sbxd → 200" "$(status)" 200
expect_eq "  ... arrived intact" "$(remote_sum /tmp/multi.bin)" "$BIG"

px "$ID" "$TOK" POST "/files?path=/tmp/chunked.bin" -m 120 -H 'Content-Type: application/octet-stream' \
	-H 'Transfer-Encoding: chunked' --data-binary "@$SCRATCH/big.bin" >/dev/null
expect_eq "chunked octet-stream upload through sbxd → 200" "$(status)" 200
expect_eq "  ... arrived intact" "$(remote_sum /tmp/chunked.bin)" "$BIG"

# --- downloads ------------------------------------------------------------------
code=$(curl -s -m 120 -o "$SCRATCH/down.bin" -w '%{http_code}' -H "E2b-Sandbox-Id: $ID" -H "X-Access-Token: $TOK" \
	"$API/files?path=/tmp/octet.bin")
expect_eq "download through sbxd → 200" "$code" 200
expect_eq "  ... intact" "$(stat -c %s "$SCRATCH/down.bin") $(sha "$SCRATCH/down.bin") " "$BIG"

# A client reading at 8 MiB/s: sbxd pauses the agent instead of buffering.
head -c $((24 << 20)) "$SCRATCH/big.bin" >"$SCRATCH/mid.bin"
px "$ID" "$TOK" POST "/files?path=/tmp/mid.bin" -m 120 -H 'Content-Type: application/octet-stream' \
	--data-binary "@$SCRATCH/mid.bin" >/dev/null
base=$(rss_kib)
reset_peak
code=$(curl -s -m 120 --limit-rate 8M -o "$SCRATCH/slow.bin" -w '%{http_code}' -H "E2b-Sandbox-Id: $ID" \
	-H "X-Access-Token: $TOK" "$API/files?path=/tmp/mid.bin")
expect_eq "slow-reading client → 200" "$code" 200
expect_eq "  ... got everything" "$(sha "$SCRATCH/slow.bin")" "$(sha "$SCRATCH/mid.bin")"
grow=$(( $(peak_kib) - base ))
if [ "$grow" -lt $((8 << 10)) ]; then ok "  ... and sbxd did not buffer the file (peak +${grow} KiB)"
else notok "  ... and sbxd did not buffer the file" "its peak RSS grew by ${grow} KiB for 24 MiB"; fi

# A client that leaves in the middle of an upload: sbxd goes on serving.
curl -s -m 1 --limit-rate 4M -o /dev/null -H "E2b-Sandbox-Id: $ID" -H "X-Access-Token: $TOK" \
	-H 'Content-Type: application/octet-stream' --data-binary "@$SCRATCH/mid.bin" "$API/files?path=/tmp/cut.bin"
out=$(px "$ID" "$TOK" GET /health)
expect_eq "after a client left mid-upload, the proxy still answers" "$(status)" 204
api DELETE "/sandboxes/$ID" >/dev/null
done_testing
