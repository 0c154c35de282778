#!/usr/bin/env bash
# (m) A VM sandbox's accelerator and a slow pause's progress, as sbxd
# reports them (accel, sbxProgress, state pausing): the list's RUNTIME and
# STATE columns and the status bar on the sandboxes tab and in the
# sandbox's tab; the workbench's own pause shows the bytes in its
# progress entry while the keys go on working.  ns sandboxes have neither
# (they pause at once), so api_proxy.py adds them to every sandbox object
# sbxd answers and holds the pause back for a while.
. "$(dirname "$0")/lib.sh"
tui_init base
SBXD_API=$API   # sbxd itself, not what the proxy makes of it
tui_api_proxy --slow-pause 8 \
	--sandbox '{"accel":"tcg","state":"pausing","sbxProgress":{"op":"pausing","done":600000000,"total":1000000000}}' || exit 1
tui_start || exit 1
tui_api_create base || exit 1
tui_keys R
tui_wait_for "the list shows runtime·accelerator" "ns·tcg"
tui_wait_for "... and how far the pause got" "pause 60%"
tui_wait_for "the status bar: the selected sandbox's runtime·accelerator" "1 sandbox · ${ID:0:8} ns·tcg"
tui_keys Enter
tui_wait_for "its tab's status bar too" "${ID:0:8} · ns·tcg · running" 30
# The workbench's own pause: its progress entry follows sbxProgress.
tui_keys M-s
tui_wait_for "M-s shows the sandboxes" " SANDBOXES "
tui_keys p
tui_wait_for "p: the status bar shows the bytes of the pause" "pausing ${ID:0:8}: 572M of 954M"
tui_keys F1
tui_wait_for "... the keys still work meanwhile (F1: help)" "Keys: Sandboxes"
tui_keys Escape
tui_wait_gone "... (Escape closes it)" "Keys: Sandboxes"
_paused() { [ "$(curl -s -m 5 -H "X-API-KEY: $E2B_API_KEY" "$SBXD_API/sandboxes/$ID" | jq -r .state)" = paused ]; }
if wait_until 30 _paused; then ok "the pause ends"; else notok "the pause ends" "sbxd never said paused"; fi
tui_wait_gone "... and so does its progress entry" "pausing ${ID:0:8}:" 10
tui_alive "after the progress"
done_testing
