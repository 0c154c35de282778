#!/usr/bin/env bash
# Templates: build base with the sbx-template driver (mmdebstrap the first
# time on a machine, cached afterwards), check its rootfs, build a Dockerfile
# FROM base on top, list and remove it; a failing step leaves nothing
# behind.  SBX_TEST_FULL_TEMPLATES=1 also builds code-interpreter (slow).
# Needs root and mmdebstrap; uses the real cache ($SBX_CACHE_DIR or
# ~/.cache/sbx) so base is built once per machine and agent.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
export SBX_ROOT=${SBX_ROOT:-$(cd "$here/../.." && pwd)}
TPL=$TOOLS/sbx-template
NAME=t-docker-$$
FAILNAME=t-fail-$$

tpl_cleanup() {
	"$TPL" rm "$NAME" >/dev/null 2>&1
	"$TPL" rm "$FAILNAME" >/dev/null 2>&1
	cleanup
}
trap tpl_cleanup EXIT

tpl() { "$TPL" "$@"; }
# Runs a command in rootfs $1 with its own /proc (psutil and ASan need one).
in_root() {
	local r=$1; shift
	unshare --mount --pid --fork --mount-proc="$r/proc" chroot "$r" "$@"
}

# Fast checks first: they need neither root nor a build.
mkdir -p "$SCRATCH/bad"
printf 'FROM base\nRUN true\nHEALTHCHECK CMD true\n' >"$SCRATCH/bad/Dockerfile"
out=$(tpl build "$SCRATCH/bad/Dockerfile" --agent "$AGENT" 2>&1)
expect_match "unsupported Dockerfile instruction names the line" "$out" \
	'Dockerfile:3: HEALTHCHECK is not supported; a Dockerfile here may use FROM, RUN, COPY, ENV, WORKDIR, USER'
out=$(tpl build no-such-template --agent "$AGENT" 2>&1)
expect_match "unknown template says which exist" "$out" "no template recipe 'no-such-template'.*base"

if [ "$(id -u)" -ne 0 ]; then
	skip "template builds" "needs root (builds mount and chroot)"
	done_testing
	exit 0
fi
if ! command -v mmdebstrap >/dev/null; then
	notok "mmdebstrap installed" "apt-get install mmdebstrap (make deps)"
	exit 1
fi

# base: built (or cached from an earlier run with this agent).
t0=$(date +%s)
# (the build's exit status, not tail's: no pipe inside the $(...))
if ! dir=$(tpl build base --agent "$AGENT" -q 2>"$SCRATCH/base.err") || ! dir=$(tail -n 1 <<<"$dir"); then
	notok "build base" "$(tail -n 15 "$SCRATCH/base.err" | tr '\n' ' ')"
	exit 1
fi
ok "build base ($(( $(date +%s) - t0 )) s)"
# Cached means nothing rebuilt: no step runs and the template dir is untouched.
stamp=$(stat -c '%i %Y' "$dir" "$dir/meta.json" "$dir/rootfs")
out=$(tpl build base --agent "$AGENT" 2>&1)
expect_match "second build of base is cached" "$out" 'base: cached'
if printf '%s' "$out" | grep -qE 'step [0-9]+/[0-9]+'; then notok "a cached build runs no step" "$out"
else ok "a cached build runs no step"; fi
expect_eq "a cached build leaves the template as it was" "$(stat -c '%i %Y' "$dir" "$dir/meta.json" "$dir/rootfs")" "$stamp"
# path NAME is the newest build of any agent; NAME-HASH12 is this one.
expect_match "path base" "$(tpl path base)" '/templates/base-[0-9a-f]{12}$'
expect_eq "path base-HASH12" "$(tpl path "$(basename "$dir")")" "$dir"

root=$dir/rootfs
# (a cached build may also hold the VM runtimes' disk image of it)
expect_match "template dir layout" "$(ls "$dir" | tr '\n' ' ')" \
	'^build\.log (disk-[0-9]+\.ext4 (disk-[0-9]+\.ext4\.lock )?)?meta\.json recipe rootfs $'
expect_eq "agent runs in the rootfs" "$(ASAN_OPTIONS=detect_leaks=0 in_root "$root" /usr/lib/sbx/sbx-agent --version 2>&1)" \
	"$(ASAN_OPTIONS=detect_leaks=0 "$AGENT" --version 2>&1)"
if in_root "$root" /usr/bin/python3 -c 'import ipykernel' 2>"$SCRATCH/py.err"; then
	ok "python3 imports ipykernel in the rootfs"
else
	notok "python3 imports ipykernel in the rootfs" "$(cat "$SCRATCH/py.err")"
fi
expect_eq "user is uid 1000 with home /home/user" "$(in_root "$root" getent passwd user | cut -d: -f3,6,7)" \
	"1000:/home/user:/bin/bash"
expect_eq "user has passwordless sudo" "$(in_root "$root" sudo -u user sudo -n id -u 2>/dev/null)" "0"
[ -d "$root/usr/lib/sbx/python/sbx_e2b" ] && ok "chart extension in /usr/lib/sbx/python" ||
	notok "chart extension in /usr/lib/sbx/python" "$(ls "$root/usr/lib/sbx/python" 2>&1)"
meta=$(cat "$dir/meta.json")
expect_eq "meta.json name/user/workdir/suite" \
	"$(jq -r '[.name, .user, .workdir, .suite] | join(" ")' <<<"$meta")" "base user /home/user bookworm"
