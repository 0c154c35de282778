#!/usr/bin/env bash
# (h) Quit.  With no sandbox open C-q ends the workbench at once; with a
# sandbox's tab open it asks first (n keeps the workbench), y ends it.
# Each time: exit status 0, no workbench process or child of it left, the
# terminal back from the alternate screen; the sandbox keeps running, its
# terminal pane's shell does not, and the unsaved notebook is autosaved.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter

_exited() { [ -n "$(tui_exit_status)" ]; }
# check_gone WHAT: the workbench ended cleanly and left nothing running.
check_gone() {
	for _ in $(seq 1 50); do _exited && break; sleep 0.1; done
	if _exited; then ok "$1 ends the workbench"; else
		notok "$1 ends the workbench" "still running: $(ps -o pid=,ppid=,stat=,args= -p "$TUI_PID")"
		tui_dump; return
	fi
	expect_eq "$1: exit status 0" "$(tui_exit_status)" 0
	if kill -0 "$TUI_PID" 2>/dev/null; then
		notok "$1: no workbench process is left" "pid $TUI_PID still runs"
	else
		ok "$1: no workbench process is left"
	fi
	expect_eq "$1: no child of the workbench is left" "$(ps -eo pid=,ppid=,args= | awk -v p="$TUI_PID" '$2 == p')" ""
	expect_eq "$1: the terminal is off the alternate screen" "$(tm display -p -t wb '#{alternate_on}')" 0
	tm kill-server
}

tui_start || exit 1
tui_wait_for "started" "No sandboxes."
tui_keys C-q
check_gone "C-q with no sandbox open"

tui_api_create code-interpreter || exit 1
tui_start || exit 1
tui_keys R
tui_wait_for "the sandbox is listed" "${ID:0:8}"
tui_keys Enter
tui_wait_for "Enter opens the sandbox's tab" "notebook untitled" 30
tui_wait_for "the kernel is ready" "kernel: idle" 30
tui_wait_for "the terminal pane's shell is up" "user@" 30
shells() { run "$ID" "$TOK" "pgrep -fc '^/bin/bash -i -l' || true"; }
expect_eq "the sandbox runs the terminal pane's shell" "$(shells)" 1
tui_keys Enter
tui_type "x = 42"
tui_wait_for "typed into the cell" "x = 42"
tui_keys Escape
tui_keys C-q
tui_wait_for "C-q asks before quitting" "Quit the workbench?"
tui_golden quit-confirm
tui_keys n
tui_wait_gone "n keeps the workbench" "Quit the workbench?"
tui_alive "after n"
tui_keys C-q
tui_wait_for "C-q asks again" "Quit the workbench?"
tui_keys y
check_gone "C-q, y"
expect_eq "the sandbox keeps running" "$(tui_sandbox_state "$ID")" running
expect_eq "quitting ended the terminal pane's shell in the sandbox" "$(shells)" 0
saved=$(grep -l 'x = 42' "$XDG_STATE_HOME"/sbx/autosave/*.ipynb 2>/dev/null | head -n1)
if [ -n "$saved" ]; then ok "the unsaved notebook is autosaved"; else
	notok "the unsaved notebook is autosaved" "no .ipynb with the cell in $XDG_STATE_HOME/sbx/autosave"; fi
done_testing
