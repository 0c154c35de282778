#!/usr/bin/env bash
# filesystem.Filesystem over Connect: Stat, ListDir, MakeDir, Move, Remove,
# WatchDir and the polling watchers, with their errors.
. "$(dirname "$0")/lib.sh"
start_agent --no-kernel || exit 1
F=/filesystem.Filesystem
W=$SCRATCH/work
code_of() { printf '%s' "$1" | jq -r .code; }

bg() {
	local name=$1 json=$2; shift 2
	printf '%s' "$json" | "$TOOLS/connect_frame" enc >"$SCRATCH/$name.req"
	curl -s -N -m 60 -o "$SCRATCH/$name.resp" -H 'Content-Type: application/connect+json' \
		--data-binary "@$SCRATCH/$name.req" "$@" "$URL$F/WatchDir" &
	eval "BG_$name=\$!"
}
dec() { [ -f "$SCRATCH/$1.resp" ] && "$TOOLS/connect_frame" dec <"$SCRATCH/$1.resp" 2>/dev/null; }
wait_for() {
	local i
	for i in $(seq 1 $((${3:-10} * 20))); do
		dec "$1" | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	return 1
}
# Filesystem events of stream NAME as "TYPE name" lines.
events() { dec "$1" | grep '^0 ' | cut -d' ' -f2- | jq -r '.filesystem // empty | "\(.type|sub("EVENT_TYPE_";"")) \(.name)"'; }

# --- Stat and EntryInfo --------------------------------------------------------
printf 'hello' >"$W/a.txt"
chmod 644 "$W/a.txt"
touch -d '2024-01-02T03:04:05.5Z' "$W/a.txt"
b=$(rpc $F/Stat '{"path":"a.txt"}')
expect_eq "Stat → 200" "$(status)" 200
expect_eq "EntryInfo fields" "$(printf '%s' "$b" | jq -c '.entry|[.name,.type,.path,.size,.mode,.permissions,.owner,.group,.modifiedTime]')" \
	"[\"a.txt\",\"FILE_TYPE_FILE\",\"$W/a.txt\",\"5\",420,\"-rw-r--r--\",\"$(id -un)\",\"$(id -gn)\",\"2024-01-02T03:04:05.500Z\"]"
expect_eq "no symlinkTarget/metadata on a plain file" "$(printf '%s' "$b" | jq -c '.entry|[has("symlinkTarget"),has("metadata")]')" '[false,false]'
b=$(rpc $F/Stat "{\"path\":\"$W\"}")
expect_eq "directory EntryInfo" "$(printf '%s' "$b" | jq -c '.entry|[.type,(.permissions|test("^d[rwx-]{9}$"))]')" '["FILE_TYPE_DIRECTORY",true]'
ln -s "$W/a.txt" "$W/link"
b=$(rpc $F/Stat '{"path":"link"}')
expect_eq "symlink: target's type, own permissions, resolved target" \
	"$(printf '%s' "$b" | jq -c '.entry|[.name,.type,.permissions,.symlinkTarget,.mode]')" \
	"[\"link\",\"FILE_TYPE_FILE\",\"Lrwxrwxrwx\",\"$W/a.txt\",420]"
if /usr/bin/python3 -c "import os; os.setxattr('$W/a.txt', 'user.e2b.owner', b'me')" 2>/dev/null; then
	b=$(rpc $F/Stat '{"path":"a.txt"}')
	expect_eq "metadata from user.e2b.* xattrs" "$(printf '%s' "$b" | jq -c .entry.metadata)" '{"owner":"me"}'
else
	skip "metadata from user.e2b.* xattrs" "no user xattrs on the scratch filesystem"
