#!/bin/bash
# E2B's own JS test suites against sbx (make bench's compat block; not part
# of make test: the code is E2B's, never committed here).
#   tests/bench/e2b_suites.sh BUILD_DIR [PERFORMANCE_MD]
# Env: SBX_E2B_REPO  a checkout (work tree or git dir) of e2b-dev/E2B
#      SBX_CI_REPO   a checkout of e2b-dev/code-interpreter
#      SBX_E2B_CACHE pnpm's store (default ~/.cache/sbx-e2b-suites)
#      SBX_E2B_ONLY  test file names (without .test.ts) to run, for a
#                    quick look at a few; the report says it was partial
# Either may be missing (that suite is skipped, saying so).  The suites'
# sources are copied into a scratch dir, their test dependencies installed
# there from the npm registry with the pnpm their package.json names, pinned
# by their lockfiles.  Then, in a network namespace of its own that has only
# loopback (so neither the tests nor the sandboxes can reach any outside
# address), a private sbxd with ns sandboxes, and vitest on
# packages/js-sdk/tests/sandbox and the code interpreter's js/tests, minus
# the files that need E2B's cloud or the internet (SKIP_* below).  Prints
# vitest's summaries and rewrites the e2b-suites block of PERFORMANCE_MD
# (default docs/PERFORMANCE.md) with pass/fail counts and failing tests.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SELF=$ROOT/tests/bench/e2b_suites.sh

# Left out, with why (docs/PERFORMANCE.md repeats this list).
# internetAccess, network: their sandboxes reach outside addresses.
# abortSignal, egressProxy, iam, lifecycleRequest, networkTransform: msw
#   mocks of E2B's cloud API URL (https://api.e2b.app), which a run against
#   sbxd never calls.
# urls: the URLs the SDK builds for E2B's cloud domains, which
#   E2B_SANDBOX_URL (pointing the SDK at sbxd) overrides.
SKIP_E2B="internetAccess network abortSignal egressProxy iam lifecycleRequest networkTransform urls"
# sandboxUrl: checks the URLs the SDK builds for E2B's cloud domains.
SKIP_CI="sandboxUrl"

# ---- inside the private network namespace -----------------------------------
# e2b_suites.sh --inner BUILD SCRATCH: sbxd and vitest; results in SCRATCH.
if [ "${1:-}" = --inner ]; then
	BUILD=$2 SCRATCH=$3
	SBX=$BUILD/sbx
	ip link set lo up || { echo "e2b-suites: cannot bring up lo in the namespace" >&2; exit 1; }
	export XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/xdg-state
	unset E2B_DEBUG E2B_DOMAIN E2B_ACCESS_TOKEN
	PORT=49982
	"$SBX" serve --listen "tcp:127.0.0.1:$PORT" --state-dir "$SCRATCH/state" --runtime ns \
		>"$SCRATCH/sbxd.log" 2>&1 &
	SBXD=$!
	stop() {
		"$SBX" kill --all >/dev/null 2>&1
		kill -TERM "$SBXD" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$SBXD" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SBXD" 2>/dev/null
		wait "$SBXD" 2>/dev/null
	}
	trap stop EXIT
	up=
	for _ in $(seq 1 200); do
		[ "$(curl -m 2 -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" = 200 ] && { up=1; break; }
		kill -0 "$SBXD" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$up" ] || { echo "e2b-suites: sbxd did not start:" >&2; tail -n 20 "$SCRATCH/sbxd.log" >&2; exit 1; }
	eval "$("$SBX" env --state-dir "$SCRATCH/state")"
	export E2B_API_URL E2B_SANDBOX_URL E2B_API_KEY E2B_VALIDATE_API_KEY=false
	# vitest over one package: DIR NAME FILE... (the files to run).
	run_vitest() {
		local dir=$1 name=$2
		shift 2
		echo "e2b-suites: $name: vitest on $(printf '%s\n' "$@" | grep -c '\.test\.ts$') files"
		(cd "$dir" && NO_COLOR=1 timeout --foreground -k 10 3600 node_modules/.bin/vitest run \
			--reporter=default --reporter=json --outputFile.json="$SCRATCH/$name.json" "$@" \
			2>&1 | tee "$SCRATCH/$name.log" | grep -E '^ *(Test Files|Tests|Errors|Duration|FAIL) ')
		"$SBX" kill --all >/dev/null 2>&1
	}
	if [ -d "$SCRATCH/e2b" ]; then
		set --
		for f in $(cd "$SCRATCH/e2b/packages/js-sdk" && find tests/sandbox -name '*.test.ts' | sort); do
			b=$(basename "$f" .test.ts)
			case " $SKIP_E2B " in *" $b "*) continue;; esac
			[ -n "${SBX_E2B_ONLY:-}" ] && case " $SBX_E2B_ONLY " in *" $b "*) ;; *) continue;; esac
			set -- "$@" "$f"
		done
		[ $# -gt 0 ] && run_vitest "$SCRATCH/e2b/packages/js-sdk" e2b --project unit "$@"
	fi
	if [ -d "$SCRATCH/ci" ]; then
		set --
		for f in $(cd "$SCRATCH/ci/js" && find tests -path tests/runtimes -prune -o -name '*.test.ts' -print | sort); do
			b=$(basename "$f" .test.ts)
			case " $SKIP_CI " in *" $b "*) continue;; esac
			[ -n "${SBX_E2B_ONLY:-}" ] && case " $SBX_E2B_ONLY " in *" $b "*) ;; *) continue;; esac
			set -- "$@" "$f"
		done
		[ $# -gt 0 ] && run_vitest "$SCRATCH/ci/js" ci "$@"
	fi
	exit 0
fi

# ---- outside: fetch the sources, install, run, report -----------------------
BUILD=${1:?usage: tests/bench/e2b_suites.sh BUILD_DIR [PERFORMANCE_MD]}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "e2b-suites: no build dir '$1'" >&2; exit 2; }
OUT=${2:-$ROOT/docs/PERFORMANCE.md}
E2B_REPO=${SBX_E2B_REPO:-}
CI_REPO=${SBX_CI_REPO:-}
CACHE=${SBX_E2B_CACHE:-$HOME/.cache/sbx-e2b-suites}
if [ -z "$E2B_REPO" ] && [ -z "$CI_REPO" ]; then
	echo "bench: E2B's own suites skipped: set SBX_E2B_REPO / SBX_CI_REPO to checkouts of e2b-dev/E2B and e2b-dev/code-interpreter (docs/PERFORMANCE.md)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: E2B's own suites skipped: they need root (ns sandboxes, a network namespace)"
	exit 0
