#!/usr/bin/env bash
# Runs every tests/tui/t_*.sh (the workbench driven through tmux, and the
# sixel check under Xvfb + xterm) against build dir $1 and prints the
# closing summary "tui: N passed, N failed, N skipped".  Screens that differ from
# their goldens and the workbench's logs are kept in the artefacts dir the
# run prints.  SBX_TUI_UPDATE=1 rewrites the goldens (each a skip, not a
# pass: the run fails unless SBX_TEST_ALLOW_SKIP=1); extra args name the
# tests to run (t_start t_quit ...).
set -u
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
export AGENT=$(cd "$build" && pwd)/sbx-agent TOOLS=$(cd "$build" && pwd)/tools
export SBX_TUI_ARTEFACTS=${SBX_TUI_ARTEFACTS:-$(mktemp -d /tmp/sbx-tui-artefacts.XXXXXX)}
echo "# tui artefacts (failed screens, logs, screenshots): $SBX_TUI_ARTEFACTS"
tests=()
if [ $# -gt 0 ]; then
	for n in "$@"; do tests+=("$here/tui/${n%.sh}.sh"); done
else
	tests=("$here"/tui/t_*.sh)
fi
. "$here/tap_run.sh"
tap_run tui 600 "${tests[@]}"; rc=$?
# Nothing to keep: drop the (empty) artefacts dir again.
rmdir "$SBX_TUI_ARTEFACTS" 2>/dev/null
exit $rc
