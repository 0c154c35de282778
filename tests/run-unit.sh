#!/usr/bin/env bash
# Runs every cmocka unit test binary of each build dir given (e.g. build
# build-san).  Each binary prints cmocka's own summary; this prints the total
# as "unit: N passed, N failed"; a binary that exits non-zero, hits the time
# limit or prints no summary is a failure, and so is a run where nothing passed.
set -u
pass=0 fail=0
for build in "$@"; do
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "# $t"
		out=$(SBX_ROOT=$PWD timeout -k 10 300 "$t" 2>&1); rc=$?
		printf '%s\n' "$out"
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		p=${p:-0}; f=${f:-0}
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "# $t exited $rc"; fi
		# A binary that ends before cmocka's summary (or runs nothing) fails.
		if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "# $t printed no cmocka summary"; fi
		pass=$((pass + p)); fail=$((fail + f))
	done
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