fi
for tool in node npx jq git unshare ip; do
	command -v "$tool" >/dev/null || { echo "e2b-suites: $tool is not installed" >&2; exit 2; }
done
SCRATCH=$(mktemp -d /tmp/sbx-e2bsuites.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT

# fetch REPO DEST PATH...: PATHs of REPO's HEAD (a git dir or work tree) into
# DEST, plus every package.json of the pnpm workspace (a frozen install needs
# all its projects' manifests).
fetch_src() {
	local repo=$1 dest=$2
	shift 2
	mkdir -p "$dest"
	if [ "$(git -C "$repo" rev-parse --is-bare-repository 2>/dev/null)" = true ]; then
		git -C "$repo" archive HEAD "$@" | tar -x -C "$dest" || return 1
		git -C "$repo" ls-tree -r --name-only HEAD | grep -E '^([^/]+/){1,2}package\.json$' |
			while read -r p; do
				mkdir -p "$dest/$(dirname "$p")"
				git -C "$repo" show "HEAD:$p" >"$dest/$p"
			done
	elif [ -f "$repo/package.json" ]; then
		(cd "$repo" && tar -c --exclude=node_modules "$@" $(find . -mindepth 2 -maxdepth 3 -name package.json \
			-not -path '*/node_modules/*')) | tar -x -C "$dest" || return 1
	else
		echo "e2b-suites: '$repo' is neither a git dir nor a work tree" >&2
		return 1
	fi
}

# install DIR FILTER: the workspace project FILTER's dependencies, with the
# pnpm version the root package.json's packageManager names.
install_deps() {
	local pm
	pm=$(jq -r '.packageManager // empty' "$1/package.json" | sed 's/+.*//')
	case "$pm" in pnpm@*) ;; *) echo "e2b-suites: $1/package.json names no pnpm version ('$pm')" >&2; return 1;; esac
	echo "e2b-suites: installing $2's test dependencies with $pm (store $CACHE/store)"
	(cd "$1" && timeout -k 10 1200 npx -y "$pm" install --frozen-lockfile --filter "$2" \
		--store-dir "$CACHE/store" --config.engine-strict=false --reporter=silent 2>&1 | grep -v '^npm warn') || true
	[ -x "$1/$3/node_modules/.bin/vitest" ] || { echo "e2b-suites: pnpm install of $2 failed" >&2; return 1; }
}

E2B_REV= CI_REV=
if [ -n "$E2B_REPO" ]; then
	E2B_REV=$(git -C "$E2B_REPO" rev-parse --short HEAD 2>/dev/null)
	fetch_src "$E2B_REPO" "$SCRATCH/e2b" package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc packages/js-sdk &&
		install_deps "$SCRATCH/e2b" e2b packages/js-sdk || exit 1
