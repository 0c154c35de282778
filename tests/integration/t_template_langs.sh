#!/usr/bin/env bash
# The code-interpreter template's languages and package managers (issue 11):
# each kernelspec and the program it starts, Deno, R with IRkernel and PNG
# plots, the bash kernel, pip as user under PEP 668 (~/.local, seen by
# /usr/bin/python3), node and npm, /home/user/package.json; and the recipe's
# fetch: step (pinned by hash, served here from loopback, cached: a rebuild
# downloads nothing; a wrong hash fails the build).  No network: wheels and
# npm tarballs are made by the test.
#
# Needs root and mmdebstrap.  Templates come from the real cache; they are
# built with the normal agent ($SBX_ROOT/build/sbx-agent, what `make
# templates` builds) when it exists: the languages do not depend on the
# agent, and an ASan agent would mean another code-interpreter build (minutes,
# 2 GB).  Nothing is written into a cached template: commands run in an
# overlay whose writes go to the scratch dir.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
export SBX_ROOT=${SBX_ROOT:-$(cd "$here/../.." && pwd)}
TPL=$TOOLS/sbx-template
CI_AGENT=$SBX_ROOT/build/sbx-agent
[ -x "$CI_AGENT" ] || CI_AGENT=$AGENT
FNAME=t-fetch-$$
BADNAME=t-fetchbad-$$
cache=${SBX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}
HTTP_PID=
PAYLOAD_SUM=

langs_cleanup() {
	stop_pid "$HTTP_PID"
	"$TPL" rm "$FNAME" >/dev/null 2>&1
	"$TPL" rm "$BADNAME" >/dev/null 2>&1
	rm -f "$cache/logs/$FNAME"-*.failed.log "$cache/logs/$BADNAME"-*.failed.log
	# The test's own payload (random bytes, useless to anyone else).
	[ -n "$PAYLOAD_SUM" ] && rm -f "$cache/downloads/sha256-$PAYLOAD_SUM"
	cleanup
}
trap langs_cleanup EXIT
tpl() { "$TPL" "$@"; }

if [ "$(id -u)" -ne 0 ]; then
	skip_all "template builds need root (they mount and chroot)"
fi
if ! command -v mmdebstrap >/dev/null; then
	notok "mmdebstrap installed" "apt-get install mmdebstrap (make deps)"
	exit 1
fi

# ── fetch: pinned, cached, checked ──
mkdir -p "$SCRATCH/www" "$SCRATCH/recipes"
head -c 4096 /dev/urandom >"$SCRATCH/www/payload.bin"
PAYLOAD_SUM=$(sha256sum "$SCRATCH/www/payload.bin" | cut -d' ' -f1)
port=$(free_port)
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$SCRATCH/www" "$port" \
	>"$SCRATCH/http.log" 2>&1 &
HTTP_PID=$!
wait_until 20 curl -fs -m 2 -o /dev/null "http://127.0.0.1:$port/payload.bin" ||
	{ notok "loopback file server" "$(cat "$SCRATCH/http.log")"; exit 1; }
url=http://127.0.0.1:$port/payload.bin
cat >"$SCRATCH/recipes/$FNAME.recipe" <<EOF
from: base
fetch: $url sha256:$PAYLOAD_SUM /opt/fetched/
run: test -s /opt/fetched/payload.bin
EOF
build_fetch() {   # → $out (build output), status of the build
	out=$(tpl build "$SCRATCH/recipes/$FNAME.recipe" --agent "$CI_AGENT" 2>&1)
}
# A damaged copy in the cache (as a stale or edited file would be) is noticed
# and replaced by a download.
mkdir -p "$cache/downloads"
printf 'damaged' >"$cache/downloads/sha256-$PAYLOAD_SUM"
if build_fetch; then ok "fetch: builds"; else notok "fetch: builds" "$(tail -n 12 <<<"$out" | tr '\n' ' ')"; fi
expect_match "a damaged cached copy is noticed" "$out" "does not match its sha256; downloading it again"
expect_match "... and downloaded" "$out" "downloading $url"
fdir=$(tpl path "$FNAME" 2>/dev/null)
expect_eq "fetched file is in the rootfs, named after the URL, owned by root" \
	"$(cmp "$SCRATCH/www/payload.bin" "$fdir/rootfs/opt/fetched/payload.bin" 2>&1 &&
	   stat -c '%u %a' "$fdir/rootfs/opt/fetched/payload.bin")" "0 644"
