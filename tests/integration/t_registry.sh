#!/usr/bin/env bash
# The tests' package registry (tests/registry): fetch.sh's cache is used
# without any network and checked against packages.lock (a damaged or extra
# file is refused); server.py serves the PEP 503 index with the lock's
# sha256, npm packuments whose tarballs point back at it with the lock's
# integrity, 404s for what it lacks; pip and npm install cowsay from it;
# registry.sh's test host is reachable and leaves nothing behind.
# The packages must have been fetched (make test runs tests/registry/fetch.sh
# first); this test itself never leaves this machine: fetch.sh runs here in
# a netns without network (root) or through a dead proxy.
. "$(dirname "$0")/lib.sh"
REG=$(cd "$(dirname "$0")/../registry" && pwd)
LOCK=$REG/packages.lock
PY=/usr/bin/python3
for t in curl jq openssl npm node; do
	command -v "$t" >/dev/null || { notok "$t is installed" "make deps"; done_testing; exit 1; }
done

# deadproxy CMD...: CMD with every proxy setting of pip and npm pointing at
# a closed port, except for 127.0.0.1 (this test's server).
DEAD=http://127.0.0.1:9
deadproxy() {
	env http_proxy=$DEAD https_proxy=$DEAD HTTP_PROXY=$DEAD HTTPS_PROXY=$DEAD \
		no_proxy=127.0.0.1 NO_PROXY=127.0.0.1 npm_config_noproxy=127.0.0.1 \
		PIP_RETRIES=0 npm_config_proxy=$DEAD npm_config_https_proxy=$DEAD npm_config_fetch_retries=0 "$@"
}
# offline CMD...: the same, and without any network at all when root.
offline() {
	local net=()
	[ "$(id -u)" -eq 0 ] && net=(unshare -n)
	deadproxy "${net[@]}" "$@"
}

# ---- the cache --------------------------------------------------------------
CACHE=${SBX_CACHE_DIR:-$HOME/.cache/sbx}
SUM=$(sha256sum "$LOCK" | cut -d' ' -f1)
if ! DIR=$(offline "$REG/fetch.sh" 2>"$SCRATCH/fetch.err" | tail -n 1) || [ ! -d "$DIR" ]; then
	notok "fetch.sh finds the packages in its cache without network" \
		"$(cat "$SCRATCH/fetch.err"); run tests/registry/fetch.sh once (make test does)"
	done_testing
	exit 1
fi
expect_eq "fetch.sh without network: the cache dir named by the lock's hash" "$DIR" "$CACHE/registry/${SUM:0:16}"
expect_eq "its completion marker holds the lock's hash" "$(cat "$DIR/.sbx-complete")" "$SUM"

# Every file against the lock, hashed here independently of fetch.sh.
bad=
n=0
while read -r kind name ver a b; do
	case $kind in
	pypi) f=$DIR/pypi/$a want=${b#sha256:}
	      got=$(sha256sum "$f" 2>/dev/null | cut -d' ' -f1);;
	npm)  f=$DIR/npm/$name-$ver.tgz want=$a
	      got=sha512-$(openssl dgst -sha512 -binary "$f" 2>/dev/null | base64 -w0);;
	*) continue;;
	esac
	n=$((n + 1))
	[ "$got" = "$want" ] || bad="$bad $f ($got);"
done <"$LOCK"
[ -z "$bad" ] && [ "$n" -gt 30 ] && [ "$(ls "$DIR"/pypi "$DIR"/npm | grep -c '\.\(whl\|tgz\)$')" = "$n" ] &&
	ok "the cache holds exactly the lock's $n files, each with the lock's hash" ||
	notok "the cache holds exactly the lock's files with its hashes" "${bad:-$n lines, files: $(ls "$DIR"/pypi "$DIR"/npm | wc -l)}"

