#!/usr/bin/python3
"""A hostile E2B server for t_cli_download.sh: one sandbox whose agent lists
names that try to leave the download target.  Usage: hostile_envd.py PORT
SCENARIO; SCENARIO picks what /d holds (see TREES)."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SID = "hostile0000000000001"
DIR, FILE, LINK = "FILE_TYPE_DIRECTORY", "FILE_TYPE_FILE", "FILE_TYPE_SYMLINK"

# path -> [(name, type, symlinkTarget)]
TREES = {
    "dotdot": {"/d": [("ok.txt", FILE, None), ("../escape.txt", FILE, None)]},
    "deep": {"/d": [("sub", DIR, None)], "/d/sub": [("../../escape.txt", FILE, None)]},
    "slash": {"/d": [("a/../../escape.txt", FILE, None)]},
    "absolute": {"/d": [("/tmp/escape.txt", FILE, None)]},
    "dot": {"/d": [(".", DIR, None)]},
    "empty": {"/d": [("", FILE, None)]},
    "control": {"/d": [("bad\nname", FILE, None)]},
    "nul": {"/d": [("a\u0000b", FILE, None)]},
    # a symlink entry is fetched as content, never made a link on the host
    "links": {"/d": [("passwd", FILE, "/etc/passwd"), ("up", DIR, "/"), ("sub", DIR, None)],
              "/d/sub": [("f.txt", FILE, None)]},
}


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def info(self):
        return {"sandboxID": SID, "templateID": "base", "alias": "base", "clientID": "local",
                "envdVersion": "0.6.13", "envdAccessToken": "tok", "domain": None, "state": "running",
                "startedAt": "2026-01-01T00:00:00Z", "endAt": "2099-01-01T00:00:00Z",
                "cpuCount": 1, "memoryMB": 512, "diskSizeMB": 1024, "metadata": {}}

    def do_GET(self):
        u = urlparse(self.path)
        if u.path in ("/v2/sandboxes", "/sandboxes"):
            return self.send(200, [self.info()])
        if u.path == "/sandboxes/" + SID:
            return self.send(200, self.info())
        if u.path == "/files":
            p = parse_qs(u.query).get("path", [""])[0]
            return self.send(200, ("content of " + p + "\n").encode(), "application/octet-stream")
        self.send(404, {"code": 404, "message": "no " + u.path})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        tree = TREES[self.server.scenario]
        path = body.get("path", "").rstrip("/")
        if self.path == "/filesystem.Filesystem/Stat":
            if path in tree:
                return self.send(200, {"entry": {"name": path.rsplit("/", 1)[1], "type": DIR, "path": path}})
            return self.send(404, {"code": "not_found", "message": "no " + path})
        if self.path == "/filesystem.Filesystem/ListDir":
            entries = [{"name": n, "type": t, "path": path + "/" + n, "size": 20,
                        **({"symlinkTarget": s} if s else {})} for n, t, s in tree.get(path, [])]
            return self.send(200, {"entries": entries})
        self.send(404, {"code": "not_found", "message": "no " + self.path})


srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
srv.scenario = sys.argv[2]
srv.serve_forever()
