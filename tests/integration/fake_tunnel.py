#!/usr/bin/python3
# A stand-in for sbxd's side of `sbx port ID PORT` (t_cli_i12.sh): the
# control plane's list/get of one sandbox, and GET /sbx/tunnel/PORT with
# Upgrade: sbx-tcp.  Port 7 is an echo server that upper-cases what it gets
# until EOF (then closes); port 9 has nothing listening (502, sbxd's words).
# Writes each tunnel request's headers to argv[2] (one JSON line each).
import json, socket, sys, threading

ID = "fakesandbox000000001"
TOKEN = "tok-fake"
INFO = {"sandboxID": ID, "templateID": "base", "clientID": "x", "state": "running",
        "envdAccessToken": TOKEN, "startedAt": "2026-01-01T00:00:00Z", "endAt": "2026-01-01T01:00:00Z",
        "cpuCount": 1, "memoryMB": 512, "envdVersion": "0.4.0"}
log = open(sys.argv[2], "a", buffering=1)


def answer(c, status, body):
    b = json.dumps(body).encode()
    c.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (status, len(b)) + b)


def serve(c):
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(4096)
        if not d:
            return c.close()
        data += d
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    h = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    if path.startswith("/v2/sandboxes"):
        answer(c, 200, [INFO])
    elif path == "/sandboxes/" + ID:
        answer(c, 200, INFO)
    elif path == "/sbx/ports":
        answer(c, 200, [{"port": 7, "address": "0.0.0.0", "proto": "tcp", "pid": 1, "cmd": "echo"}])
    elif path.startswith("/sbx/tunnel/"):
        log.write(json.dumps({"path": path, "headers": h}) + "\n")
        if h.get("x-access-token") != TOKEN or h.get("e2b-sandbox-id") != ID or h.get("upgrade") != "sbx-tcp":
            return answer(c, 401, {"code": 401, "message": "bad tunnel request"}), c.close()
        if path != "/sbx/tunnel/7":
            return answer(c, 502, {"code": 502, "message": "The sandbox is running but port is not open: "
                                   "nothing is listening on port %s" % path.rsplit("/", 1)[1]}), c.close()
        # the 101 and the first echoed bytes in one write: the client must keep them
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: sbx-tcp\r\n\r\n" + rest.upper())
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d.upper())
    else:
        answer(c, 404, {"code": 404, "message": "no such endpoint: %s %s" % (method, path)})
    c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
