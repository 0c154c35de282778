#!/usr/bin/python3
"""VM sandboxes vs ns, side by side in one run against one sbxd (make bench).

For each runtime (ns, qemu): clone/create -> first `1+1` result through
sbxd's API and proxy, as an SDK does (median of N); pause and resume times
(POST pause until the state is paused; POST connect until running and the
first `1+1` answers); memory of idle sandboxes (the driver's own process:
PSS of QEMU for qemu, from /proc, and sbxd's metrics for both).  The qemu
cold boot (agent ready) is the booted snapshot's build, from its meta.json.
Prints the markdown that run.sh splices between docs/PERFORMANCE.md's vm markers.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sandboxes import Api  # noqa: E402


LIVE = set()   # sandboxes created and not yet killed: killed on a failure


def create(api, runtime):
    sbx = api.call("POST", "/v2/sandboxes", {"templateID": "code-interpreter", "runtime": runtime,
                                             "timeout": 600})
    LIVE.add(sbx["sandboxID"])
    return sbx


def kill(api, sid):
    api.call("DELETE", f"/sandboxes/{sid}")
    LIVE.discard(sid)


def state(api, sid):
    return api.call("GET", f"/sandboxes/{sid}")["state"]


def wait_state(api, sid, want, limit_s=600):
    deadline = time.time() + limit_s
    while state(api, sid) != want:
        if time.time() > deadline:
            raise RuntimeError(f"sandbox {sid} did not become {want}")
        time.sleep(0.02)


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


CHART = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()"


def chart_ms(api, sbx):
    """A fresh sandbox's first matplotlib figure, until a result with a png."""
    h = {"E2b-Sandbox-Id": sbx["sandboxID"], "E2b-Sandbox-Port": "49999",
         "X-Access-Token": sbx.get("envdAccessToken") or "", "Content-Type": "application/json"}
    t0 = time.perf_counter()
    api.conn.request("POST", "/execute", body=json.dumps({"code": CHART}).encode(), headers=h)
    r = api.conn.getresponse()
    body = r.read().decode()
    if r.status != 200 or '"png"' not in body:
        raise RuntimeError(f"chart: status {r.status}, {body[:300]!r}")
    return (time.perf_counter() - t0) * 1000.0


def bench(api, runtime, n, k, state_dir):
    first, chart = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        sbx = create(api, runtime)
        api.execute(sbx, "1+1")
        first.append((time.perf_counter() - t0) * 1000.0)
        if len(chart) < k:
            chart.append(chart_ms(api, sbx))
        kill(api, sbx["sandboxID"])
    pause, resume = [], []
    sbx = create(api, runtime)
    api.execute(sbx, "1+1")
    sid = sbx["sandboxID"]
    for _ in range(k):
        t0 = time.perf_counter()
        api.call("POST", f"/sandboxes/{sid}/pause", {})
        wait_state(api, sid, "paused")
        pause.append((time.perf_counter() - t0) * 1000.0)
        t0 = time.perf_counter()
        api.call("POST", f"/v2/sandboxes/{sid}/connect", {"timeout": 600})
        wait_state(api, sid, "running")
        api.execute(sbx, "1+1")
        resume.append((time.perf_counter() - t0) * 1000.0)
    kill(api, sid)
    ids = [create(api, runtime)["sandboxID"] for _ in range(k)]
    time.sleep(5)
    used, pss = [], []
    for i in ids:
        m = api.call("GET", f"/sandboxes/{i}/metrics") or []
        if m:
            used.append(m[-1]["memUsed"] / 1048576.0)
        try:
            st = json.load(open(os.path.join(state_dir, "sandboxes", i, "state.json")))
            p = pss_kb(st.get("vmm", {}).get("pid", 0))
            if p:
                pss.append(p / 1024.0)
        except (OSError, ValueError):
            pass
    for i in ids:
        kill(api, i)
    med = lambda xs: statistics.median(xs) if xs else float("nan")  # noqa: E731
    return {"first": med(first), "first_min": min(first), "first_max": max(first), "n": n,
            "chart": med(chart), "pause": med(pause), "resume": med(resume), "k": k, "mem": med(used), "pss": med(pss)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--cache", required=True, help="$SBX_CACHE_DIR (for the qemu snapshot's meta.json)")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--k", type=int, default=3)
    a = ap.parse_args()
    api = Api(a.port, a.key)
    accel = next((r.get("accel") for r in api.call("GET", "/health").get("runtimes", [])
                  if r.get("name") == "qemu"), None) or "?"
    create_warm = create(api, "qemu")   # builds the snapshot if it is not cached
    api.execute(create_warm, "1+1")
    kill(api, create_warm["sandboxID"])
    try:
        res = {rt: bench(api, rt, a.n, a.k, a.state_dir) for rt in ("ns", "qemu")}
    finally:
        for sid in list(LIVE):
            try:
                kill(Api(a.port, a.key), sid)
            except Exception:  # noqa: BLE001 (best effort, the failure is reported)
                pass
    metas = []
    root = os.path.join(a.cache, "vm", "qemu")
    for d in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        try:
            metas.append(json.load(open(os.path.join(root, d, "meta.json"))))
        except (OSError, ValueError):
            pass
    boot = max(metas, key=lambda m: m.get("built_at", "")) if metas else {}
    ns, q = res["ns"], res["qemu"]
    f = lambda v: "n/a" if v != v else f"{v:.0f}"  # noqa: E731
    out = [
        f"## Results: VM sandboxes (qemu, **{accel.upper()}**) vs ns, template `code-interpreter`",
        "",
        f"One sbxd, both runtimes, one run. `first 1+1`: `POST /v2/sandboxes` then `POST /execute 1+1` through "
        f"sbxd's proxy until `end_of_execution` (median of {q['n']}, each sandbox killed after). `pause`: POST "
        f"pause until the state is paused; `resume`: POST connect until running and a `1+1` answered "
        f"(median of {q['k']}). Memory: {q['k']} idle sandboxes; sbxd's `memUsed` and, for qemu, QEMU's PSS "
        "(clones share the snapshot's RAM file in the page cache). Milliseconds / MiB.",
        "",
        "| | ns | qemu | qemu / ns |",
        "|---|---|---|---|",
        f"| create → first `1+1` (median) | {f(ns['first'])} | {f(q['first'])} | {q['first'] / ns['first']:.1f}× |",
        f"| … min / max | {f(ns['first_min'])} / {f(ns['first_max'])} | {f(q['first_min'])} / {f(q['first_max'])} | |",
        f"| first chart in a fresh sandbox (after its `1+1`) | {f(ns['chart'])} | {f(q['chart'])} | "
        f"{q['chart'] / ns['chart']:.1f}× |",
        f"| pause | {f(ns['pause'])} | {f(q['pause'])} | {q['pause'] / ns['pause']:.1f}× |",
        f"| resume → `1+1` | {f(ns['resume'])} | {f(q['resume'])} | {q['resume'] / ns['resume']:.1f}× |",
        f"| idle memory, memUsed | {f(ns['mem'])} | {f(q['mem'])} | |",
        f"| idle memory, QEMU PSS | | {f(q['pss'])} | |",
        "",
        f"qemu cold boot → agent ready (the booted snapshot's build, {boot.get('built_at', 'n/a')}): "
        f"{boot.get('boot_ms', 'n/a')} ms; the whole build with the Python/matplotlib warm-up is "
        "minutes under TCG and happens once per template.",
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
