# Sourced by the run-*.sh suites: tap_run NAME TIMEOUT_S SCRIPT... runs each
# shell test, counts its TAP lines ("ok - ", "not ok - ", "ok - ... # SKIP")
# and prints the closing summary "NAME: N passed, N failed, N skipped".
#
# A script fails (one "not ok" of its own on top of its checks) when it
# exits non-zero without a "not ok", hits the time limit, lacks its plan
# line "1..N" (done_testing: it did not reach its end), or when N differs
# from the checks seen (a check swallowed by a command substitution) or is
# 0.  "1..0 # SKIP why" (skip_all) skips a whole script.
#
# Skips are failures unless SBX_TEST_ALLOW_SKIP=1: on the reference machine
# (root, tests/deps.sh, make templates) nothing a test needs is optional,
# so a skip there means a check that did not run.  The suite fails on any
# failure, on a skip (unless allowed), and when no check passed.
tap_run() {
	local name=$1 limit=$2 t b out rc p f s plan n why line pass=0 fail=0 skip=0
	local skip_re='^ok - .*# skip([ :]|$)'
	local skips=()
	shift 2
	out=$(mktemp /tmp/sbx-tap.XXXXXX) || return 1
	for t in "$@"; do
		b=$(basename "$t")
		echo "# $b"
		# Output to a file, not $(...): a process the script left behind
		# holding the pipe would otherwise hang the runner.  -k: a script
		# that ignores TERM is killed.
		timeout -k 10 "$limit" bash "$t" >"$out" 2>&1 </dev/null; rc=$?
		cat "$out"
		p=$(grep -c '^ok - ' "$out")
		f=$(grep -c '^not ok - ' "$out")
		s=$(grep -ciE "$skip_re" "$out")
		pass=$((pass + p - s))
		plan=$(grep -E '^1\.\.[0-9]+( # [Ss][Kk][Ii][Pp]( .*)?)?$' "$out")
		why=
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="timed out after $limit s"
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			why="exited $rc without a failed check"
		elif [ -z "$plan" ]; then
			why="no plan line (1..N): it ended before done_testing"
		elif [ "$(printf '%s\n' "$plan" | wc -l)" -ne 1 ]; then
			why="more than one plan line"
		else
			n=${plan#1..}; n=${n%% *}
			if [ "$n" -eq 0 ] && [[ "$plan" == *"# "[Ss][Kk][Ii][Pp]* ]]; then
				s=$((s + 1)); skips+=("$b: ${plan#*# }")
			elif [ "$n" -eq 0 ]; then
				why="ran no checks (plan 1..0)"
			elif [ "$n" -ne $((p + f)) ]; then
				why="its plan says $n checks but $((p + f)) were printed (a check inside a \$(...) is lost)"
			fi
		fi
		if [ -n "$why" ]; then
			echo "not ok - $b: $why"
			f=$((f + 1))
		fi
		while IFS= read -r line; do skips+=("$b: ${line#ok - }"); done < <(grep -iE "$skip_re" "$out")
		fail=$((fail + f)); skip=$((skip + s))
	done
	rm -f "$out"
	echo "$name: $pass passed, $fail failed, $skip skipped"
	if [ "$skip" -gt 0 ]; then
		printf '# skipped: %s\n' "${skips[@]}"
		if [ "${SBX_TEST_ALLOW_SKIP:-}" != 1 ]; then
			echo "# $name: skips fail the run: each is a check that did not run (SBX_TEST_ALLOW_SKIP=1 where that is expected, e.g. not root)"
			return 1
		fi
	fi
	if [ "$pass" -eq 0 ]; then echo "# $name: no check passed"; return 1; fi
	[ "$fail" -eq 0 ]
}