expect_eq "download kept in \$SBX_CACHE_DIR/downloads by its hash" \
	"$(sha256sum <"$cache/downloads/sha256-$PAYLOAD_SUM" 2>&1 | cut -d' ' -f1)" "$PAYLOAD_SUM"
# A wrong pin fails the build, naming both hashes; nothing is cached or left.
bad=$(printf 'other' | sha256sum | cut -d' ' -f1)
sed "s/$PAYLOAD_SUM/$bad/; s/$FNAME/$BADNAME/" "$SCRATCH/recipes/$FNAME.recipe" >"$SCRATCH/recipes/$BADNAME.recipe"
if out=$(tpl build "$SCRATCH/recipes/$BADNAME.recipe" --agent "$CI_AGENT" -q 2>&1); then
	notok "a wrong hash fails the build" "it built"
else
	expect_match "a wrong hash fails the build, naming both hashes" "$out" \
		"fetch \(line 2\): $url has sha256 $PAYLOAD_SUM, but the recipe pins $bad"
fi
if [ -e "$cache/downloads/sha256-$bad" ] || ls -d "$cache/templates/$BADNAME"-* >/dev/null 2>&1; then
	notok "a wrong hash leaves no download and no template" "$(ls -d "$cache/downloads/sha256-$bad" "$cache/templates/$BADNAME"-* 2>&1)"
else
	ok "a wrong hash leaves no download and no template"
fi
# The rebuild (as after an agent change) needs no network: the server is gone.
stop_pid "$HTTP_PID"
HTTP_PID=
tpl rm "$FNAME" >/dev/null 2>&1
if build_fetch; then ok "rebuild with the server gone"; else notok "rebuild with the server gone" "$(tail -n 12 <<<"$out" | tr '\n' ' ')"; fi
expect_match "rebuild takes the download from the cache" "$out" "$url: cached \("
if grep -q "downloading $url" <<<"$out"; then notok "rebuild does not download" "$out"
else ok "rebuild does not download"; fi

# ── code-interpreter ──
t0=$(date +%s)
if ! ci=$(tpl build code-interpreter --agent "$CI_AGENT" -q 2>"$SCRATCH/ci.err") || ! ci=$(tail -n 1 <<<"$ci"); then
	notok "build code-interpreter" "$(tail -n 15 "$SCRATCH/ci.err" | tr '\n' ' ')"
	exit 1
fi
ok "build code-interpreter ($(( $(date +%s) - t0 )) s)"
root=$ci/rootfs
TPATH=$(jq -r '.env.PATH // empty' "$ci/meta.json")
TPATH_DEFAULT=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
expect_match "template PATH has ~/.local/bin (pip's console scripts)" "$TPATH" '(^|:)/home/user/\.local/bin(:|$)'

OV=$SCRATCH/ov
mkdir -p "$OV/upper/tmp/w" "$OV/work" "$OV/root"
chmod 1777 "$OV/upper/tmp"
# CMD… as root in an overlay of the template: own /proc, the host's /dev
# (pexpect and kernels want ptys); writes land in $OV/upper.
in_ci() {
	timeout -k 5 120 unshare --mount --pid --fork sh -c 'r=$1 o=$2; shift 2
		mount -t overlay overlay -o "lowerdir=$r,upperdir=$o/upper,workdir=$o/work" "$o/root" &&
		mount -t proc proc "$o/root/proc" && mount --rbind /dev "$o/root/dev" &&
		exec chroot "$o/root" "$@"' sh "$root" "$OV" "$@"
}
# As `user`, with the env the template gives sandboxes.
as_user() { in_ci runuser -u user -- env HOME=/home/user USER=user LANG=C.UTF-8 PATH="${TPATH:-$TPATH_DEFAULT}" "$@"; }