fi
b=$(rpc $F/Stat '{"path":"~/a.txt"}')
expect_eq "~ expands" "$(printf '%s' "$b" | jq -r .entry.path)" "$W/a.txt"
b=$(rpc $F/Stat '{"path":"nope.txt"}')
expect_eq "Stat of a missing file → 404 not_found" "$(status) $(code_of "$b")" "404 not_found"
b=$(rpc $F/Stat '{"path":')
expect_eq "bad JSON → 400 invalid_argument" "$(status) $(code_of "$b")" "400 invalid_argument"
b=$(rpc $F/Stat '{"path":1}')
expect_eq "wrong field type → invalid_argument" "$(code_of "$b")" invalid_argument
b=$(rpc $F/Stat '{"path":"a.txt"}' -H "Authorization: Basic $(printf 'nosuchuser:' | base64)")
expect_eq "unknown user → 401 unauthenticated" "$(status) $(code_of "$b")" "401 unauthenticated"
b=$(rpc $F/Stat '{"path":"a.txt"}' -H "Authorization: Basic $(printf '%s:' "$(id -un)" | base64)")
expect_eq "Basic auth with a real user" "$(status)" 200
b=$(rpc $F/Nope '{}')
expect_eq "unknown method → unimplemented" "$(code_of "$b")" unimplemented

# --- ListDir -----------------------------------------------------------------
mkdir -p "$W/tree/b/deep/deeper" "$W/tree/a"
touch "$W/tree/z.txt" "$W/tree/a/1.txt" "$W/tree/b/deep/2.txt"
ln -s "$W/tree" "$W/treelink"
b=$(rpc $F/ListDir "{\"path\":\"$W/tree\",\"depth\":1}")
expect_eq "ListDir depth 1: names in order, root excluded" "$(printf '%s' "$b" | jq -r '[.entries[].name]|join(",")')" "a,b,z.txt"
b=$(rpc $F/ListDir "{\"path\":\"$W/tree\"}")
expect_eq "depth 0 means 1" "$(printf '%s' "$b" | jq '.entries|length')" 3
b=$(rpc $F/ListDir "{\"path\":\"$W/tree\",\"depth\":2}")
expect_eq "ListDir depth 2" "$(printf '%s' "$b" | jq -r --arg w "$W/tree/" '[.entries[].path|ltrimstr($w)]|join(",")')" \
	"a,a/1.txt,b,b/deep,z.txt"
expect_eq "ListDir entries are full EntryInfos" "$(printf '%s' "$b" | jq -c '.entries[0]|keys')" \
	'["group","mode","modifiedTime","name","owner","path","permissions","size","type"]'
b=$(rpc $F/ListDir '{"path":"treelink","depth":3}')
expect_eq "a symlinked root is followed, paths stay under it" "$(printf '%s' "$b" | jq -r --arg w "$W/treelink/" '[.entries[].path|ltrimstr($w)]|join(",")')" \
	"a,a/1.txt,b,b/deep,b/deep/2.txt,b/deep/deeper,z.txt"
b=$(rpc $F/ListDir '{"path":"missing-dir"}')
expect_eq "ListDir of a missing dir → not_found" "$(status) $(code_of "$b")" "404 not_found"
b=$(rpc $F/ListDir '{"path":"a.txt"}')
expect_eq "ListDir of a file → invalid_argument" "$(status) $(code_of "$b")" "400 invalid_argument"

# --- MakeDir, Move, Remove -------------------------------------------------------
b=$(rpc $F/MakeDir '{"path":"m/n/o"}')
expect_eq "MakeDir -p → entry" "$(status) $(printf '%s' "$b" | jq -c '.entry|[.name,.type,.path]')" \
	"200 [\"o\",\"FILE_TYPE_DIRECTORY\",\"$W/m/n/o\"]"
[ -d "$W/m/n/o" ] && ok "MakeDir created the tree" || notok "MakeDir created the tree" "missing"
b=$(rpc $F/MakeDir '{"path":"m/n/o"}')
expect_eq "MakeDir of an existing dir → 409 already_exists" "$(status) $(code_of "$b")" "409 already_exists"
b=$(rpc $F/MakeDir '{"path":"a.txt"}')
expect_eq "MakeDir over a file → 400 invalid_argument" "$(status) $(code_of "$b")" "400 invalid_argument"
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	b=$(rpc $F/MakeDir "{\"path\":\"$W/owned/by/nobody\"}" -H "Authorization: Basic $(printf 'nobody:' | base64)")
	expect_eq "MakeDir chowns new dirs to the user" "$(stat -c %U "$W/owned" "$W/owned/by/nobody" | tr '\n' ' ')" "nobody nobody "
else
	skip "MakeDir chowns new dirs to the user" "needs root and a user 'nobody'"
fi

