#!/usr/bin/python3
"""The tests' package registry: a Python package index and an npm registry
serving the files tests/registry/fetch.sh downloaded and checked.

    server.py --dir DIR [--bind ADDR] [--port PORT] [--log FILE]

DIR is fetch.sh's output (pypi/*.whl, npm/*.tgz).  Routes:
  GET /simple/                  PEP 503 index of the projects
  GET /simple/<project>/        PEP 503 links, href ../../files/<wheel>#sha256=<hex>
                                (an unnormalised name is redirected)
  GET /files/<wheel>            the wheel
  GET /npm/<name>               the packument: every version's package.json
                                (read from its tarball), dist.tarball pointing
                                back here, dist.integrity (sha512) and shasum
  GET /npm/<name>/-/<file>.tgz  the tarball
  POST /npm/-/npm/v1/security/advisories/bulk   {} (no advisories: npm's audit)
  GET /                         a short page naming the two registry URLs
Anything else is 404; unknown packages are 404 {"error":"Not found"} as
npm's registry answers.  Prints "listening on ADDR:PORT" once it serves.
"""
import argparse
import base64
import hashlib
import html
import json
import os
import re
import sys
import tarfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def semver_key(v):
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)(.*)$", v)
    if not m:
        return (-1, -1, -1, v)
    # A prerelease sorts before its release.
    return (int(m[1]), int(m[2]), int(m[3]), m[4] == "", m[4])


def load(root):
    """(wheels, npm): wheels {project: [(file, sha256)]}, files {file: path};
    npm {name: {version: (package.json dict, path, integrity, shasum)}}."""
    projects, files, npm = {}, {}, {}
    pdir = os.path.join(root, "pypi")
    for f in sorted(os.listdir(pdir)):
        if not f.endswith(".whl"):
            continue
        path = os.path.join(pdir, f)
        sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
        projects.setdefault(pep503(f.split("-")[0]), []).append((f, sha))
        files[f] = path
    ndir = os.path.join(root, "npm")
    for f in sorted(os.listdir(ndir)):
        if not f.endswith(".tgz"):
            continue
        path = os.path.join(ndir, f)
        data = open(path, "rb").read()
        with tarfile.open(path, "r:gz") as t:
            meta = json.load(t.extractfile("package/package.json"))
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        npm.setdefault(meta["name"], {})[meta["version"]] = (meta, path, integrity, hashlib.sha1(data).hexdigest())
    return projects, files, npm


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sbx-test-registry"

    def log_message(self, fmt, *args):
        log = self.server.logf
        if log:
            with self.server.log_lock:
                log.write("%s %s\n" % (self.address_string(), fmt % args))
                log.flush()

    def send(self, code, body, ctype="text/plain; charset=utf-8", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def not_found(self, npm=False):
        if npm:
            self.send(404, '{"error":"Not found"}\n', "application/json")
        else:
            self.send(404, "not found\n")

    def base(self):
        # The address the client reached us by; anything odd in Host is
        # replaced by the address we listen on.
        host = self.headers.get("Host", "")
        if not re.fullmatch(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", host):
            host = "%s:%d" % self.server.server_address[:2]
        return "http://" + host

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if 0 < n <= 1 << 20:
            self.rfile.read(n)
        elif n:
            self.close_connection = True
        if urllib.parse.urlsplit(self.path).path == "/npm/-/npm/v1/security/advisories/bulk":
            self.send(200, "{}\n", "application/json")
        else:
            self.not_found(True)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        projects, files, npm = self.server.data
        if path == "/":
            b = self.base()
            self.send(200, "sbx test registry\npip: %s/simple/\nnpm: %s/npm/\n" % (b, b))
        elif path == "/simple/":
            links = "".join('<a href="%s/">%s</a><br>\n' % (p, p) for p in sorted(projects))
            self.send(200, page("Simple index", links), "text/html; charset=utf-8")
        elif path.startswith("/simple/"):
            name = urllib.parse.unquote(path[len("/simple/"):]).rstrip("/")
            if "/" in name or pep503(name) not in projects:
                return self.not_found()
            if name != pep503(name) or not path.endswith("/"):
                return self.send(301, "", headers=[("Location", "/simple/%s/" % pep503(name))])
            links = "".join('<a href="../../files/%s#sha256=%s">%s</a><br>\n'
                            % (urllib.parse.quote(f), sha, html.escape(f))
                            for f, sha in projects[name])
            self.send(200, page("Links for " + name, links), "text/html; charset=utf-8")
        elif path.startswith("/files/"):
            f = urllib.parse.unquote(path[len("/files/"):])
            if f not in files:
                return self.not_found()
            self.send(200, open(files[f], "rb").read(), "application/octet-stream")
        elif path.startswith("/npm/"):
            self.npm(urllib.parse.unquote(path[len("/npm/"):]), npm)
        else:
            self.not_found()

    def npm(self, rest, npm):
        # "<name>" or "@scope/<name>", then optionally "/-/<file>.tgz".
        m = re.fullmatch(r"((?:@[^/]+/)?[^/@][^/]*)(?:/-/([^/]+\.tgz))?", rest)
        if not m or m[1] not in npm:
            return self.not_found(True)
        name, versions = m[1], npm[m[1]]
        short = name.split("/")[-1]
        if m[2]:
            for v, (_, path, _, _) in versions.items():
                if m[2] == "%s-%s.tgz" % (short, v):
                    return self.send(200, open(path, "rb").read(), "application/octet-stream")
            return self.not_found(True)
        b = self.base()
        out = {}
        for v, (meta, _, integrity, shasum) in versions.items():
            doc = dict(meta)
            doc["_id"] = "%s@%s" % (name, v)
            doc["dist"] = {
                "tarball": "%s/npm/%s/-/%s-%s.tgz" % (b, name, short, v),
                "integrity": integrity,
                "shasum": shasum,
            }
            out[v] = doc
        latest = max(versions, key=semver_key)
        body = {"_id": name, "name": name, "dist-tags": {"latest": latest}, "versions": out}
        self.send(200, json.dumps(body, indent=1) + "\n", "application/json")


def page(title, body):
    return ("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\">"
            "<title>%s</title></head><body>\n%s</body></html>\n" % (html.escape(title), body))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    a = ap.parse_args()
    try:
        data = load(a.dir)
    except (OSError, KeyError, ValueError, tarfile.TarError) as e:
        sys.exit("registry: cannot load %s: %s (run tests/registry/fetch.sh)" % (a.dir, e))
    srv = ThreadingHTTPServer((a.bind, a.port), Handler)
    srv.daemon_threads = True
    srv.data = data
    srv.logf = open(a.log, "a") if a.log else None
    srv.log_lock = threading.Lock()
    print("listening on %s:%d" % srv.server_address[:2], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
