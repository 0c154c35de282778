# Sourced (after lib.sh) by tests that play a hostile client.
#   raw_to HOST:PORT BYTES  sends BYTES (a printf format) as they are on a fresh
#                         connection; prints the whole answer (10 s at most)
#   flood HOST:PORT N     opens N idle TCP connections and keeps them open
#                         until unflood; fails if they could not be opened
#   unflood
# Raise the fd limit (ulimit -Sn) before a flood of more than ~1000.
FLOOD_PID=

# One socket that sends everything and reads at once until EOF: bash's
# /dev/tcp plus a forked cat lost an early 400 about one run in five.
raw_to() {
	# shellcheck disable=SC2059
	printf "$2" | timeout -k 1 12 /usr/bin/python3 -c '
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=10)
s.sendall(sys.stdin.buffer.read())
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except OSError:
    pass
sys.stdout.buffer.write(out)' "$1"
}

flood() {
	cat >"$SCRATCH/flood.py" <<'PY'
import select, socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.socket()
    s.setblocking(False)   # the server may not accept at once: never wait here
    s.connect_ex((host, port))
    socks.append(s)
print("ready", len(socks), flush=True)
select.select([sys.stdin], [], [], 120)   # hold them until stdin closes
PY
	rm -f "$SCRATCH/flood.in"
	mkfifo "$SCRATCH/flood.in"
	/usr/bin/python3 "$SCRATCH/flood.py" "${1%:*}" "${1##*:}" "$2" <"$SCRATCH/flood.in" >"$SCRATCH/flood.out" 2>&1 &
	FLOOD_PID=$!
	exec 4>"$SCRATCH/flood.in"
	local i
	for i in $(seq 1 200); do
		grep -q "ready $2" "$SCRATCH/flood.out" && return 0
		kill -0 "$FLOOD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# flood: $(cat "$SCRATCH/flood.out")"
	return 1
}

unflood() {
	[ -n "$FLOOD_PID" ] || return 0
	exec 4>&-
	wait "$FLOOD_PID" 2>/dev/null
	FLOOD_PID=
	rm -f "$SCRATCH/flood.in"
}