b=$(rpc $F/Move '{"source":"a.txt","destination":"moved/into/new/b.txt"}')
expect_eq "Move creates parents, returns the entry" "$(status) $(printf '%s' "$b" | jq -c '.entry|[.name,.path,.size]')" \
	"200 [\"b.txt\",\"$W/moved/into/new/b.txt\",\"5\"]"
[ ! -e "$W/a.txt" ] && [ "$(cat "$W/moved/into/new/b.txt")" = hello ] && ok "Move moved" || notok "Move moved" "files"
b=$(rpc $F/Move '{"source":"a.txt","destination":"c.txt"}')
expect_eq "Move of a missing source → not_found" "$(status) $(code_of "$b")" "404 not_found"

b=$(rpc $F/Remove '{"path":"tree"}')
expect_eq "Remove → {}" "$(status) $b" "200 {}"
[ ! -e "$W/tree" ] && ok "Remove is rm -rf" || notok "Remove is rm -rf" "still there"
b=$(rpc $F/Remove '{"path":"tree"}')
expect_eq "Remove of a missing path is fine" "$(status) $b" "200 {}"
# A link to a live directory: the link goes, what it points to stays.
mkdir -p "$W/linked"; echo kept >"$W/linked/f.txt"; ln -s "$W/linked" "$W/dirlink"
b=$(rpc $F/Remove '{"path":"dirlink"}')
expect_eq "Remove of a symlink → {}" "$(status) $b" "200 {}"
[ ! -L "$W/dirlink" ] && ok "Remove of a symlink removes the link" || notok "Remove of a symlink removes the link" "still there"
expect_eq "  ... not the directory it points to" "$(cat "$W/linked/f.txt" 2>&1)" kept

# --- WatchDir --------------------------------------------------------------------
mkdir -p "$W/watched"
bg R '{"path":"watched","recursive":true,"includeEntry":true}'
wait_for R '^0 \{"start":\{\}\}' && ok "WatchDir starts with {\"start\":{}}" || notok "WatchDir start" "$(dec R)"
expect_eq "start is the first frame" "$(dec R | head -1)" '0 {"start":{}}'
bg N '{"path":"watched"}'
wait_for N '"start"'
printf 'x' >"$W/watched/f.txt"
printf 'yy' >>"$W/watched/f.txt"
chmod 600 "$W/watched/f.txt"
mkdir "$W/watched/sub"
# The new directory's watch is added when its CREATE is read.
wait_for R '"name":"sub"' || notok "CREATE sub arrives" "$(dec R)"
printf 'z' >"$W/watched/sub/g.txt"
mv "$W/watched/f.txt" "$W/watched/h.txt"
rm "$W/watched/h.txt"
wait_for R '"name":"h.txt","type":"EVENT_TYPE_REMOVE"' || notok "events arrive" "$(dec R)"
ev=$(events R | tr '\n' ',')
expect_match "create, write, chmod of f.txt in order" "$ev" '^CREATE f.txt,WRITE f.txt,(WRITE f.txt,)*CHMOD f.txt,'
expect_match "recursive: the new subdir and a file in it" "$ev" 'CREATE sub,.*CREATE sub/g.txt,.*WRITE sub/g.txt,'
expect_match "rename then create, then remove" "$ev" 'RENAME f.txt,CREATE h.txt,.*REMOVE h.txt,$'
expect_eq "includeEntry: entry on CREATE" "$(dec R | grep '"CREATE"\|EVENT_TYPE_CREATE' | head -1 | cut -d' ' -f2- | jq -c '.filesystem.entry|[.name,.type,.path]')" \
	"[\"f.txt\",\"FILE_TYPE_FILE\",\"$W/watched/f.txt\"]"
expect_eq "no entry on REMOVE" "$(dec R | grep 'EVENT_TYPE_REMOVE' | head -1 | cut -d' ' -f2- | jq -c '.filesystem|has("entry")')" false
# Its last event came in, so the sub/ ones (before it) would have too.
if wait_for N '"name":"h.txt","type":"EVENT_TYPE_REMOVE"'; then ok "non-recursive: its last event arrives"
else notok "non-recursive: its last event arrives" "$(dec N)"; fi
expect_eq "non-recursive: no events from subdirectories" "$(events N | grep -c 'sub/')" 0
expect_match "non-recursive: sees its own entries" "$(events N | tr '\n' ',')" 'CREATE f.txt,.*CREATE sub,'
expect_eq "no entry without includeEntry" "$(dec N | grep -c '"entry"')" 0
kill "$BG_R" "$BG_N" 2>/dev/null; wait "$BG_R" "$BG_N" 2>/dev/null
touch "$W/watched/after-disconnect"
expect_eq "agent fine after watchers disconnect" "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/health")" 204