# Kernelspecs: python3, ir (R), deno (JavaScript/TypeScript), bash.
for k in python3 ir deno bash; do
	spec=
	for d in usr/local/share/jupyter/kernels usr/share/jupyter/kernels; do
		[ -f "$root/$d/$k/kernel.json" ] && { spec=$root/$d/$k/kernel.json; break; }
	done
	if [ -z "$spec" ]; then
		notok "kernelspec $k" "no $k/kernel.json in /usr/local/share/jupyter/kernels or /usr/share/jupyter/kernels"
		continue
	fi
	argv0=$(jq -r '.argv[0] // empty' "$spec")
	if [ -n "$argv0" ] && p=$(in_ci sh -c 'command -v "$1"' sh "$argv0") && [ -n "$p" ]; then
		ok "kernelspec $k: argv[0] $argv0 is $p"
	else
		notok "kernelspec $k: argv[0] exists" "argv[0] '$argv0' not found in the template ($spec)"
	fi
done
dspec=$root/usr/local/share/jupyter/kernels/deno/kernel.json
expect_eq "deno kernelspec: argv, NO_COLOR, language" \
	"$(jq -c '[.argv, .env.NO_COLOR, .language]' "$dspec" 2>&1)" \
	'[["/usr/local/bin/deno","jupyter","--kernel","--conn","{connection_file}"],"1","typescript"]'

# Deno.
expect_match "deno --version" "$(in_ci /usr/local/bin/deno --version 2>&1 | head -n 1)" '^deno 2\.9\.6 '
expect_match "deno jupyter is there" "$(in_ci /usr/local/bin/deno jupyter --help 2>&1)" '--kernel'

# R: IRkernel loads, plot defaults are PNG, the cairo device writes a PNG.
out=$(as_user Rscript -e 'library(IRkernel); stopifnot(is.function(IRkernel::main))' \
	-e 'cat(getOption("jupyter.plot_mimetypes"), getOption("repr.plot.res"), capabilities("cairo"), "\n")' \
	-e 'png("/tmp/plot.png", type = "cairo"); plot(1:10); invisible(dev.off())' 2>&1)
expect_eq "R loads IRkernel; plots default to PNG" "$(tail -n 1 <<<"$out" | sed 's/ *$//')" "text/plain image/png 100 TRUE"
expect_eq "R's cairo device renders a PNG" "$(head -c 8 "$OV/upper/tmp/plot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
	"89504e470d0a1a0a"

# bash kernel: Debian's python3 imports it and its dependencies.
expect_eq "bash_kernel imports with /usr/bin/python3" \
	"$(in_ci /usr/bin/python3 -c 'import bash_kernel, bash_kernel.kernel, pexpect, filetype; print(bash_kernel.__version__)' 2>&1)" \
	"0.10.0"

# pip under PEP 668, as E2B's doc writes it: `pip install X` as user, then
# `import X` with the kernel's /usr/bin/python3 (a tiny wheel, no index).
/usr/bin/python3 - "$OV/upper/tmp/w" <<'EOF'
import sys, zipfile
di = "sbxhello-1.0.dist-info"
files = {
    "sbxhello.py": "GREETING = 'hello from sbxhello'\ndef main():\n    print(GREETING)\n",
    di + "/METADATA": "Metadata-Version: 2.1\nName: sbxhello\nVersion: 1.0\n",
    di + "/WHEEL": "Wheel-Version: 1.0\nGenerator: sbx-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    di + "/entry_points.txt": "[console_scripts]\nsbxhello = sbxhello:main\n",
}
files[di + "/RECORD"] = "".join(k + ",,\n" for k in files) + di + "/RECORD,,\n"
with zipfile.ZipFile(sys.argv[1] + "/sbxhello-1.0-py3-none-any.whl", "w") as z:
    for k, v in files.items():
        z.writestr(k, v)
