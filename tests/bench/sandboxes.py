#!/usr/bin/python3
"""Sandbox start-up benchmark against a running sbxd (make bench, step 2).

Measures, through sbxd's E2B API on one keep-alive connection:
  create   POST /v2/sandboxes until the 201 (sbxd answers once the agent is up)
  first    create, then POST /execute {"code":"1+1"} through the data-plane
           proxy until end_of_execution: what an SDK user waits for
  memory   memory used by idle sandboxes (GET /sandboxes/{id}/metrics)
Each sample kills its sandbox afterwards.  With a pool, the next sample waits
until the pool has refilled, so every claim meets a warm pool.

Prints one JSON object; tests/bench/run.sh turns it into docs/PERFORMANCE.md.
"""
import argparse
import http.client
import json
import statistics
import sys
import time


def pct(xs, p):
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


class Api:
    def __init__(self, port, key):
        self.port, self.key = port, key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=None, headers=None):
        h = {"X-API-KEY": self.key, "Content-Type": "application/json"}
        h.update(headers or {})
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers=h)
        r = self.conn.getresponse()
        raw = r.read()
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def execute(self, sbx, code):
        h = {"E2b-Sandbox-Id": sbx["sandboxID"], "E2b-Sandbox-Port": "49999",
             "X-Access-Token": sbx.get("envdAccessToken") or ""}
        self.conn.request("POST", "/execute", body=json.dumps({"code": code}).encode(),
                          headers={"Content-Type": "application/json", **h})
        r = self.conn.getresponse()
        text = None
        for line in r.read().decode().splitlines():
            ev = json.loads(line)
            if ev.get("type") == "result" and ev.get("is_main_result"):
                text = ev.get("text")
        if r.status != 200 or text != "2":
            raise RuntimeError(f"/execute gave status {r.status}, result {text!r}")


def sample(api, template, n, with_exec, pool, refill_s=4.0):
    out = []
    for _ in range(n):
        if pool:
            # sbxd refills one sandbox at a time (start + kernel, ~1-3 s here);
            # pool sandboxes are invisible to clients, so wait long enough.
            time.sleep(refill_s)
        t0 = time.perf_counter()
        sbx = api.call("POST", "/v2/sandboxes", {"templateID": template, "timeout": 120})
        if with_exec:
            api.execute(sbx, "1+1")
        out.append((time.perf_counter() - t0) * 1000.0)
        api.call("DELETE", f"/sandboxes/{sbx['sandboxID']}")
    return out


def idle_memory(api, template, k):
    ids = [api.call("POST", "/v2/sandboxes", {"templateID": template, "timeout": 120})["sandboxID"]
           for _ in range(k)]
    time.sleep(5)   # let kernels settle
    used = []
    for i in ids:
        m = api.call("GET", f"/sandboxes/{i}/metrics") or []
        if m:
            used.append(m[-1]["memUsed"])
    for i in ids:
        api.call("DELETE", f"/sandboxes/{i}")
    return used


def summary(xs):
    return {"n": len(xs), "median": statistics.median(xs), "p95": pct(xs, 95),
            "min": min(xs), "max": max(xs)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--template", default="code-interpreter")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--pool", type=int, default=0)
    ap.add_argument("--memory", type=int, default=0, help="idle sandboxes to measure")
    a = ap.parse_args()
    api = Api(a.port, a.key)
    sample(api, a.template, 2, True, a.pool)   # warm-up: page cache, first kernel
    res = {"pool": a.pool, "template": a.template,
           "create": summary(sample(api, a.template, a.n, False, a.pool)),
           "first_result": summary(sample(api, a.template, a.n, True, a.pool))}
    if a.memory:
        used = idle_memory(api, a.template, a.memory)
        res["idle_memory_bytes"] = {"n": len(used), "median": statistics.median(used) if used else None}
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
