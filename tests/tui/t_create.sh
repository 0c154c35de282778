#!/usr/bin/env bash
# (b) Create a sandbox through the form (n in the sandboxes pane, the
# code-interpreter template) and attach: the sandbox's tab with the
# notebook, files and terminal panes.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_wait_for "started" "No sandboxes."
tui_keys n
tui_wait_for "n opens the create form" "Create a sandbox"
# Pick the template with the arrows (the order is sbxd's).
for _ in 1 2 3 4 5; do _has "◄ code-interpreter ►" && break; tui_keys Right; sleep 0.2; done
tui_wait_for "the form offers code-interpreter" "◄ code-interpreter ►"
tui_golden create-form
tui_keys Enter
tui_wait_for "OK creates and attaches: the sandbox's tab" "1:" 30
tui_wait_for "... the notebook pane" "notebook untitled" 30
tui_wait_for "... the files pane" "files /home/user" 30
tui_wait_for "... the terminal pane" "terminal: user@" 30
tui_wait_for "... the kernel is idle" "kernel: idle" 30
tui_note_ids
list=$(api GET /v2/sandboxes)
expect_eq "sbxd has the one sandbox, from code-interpreter" "$(jq -r '[.[].templateID] | join(",")' <<<"$list")" code-interpreter
ID=$(jq -r '.[0].sandboxID' <<<"$list")
tui_wait_for "the prompt names the sandbox" "user@$ID:~\$" 30
tui_golden create-attached 10
tui_alive "after create"
done_testing