# A copy of the cache, damaged: fetch.sh must refuse it, and, offline, fail.
COPY=$SCRATCH/cache
mkdir -p "$COPY/registry" && cp -a "$DIR" "$COPY/registry/"
out=$(SBX_CACHE_DIR=$COPY offline "$REG/fetch.sh" 2>&1)
expect_eq "an intact copy of the cache is used offline as it is" "$(echo "$out" | tail -n 1)" "$COPY/registry/${SUM:0:16}"
printf x >>"$COPY/registry/${SUM:0:16}/npm/cowsay-1.6.0.tgz"
out=$(SBX_CACHE_DIR=$COPY offline "$REG/fetch.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'npm/cowsay-1.6.0.tgz: sha512 .*the lock says'; then
	ok "a changed tarball in the cache is refused (named, with both hashes) and, offline, the fetch fails ($rc)"
else
	notok "a changed tarball in the cache is refused" "rc $rc: $out"
fi
[ -d "$COPY/registry/${SUM:0:16}" ] && notok "the refused dir is gone" "still there" || ok "the refused dir is gone"
mkdir -p "$COPY/registry" && cp -a "$DIR" "$COPY/registry/"
cp "$DIR/npm/cowsay-1.6.0.tgz" "$COPY/registry/${SUM:0:16}/npm/evil-1.0.0.tgz"
out=$(SBX_CACHE_DIR=$COPY offline "$REG/fetch.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'npm/evil-1.0.0.tgz: not in the lock'; then
	ok "a file the lock does not name is refused too"
else
	notok "a file the lock does not name is refused" "rc $rc: $out"
fi

# ---- the server -------------------------------------------------------------
PORT=$(free_port)
U=http://127.0.0.1:$PORT
$PY "$REG/server.py" --dir "$DIR" --port "$PORT" --log "$SCRATCH/registry.log" >"$SCRATCH/server.out" 2>&1 &
SRV=$!
at_done "stop_pid $SRV"
wait_until 10 curl -sf -m 2 -o /dev/null "$U/" ||
	{ notok "server.py answers" "$(cat "$SCRATCH/server.out")"; done_testing; exit 1; }
get() { curl -s -m 10 "$@"; }
code() { curl -s -m 10 -o /dev/null -w '%{http_code}' "$@"; }

WHL=$(awk '$1 == "pypi" && $2 == "cowsay" { print $4 }' "$LOCK")
WSHA=$(awk '$1 == "pypi" && $2 == "cowsay" { print substr($5, 8) }' "$LOCK")
expect_match "/simple/ lists cowsay" "$(get "$U/simple/")" '<a href="cowsay/">cowsay</a>'
expect_match "/simple/cowsay/ links the wheel with the lock's sha256" "$(get "$U/simple/cowsay/")" \
	"<a href=\"\\.\\./\\.\\./files/$WHL#sha256=$WSHA\">$WHL</a>"
expect_eq "an unnormalised name is redirected to the normalised one (PEP 503)" \
	"$(curl -s -m 10 -o /dev/null -w '%{http_code} %{redirect_url}' "$U/simple/CowSay")" "301 $U/simple/cowsay/"
expect_eq "the wheel has the lock's sha256" "$(get "$U/files/$WHL" | sha256sum | cut -d' ' -f1)" "$WSHA"
expect_eq "an unknown project is 404" "$(code "$U/simple/no-such-package-sbx/")" 404
expect_eq "an unknown file is 404" "$(code "$U/files/evil-1.0-py3-none-any.whl")" 404

P=$(get "$U/npm/cowsay")
CINT=$(awk '$1 == "npm" && $2 == "cowsay" { print $4 }' "$LOCK")
expect_eq "the cowsay packument: latest 1.6.0 with the lock's integrity" \
	"$(echo "$P" | jq -r '."dist-tags".latest + " " + .versions."1.6.0".dist.integrity')" "1.6.0 $CINT"
TB=$(echo "$P" | jq -r '.versions."1.6.0".dist.tarball')
expect_eq "its tarball URL points back at the server" "$TB" "$U/npm/cowsay/-/cowsay-1.6.0.tgz"
get "$TB" >"$SCRATCH/c.tgz"
expect_eq "the tarball has the lock's integrity and the packument's shasum" \
	"sha512-$(openssl dgst -sha512 -binary "$SCRATCH/c.tgz" | base64 -w0) $(sha1sum <"$SCRATCH/c.tgz" | cut -d' ' -f1)" \
	"$CINT $(echo "$P" | jq -r '.versions."1.6.0".dist.shasum')"
expect_eq "its dependencies come from the tarball's package.json" \
	"$(echo "$P" | jq -c '.versions."1.6.0".dependencies')" "$(tar -xOzf "$SCRATCH/c.tgz" package/package.json | jq -c .dependencies)"
bad=
while read -r kind name ver integ; do
	[ "$kind" = npm ] || continue
	got=$(get "$U/npm/$name" | jq -r --arg v "$ver" '.versions[$v].dist.integrity')
	[ "$got" = "$integ" ] || bad="$bad $name@$ver ($got);"
done <"$LOCK"
expect_eq "every locked npm version is in its packument with the lock's integrity" "$bad" ""
expect_eq "a packument has only the locked versions" \
	"$(get "$U/npm/ansi-regex" | jq -r '.versions | keys | join(" ")')" "3.0.1 5.0.1"
expect_eq "an unknown npm package is 404 with npm's error body" \
	"$(curl -s -m 10 -w ' %{http_code}' "$U/npm/no-such-package-sbx")" '{"error":"Not found"}
 404'
expect_eq "an unknown version's tarball is 404" "$(code "$U/npm/cowsay/-/cowsay-9.9.9.tgz")" 404
expect_eq "npm audit's bulk advisories: none" \
	"$(curl -s -m 10 -X POST -H 'Content-Type: application/json' -d '{"cowsay":["1.6.0"]}' "$U/npm/-/npm/v1/security/advisories/bulk")" "{}"
expect_eq "anything else is 404" "$(code "$U/etc/passwd")" 404

# ---- the real clients -------------------------------------------------------
# pip from a venv of Debian's python3 (python3-venv, as make deps installs).
if $PY -m venv "$SCRATCH/venv" >"$SCRATCH/venv.out" 2>&1; then
	VPIP=("$SCRATCH/venv/bin/python" -m pip)
	out=$(PIP_FIND_LINKS= PIP_NO_CACHE_DIR=1 PIP_INDEX_URL=$U/simple/ PIP_TRUSTED_HOST=127.0.0.1 \
		deadproxy timeout -k 5 120 "${VPIP[@]}" install --quiet cowsay 2>&1)
	expect_match "pip installs cowsay from it (other addresses through a dead proxy)" \
		"$("$SCRATCH/venv/bin/python" -c 'import cowsay; print(cowsay.get_output_string("cow", "moo from pip"))' 2>&1 || echo "$out")" \
		'\| moo from pip \|'
	out=$(PIP_FIND_LINKS= PIP_NO_CACHE_DIR=1 PIP_INDEX_URL=$U/simple/ PIP_TRUSTED_HOST=127.0.0.1 \
		deadproxy timeout -k 5 120 "${VPIP[@]}" install no-such-package-sbx 2>&1); rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -q 'No matching distribution found for no-such-package-sbx'; then
		ok "pip: a package it lacks is a clear failure"
	else
		notok "pip: a package it lacks is a clear failure" "rc $rc: $out"
	fi
else
	notok "$PY -m venv makes a venv with pip" "$(cat "$SCRATCH/venv.out"); install python3-venv (make deps)"
fi
mkdir -p "$SCRATCH/js" && echo '{}' >"$SCRATCH/js/package.json"
out=$(cd "$SCRATCH/js" && npm_config_registry=$U/npm/ npm_config_cache=$SCRATCH/npm-cache npm_config_userconfig=/dev/null \
	deadproxy timeout -k 5 120 npm install cowsay 2>&1)
expect_match "npm installs cowsay and its whole tree from it (other addresses through a dead proxy)" \
	"$(cd "$SCRATCH/js" && node -e 'console.log(require("cowsay").say({text: "moo from npm"}))' 2>&1 || echo "$out")" \
	'< moo from npm >'
expect_eq "every package npm installed came from it (package-lock's resolved URLs)" \
	"$(jq -r --arg u "$U/npm/" '[.packages | to_entries[] | select(.key != "") | .value.resolved] | "\(unique | length) \(all(startswith($u)))"' \
		"$SCRATCH/js/package-lock.json" 2>&1)" "$(grep -c '^npm ' "$LOCK") true"
expect_match "...and it served the tarballs (its log)" "$(grep -c 'GET /npm/yargs/-/yargs-15.4.1.tgz' "$SCRATCH/registry.log")" '^[1-9]'

# ---- the test host (root: a netns) -----------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	. "$REG/registry.sh"
	if registry_start "$SCRATCH"; then
		ok "registry.sh starts the registry on a test host ($REGISTRY_URL)"
		expect_match "the test host's address is in 198.19.0.0/16" "$REGISTRY_HOST" '^198\.19\.[0-9]+\.1$'
		expect_match "its /simple/cowsay/ answers from the host" "$(get "$REGISTRY_URL/simple/cowsay/")" "$WSHA"
		ns=$REGISTRY_NS_ link=$REGISTRY_LINK_ pid=$REGISTRY_PID_
		registry_stop
		left=
		ip netns list | grep -qw "$ns" && left="$left netns $ns;"
		ip link show "$link" >/dev/null 2>&1 && left="$left link $link;"
		kill -0 "$pid" 2>/dev/null && left="$left server $pid;"
		expect_eq "registry_stop leaves no netns, link or server" "$left" ""
	else
		notok "registry.sh starts the registry on a test host" "see stderr"
	fi
else
	skip "registry.sh's test host" "needs root (a netns)"
fi

done_testing
