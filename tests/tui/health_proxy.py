#!/usr/bin/python3
"""health_proxy: sbxd's control plane on another port, every request passed
through unchanged except GET /health, whose "runtimes" get one more entry
that cannot run here — for t_runtimes.sh where sbxd itself lists none (a
build without the VM drivers, or a machine that runs them all).

    health_proxy.py PORT UPSTREAM_URL NAME REASON

It exits when the shell that started it does."""
import http.server, json, os, sys, threading, time, urllib.error, urllib.request

PORT, UP, NAME, REASON = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
HOP = ('host', 'content-length', 'connection', 'transfer-encoding', 'date', 'server')


class Handler(http.server.BaseHTTPRequestHandler):
    def relay(self):
        n = int(self.headers.get('Content-Length') or 0)
        req = urllib.request.Request(UP + self.path, data=self.rfile.read(n) if n else None, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in HOP:
                req.add_header(k, v)
        try:
            r = urllib.request.urlopen(req, timeout=120)
            code, data, hdrs = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            code, data, hdrs = e.code, e.read(), e.headers
        if self.command == 'GET' and self.path == '/health' and code == 200:
            j = json.loads(data)
            j.setdefault('runtimes', []).insert(0, {"name": NAME, "available": False, "reason": REASON,
                                                    "accel": None, "auto": False})
            data = json.dumps(j).encode()
        self.send_response(code)
        for k, v in hdrs.items():
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = relay

    def log_message(self, *args):
        pass


def orphaned(parent):
    # the test that started it exited early: go too
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=orphaned, args=(os.getppid(),), daemon=True).start()
http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
