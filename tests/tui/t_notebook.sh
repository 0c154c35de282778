#!/usr/bin/env bash
# (c) The notebook: a cell that prints (run from command mode with C-e),
# a new cell below (b) that raises (run from edit mode with F5): the
# output and the traceback under their cells.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_open_sandbox || exit 1
tui_keys Enter
tui_type 'print("hello from sbx")'
tui_wait_for "Enter edits the cell" 'print("hello from sbx")'
tui_keys Escape C-e
tui_wait_for "C-e runs it: the output" "        hello from sbx" 30
tui_wait_for "... and its count" "[1]:"
tui_golden notebook-print
tui_keys b
tui_wait_for "b adds a cell below" "[ ]:"
tui_keys Enter
tui_type '1/0'
tui_keys F5
tui_wait_for "F5 runs it: the traceback" "ZeroDivisionError: division by zero" 30
tui_golden notebook-traceback
tui_alive "after the traceback"
done_testing
