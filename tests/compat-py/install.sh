#!/usr/bin/env bash
# Makes the virtualenv of tests/compat-py: the official E2B Python SDKs and
# the LLM clients at the hashed pins of requirements.txt, in Debian's Python.
#   tests/compat-py/install.sh        prints the venv's path (last stdout line)
# The venv lives outside the checkout, in $SBX_CACHE_DIR/compat-py/<hash>
# (default ~/.cache/sbx), <hash> naming requirements.txt's content: a venv
# with its completion marker is reused as it is (a quick no-op); a changed
# requirements.txt gets a new one and the older ones are removed.  pip
# installs exactly the listed files (--require-hashes --no-deps) and
# `pip check` must then find every dependency present before the marker is
# written, so a half-built or incomplete venv is never taken for a good one.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REQ=$HERE/requirements.txt
PY=/usr/bin/python3
say() { echo "compat-py: $*" >&2; }

[ -f "$REQ" ] || { say "no $REQ"; exit 2; }
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
	say "$PY cannot make a venv; install Debian's python3-venv (make deps)"
	exit 2
fi
SUM=$(sha256sum "$REQ" | cut -d' ' -f1)
BASE=${SBX_CACHE_DIR:-$HOME/.cache/sbx}/compat-py
VENV=$BASE/${SUM:0:16}
MARK=$VENV/.sbx-complete
mkdir -p "$BASE" || { say "cannot create $BASE"; exit 2; }

done_already() { [ "$(cat "$MARK" 2>/dev/null)" = "$SUM" ] && [ -x "$VENV/bin/python" ]; }

if done_already; then echo "$VENV"; exit 0; fi

# One builder at a time (two suites may start together); the second one
# finds the first one's marker.
exec 9>"$BASE/.lock"
flock -w 1800 9 || { say "timed out waiting for another install (lock $BASE/.lock)"; exit 2; }
if done_already; then echo "$VENV"; exit 0; fi

say "building $VENV from $(basename "$REQ") (a few minutes the first time)"
rm -rf "$VENV"
if ! "$PY" -m venv "$VENV" >&2; then
	say "python3 -m venv failed"
	rm -rf "$VENV"
	exit 2
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
if ! "$VENV/bin/python" -m pip install --quiet --require-hashes --no-deps -r "$REQ" >&2; then
	say "pip install failed (is PyPI reachable? does every file match its hash?)"
	rm -rf "$VENV"
	exit 2
fi
if ! "$VENV/bin/python" -m pip check >&2; then
	say "pip check: requirements.txt misses a dependency; regenerate it (see requirements.in)"
	rm -rf "$VENV"
	exit 2
fi
echo "$SUM" >"$MARK"
# Venvs of older requirements.txt versions.
for d in "$BASE"/*/; do
	d=${d%/}
	[ "$d" = "$VENV" ] || rm -rf "$d"
done
echo "$VENV"
