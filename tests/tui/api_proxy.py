#!/usr/bin/python3
"""api_proxy: sbxd's control plane on another port, every request passed
through unchanged except for what the options add — for the TUI tests of
what this sbxd cannot produce here:

    api_proxy.py PORT UPSTREAM_URL [--runtime NAME REASON] [--sandbox JSON] [--slow-pause SECS]

--runtime: GET /health's "runtimes" get one more entry, NAME, unavailable
for REASON (t_runtimes.sh, when sbxd lists none: a build without the VM
drivers, or a machine that runs them all).
--sandbox: JSON's members are set on every sandbox object of the list and
of GET /sandboxes/ID, e.g. an accelerator and a slow pause's sbxProgress
(t_progress.sh: ns sandboxes pause at once).
--slow-pause: POST /sandboxes/ID/pause reaches sbxd SECS later (as a VM's
snapshot would take); other requests go on meanwhile.

It exits when the shell that started it does."""
import http.server, json, os, sys, threading, time, urllib.error, urllib.request

PORT, UP = int(sys.argv[1]), sys.argv[2]
RUNTIME = SANDBOX = None
SLOW_PAUSE = 0.0
args = sys.argv[3:]
while args:
    if args[0] == '--runtime':
        RUNTIME, args = (args[1], args[2]), args[3:]
    elif args[0] == '--sandbox':
        SANDBOX, args = json.loads(args[1]), args[2:]
    elif args[0] == '--slow-pause':
        SLOW_PAUSE, args = float(args[1]), args[2:]
    else:
        sys.exit('api_proxy.py: unknown option ' + args[0])
HOP = ('host', 'content-length', 'connection', 'transfer-encoding', 'date', 'server')


def rewrite(method, path, data):
    if method != 'GET':
        return data
    path = path.split('?')[0]
    if path == '/health' and RUNTIME:
        j = json.loads(data)
        j.setdefault('runtimes', []).insert(0, {"name": RUNTIME[0], "available": False, "reason": RUNTIME[1],
                                                "accel": None, "auto": False})
        return json.dumps(j).encode()
    if SANDBOX and (path == '/v2/sandboxes' or (path.startswith('/sandboxes/') and path.count('/') == 2)):
        j = json.loads(data)
        for sb in j if isinstance(j, list) else [j]:
            sb.update(SANDBOX)
        return json.dumps(j).encode()
    return data


class Handler(http.server.BaseHTTPRequestHandler):
    def relay(self):
        n = int(self.headers.get('Content-Length') or 0)
        p = self.path.split('?')[0]
        if self.command == 'POST' and p.startswith('/sandboxes/') and p.endswith('/pause'):
            time.sleep(SLOW_PAUSE)
        req = urllib.request.Request(UP + self.path, data=self.rfile.read(n) if n else None, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in HOP:
                req.add_header(k, v)
        try:
            r = urllib.request.urlopen(req, timeout=120)
            code, data, hdrs = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            code, data, hdrs = e.code, e.read(), e.headers
        if code == 200:
            data = rewrite(self.command, self.path, data)
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
