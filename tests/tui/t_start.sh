#!/usr/bin/env bash
# (a) Start: the sandboxes tab with no sandbox, the F1 help overlay for the
# sandboxes pane (filtering it by typing), and closing it again.
. "$(dirname "$0")/lib.sh"
tui_init
tui_start || exit 1
tui_wait_for "the empty list says how to create a sandbox" "No sandboxes. Press n to create one"
tui_golden start-empty
tui_keys F1
tui_wait_for "F1 opens the help overlay" "Keys: Sandboxes"
tui_golden start-help
tui_type "pause"
tui_wait_gone "typing filters the help" "Reload the list"
tui_golden start-help-filtered
tui_keys Escape
tui_wait_gone "Esc closes the help overlay" "Keys: Sandboxes"
tui_golden start-empty
tui_alive "after the help overlay"
done_testing