[ ! -e "$root/usr/share/man/man1" ] && [ -z "$(ls "$root/var/cache/apt/archives/"*.deb 2>/dev/null)" ] &&
	ok "no man pages and no .debs in the rootfs" || notok "no man pages and no .debs in the rootfs" "found some"

# A Dockerfile on top of base.
mkdir -p "$SCRATCH/ctx/conf"
echo "hello from the host" >"$SCRATCH/ctx/conf/greeting.txt"
cat >"$SCRATCH/ctx/Dockerfile" <<'EOF'
FROM base
RUN echo hi > /hello
ENV A=1 PATH=$PATH:/opt/tools
COPY conf /etc/demo/
WORKDIR /home/user/app
USER user
RUN touch ~/made-by-user && echo "A=$A"
EOF
t0=$(date +%s)
if cdir=$(tpl build "$SCRATCH/ctx/Dockerfile" --name "$NAME" --agent "$AGENT" 2>"$SCRATCH/docker.err") && cdir=$(tail -n 1 <<<"$cdir"); then
	ok "Dockerfile FROM base builds ($(( $(date +%s) - t0 )) s)"
else
	notok "Dockerfile FROM base builds" "$(tail -n 15 "$SCRATCH/docker.err" | tr '\n' ' ')"
	exit 1
fi
expect_match "RUN output is streamed" "$(cat "$SCRATCH/docker.err")" '    A=1'
# Every step of the (always fresh) build announced itself, 1 to M in order.
steps=$(grep -oE 'step [0-9]+/[0-9]+:' "$SCRATCH/docker.err" | tr -d : | cut -d' ' -f2 | tr '\n' ' ')
m=${steps##*/}; m=${m% }
expect_eq "build streams step N/M progress" "$steps" "$(for i in $(seq 1 "${m:-0}"); do printf '%s/%s ' "$i" "$m"; done)"
expect_match "  ... for more than one step" "${m:-0}" '^([2-9]|[1-9][0-9]+)$'
croot=$cdir/rootfs
expect_eq "RUN wrote /hello" "$(cat "$croot/hello" 2>&1)" "hi"
expect_eq "COPY of a directory" "$(cat "$croot/etc/demo/greeting.txt" 2>&1)" "hello from the host"
expect_eq "RUN after USER ran as user (uid 1000)" "$(stat -c %u "$croot/home/user/made-by-user" 2>&1)" "1000"
cmeta=$(cat "$cdir/meta.json")
expect_eq "meta env, workdir, user, parent" \
	"$(jq -r '[.env.A, .env.PATH, .workdir, .user, .parent] | join(" ")' <<<"$cmeta")" \
	"1 /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/tools /home/user/app user base"
expect_match "listed by ls" "$(tpl ls)" "^$NAME +[0-9a-f]{12} .* base$"
out=$(tpl build "$SCRATCH/ctx/Dockerfile" --name "$NAME" --agent "$AGENT" 2>&1)
expect_match "Dockerfile build is cached too" "$out" "$NAME: cached"
echo "changed" >"$SCRATCH/ctx/conf/greeting.txt"
out=$(tpl build "$SCRATCH/ctx/Dockerfile" --name "$NAME" --agent "$AGENT" 2>&1)
expect_match "a changed COPY source rebuilds" "$out" "$NAME: built"
out=$(tpl rm "$NAME" 2>&1)
expect_match "rm removes every build of it" "$out" "removed 2 builds of $NAME"
if tpl path "$NAME" >/dev/null 2>&1 || [ -e "$cdir" ]; then
	notok "removed template is gone" "still there"
else
	ok "removed template is gone"
fi

# A failing step: which step, the output's tail, and nothing left behind.
mkdir -p "$SCRATCH/fail"
printf 'FROM base\nRUN echo about to fail; exit 3\n' >"$SCRATCH/fail/Dockerfile"
out=$(tpl build "$SCRATCH/fail/Dockerfile" --name "$FAILNAME" --agent "$AGENT" -q 2>&1)
expect_match "failed build names the step" "$out" \
	"failed at step 4/5 \(run \(line 2\): echo about to fail; exit 3\): the command exited with status 3"
expect_match "failed build shows the output tail" "$out" '\| about to fail'
cache=${SBX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}
if ls -d "$cache/templates/$FAILNAME"-* "$cache/templates/.tmp-$FAILNAME"-* >/dev/null 2>&1; then
	notok "failed build leaves no half template" "$(ls -d "$cache/templates/"*"$FAILNAME"*)"
else
	ok "failed build leaves no half template"
fi
rm -f "$cache/logs/$FAILNAME"-*.failed.log

if [ "${SBX_TEST_FULL_TEMPLATES:-}" = 1 ]; then
	t0=$(date +%s)
	if ci=$(tpl build code-interpreter --agent "$AGENT" -q 2>"$SCRATCH/ci.err") && ci=$(tail -n 1 <<<"$ci"); then
		ok "build code-interpreter ($(( $(date +%s) - t0 )) s)"
		expect_eq "code-interpreter-v1 alias" "$(tpl path code-interpreter-v1)" "$ci"
		if out=$(in_root "$ci/rootfs" /usr/bin/python3 -c \
			'import numpy, pandas, matplotlib, scipy, seaborn, sklearn, plotly, PIL, openpyxl, xlrd, requests, bs4, sympy, statsmodels, tabulate, nltk; print("ok")' 2>&1); then
			ok "data-science stack imports"
		else
			notok "data-science stack imports" "$out"
		fi
	else
		notok "build code-interpreter" "$(tail -n 15 "$SCRATCH/ci.err" | tr '\n' ' ')"
	fi
fi
done_testing
