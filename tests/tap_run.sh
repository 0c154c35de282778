# Sourced by the run-*.sh suites: tap_run NAME TIMEOUT_S SCRIPT... runs
# each shell test (TAP lines "ok - " / "not ok - "), counts them, and
# prints the closing summary "NAME: N passed, N failed"; returns non-zero
# on a failure, on a test that exited non-zero without saying why, or when
# nothing passed.
tap_run() {
	local name=$1 limit=$2 t out rc p f pass=0 fail=0
	shift 2
	for t in "$@"; do
		echo "# $(basename "$t")"
		out=$(timeout "$limit" bash "$t" 2>&1); rc=$?
		printf '%s\n' "$out"
		p=$(printf '%s\n' "$out" | grep -c '^ok - ')
		f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "not ok - $(basename "$t") exited $rc"; f=1
		fi
		pass=$((pass + p)); fail=$((fail + f))
	done
	echo "$name: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}