EOF
out=$(as_user sh -c 'cd /home/user && pip install --no-index /tmp/w/sbxhello-1.0-py3-none-any.whl' 2>&1)
expect_match "pip install as user works (no externally-managed-environment)" "$out" 'Successfully installed sbxhello-1.0'
expect_eq "... into ~/.local, owned by user" \
	"$(stat -c %u "$OV/upper/home/user/.local/lib/python3.11/site-packages/sbxhello.py" 2>&1)" "1000"
expect_eq "/usr/bin/python3 imports it" \
	"$(as_user /usr/bin/python3 -c 'import sbxhello; print(sbxhello.GREETING)' 2>&1)" "hello from sbxhello"
expect_eq "its console script is on the template's PATH" "$(as_user sbxhello 2>&1)" "hello from sbxhello"
out=$(in_ci sh -c 'PIP_ROOT_USER_ACTION=ignore pip install --force-reinstall --no-index /tmp/w/sbxhello-1.0-py3-none-any.whl' 2>&1)
if [ -f "$OV/upper/usr/local/lib/python3.11/dist-packages/sbxhello.py" ] &&
   [ ! -e "$OV/upper/usr/lib/python3/dist-packages/sbxhello.py" ]; then
	ok "pip as root installs into /usr/local, not dpkg's dist-packages"
else
	notok "pip as root installs into /usr/local, not dpkg's dist-packages" "$out"
fi

# node and npm; `npm install X` in /home/user is what node and Deno import.
expect_match "node runs" "$(as_user node --version 2>&1)" '^v[0-9]+\.'
expect_eq "npm runs (10.9.9)" "$(as_user npm --version 2>&1)" "10.9.9"
expect_eq "npx runs" "$(as_user npx --version 2>&1)" "10.9.9"
mkdir -p "$SCRATCH/pk/package"
printf '{"name":"sbxnpmhello","version":"1.0.0","main":"index.js"}\n' >"$SCRATCH/pk/package/package.json"
printf 'exports.greet = () => "hello from npm";\n' >"$SCRATCH/pk/package/index.js"
tar -czf "$OV/upper/tmp/w/sbxnpmhello-1.0.0.tgz" -C "$SCRATCH/pk" package
out=$(as_user sh -c 'cd /home/user && npm install --offline --no-audit --no-fund /tmp/w/sbxnpmhello-1.0.0.tgz' 2>&1)
expect_match "npm install in /home/user" "$out" 'added 1 package'
expect_eq "node requires it" \
	"$(as_user sh -c 'cd /home/user && node -e "console.log(require(\"sbxnpmhello\").greet())"' 2>&1)" "hello from npm"
expect_eq "Deno imports it" \
	"$(as_user sh -c 'cd /home/user && deno eval "import { greet } from \"sbxnpmhello\"; console.log(greet())"' 2>&1)" \
	"hello from npm"

pj=$root/home/user/package.json
expect_eq "/home/user/package.json is JSON, owned by user" \
	"$(jq -c . "$pj" 2>&1) $(stat -c %u "$pj" 2>&1)" "{} 1000"
mdir=$(in_ci runuser -u user -- /usr/bin/python3 -m site --user-site 2>&1)
[ -n "$mdir" ] && [ "$(stat -c %u "$root$mdir" 2>&1)" = 1000 ] &&
	ok "~/.local site-packages exists before any kernel starts ($mdir)" ||
	notok "~/.local site-packages exists before any kernel starts" "$mdir: $(ls -ld "$root$mdir" 2>&1)"

# Every fetch: of the recipe is in the download cache (what rebuilds reuse).
n=0 missing=
while read -r _ _ h _; do
	n=$((n + 1))
	[ -f "$cache/downloads/${h/:/-}" ] || missing="$missing $h"
done < <(grep '^fetch: ' "$ci/recipe")
if [ "$n" -ge 3 ] && [ -z "$missing" ]; then ok "the recipe's $n downloads are cached"
else notok "the recipe's downloads are cached" "$n fetch lines; missing:$missing"; fi
expect_eq "no download left in the rootfs" "$(ls -A "$root/tmp" 2>&1)" ""
done_testing