r=$(rpc_stream $F/WatchDir '{"path":"no-such-dir"}')
expect_eq "WatchDir of a missing dir → 200 + not_found" "$(status) $(printf '%s\n' "$r" | grep '^2 ' | cut -d' ' -f2- | jq -r .error.code)" "200 not_found"
touch "$W/plain"
r=$(rpc_stream $F/WatchDir '{"path":"plain"}')
expect_eq "WatchDir of a file → invalid_argument" "$(printf '%s\n' "$r" | grep '^2 ' | cut -d' ' -f2- | jq -r .error.code)" invalid_argument
r=$(rpc_stream $F/WatchDir '{"path":"watched"}' -H 'Keepalive-Ping-Interval: 1' -H 'Connect-Timeout-Ms: 2500')
# 2.5 s with a 1 s interval: 2 on time; 1 when the timers run late on a
# loaded machine, never 0 nor a flood.
expect_match "WatchDir keepalives" "$(printf '%s\n' "$r" | grep -c '^0 {"keepalive":{}}$')" '^[12]$'
expect_eq "WatchDir ends at Connect-Timeout-Ms with deadline_exceeded" "$(printf '%s\n' "$r" | tail -1 | cut -d' ' -f2- | jq -r .error.code)" deadline_exceeded
mkdir -p "$W/doomed"
bg D '{"path":"doomed"}'
wait_for D '"start"'
rmdir "$W/doomed"
wait "$BG_D" 2>/dev/null
expect_eq "watched dir removed → stream ends not_found" "$(dec D | tail -1 | cut -d' ' -f2- | jq -r .error.code)" not_found

# --- polling watchers (Python sync SDK) ----------------------------------------------
b=$(rpc $F/CreateWatcher '{"path":"watched","recursive":true}')
expect_eq "CreateWatcher → watcherId w1" "$(status) $b" '200 {"watcherId":"w1"}'
touch "$W/watched/p1"
# Polled (each call drains) until both of p1's events came.
: >"$SCRATCH/w1.events"
p1_both() {
	rpc $F/GetWatcherEvents '{"watcherId":"w1"}' | jq -c '.events[]' >>"$SCRATCH/w1.events"
	[ "$(jq -s -c '[.[]|select(.name=="p1")|.type]|unique' "$SCRATCH/w1.events")" = '["EVENT_TYPE_CHMOD","EVENT_TYPE_CREATE"]' ]
}
wait_until 5 p1_both
expect_eq "GetWatcherEvents drains events" "$(jq -s -c '[.[]|select(.name=="p1")|.type]|unique' "$SCRATCH/w1.events")" '["EVENT_TYPE_CHMOD","EVENT_TYPE_CREATE"]'
b=$(rpc $F/GetWatcherEvents '{"watcher_id":"w1"}')
expect_eq "…and leaves none behind" "$b" '{"events":[]}'
b=$(rpc $F/RemoveWatcher '{"watcherId":"w1"}')
expect_eq "RemoveWatcher → {}" "$(status) $b" "200 {}"
b=$(rpc $F/GetWatcherEvents '{"watcherId":"w1"}')
expect_eq "removed watcher → not_found" "$(status) $(code_of "$b")" "404 not_found"
b=$(rpc $F/CreateWatcher '{"path":"no-such-dir"}')
expect_eq "CreateWatcher of a missing dir → not_found" "$(code_of "$b")" not_found
mkdir -p "$W/doomed2"
b=$(rpc $F/CreateWatcher '{"path":"doomed2"}')
id=$(printf '%s' "$b" | jq -r .watcherId)
expect_eq "ids count up" "$id" w2
rmdir "$W/doomed2"
w2_error() { b=$(rpc $F/GetWatcherEvents "{\"watcherId\":\"$id\"}"); [ "$(code_of "$b")" = not_found ]; }
wait_until 5 w2_error
expect_eq "a watcher's terminal error is returned" "$(code_of "$b")" not_found

expect_eq "agent healthy" "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/health")" 204
done_testing
