#!/usr/bin/env bash
# (e) The files pane: up to /, a file made in the sandbox shows up in /tmp
# (g jumps to a path), and a host file uploaded with u into /home/user.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_open_sandbox || exit 1
sandbox_sh 'echo made in the sandbox >/tmp/tui-file.txt' >/dev/null
tui_keys M-Right
tui_wait_for "M-Right focuses the files pane" " FILES "
tui_golden files-home
tui_keys h
tui_wait_for "h goes up to /home" "│/home"
tui_keys h
tui_wait_for "h again: / lists bin" "► bin"
tui_keys End
tui_wait_for "End scrolls down to tmp" "► tmp"
tui_keys g C-u
tui_type /tmp
tui_keys Enter
tui_wait_for "g /tmp: the sandbox's file shows up" "tui-file.txt"
tui_keys g C-u
tui_type /home/user
tui_keys Enter
tui_wait_for "g /home/user" "│/home/user"
printf 'from the host\n' >"$SCRATCH/upload-me.txt"
tui_keys u
tui_wait_for "u asks for a host path" "Upload a host file or directory into /home/user"
tui_type "$SCRATCH/upload-me.txt"
tui_keys Enter
tui_wait_for "the upload shows up in the listing" "upload-me.txt   "
tui_golden files-uploaded
expect_eq "the sandbox has the uploaded file" "$(sandbox_sh 'cat /home/user/upload-me.txt')" "from the host"
tui_alive "after the upload"
done_testing
