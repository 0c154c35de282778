#!/usr/bin/env bash
# `sbx files ID get DIR` against a hostile server (hostile_envd.py): names
# with "..", '/', absolute, ".", empty, control bytes or NUL are refused
# with the name shown and nothing written outside the target; a symlink
# planted in the target is not written through; symlink entries arrive as
# plain files.  No root, no sandbox: the server is a small Python script.
. "$(dirname "$0")/lib.sh"
SBX=${SBX:-$(dirname "$AGENT")/sbx}
HERE=$(cd "$(dirname "$0")" && pwd)
export XDG_STATE_HOME=$SCRATCH/state XDG_CONFIG_HOME=$SCRATCH/config
unset E2B_DOMAIN E2B_DEBUG
SID=hostile0000000000001
if [ ! -x /usr/bin/python3 ]; then ok "downloads from a hostile server # SKIP no /usr/bin/python3"; done_testing; exit 0; fi
SRV_PID=

stop_srv() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	fi
}
trap 'stop_srv; cleanup' EXIT

# serve SCENARIO: the hostile server on a fresh port, E2B_* pointed at it
serve() {
	stop_srv
	local port; port=$(free_port)
	/usr/bin/python3 "$HERE/hostile_envd.py" "$port" "$1" 2>"$SCRATCH/srv.log" &
	SRV_PID=$!
	export E2B_API_URL=http://127.0.0.1:$port E2B_SANDBOX_URL=http://127.0.0.1:$port E2B_API_KEY=k
	for _ in $(seq 1 100); do
		curl -s -m 2 -o /dev/null "$E2B_API_URL/sandboxes/$SID" && return
		sleep 0.05
	done
	echo "# the hostile server did not start"; cat "$SCRATCH/srv.log"
}

# get SCENARIO: a fresh $T (target parent) and one download of /d into $T/out
get() {
	T=$SCRATCH/$1
	mkdir -p "$T"
	out=$(cd "$T" && timeout -k 5 30 "$SBX" files "$SID" get /d "$T/out" 2>&1); rc=$?
}

# escaped: whether any escape.txt was written (and removes them, for the next case)
escaped() {
	if find "$SCRATCH" -name escape.txt | grep -q .; then
		find "$SCRATCH" -name escape.txt -delete
		echo yes
	else
		echo no
	fi
}

for sc in dotdot deep slash absolute dot empty control; do
	serve "$sc"
	get "$sc"
	expect_eq "$sc: download fails" "$rc" 1
	expect_eq "$sc: nothing written outside the target" "$(escaped)" no
	[ -e /tmp/escape.txt ] && notok "$sc: /tmp/escape.txt" "exists"
	case $sc in
	dotdot) expect_match "$sc: the refused name is shown" "$out" 'refusing to download /d: .* the name "\.\./escape\.txt"' ;;
	deep) expect_match "$sc: the refused name is shown" "$out" 'refusing to download /d/sub: .* the name "\.\./\.\./escape\.txt"' ;;
	slash) expect_match "$sc: the refused name is shown" "$out" 'the name "a/\.\./\.\./escape\.txt"' ;;
	absolute) expect_match "$sc: the refused name is shown" "$out" 'the name "/tmp/escape\.txt"' ;;
	dot) expect_match "$sc: the refused name is shown" "$out" 'the name "\."' ;;
	empty) expect_match "$sc: the refused name is shown" "$out" 'the name ""' ;;
	control) expect_match "$sc: the refused name is shown, escaped" "$out" 'the name "bad\\x0aname"' ;;
	esac
	expect_eq "$sc: nothing downloaded" "$(find "$T" -type f | wc -l)" 0
done

# NUL inside a name: the listing does not even parse
serve nul
get nul
expect_eq "nul: download fails" "$rc" 1
expect_eq "nul: nothing written" "$(find "$T" -type f | wc -l)" 0

# symlink entries come as content; a symlink to a directory is skipped
serve links
get links
expect_eq "links: download works" "$rc" 0; [ "$rc" = 0 ] || echo "# $out"
expect_eq "links: a symlinked file is a plain file" "$(stat -c %F "$T/out/passwd" 2>&1)" "regular file"
expect_eq "links: with the agent's content" "$(cat "$T/out/passwd")" "content of /d/passwd"
expect_eq "links: a symlinked directory is not made" "$(ls -a "$T/out" | tr '\n' ' ')" ". .. passwd sub "
expect_eq "links: the tree below" "$(cat "$T/out/sub/f.txt")" "content of /d/sub/f.txt"

# a symlink planted in the target is neither entered nor written through
# (the target is T/d: "get /d T" goes into the existing directory T)
T=$SCRATCH/planted
mkdir -p "$T/d" "$T/outside"
plant() {   # plant NAME TARGET: the only symlink in T/d
	find "$T/d" -mindepth 1 -delete
	echo precious >"$T/victim"
	ln -s "$2" "$T/d/$1"
	out=$(timeout -k 5 30 "$SBX" files "$SID" get /d "$T" 2>&1); rc=$?
}
plant sub "$T/outside"
expect_eq "planted dir link: download fails" "$rc" 1
expect_match "planted dir link: says which" "$out" 'refused to enter sub .*symlink'
expect_eq "planted dir link: nothing in the linked dir" "$(ls -A "$T/outside" | wc -l)" 0
plant passwd.sbx-part "$T/victim"
expect_eq "planted temp link: download fails" "$rc" 1
expect_match "planted temp link: says which" "$out" 'cannot write passwd\.sbx-part: it is a symlink'
expect_eq "planted temp link: the victim file is untouched" "$(cat "$T/victim")" precious
plant passwd "$T/victim"
expect_eq "planted file link: download works" "$rc" 0
expect_eq "planted file link: replaced by the file" "$(stat -c %F "$T/d/passwd")" "regular file"
expect_eq "planted file link: the victim file is untouched" "$(cat "$T/victim")" precious

done_testing
