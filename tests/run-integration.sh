#!/usr/bin/env bash
# Runs every tests/integration/t_*.sh against the agent of build dir $1 and
# prints the closing summary "integration: N passed, N failed".
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
export AGENT=$(cd "$build" && pwd)/sbx-agent TOOLS=$(cd "$build" && pwd)/tools
pass=0 fail=0
for t in "$here"/integration/t_*.sh; do
	echo "# $(basename "$t")"
	out=$(timeout 300 bash "$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok - ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $(basename "$t") exited $rc"; f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
