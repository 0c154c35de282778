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
# Output that arrives in pieces (tabs, carriage returns, lines split
# across chunks) is laid out as it grows; it must look the same as when
# laid out afresh (a resize re-lays out every cell).
tui_keys Escape b Enter
tui_type 'import sys, time; _ = [(sys.stdout.write(f"{i}\tpart"), sys.stdout.flush(), time.sleep(0.05), print(f" end\r{i}\tdone"), time.sleep(0.05)) for i in range(6)]'
tui_keys F5
tui_wait_for "pieces: the last line shows" "5       done" 30
tui_wait_for "... and the cell finished" "[3]:" 30
# (the status line, with its countdown, is left out of the comparison)
body() { tui_screen | sed '$d'; }
grown=$(body)
tm resize-window -t wb -x 99 -y 30
# redrawn at 99 columns: the pane split moved on the title row
for _ in $(seq 1 50); do
	[ "$(body | sed -n 2p)" != "$(printf '%s\n' "$grown" | sed -n 2p)" ] && break
	sleep 0.1
done
tm resize-window -t wb -x 100 -y 30
for _ in $(seq 1 50); do
	fresh=$(body)
	[ "$fresh" = "$grown" ] && break
	sleep 0.1
done
if [ "$fresh" = "$grown" ]; then ok "pieces: laid out as it grew = laid out afresh"; else
	notok "pieces: laid out as it grew = laid out afresh" "$(diff <(echo "$grown") <(echo "$fresh") | head -20)"; fi
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
