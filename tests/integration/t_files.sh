#!/usr/bin/env bash
# envd /files: downloads, uploads (multipart and octet-stream), errors,
# truncated uploads, metadata xattrs, access token and signed URLs.
. "$(dirname "$0")/lib.sh"
start_agent --no-kernel || exit 1
W=$SCRATCH/work
PY=/usr/bin/python3

# code URL [CURL_ARGS...]: status on stdout, body in $SCRATCH/.body, headers in $SCRATCH/.hdr
code() {
	local url=$1; shift
	curl -s -m 60 -o "$SCRATCH/.body" -D "$SCRATCH/.hdr" -w '%{http_code}' "$@" "$url"
}
body() { cat "$SCRATCH/.body"; }
hdr() { grep -i "^$1:" "$SCRATCH/.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# --- multipart upload + download of text ---------------------------------------
printf 'hello, sandbox\n' >"$SCRATCH/a.txt"
st=$(code "$URL/files?path=docs/a.txt" -F "file=@$SCRATCH/a.txt;filename=docs/a.txt")
expect_eq "multipart upload status" "$st" 200
expect_eq "upload reply" "$(body)" "[{\"name\":\"a.txt\",\"path\":\"$W/docs/a.txt\",\"type\":\"file\"}]"
expect_eq "relative path lands in the workdir (parents created)" "$(cat "$W/docs/a.txt" 2>&1)" "hello, sandbox"
st=$(code "$URL/files?path=docs/a.txt")
expect_eq "download status" "$st" 200
expect_eq "download body" "$(body)" "hello, sandbox"
expect_eq "download Content-Length" "$(hdr Content-Length)" 15
expect_match "download Content-Type from extension" "$(hdr Content-Type)" '^text/plain'
expect_eq "download Content-Disposition" "$(hdr Content-Disposition)" 'inline; filename="a.txt"'
st=$(code "$URL/files?path=$W/docs/a.txt")
expect_eq "download by absolute path" "$st $(body)" "200 hello, sandbox"
st=$(code "$URL/files?path=~/docs/a.txt")
expect_eq "download by ~ path" "$st" 200

# --- binary round trip ------------------------------------------------------------
head -c 3000000 /dev/urandom >"$SCRATCH/bin.dat"
want=$(sha256sum <"$SCRATCH/bin.dat" | cut -d' ' -f1)
st=$(code "$URL/files?path=bin/data.bin" -F "file=@$SCRATCH/bin.dat;filename=bin/data.bin")
expect_eq "binary multipart upload" "$st" 200
expect_eq "binary file on disk" "$(sha256sum <"$W/bin/data.bin" | cut -d' ' -f1)" "$want"
curl -s -o "$SCRATCH/bin.down" "$URL/files?path=bin/data.bin"
expect_eq "binary download sha256" "$(sha256sum <"$SCRATCH/bin.down" | cut -d' ' -f1)" "$want"
st=$(code "$URL/files?path=bin/data.bin")
expect_eq "binary Content-Type" "$(hdr Content-Type)" "application/octet-stream"
st=$(code "$URL/files?path=bin/raw.bin" -H 'Content-Type: application/octet-stream' --data-binary "@$SCRATCH/bin.dat")
expect_eq "octet-stream upload" "$st" 200
expect_eq "octet-stream file sha256" "$(sha256sum <"$W/bin/raw.bin" | cut -d' ' -f1)" "$want"
st=$(code "$URL/files?path=bin/chunked.bin" -H 'Content-Type: application/octet-stream' \
	-H 'Transfer-Encoding: chunked' --data-binary "@$SCRATCH/bin.dat")
expect_eq "chunked octet-stream upload" "$st $(sha256sum <"$W/bin/chunked.bin" | cut -d' ' -f1)" "200 $want"
st=$(code "$URL/files" -H 'Content-Type: application/octet-stream' --data-binary x)
expect_eq "octet-stream without ?path= is 400" "$st" 400
expect_match "octet-stream without ?path= says why" "$(body)" 'path= is required'

# --- several files in one multipart request ---------------------------------------
printf one >"$SCRATCH/1"; printf two >"$SCRATCH/2"; printf three >"$SCRATCH/3"
st=$(code "$URL/files" -F "file=@$SCRATCH/1;filename=$W/multi/1.txt" -F "note=ignored" \
	-F "file=@$SCRATCH/2;filename=multi/sub/2.txt" -F "file=@$SCRATCH/3;filename=~/multi/3.txt")
expect_eq "multi-file upload" "$st" 200
expect_eq "multi-file reply lists every file" "$(body | jq -r '[.[].path]|join(",")')" \
	"$W/multi/1.txt,$W/multi/sub/2.txt,$W/multi/3.txt"
expect_eq "multi-file contents" "$(cat "$W/multi/1.txt" "$W/multi/sub/2.txt" "$W/multi/3.txt")" "onetwothree"
st=$(code "$URL/files" -F "file=@$SCRATCH/1;filename=dup/x.txt" -F "file=@$SCRATCH/2;filename=dup/./x.txt")
expect_eq "two parts to one path is 400" "$st" 400
expect_match "two parts to one path says why" "$(body)" 'multiple files to the same path'
[ ! -e "$W/dup" ] && ok "a refused upload leaves no file or directory" || notok "refused upload left files" "$(ls -R "$W/dup")"
st=$(code "$URL/files" -F "other=@$SCRATCH/1;filename=nofile.txt")
expect_eq "multipart without a 'file' part is 400" "$st" 400

# --- empty file, missing file, directory, query decoding ---------------------------
: >"$SCRATCH/empty"
st=$(code "$URL/files?path=empty.txt" -F "file=@$SCRATCH/empty;filename=empty.txt")
expect_eq "empty upload" "$st" 200
st=$(code "$URL/files?path=empty.txt")
expect_eq "empty download" "$st $(hdr Content-Length)" "200 0"
st=$(code "$URL/files?path=missing.txt")
expect_eq "missing file is 404" "$st" 404
expect_eq "missing file body" "$(body)" "{\"code\":404,\"message\":\"path '$W/missing.txt' does not exist\"}"
expect_eq "error Content-Type" "$(hdr Content-Type)" "application/json; charset=utf-8"
st=$(code "$URL/files?path=docs")
expect_eq "directory download is 400" "$st" 400
st=$(code "$URL/files?path=docs" -H 'Content-Type: application/octet-stream' --data-binary x)
expect_eq "upload onto a directory is 400" "$st" 400
printf 'a file' >"$W/plainfile"
st=$(code "$URL/files?path=plainfile/x/y.txt" -H 'Content-Type: application/octet-stream' --data-binary x)
expect_eq "upload below a regular file is 400" "$st" 400
expect_match "... naming the file in the way" "$(body)" "'$W/plainfile' exists and is not a directory"
expect_eq "... which is left as it was" "$(cat "$W/plainfile")" "a file"
st=$(code "$URL/files?path=with+plus+space.txt" -H 'Content-Type: application/octet-stream' --data-binary plus)
expect_eq "'+' in ?path= is a space" "$st $(cat "$W/with plus space.txt" 2>&1)" "200 plus"
st=$(code "$URL/files?path=with%20plus%20space.txt")
expect_eq "'%20' in ?path= is a space" "$st $(body)" "200 plus"
st=$(code "$URL/files?path=a.txt&username=no-such-user-xyz")
expect_eq "unknown user is 401" "$st" 401
st=$(code "$URL/files?path=a.txt" -X DELETE)
expect_eq "DELETE /files is 405" "$st" 405
# Content-Encoding: gzip (the Python SDK's files.write(gzip=True)), decoded
# as it streams; two members are one stream, as with envd's Go reader.
head -c 300000 /dev/urandom >"$SCRATCH/gz.src"
{ gzip -c "$SCRATCH/gz.src"; printf tail | gzip -c; } >"$SCRATCH/gz.body"
cat "$SCRATCH/gz.src" >"$SCRATCH/gz.want"; printf tail >>"$SCRATCH/gz.want"
st=$(code "$URL/files?path=gz/a.bin" -H 'Content-Type: application/octet-stream' -H 'Content-Encoding: gzip' --data-binary "@$SCRATCH/gz.body")
expect_eq "gzip octet-stream upload is decoded" "$st $(cmp "$W/gz/a.bin" "$SCRATCH/gz.want" 2>&1 && echo same)" "200 same"
$PY - "$SCRATCH/gz.mp" <<'PYEOF'
import gzip, sys
part = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="gz/m.txt"\r\n\r\nmulti part\r\n--XyZ--\r\n'
open(sys.argv[1], "wb").write(gzip.compress(part))
PYEOF
st=$(code "$URL/files" -H 'Content-Type: multipart/form-data; boundary=XyZ' -H 'Content-Encoding: gzip' --data-binary "@$SCRATCH/gz.mp")
expect_eq "gzip multipart upload is decoded" "$st $(cat "$W/gz/m.txt" 2>&1)" "200 multi part"
head -c 1000 "$SCRATCH/gz.body" >"$SCRATCH/gz.cut"
st=$(code "$URL/files?path=gz/cut.bin" -H 'Content-Type: application/octet-stream' -H 'Content-Encoding: gzip' --data-binary "@$SCRATCH/gz.cut")
expect_eq "a truncated gzip body is 400 and leaves no file" "$st $(ls "$W/gz/cut.bin" 2>&1 | grep -c 'No such')" "400 1"
expect_match "... saying it ended early" "$(body)" "ended early"
st=$(code "$URL/files?path=gz/bad.bin" -H 'Content-Type: application/octet-stream' -H 'Content-Encoding: gzip' --data-binary 'not gzip at all')
expect_eq "a body that is not gzip is 400 and leaves no file" "$st $(ls "$W/gz/bad.bin" 2>&1 | grep -c 'No such')" "400 1"
expect_match "... calling it malformed" "$(body)" "malformed"
st=$(code "$URL/files?path=br.txt" -H 'Content-Type: application/octet-stream' -H 'Content-Encoding: br' --data-binary x)
expect_eq "another Content-Encoding is refused" "$st" 400
st=$(code "$URL/files?path=t.txt" -H 'Content-Type: text/plain' --data-binary x)
expect_eq "unsupported Content-Type is 400" "$st" 400

# --- replacing files ------------------------------------------------------------------
printf old >"$W/keep.txt"; chmod 600 "$W/keep.txt"
st=$(code "$URL/files?path=keep.txt" -H 'Content-Type: application/octet-stream' --data-binary new)
expect_eq "overwrite keeps the file's mode" "$st $(cat "$W/keep.txt") $(stat -c %a "$W/keep.txt")" "200 new 600"
printf target >"$W/target.txt"; ln -s target.txt "$W/link.txt"
st=$(code "$URL/files?path=link.txt" -H 'Content-Type: application/octet-stream' --data-binary through)
expect_eq "upload writes through a symlink" "$st $(cat "$W/target.txt") $([ -L "$W/link.txt" ] && echo link)" "200 through link"

# --- truncated and abandoned uploads ----------------------------------------------------
# Whether the agent holds a file open under the workdir (an upload in progress).
agent_fds_in_work() {
	"$PY" -c 'import os,sys
d="/proc/%s/fd" % sys.argv[1]
def tgt(f):
    try: return os.readlink(os.path.join(d, f))
    except OSError: return ""
print("open" if any(tgt(f).startswith(sys.argv[2] + "/") for f in os.listdir(d)) else "none")' "$AGENT_PID" "$W"
}
# A client that sends part of a body and goes away, after showing (via
# agent_fds_in_work) whether the agent was writing the upload out as it came.
cut_upload() {  # MODE(length|chunked|octet) NAME
	"$PY" - "$URL" "$1" "$2" "$AGENT_PID" "$W" <<-'EOF'
	import os, socket, sys, time, urllib.parse
	url, mode, name, pid, work = sys.argv[1:6]
	u = urllib.parse.urlparse(url)
	s = socket.create_connection((u.hostname, u.port))
	part = (b'--BB\r\nContent-Disposition: form-data; name="file"; filename="' + name.encode() +
	        b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + b'x' * 200000)
	if mode == 'length':
	    head = b'POST /files HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=BB\r\nContent-Length: 10000000\r\n\r\n'
	    s.sendall(head + part)
	elif mode == 'chunked':
	    head = b'POST /files HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=BB\r\nTransfer-Encoding: chunked\r\n\r\n'
	    s.sendall(head + b'%x\r\n' % len(part) + part + b'\r\n')
	else:
	    head = ('POST /files?path=' + name + ' HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n').encode()
	    s.sendall(head + b'y' * 200000)
	d = '/proc/%s/fd' % pid
	def tgt(f):
	    try: return os.readlink(os.path.join(d, f))
	    except OSError: return ''
	seen = False
	for _ in range(200):    # up to 10 s for the agent to open the file
	    seen = any(tgt(f).startswith(work + '/') for f in os.listdir(d))
	    if seen: break
	    time.sleep(0.05)
	print('streaming' if seen else 'not streaming')
	s.close()
	EOF
}
# left_nothing FILE: FILE is gone and the agent holds nothing open under W.
left_nothing() { [ ! -e "$1" ] && [ "$(agent_fds_in_work)" = none ]; }
for mode in length chunked octet; do
	seen=$(cut_upload $mode "cut-$mode.bin")
	expect_eq "upload streams to disk as it arrives ($mode)" "$seen" streaming
	if wait_until 10 left_nothing "$W/cut-$mode.bin"; then
		ok "client gone mid-upload leaves nothing ($mode)"
	else notok "client gone mid-upload leaves nothing ($mode)" "$(ls -a "$W"; agent_fds_in_work)"; fi
done
# The same while the agent is busy: it is stopped while the client sends its
# last bytes and leaves, so bytes and EOF reach it together (a loaded machine
# does that by chance).  The last bytes: more body (length), or only chunk
# framing (chunked).
cut_while_busy() {  # MODE(length|chunked) NAME
	"$PY" - "$URL" "$1" "$2" "$AGENT_PID" "$W" <<-'EOF'
	import os, signal, socket, sys, time, urllib.parse
	url, mode, name, pid, work = sys.argv[1:6]
	u = urllib.parse.urlparse(url)
	path = os.path.join(work, name)
	s = socket.create_connection((u.hostname, u.port))
	first = b'y' * 200000
	head = 'POST /files?path=' + name + ' HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n'
	if mode == 'length':
	    s.sendall((head + 'Content-Length: 10000000\r\n\r\n').encode() + first)
	    tail = b'z' * 1000
	else:
	    s.sendall((head + 'Transfer-Encoding: chunked\r\n\r\n').encode() + b'%x\r\n' % len(first) + first)
	    tail = b'\r\n'
	def size():
	    try: return os.path.getsize(path)
	    except OSError: return -1
	for _ in range(1000):    # up to 10 s for the agent to write what came
	    if size() == len(first): break
	    time.sleep(0.01)
	if size() != len(first):
	    print('not written: %d bytes' % size()); sys.exit()
	os.kill(int(pid), signal.SIGSTOP)
	try:
	    s.sendall(tail)
	    s.shutdown(socket.SHUT_WR)
	    for _ in range(1000):    # our FIN acknowledged: queued behind the tail
	        if s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 5: break   # FIN_WAIT2
	        time.sleep(0.01)
	finally:
	    os.kill(int(pid), signal.SIGCONT)
	print('left while busy')
	s.close()
	EOF
}
for mode in length chunked; do
	got=$(cut_while_busy $mode "busy-$mode.bin")
	if [ "$got" = "left while busy" ] && wait_until 10 left_nothing "$W/busy-$mode.bin"; then
		ok "client gone while the agent is busy leaves nothing ($mode)"
	else notok "client gone while the agent is busy leaves nothing ($mode)" "$got; $(ls -a "$W"; agent_fds_in_work)"; fi
done
printf -- '--BB\r\nContent-Disposition: form-data; name="file"; filename="tr/unc/t.txt"\r\n\r\nsome data\r\n' >"$SCRATCH/trunc.body"
st=$(code "$URL/files" -H 'Content-Type: multipart/form-data; boundary=BB' --data-binary "@$SCRATCH/trunc.body")
expect_eq "multipart without closing boundary is 400" "$st" 400
expect_match "truncated multipart says so" "$(body)" 'truncated'
[ ! -e "$W/tr" ] && ok "truncated multipart leaves no file or directory" || notok "truncated multipart leaves nothing" "$(ls -R "$W/tr")"
printf 'keep me' >"$W/existing.txt"
printf -- '--BB\r\nContent-Disposition: form-data; name="file"; filename="existing.txt"\r\n\r\npartial' >"$SCRATCH/trunc2.body"
st=$(code "$URL/files" -H 'Content-Type: multipart/form-data; boundary=BB' --data-binary "@$SCRATCH/trunc2.body")
# In place, as envd: a failed overwrite keeps the file, with what was written.
expect_eq "a failed overwrite does not delete the file: it holds what came" "$st $(cat "$W/existing.txt" 2>&1)" "400 partial"
head -c 20000000 /dev/zero >"$SCRATCH/big"
curl -s -m 60 -o /dev/null --limit-rate 2M -H 'Content-Type: application/octet-stream' \
	--data-binary "@$SCRATCH/big" "$URL/files?path=killed.bin" &
cpid=$!
writing() { [ "$(agent_fds_in_work)" = open ]; }
if wait_until 10 writing; then ok "killed curl upload: the agent was writing it"
else notok "killed curl upload: the agent was writing it" "no file open under $W"; fi
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
if wait_until 10 left_nothing "$W/killed.bin"; then ok "killed curl upload leaves nothing"
else notok "killed curl upload leaves nothing" "$(ls -a "$W"; agent_fds_in_work)"; fi
expect_eq "agent still serves after abandoned uploads" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 204

# --- disk full ---------------------------------------------------------------------------
mkdir -p "$W/small"
if mount -t tmpfs -o size=256k tmpfs "$W/small" 2>/dev/null; then
	st=$(code "$URL/files?path=small/big.bin" -H 'Content-Type: application/octet-stream' --data-binary "@$SCRATCH/bin.dat")
	expect_eq "disk full is 507" "$st" 507
	expect_match "disk full says so" "$(body)" '"code":507.*disk space'
	[ -z "$(ls -A "$W/small")" ] && ok "disk full leaves nothing" || notok "disk full leaves nothing" "$(ls -a "$W/small")"
	umount "$W/small"
else
	skip "disk full is 507" "cannot mount a tmpfs on $W/small"
fi

# --- metadata as xattrs -------------------------------------------------------------------
if "$PY" -c "import os,sys; open(sys.argv[1],'w'); os.setxattr(sys.argv[1],'user.t',b'1')" "$W/.xattr-probe" 2>/dev/null; then
	rm -f "$W/.xattr-probe"
	st=$(code "$URL/files?path=meta.txt" -H 'Content-Type: application/octet-stream' \
		-H 'X-Metadata-Owner: me' -H 'x-metadata-Purpose: test run' --data-binary m)
	expect_eq "upload with metadata" "$st" 200
	expect_eq "metadata in the reply" "$(body | jq -c '.[0].metadata')" '{"owner":"me","purpose":"test run"}'
	got=$("$PY" -c "import os,sys; print(os.getxattr(sys.argv[1],'user.e2b.owner').decode(), os.getxattr(sys.argv[1],'user.e2b.purpose').decode())" "$W/meta.txt")
	expect_eq "metadata stored as user.e2b.* xattrs" "$got" "me test run"
	st=$(code "$URL/files?path=meta.txt" -H 'Content-Type: application/octet-stream' -H 'X-Metadata-Other: 2' --data-binary m)
	got=$("$PY" -c "import os,sys; print(sorted(os.listxattr(sys.argv[1])))" "$W/meta.txt")
	expect_eq "an upload replaces the metadata set" "$got" "['user.e2b.other']"
else
	rm -f "$W/.xattr-probe"
	skip "metadata as xattrs" "no user xattrs on the scratch filesystem"
fi

# --- access token and signed URLs -----------------------------------------------------------
stop_agent
TOKEN=s3cret-token
start_agent --no-kernel --access-token "$TOKEN" || exit 1
printf signed >"$W/s.txt"
# sign PATH OP USER [EXP]: the SDK's getSignature()
sign() {
	"$PY" -c 'import base64,hashlib,sys
p,op,u,t=sys.argv[1:5]; raw=":".join([p,op,u,t]+[x for x in sys.argv[5:6] if x])
print("v1_"+base64.b64encode(hashlib.sha256(raw.encode()).digest()).decode().rstrip("="))' "$1" "$2" "$3" "$TOKEN" "${4:-}" | sed 's/+/%2B/g; s#/#%2F#g'
}
st=$(code "$URL/files?path=s.txt")
expect_eq "no token is 401" "$st" 401
expect_match "401 body" "$(body)" '"code":401'
st=$(code "$URL/files?path=s.txt" -H 'X-Access-Token: wrong')
expect_eq "wrong token is 401" "$st" 401
st=$(code "$URL/files?path=s.txt" -H "X-Access-Token: $TOKEN")
expect_eq "right token is 200" "$st $(body)" "200 signed"
st=$(code "$URL/files?path=s.txt&signature=$(sign s.txt read '')")
expect_eq "signed download URL" "$st $(body)" "200 signed"
exp=$(($(date +%s) + 600))
st=$(code "$URL/files?path=s.txt&username=root&signature=$(sign s.txt read root $exp)&signature_expiration=$exp")
expect_eq "signed URL with user and expiry" "$st $(body)" "200 signed"
old=$(($(date +%s) - 10))
st=$(code "$URL/files?path=s.txt&signature=$(sign s.txt read '' $old)&signature_expiration=$old")
expect_eq "expired signature is 401" "$st" 401
expect_match "an expired signature says so, in envd's words" "$(body)" '"message":"signature is already expired"'
st=$(code "$URL/files?path=s.txt&signature=$(sign s.txt read '' $exp)&signature_expiration=$((exp + 1))")
expect_eq "tampered expiry is 401" "$st" 401
st=$(code "$URL/files?path=other.txt&signature=$(sign s.txt read '')")
expect_eq "signature for another path is 401" "$st" 401
st=$(code "$URL/files?path=up.txt&signature=$(sign up.txt read '')" -H 'Content-Type: application/octet-stream' --data-binary u)
expect_eq "read signature cannot upload" "$st" 401
st=$(code "$URL/files?path=up.txt&signature=$(sign up.txt write '')" -H 'Content-Type: application/octet-stream' --data-binary u)
expect_eq "signed upload URL" "$st $(cat "$W/up.txt" 2>&1)" "200 u"
st=$(code "$URL/files?path=s.txt&signature=$(sign s.txt read '')" -H 'X-Access-Token: wrong')
expect_eq "a wrong header token is not rescued by a signature" "$st" 401
expect_eq "/health needs no token" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 204
done_testing
