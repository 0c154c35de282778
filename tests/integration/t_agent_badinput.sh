#!/usr/bin/env bash
# Malformed input straight to the agent: bytes that are not UTF-8 in the
# method, path, query, headers and bodies; broken Content-Length, chunking,
# base64, Connect envelopes and JSON shapes; a huge header; a flood of idle
# connections.  Each must get a clear answer (status + a message saying what
# was wrong) and leave the agent answering: as PID 1 of a sandbox, an agent
# that dies takes the sandbox with it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
# The agent gets the usual default fd limit (its connection limit follows
# it); this script raises its own for the flood.
ulimit -Sn 1024
start_agent --no-kernel || exit 1
ulimit -Sn 4096 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
HOSTPORT=${URL#http://}

# alive NAME: the agent still runs and answers /health.
alive() {
	if kill -0 "$AGENT_PID" 2>/dev/null &&
		[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/health")" = 204 ]; then
		ok "$1: the agent survives"
	else
		notok "$1: the agent survives" "it died or stopped answering"
		exit 1
	fi
}
# get PATH [CURL_ARGS...]: "<status> <body>"
get() { local p=$1; shift; curl -s -m 10 -w ' %{http_code}' "$@" "$URL$p" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/'; }
raw() { raw_to "$HOSTPORT" "$1"; }
# msg "<status> <json>": its message, or "NOT JSON: ..." when the body is no JSON object with one.
msg() { printf '%s' "${1#* }" | jq -r '.message // error' 2>/dev/null || echo "NOT JSON: $1"; }
FFFD=$'\xef\xbf\xbd'

# --- bytes that are not UTF-8 (each of these killed the agent) ---------------
r=$(get '/%ff')
expect_eq "GET /%ff → 404" "${r%% *}" 404
expect_eq "  ... saying what is missing" "$(msg "$r")" "no such endpoint: GET /$FFFD"
alive "GET /%ff"
r=$(get '/files?path=%ff%fe')
expect_eq "/files?path=%ff%fe → 404" "${r%% *}" 404
expect_match "  ... naming the path" "$(msg "$r")" "^path '.*/$FFFD$FFFD' does not exist$"
alive "/files?path=%ff%fe"
r=$(get '/files?path=a&username=%ff')
expect_eq "/files?username=%ff → 401" "${r%% *}" 401
expect_eq "  ... naming the user" "$(msg "$r")" "user '$FFFD' does not exist in the sandbox"
alive "username=%ff"
r=$(get '/process.Process/%ff' -X POST -H 'Content-Type: application/json' -d '{}')
expect_eq "/process.Process/%ff → 501" "${r%% *}" 501
expect_eq "  ... a Connect error naming the method" "$(printf '%s' "${r#* }" | jq -c .)" \
	"{\"code\":\"unimplemented\",\"message\":\"process.Process/$FFFD does not exist\"}"
alive "/process.Process/%ff"
r=$(get '/filesystem.Filesystem/%ff' -X POST -H 'Content-Type: application/json' -d '{}')
expect_eq "/filesystem.Filesystem/%ff → 501" "${r%% *}" 501
alive "/filesystem.Filesystem/%ff"
r=$(raw 'G\xffT /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
expect_match 'a method of G\xffT → 405' "$r" '^HTTP/1.1 405'
expect_match "  ... saying which method is allowed" "$r" "\"method G${FFFD}T is not allowed on /health: use GET\""
alive "method G\\xffT"
r=$(get '/filesystem.Filesystem/ListDir' -H 'Content-Type: application/json' -d '{"path":"/"}' \
	-H 'Authorization: Basic /w==')
expect_eq "a Basic user that is not UTF-8 → 401" "${r%% *}" 401
expect_eq "  ... naming the user" "$(msg "$r")" "user '$FFFD' does not exist in the sandbox"
alive "Basic user \\xff"
r=$(raw 'GET /envs?%%ff=%%fe HTTP/1.1\r\nHost: x\r\nX-\xff: \xfe\r\nConnection: close\r\n\r\n')
expect_match "header and query bytes → an answer" "$r" '^HTTP/1.1 200'
alive "header and query bytes"
printf 'x' >"$SCRATCH/up.bin"
r=$(get "/files?path=up%ff.txt" -F "file=@$SCRATCH/up.bin" -H $'X-Metadata-k\xff: v\xfe')
expect_eq "an upload to a name that is not UTF-8 → 200" "${r%% *}" 200
expect_eq "  ... its entry is valid JSON" "$(printf '%s' "${r#* }" | jq -r '.[0].name + " " + .[0].metadata["k'"$FFFD"'"]')" \
	"up$FFFD.txt v$FFFD"
alive "upload with bytes in name and metadata"

# --- broken framing ---------------------------------------------------------
r=$(raw 'POST /init HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 99999999999999999999999\r\n\r\n{}')
expect_match "a Content-Length too large to parse → 4xx" "$r" '^HTTP/1.1 4[0-9][0-9]'
alive "huge Content-Length"
r=$(raw 'POST /init HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: -5\r\n\r\n{}')
expect_match "a negative Content-Length → 400" "$r" '^HTTP/1.1 400'
alive "negative Content-Length"
r=$(raw 'POST /init HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n')
expect_match "a bad chunk size → 400" "$r" '^HTTP/1.1 400'
alive "bad chunk"
# A client that leaves halfway through its body.
exec 3<>"/dev/tcp/${HOSTPORT%:*}/${HOSTPORT##*:}"
printf 'POST /init HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"envVars":' >&3
exec 3<&- 3>&-
alive "a client leaving mid-body"
{ printf 'X-Big: '; head -c 300000 /dev/zero | tr '\0' a; echo; } >"$SCRATCH/big.hdr"
r=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "@$SCRATCH/big.hdr" "$URL/health")
expect_match "a 300 KB header → 431 (or 413)" "$r" '^(431|413)$'
alive "huge header"
r=$(curl -s -m 10 -w ' %{http_code}' -H 'Content-Type: application/json' --data-binary @<(head -c 9000000 /dev/zero) \
	"$URL/process.Process/List" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/')
expect_eq "a unary body over 8 MB → 413" "${r%% *}" 413
expect_match "  ... saying the limit" "$(msg "$r")" 'larger than [0-9]+ bytes'
alive "oversized body"

# --- bad base64, envelopes and JSON shapes -----------------------------------
r=$(get /filesystem.Filesystem/Stat -H 'Content-Type: application/json' -d '{"path":"/"}' -H 'Authorization: Basic !!!')
expect_eq "Authorization that is not base64 → 401" "${r%% *}" 401
expect_match "  ... saying what is expected" "$(msg "$r")" 'Basic base64\(username:\)'
r=$(get /process.Process/SendInput -H 'Content-Type: application/json' -d '{"process":{"pid":1},"input":{"stdin":"@@@"}}')
expect_eq "SendInput with bad base64 → 400" "${r%% *}" 400
expect_match "  ... saying it is not base64" "$(msg "$r")" 'base64'
r=$(get /filesystem.Filesystem/Stat -H 'Content-Type: application/json' -d '{"path":[1]}')
expect_eq "Stat with path [1] → 400" "${r%% *}" 400
expect_match "  ... naming the field" "$(msg "$r")" 'path'
r=$(get /filesystem.Filesystem/Stat -H 'Content-Type: application/json' -d '[]')
expect_eq "a JSON array for a request → 400" "${r%% *}" 400
r=$(get /filesystem.Filesystem/Stat -H 'Content-Type: application/json' --data-binary $'{"path":"\xff"}')
expect_eq "a JSON body that is not UTF-8 → 400" "${r%% *}" 400
expect_match "  ... saying it is not valid JSON" "$(msg "$r")" '(JSON|UTF-8)'
r=$(get /init -d '{"envVars":[],"defaultUser":7}')
expect_eq "/init with envVars [] → 400" "${r%% *}" 400
alive "bad JSON shapes"
# connect+json: a compressed envelope, one longer than the body, two envelopes.
stream() {
	printf "$1" | curl -s -m 10 -o "$SCRATCH/s.resp" -w '%{http_code}' -H 'Content-Type: application/connect+json' \
		--data-binary @- "$URL/process.Process/Connect" >"$STATUS_FILE"
	"$TOOLS/connect_frame" dec <"$SCRATCH/s.resp" | grep '^2 ' | cut -d' ' -f2-
}
r=$(stream '\x01\x00\x00\x00\x02{}')
expect_eq "a compressed envelope → 200 + invalid_argument end frame" "$(status) $(jq -r .error.code <<<"$r")" "200 invalid_argument"
expect_match "  ... saying compression is not supported" "$(jq -r .error.message <<<"$r")" 'compress'
r=$(stream '\x00\x00\x00\x00\x10{}')
expect_match "an envelope longer than the body → incomplete envelope" "$(jq -r .error.message <<<"$r")" 'incomplete envelope'
r=$(stream '\x00\x00\x00\x00\x02{}\x00\x00\x00\x00\x02{}')
expect_match "two envelopes for a server stream → invalid_argument" "$(jq -r .error.code <<<"$r")" 'invalid_argument'
r=$(stream '\x00\xff\xff\xff\xff{}')
expect_match "an envelope of 4 GB → invalid_argument" "$(jq -r .error.code <<<"$r")" 'invalid_argument'
alive "bad envelopes"

# --- a flood of idle connections ----------------------------------------------
# A stream that is running when the flood comes must survive it.
printf '%s' '{"process":{"cmd":"/bin/sleep","args":["60"]}}' | "$TOOLS/connect_frame" enc >"$SCRATCH/sleep.req"
curl -s -N -m 120 -o "$SCRATCH/sleep.resp" -H 'Content-Type: application/connect+json' \
	--data-binary "@$SCRATCH/sleep.req" "$URL/process.Process/Start" &
STREAM_PID=$!
for _ in $(seq 1 100); do [ -s "$SCRATCH/sleep.resp" ] && break; sleep 0.05; done
if flood "$HOSTPORT" 1100; then ok "1100 idle connections opened"; else notok "1100 idle connections opened" "see above"; fi
expect_eq "/health answers during the flood" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/health")" 204
expect_eq "  ... and again" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/envs")" 200
if kill -0 "$STREAM_PID" 2>/dev/null; then ok "a running stream survives the flood"; else notok "a running stream survives the flood" "its curl ended"; fi
unflood
kill "$STREAM_PID" 2>/dev/null
wait "$STREAM_PID" 2>/dev/null
alive "idle flood"
done_testing
