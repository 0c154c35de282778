#!/usr/bin/env bash
# Downloads the packages of tests/registry/packages.lock once, for the test
# registry (tests/registry/server.py) to serve to sandboxes.
#   tests/registry/fetch.sh     prints the package dir (last stdout line)
# The dir lives outside the checkout, in $SBX_CACHE_DIR/registry/<hash>
# (default ~/.cache/sbx), <hash> naming packages.lock's content, with
# pypi/<wheel> and npm/<name>-<version>.tgz (npm pack's names).  Every run
# checks every file against its hash in the lock, the cached ones too: a
# complete, intact dir is used as it is without any network; otherwise the
# files are downloaded anew with the ordinary clients (pip download
# --require-hashes, npm pack), checked, and only then marked complete.
# Other lock versions' dirs are removed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LOCK=$HERE/packages.lock
PY=/usr/bin/python3
say() { echo "registry: $*" >&2; }

[ -f "$LOCK" ] || { say "no $LOCK"; exit 2; }
SUM=$(sha256sum "$LOCK" | cut -d' ' -f1)
BASE=${SBX_CACHE_DIR:-$HOME/.cache/sbx}/registry
DIR=$BASE/${SUM:0:16}
MARK=$DIR/.sbx-complete
mkdir -p "$BASE" || { say "cannot create $BASE"; exit 2; }

# verify DIR: every file of the lock is in DIR with its hash, and nothing
# else is; names what is wrong on stderr.
verify() {
	"$PY" - "$LOCK" "$1" <<'EOF'
import base64, hashlib, os, sys
lock, root = sys.argv[1], sys.argv[2]
want, bad = set(), []
def tgz(name, ver):
    return name.lstrip("@").replace("/", "-") + "-" + ver + ".tgz"
for line in open(lock):
    f = line.split()
    if not f or f[0].startswith("#"):
        continue
    if f[0] == "pypi" and len(f) == 5 and f[4].startswith("sha256:"):
        rel, algo, expect = os.path.join("pypi", f[3]), "sha256", f[4][7:]
    elif f[0] == "npm" and len(f) == 4 and f[3].startswith("sha512-"):
        rel, algo, expect = os.path.join("npm", tgz(f[1], f[2])), "sha512", f[3][7:]
    else:
        sys.exit("packages.lock: bad line: " + line.strip())
    want.add(rel)
    try:
        data = open(os.path.join(root, rel), "rb").read()
    except OSError:
        bad.append(rel + ": missing")
        continue
    h = hashlib.new(algo, data)
    got = h.hexdigest() if algo == "sha256" else base64.b64encode(h.digest()).decode()
    if got != expect:
        bad.append("%s: %s %s, the lock says %s" % (rel, algo, got, expect))
for sub in ("pypi", "npm"):
    for n in sorted(os.listdir(os.path.join(root, sub))) if os.path.isdir(os.path.join(root, sub)) else []:
        if os.path.join(sub, n) not in want:
            bad.append(os.path.join(sub, n) + ": not in the lock")
for b in bad:
    print("registry: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

done_already() { [ "$(cat "$MARK" 2>/dev/null)" = "$SUM" ] && verify "$DIR"; }

if done_already 2>/dev/null; then echo "$DIR"; exit 0; fi

# One fetcher at a time; the second one finds the first one's marker.
exec 9>"$BASE/.lock"
flock -w 600 9 || { say "timed out waiting for another fetch (lock $BASE/.lock)"; exit 2; }
if done_already; then echo "$DIR"; exit 0; fi

command -v npm >/dev/null || { say "npm is not installed (make deps)"; exit 2; }

say "downloading the packages of $(basename "$LOCK") into $DIR"
TMP=$DIR.tmp.$$
rm -rf "$TMP" "$DIR"
mkdir -p "$TMP/pypi" "$TMP/npm" "$TMP/work"
trap 'rm -rf "$TMP"' EXIT
# pip: Debian's if it is installed, else a venv's (python3-venv).
if "$PY" -m pip --version >/dev/null 2>&1; then
	PIP=("$PY" -m pip)
elif "$PY" -m venv "$TMP/work/venv" >&2; then
	PIP=("$TMP/work/venv/bin/python" -m pip)
else
	say "no pip: install python3-pip or python3-venv (make deps)"
	exit 2
fi
awk '$1 == "pypi" { print $2 "==" $3 " --hash=" $5 }' "$LOCK" >"$TMP/work/requirements.txt"
awk '$1 == "npm" { print $2 "@" $3 }' "$LOCK" >"$TMP/work/npm.txt"
# --only-binary: wheels only, as the lock names them; no find-links, so the
# files come from the index pip is configured with.
if ! PIP_FIND_LINKS= PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 timeout -k 5 600 \
	"${PIP[@]}" download --quiet --no-deps --only-binary=:all: --require-hashes \
	-r "$TMP/work/requirements.txt" -d "$TMP/pypi" >&2; then
	say "pip download failed (is the Python package index reachable? does every file match its hash?)"
	exit 2
fi
if ! (cd "$TMP/work" && timeout -k 5 600 npm pack --silent --pack-destination "$TMP/npm" \
	$(cat "$TMP/work/npm.txt") >/dev/null); then
	say "npm pack failed (is the npm registry reachable?)"
	exit 2
fi
verify "$TMP" || { say "the downloaded files do not match packages.lock"; exit 2; }
rm -rf "$TMP/work"
echo "$SUM" >"$TMP/.sbx-complete"
mv "$TMP" "$DIR" || { say "cannot move $TMP to $DIR"; exit 2; }
trap - EXIT
# Other lock versions' packages.
for d in "$BASE"/*/; do
	d=${d%/}
	[ "$d" = "$DIR" ] || rm -rf "$d"
done
echo "$DIR"
