#!/usr/bin/env bash
# (d) The terminal pane: focus it, vi /tmp/x.txt, type, :wq, back at the
# prompt, cat shows the text (and the sandbox has the file).
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_open_sandbox || exit 1
tui_keys M-Right
tui_wait_for "M-Right focuses the files pane" " FILES "
tui_keys M-Down
tui_wait_for "M-Down focuses the terminal" " TERMINAL "
tui_type 'vi /tmp/x.txt'
tui_keys Enter
tui_wait_for "vi starts" '"/tmp/x.txt" [New File]'
tui_golden terminal-vi
tui_keys i
tui_type 'hello from vi'
tui_wait_for "typed in vi" "hello from vi"
tui_keys Escape
tui_type ':wq'
tui_keys Enter
tui_wait_for "back at the prompt after :wq" "~\$ vi /tmp/x.txt"
tui_wait_gone "vi's screen is gone" '[New File]'
tui_golden terminal-after-vi
tui_type 'cat /tmp/x.txt'
tui_keys Enter
tui_wait_for "cat shows the text" "│hello from vi"
tui_golden terminal-cat
expect_eq "the sandbox has the file" "$(sandbox_sh 'cat /tmp/x.txt')" "hello from vi"
tui_alive "after vi"
done_testing
