#!/usr/bin/env bash
# (issue 12) The sandboxes pane's snapshot (S, asks for a name), the
# create form's From snapshot and Volumes fields (a bad mount refused, a
# volume mounted), fork (F: a new tab, the original kept; M-F in a tab) and the
# selected sandbox's recent events under the list.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_open_sandbox || exit 1
ORIG=$ID
tui_keys M-s
tui_wait_for "M-s shows the sandboxes" " SANDBOXES "
tui_wait_for "the selected sandbox's events are under the list" "events of ${ORIG:0:8}"
tui_wait_for "... its creation among them" "  created"

# Snapshot: a bad name is refused before anything is sent, then a good one.
tui_keys S
tui_wait_for "S asks for the snapshot's name" "Snapshot ${ORIG:0:8} as"
tui_type "Bad Name"
tui_keys Enter
tui_wait_for "a name sbxd would refuse is refused here, saying why" "use lower-case letters"
expect_eq "... and no snapshot was asked for" "$(api GET /snapshots | jq 'length')" 0
tui_keys S
tui_wait_for "S asks again" "Snapshot ${ORIG:0:8} as"
tui_type before
tui_keys Enter
tui_wait_for "the snapshot is taken" "snapshot before of ${ORIG:0:8}" 120
expect_eq "sbxd has it, named" "$(api GET /snapshots | jq -r '[.[].names[]] | join(",")')" "local/before:default"
tui_wait_for "the sandbox runs again after it" " running " 60
tui_wait_for "... and its events show the pause for it" "  paused  memory=true" 10
tui_wait_for "... and the resume after it" "  resumed" 10

# The create form lists it; a bad volume is refused before the create.
tui_keys n
tui_wait_for "n opens the create form" "Create a sandbox"
tui_wait_for "... with a From snapshot field" "From snapshot"
tui_wait_for "... and a Volumes field" "Volumes"
tui_keys Down Right
tui_wait_for "the snapshot is a choice" "◄ before ►"
tui_golden snapfork-form
tui_keys Down Down Down Down
tui_type "data"
tui_keys Enter
tui_wait_for "a volume without a path is refused" 'volume "data": write NAME:/path'
expect_eq "... and nothing was created" "$(api GET /v2/sandboxes | jq 'length')" 1

# From the snapshot: a second sandbox, in a tab of its own, with the snapshot's files.
run "$ORIG" "$TOK" 'echo kept >/home/user/marker' >/dev/null
tui_keys n
tui_wait_for "the form again" "Create a sandbox"
tui_keys Down Right
tui_wait_for "... the snapshot chosen" "◄ before ►"
tui_keys Enter
tui_wait_for "the sandbox from the snapshot opens in tab 2" " 2:" 120
tui_note_ids
FROM=$(api GET /v2/sandboxes | jq -r --arg o "$ORIG" '[.[] | select(.sandboxID != $o)][0].sandboxID')
expect_eq "its template is the snapshot" "$(api GET "/sandboxes/$FROM" | jq -r .templateID)" "before:default"

# Fork the original: a third tab; the original keeps running.
tui_keys M-s
tui_wait_for "the sandboxes again" " SANDBOXES "
tui_keys End
tui_wait_for "the original is selected (oldest, last)" "events of ${ORIG:0:8}"
tui_keys F
tui_wait_for "F forks it into a new tab" " 3:" 120
tui_wait_for "... which says so" "forked"
tui_note_ids
expect_eq "three sandboxes now" "$(api GET /v2/sandboxes | jq 'length')" 3
expect_eq "the original still runs" "$(tui_sandbox_state "$ORIG")" running
# In a sandbox's tab, M-S snapshots the tab's sandbox (asked, then cancelled here).
FORK=$(api GET /v2/sandboxes | jq -r --arg o "$ORIG" --arg f "$FROM" '[.[].sandboxID | select(. != $o and . != $f)][0]')
tui_keys M-S
tui_wait_for "M-S in the fork's tab asks to snapshot the fork" "Snapshot ${FORK:0:8} as"
tui_keys Escape
tui_wait_gone "... Escape cancels it" "Snapshot ${FORK:0:8} as"
# ... and M-F forks the tab's sandbox (the fork, not the original) into a new tab.
tui_keys M-F
tui_wait_for "M-F in the fork's tab forks that sandbox" "forked ${FORK:0:8} into" 120
tui_note_ids
expect_eq "... four sandboxes now" "$(api GET /v2/sandboxes | jq 'length')" 4
expect_eq "... the fork still runs" "$(tui_sandbox_state "$FORK")" running
# A volume mounted through the form's Volumes field.
api POST /volumes '{"name":"data"}' >/dev/null
expect_eq "a volume for it" "$(status)" 201
tui_keys M-s
tui_wait_for "the sandboxes again" " SANDBOXES "
tui_keys n
tui_wait_for "the form again" "Create a sandbox"
tui_keys Down Down Down Down Down
BEFORE=$(api GET /v2/sandboxes | jq -c '[.[].sandboxID]')
vol_box() { api GET /v2/sandboxes | jq -r --argjson b "$BEFORE" '[.[].sandboxID | select(. as $i | $b | index($i) | not)][0] // empty'; }
tui_type "data:/home/user/data"
tui_keys Enter
has_vol_box() { [ -n "$(vol_box)" ]; }
wait_until 120 has_vol_box && ok "the form created a sandbox with a volume" ||
	notok "the form created a sandbox with a volume" "none listed"
VOL=$(vol_box)
tui_note_ids
tui_wait_for "... and opened its tab (the tab bar is full: the status bar names it)" "${VOL:0:8} · ns · running" 60
expect_eq "sbxd mounted the volume where the form said" \
	"$(api GET "/sandboxes/$VOL" | jq -r '[.volumeMounts[] | "\(.name):\(.path)"] | join(",")')" "data:/home/user/data"
VTOK=$(api POST "/sandboxes/$VOL/connect" '{"timeout":300}' | jq -r .envdAccessToken)
expect_eq "... and it is mounted in the sandbox" \
	"$(run "$VOL" "$VTOK" 'grep -c " /home/user/data " /proc/mounts')" 1
tui_alive "after snapshot, from-snapshot, fork and a volume"
done_testing
