#!/usr/bin/env bash
# /execute with "sbx_jupyter": true (what libsbx sends): each line also
# carries what E2B's fields drop — the quote E2B stripped from a result's
# text/plain, its display metadata, an error's traceback entries — and
# nothing more (never the picture or the text twice).  Without the key
# (the E2B SDKs) the lines are E2B's exactly.  Real ipykernel kernels.
. "$(dirname "$0")/lib.sh"
start_agent || exit 1

OUT=$SCRATCH/.out
# run CODE [JUPYTER]: NDJSON in $OUT; JUPYTER=1 asks for the details.
run() {
	local body
	if [ "${2:-0}" = 1 ]; then
		body=$(jq -cn --arg c "$1" '{code:$c, sbx_jupyter:true}')
	else
		body=$(jq -cn --arg c "$1" '{code:$c}')
	fi
	curl -s -N -m 120 -o "$OUT" -H 'Content-Type: application/json' --data-binary "$body" "$URL/execute"
}
q() { jq -r -s "$1" "$OUT"; }

run '"hi"' 1
expect_eq "quoted result: E2B's text stripped" "$(q '[.[] | select(.type == "result")][0].text')" hi
expect_eq "quoted result: the stripped quote rides along (not the text again)" \
	"$(q '[.[] | select(.type == "result")][0].jupyter | tostring')" '{"quote":"'"'"'"}'
run '"hi"'
expect_eq "without sbx_jupyter: E2B's line only" "$(q '[.[] | select(.type == "result")][0] | has("jupyter")')" false

run '41 + 1' 1
expect_eq "unquoted result: nothing to add" "$(q '[.[] | select(.type == "result")][0] | has("jupyter")')" false

run 'from IPython.display import Image, display
import base64
png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")
display(Image(data=png, width=32, height=16))' 1
expect_eq "picture: metadata rides along" \
	"$(q '[.[] | select(.type == "result")][0].jupyter.metadata["image/png"] | "\(.width)x\(.height)"')" 32x16
expect_eq "picture: the PNG is sent once" "$(grep -o iVBORw0KGgo "$OUT" | wc -l)" 1

run 'def boom():
    raise ValueError("bad")
boom()' 1
expect_eq "error: the kernel's traceback entries ride along" \
	"$(q '[.[] | select(.type == "error")][0].jupyter.traceback | type')" array
expect_eq "error: the entries joined are E2B's traceback" \
	"$(q '[.[] | select(.type == "error")][0] | (.jupyter.traceback | join("\n")) == .traceback')" true
expect_eq "error: an entry spans lines (the reason for the list)" \
	"$(q '[.[] | select(.type == "error")][0].jupyter.traceback | any(test("\n."))')" true
run 'raise ValueError("bad")'
expect_eq "error without sbx_jupyter: E2B's line only" "$(q '[.[] | select(.type == "error")][0] | has("jupyter")')" false

# With the SAN build: the agent exits without a sanitizer report.
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
if grep -q 'Sanitizer' "$AGENT_LOG"; then
	notok "agent exits without sanitizer reports" "$(grep -m3 -A8 'Sanitizer' "$AGENT_LOG" | tr '\n' ' ' | cut -c1-600)"
else
	ok "agent exits without sanitizer reports"
fi
done_testing