fi
if [ -n "$CI_REPO" ]; then
	CI_REV=$(git -C "$CI_REPO" rev-parse --short HEAD 2>/dev/null)
	fetch_src "$CI_REPO" "$SCRATCH/ci" package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc js &&
		install_deps "$SCRATCH/ci" @e2b/code-interpreter js || exit 1
fi
# The templates with this build's agent (a sandbox runs the agent of its
# template's rootfs, and sbxd takes a name's newest build, which on a shared
# cache may hold another agent): sbxd gets a view of the cache with only
# these two builds; everything else in it is the real cache's, linked.
REAL_CACHE=${SBX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}
mkdir -p "$SCRATCH/cache/templates"
for x in "$REAL_CACHE"/* "$REAL_CACHE"/.[!.]*; do
	[ -e "$x" ] && [ "$(basename "$x")" != templates ] && ln -s "$x" "$SCRATCH/cache/"
done
for t in base code-interpreter; do
	out=$("$BUILD/sbx" template build "$t" 2>&1) || { echo "e2b-suites: cannot build the $t template: $(echo "$out" | tail -n 3)" >&2; exit 1; }
	dir=$(echo "$out" | grep -oE "/[^ ()]*/templates/$t-[0-9a-f]+" | tail -n 1)
	[ -d "$dir" ] || { echo "e2b-suites: no build dir of $t in: $(echo "$out" | tail -n 2)" >&2; exit 1; }
	echo "e2b-suites: $t: $dir"
	ln -s "$dir" "$SCRATCH/cache/templates/"
done
export SBX_CACHE_DIR=$SCRATCH/cache

unshare --net "$SELF" --inner "$BUILD" "$SCRATCH"
echo "e2b-suites: sbxd's log: last lines"
tail -n 5 "$SCRATCH/sbxd.log" | sed 's/^/  | /'

# One report line per suite, and the failing tests by file.
report() {
	local name=$1 title=$2 rev=$3 skipped=$4 json=$SCRATCH/$1.json
	echo "### $title ($rev)"
	echo
	if [ ! -s "$json" ] && [ -n "${SBX_E2B_ONLY:-}" ]; then
		echo "Not run: none of its files is in SBX_E2B_ONLY."
		echo
		return
	fi
	if [ ! -s "$json" ]; then
		echo "Did not run (no vitest report); see the bench output."
		echo
		return
	fi
	jq -r --arg skip "$skipped" '
		def n(s): [.testResults[].assertionResults[] | select(.status == s)] | length;
		"\(n("passed")) passed, \(n("failed")) failed, \(n("skipped") + n("pending") + n("todo")) skipped, in \(.testResults | length) files (left out: \($skip)).",
		"",
		(if n("failed") > 0 then "Failing:", "" else empty end),
		(.testResults[] | (.name | sub(".*/(tests/)"; "")) as $f
			| .assertionResults[] | select(.status == "failed")
			| "- `\($f)`: \(.fullName) — \((.failureMessages[0] // "") | split("\n")[0] | gsub("\u001b\\[[0-9;]*m"; "") | .[0:160])")' "$json"
	jq -r '[.testResults[] | select(.status == "failed" and (.assertionResults | length) == 0)
		| "- `\(.name | sub(".*/(tests/)"; ""))` did not load: \(.message | split("\n")[0])"] | .[]' "$json"
	echo
}
{
	echo "## Results: E2B's own test suites against sbxd"
	echo
	[ -n "${SBX_E2B_ONLY:-}" ] && echo "Partial run: only $SBX_E2B_ONLY (SBX_E2B_ONLY)." && echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' | cut -d' ' -f1-2)), node $(node --version), sbx $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '(no git)'), ns runtime, templates base and code-interpreter; \`tests/bench/e2b_suites.sh\` (see Method)."
	echo
	[ -n "$E2B_REPO" ] && report e2b "e2b-dev/E2B packages/js-sdk/tests/sandbox" "$E2B_REV" "$(echo $SKIP_E2B | sed 's/ /, /g')"
	[ -n "$CI_REPO" ] && report ci "e2b-dev/code-interpreter js/tests" "$CI_REV" "$SKIP_CI"
} >"$SCRATCH/suites.md"
cat "$SCRATCH/suites.md"
awk -v f="$SCRATCH/suites.md" -v b="<!-- e2b-suites:begin" -v e="<!-- e2b-suites:end" '
	index($0, b) == 1 { print; while ((getline l < f) > 0) print l; skip = 1; next }
	index($0, e) == 1 { skip = 0 }
	!skip' "$OUT" >"$SCRATCH/perf.md" && cp "$SCRATCH/perf.md" "$OUT"
