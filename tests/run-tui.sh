#!/usr/bin/env bash
# Runs every tests/tui/t_*.sh (the workbench driven through tmux, and the
# sixel check under Xvfb + xterm) against build dir $1 and prints the
# closing summary "tui: N passed, N failed".  Screens that differ from
# their goldens and the workbench's logs are kept in the artefacts dir the
# run prints.  SBX_TUI_UPDATE=1 rewrites the goldens; extra args name the
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
pass=0 fail=0
for t in "${tests[@]}"; do
	echo "# $(basename "$t")"
	out=$(timeout 600 bash "$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok - ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $(basename "$t") exited $rc"; f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
done
# Nothing to keep: drop the (empty) artefacts dir again.
rmdir "$SBX_TUI_ARTEFACTS" 2>/dev/null
echo "tui: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
