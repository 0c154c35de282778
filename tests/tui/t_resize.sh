#!/usr/bin/env bash
# (g) Resize: the tmux window goes 100x30 → 40x12 → 20x6 → 100x30, first on
# the sandboxes tab, then on a sandbox's tab (notebook, files, terminal);
# the workbench must survive and draw a sane screen at each size.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_wait_for "started" "No sandboxes."
resize() { tm resize-window -t wb -x "$1" -y "$2"; }
resize 40 12
tui_golden resize-empty-40x12
tui_alive "40x12"
resize 20 6
tui_wait_for "20x6 still draws the tab bar" "sandboxes"
tui_alive "20x6"
resize 100 30
tui_golden start-empty
tui_alive "back at 100x30"

tui_api_create code-interpreter || exit 1
tui_keys R
tui_wait_for "the API's sandbox shows up after R" "${ID:0:8}"
tui_keys Enter
tui_wait_for "Enter attaches: the terminal pane" "terminal: user@" 30
tui_wait_for "... with the shell prompt" "user@$ID:~\$" 30
tui_wait_for "... and the files pane" "files /home/user"
tui_golden resize-sandbox-100x30 10
resize 40 12
tui_golden resize-sandbox-40x12
tui_alive "sandbox tab at 40x12"
resize 20 6
sleep 0.5
tui_alive "sandbox tab at 20x6"
resize 100 30
tui_wait_for "back at 100x30: the files pane" "files /home/user"
tui_golden resize-sandbox-back-100x30
tui_keys C-l
tui_golden resize-sandbox-back-100x30
tui_alive "after C-l"
done_testing
