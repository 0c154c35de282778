#!/usr/bin/env bash
# (k) The console pane of an ns sandbox: c on the sandboxes tab opens it
# below the list with sbxd's events and the agent's log; what sbxd logs
# later shows up on its own (read every second, only what is new); the
# status bar names the selected sandbox's runtime; M-l opens one in the
# sandbox's tab; q closes.
. "$(dirname "$0")/lib.sh"
tui_init base
tui_start || exit 1
tui_api_create base || exit 1
tui_keys R
tui_wait_for "the sandbox is listed" "${ID:0:8}"
tui_wait_for "the status bar names the selected sandbox's runtime" "1 sandbox · ${ID:0:8} ns"
tui_keys c
tui_wait_for "c opens the console" "console ${ID:0:8}"
tui_wait_for "... with sbxd's events" "── sbxd ──"
tui_wait_for "... and the ns agent's log" "── disk/log/agent.log ──"
tui_wait_for "... its lines" "info agent: listening on"
tui_wait_for "... following the end" "console: "
expect_eq "the console's status says it follows" "$(tui_screen | grep -c 'lines\?, following')" 1
# Something new in the sandbox's logs: only it is added.
api POST "/sandboxes/$ID/timeout" '{"timeout":4321}' >/dev/null
expect_eq "sbxd took the new timeout" "$(status)" 204
tui_wait_for "a new event appears by itself" "timeout set to 4321 s"
# a second one: once it shows, the first was read again at least once
api POST "/sandboxes/$ID/timeout" '{"timeout":4322}' >/dev/null
tui_wait_for "... and the next" "timeout set to 4322 s"
expect_eq "... once" "$(tui_screen | grep -c 'timeout set to 4321 s')" 1
# (the agent logs a "listening on" line per address: each shows once)
lis=$(tui_screen | grep -o 'info agent: listening on [^ │]*')
expect_match "the agent's log shows its listening lines" "$lis" 'listening on'
expect_eq "... none repeated" "$(sort <<<"$lis" | uniq -d)" ""
# Copy mode's keys: k leaves the end, v k selects two lines, y copies
# them, G follows again.
tui_keys k
tui_wait_for "k moves up: no longer following" "console: line "
tui_keys v k
tui_wait_for "v k selects two lines" "console: 2 lines selected, y copies"
tui_keys y
tui_wait_for "y copies them" "copied "
tui_keys G
tui_wait_for "G follows the end again" "lines, following"
tui_keys q
tui_wait_gone "q closes the console" "console ${ID:0:8}"
# From the sandbox's own tab.
tui_keys Enter
tui_wait_for "Enter opens the sandbox's tab" "1:" 30
tui_wait_for "... its status bar: the runtime" "${ID:0:8} · ns · running" 30
tui_keys M-l
tui_wait_for "M-l opens the console in the tab" "console ${ID:0:8}" 10
tui_wait_for "... with the agent's log" "info agent: listening on" 10
tui_alive "after the console"
done_testing
