#!/usr/bin/env bash
# (f) Pause and resume from the sandboxes tab (M-s, p, r): the STATE
# column and the tab's label change, and so does the sandbox's state.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_open_sandbox || exit 1
tui_keys M-s
tui_wait_for "M-s shows the sandboxes" " SANDBOXES "
tui_golden pause-running
tui_keys p
tui_wait_for "p pauses: STATE paused" " paused "
tui_wait_for "... and the tab says so" "code-interpreter (paused)"
expect_eq "the sandbox is paused" "$(tui_sandbox_state "$ID")" paused
tui_golden pause-paused
tui_keys r
tui_wait_for "r resumes: STATE running" " running " 30
tui_wait_gone "... the tab's label too" "(paused)"
expect_eq "the sandbox runs again" "$(tui_sandbox_state "$ID")" running
tui_golden pause-resumed
tui_alive "after pause and resume"
done_testing
