#!/usr/bin/env bash
# (c) A cell that prints 200,000 lines: its output is cut to a window
# with the right row count, scrolls with ], and typing in another cell
# still shows each key (the big cell is laid out once, not per keystroke).
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
done_testing
