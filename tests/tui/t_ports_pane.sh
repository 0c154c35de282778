#!/usr/bin/env bash
# (issue 12) The ports pane (M-p in a sandbox's tab): the ports listening
# in the sandbox, a hostile process name shown defanged, Enter forwards
# one to a local port that then answers, and the URLs shown.
# The listing is the agent's (GET /sbx/ports): the sandbox must run this
# build's agent, so base is built for it (cached after `make templates`)
# and named by its build, not by the newest base in the cache.
. "$(dirname "$0")/lib.sh"
BASE=$("$SBX" template build base 2>&1 | sed -n 's|.*/templates/\(base-[0-9a-f]*\).*|\1|p' | tail -n 1)
tui_init base
[ -n "$BASE" ] || { notok "base built with this agent" "sbx template build base named no build"; exit 1; }
tui_start || exit 1
tui_api_create "$BASE" || exit 1
tui_keys R
tui_wait_for "the new sandbox is listed" "${ID:0:8}" || exit 1
tui_keys Enter
tui_wait_for "Enter opens its tab" " 1:${ID:0:8}" 30 || exit 1
tui_keys M-p
tui_wait_for "M-p opens the ports pane" "ports of ${ID:0:8}"
tui_wait_for "... listed" "ports listening"
run "$ID" "$TOK" 'cd /tmp && echo hello-from-8000 >index.html && (setsid python3 -m http.server 8000 >/dev/null 2>&1 &)' >/dev/null
# A process whose name would clear the screen and set the title.
run "$ID" "$TOK" "(setsid bash -c 'exec -a \"\$(printf \"evil\\033[2J\\033]0;pwn\\007name\")\" python3 -m http.server 8001' >/dev/null 2>&1 &)" >/dev/null
tui_wait_for "the server on 8000 is listed" "8000   0.0.0.0" 30
tui_wait_for "... and the hostile one, defanged" "8001   0.0.0.0          evilname" 30
tui_wait_for "the selected port's sbxd URL" "8000: http://8000-${ID:0:8}"
# (no golden of this screen: the notebook's kernel may listen on an
# ephemeral port of its own, listed or not depending on when it started)
tui_wait_for "... with the column heads" "PORT   ADDRESS          PROCESS"
LPORT=$(free_port)
tui_keys Enter
tui_wait_for "Enter asks for the local port" "Forward port 8000 to local port"
tui_keys BSpace BSpace BSpace BSpace
tui_type "$LPORT"
tui_keys Enter
tui_wait_for "the row shows the forward" "127.0.0.1:$LPORT" 10
tui_wait_for "... the last line both URLs" "8000: http://127.0.0.1:$LPORT/  or  http://8000-" 10
expect_eq "the local port answers with the sandbox's server" \
	"$(curl -s -m 20 "http://127.0.0.1:$LPORT/index.html")" hello-from-8000
tui_keys x
tui_wait_for "x stops the forward" "forward of port 8000 stopped"
wait_until 10 sh -c "! curl -s -m 2 -o /dev/null http://127.0.0.1:$LPORT/" &&
	ok "the local port is closed again" || notok "the local port is closed again" "it still answers"
tui_alive "after the ports pane"
done_testing
