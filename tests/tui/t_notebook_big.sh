#!/usr/bin/env bash
# (c) A cell that prints 200,000 lines: its output is cut to a window
# with the right row count, scrolls with ], and typing in another cell
# still shows each key (the big cell is laid out once, not per keystroke);
# the workbench then quits cleanly.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_open_sandbox || exit 1
tui_keys Enter
tui_type 'for i in range(200000): print(i)'
tui_keys Escape C-e
tui_wait_for "200,000 lines: the output window counts them all" "output rows 1-23 of 200000 (" 90
tui_wait_for "... after the cell finished" "[1]:" 30
tui_keys ]
tui_wait_for "] scrolls the output window (3 rows)" "output rows 4-26 of 200000 (" 10
tui_keys b Enter
tui_type 'total = 1'
tui_wait_for "typing in the next cell shows" "total = 1" 10
tui_type ' + 2'
tui_wait_for "... every key" "total = 1 + 2" 10
tui_keys F5
tui_wait_for "F5 runs it" "[2]:" 30
tui_alive "after 200,000 lines"
# Quitting ends it cleanly (with the SAN build: no sanitizer report, no leak).
tui_keys Escape C-q
tui_wait_for "C-q asks before quitting" "Quit the workbench?"
tui_keys y
for _ in $(seq 1 100); do [ -n "$(tui_exit_status)" ] && break; sleep 0.1; done
expect_eq "C-q, y: exit status 0" "$(tui_exit_status)" 0
if grep -q 'Sanitizer' "$TUI_LOG" 2>/dev/null; then
	notok "no sanitizer report" "$(grep -m3 -A3 Sanitizer "$TUI_LOG")"
else
	ok "no sanitizer report"
fi
done_testing
