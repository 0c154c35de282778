"""Round-trip of a trivial cell (1+1): through sbx-agent's POST /execute versus
jupyter_client talking to its own ipykernel directly.  Run with Debian's
/usr/bin/python3 (it has jupyter_client and ipykernel); see run.sh.

    roundtrip.py --url http://127.0.0.1:PORT --n 200 --warmup 20 --out docs/PERFORMANCE.md
"""
import argparse
import http.client
import json
import os
import platform
import queue
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone

from jupyter_client.manager import KernelManager

CODE = "1+1"
BEGIN = "<!-- bench:begin (rewritten by tests/bench/run.sh) -->"
END = "<!-- bench:end -->"
METHOD = """## Method

`make bench` runs `tests/bench/run.sh build`, which starts `build/sbx-agent` on a
free loopback port with a scratch workdir and runs `tests/bench/roundtrip.py`
with Debian's `/usr/bin/python3`.  Both clients are Python, on the same machine,
in the same run:

- **agent**: `http.client` on one keep-alive HTTP/1.1 connection sends
  `POST /execute {"code":"1+1"}` to the agent's default Python context and reads
  the NDJSON stream up to `{"type":"end_of_execution"}` and the end of the body.
- **direct**: `jupyter_client`'s `KernelManager` starts its own ipykernel
  (kernelspec `python3`, history off as in the agent's kernels), and
  `BlockingKernelClient.execute("1+1")` is timed until the kernel's
  `status: idle` for that request arrives on IOPub.  The agent's kernel also
  loads the `sbx_e2b` extension (E2B's result formatters); that cost is part
  of what is measured.

Each client checks that the cell returned `2`.  After warm-up runs, the two
clients alternate (which one goes first flips every iteration), N runs each.
p95 is the nearest-rank percentile.  The target is agent/direct ≤ 1.3 at the
median.  These numbers are a benchmark, never an assertion in the test suites.
"""


class AgentClient:
    """One keep-alive HTTP/1.1 connection; counts how often it had to reconnect."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.connects = 0
        self.requests = 0
        self.body = json.dumps({"code": CODE}).encode()

    def run(self):
        if self.conn.sock is None:
            # http.client writes headers and body separately: without
            # TCP_NODELAY the body would wait for the agent's delayed ACK.
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connects += 1
        self.requests += 1
        seen = []
        try:
            self.conn.request("POST", "/execute", self.body, {"Content-Type": "application/json"})
            resp = self.conn.getresponse()
            if resp.status != 200:
                raise RuntimeError(f"/execute: HTTP {resp.status}: {resp.read()[:200]!r}")
            while True:
                line = resp.readline()
                if not line:
                    raise RuntimeError(f"/execute: stream ended before end_of_execution after {seen}")
                msg = json.loads(line)
                seen.append(msg)
                if msg["type"] == "error":
                    raise RuntimeError(f"/execute: {msg}")
                if msg["type"] == "end_of_execution":
                    break
            resp.read()  # the chunked terminator, so the connection can be reused
        except TimeoutError:
            raise RuntimeError(f"/execute: request {self.requests} (connection {self.connects}) got no "
                               f"complete answer in {self.conn.timeout} s; lines so far: {seen}") from None
        text = next((m.get("text") for m in seen if m["type"] == "result" and m.get("is_main_result")), None)
        if text != "2":
            raise RuntimeError(f"/execute: main result {text!r}, want '2'")


class DirectClient:
    """jupyter_client's BlockingKernelClient on a kernel it started itself."""

    def __init__(self):
        self.km = KernelManager(kernel_name="python3")
        # The agent's kernels run without history (no SQLite write per
        # cell); match that so the ratio measures the agent, not the kernel.
        self.km.start_kernel(extra_arguments=["--HistoryManager.enabled=False"])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self):
        msg_id = self.kc.execute(CODE)
        text = None
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=30)
            except queue.Empty:
                raise RuntimeError("kernel: no status idle within 30 s") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "execute_result":
                text = msg["content"]["data"].get("text/plain")
            elif kind == "error":
                raise RuntimeError(f"kernel: {msg['content']}")
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        if text != "2":
            raise RuntimeError(f"kernel: execute_result {text!r}, want '2'")

    def drain_shell(self):
        # execute_reply arrives on shell; read it outside the timed section.
        while True:
            try:
                self.kc.get_shell_msg(timeout=0)
            except queue.Empty:
                return

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def pct(xs, p):
    """Nearest-rank percentile of a sorted list."""
    k = max(0, min(len(xs) - 1, -(-p * len(xs) // 100) - 1))
    return xs[int(k)]


def summary(ms):
    s = sorted(ms)
    return {"median": statistics.median(s), "p95": pct(s, 95), "min": s[0], "max": s[-1], "mean": statistics.fmean(s)}


def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000.0


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def package_version(name):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def render(n, warmup, agent, direct, connects, agent_version):
    ratio_med = agent["median"] / direct["median"]
    ratio_p95 = agent["p95"] / direct["p95"]
    verdict = "meets" if ratio_med <= 1.3 else "misses"
    row = lambda name, s: (f"| {name} | {s['median']:.3f} | {s['p95']:.3f} | {s['min']:.3f} | "
                           f"{s['mean']:.3f} | {s['max']:.3f} |")
    return "\n".join([
        BEGIN,
        "## Machine",
        "",
        f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPUs (nproc): {len(os.sched_getaffinity(0))}",
        f"- CPU model: {cpu_model()}",
        f"- Kernel: {platform.system()} {platform.release()}",
        f"- Load average (1/5/15 min) after the run: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- Python {platform.python_version()} (/usr/bin/python3), ipykernel {package_version('python3-ipykernel')}, "
        f"jupyter_client {package_version('python3-jupyter-client')}",
        f"- sbx-agent: envd protocol {agent_version}",
        "",
        "## Results: `1+1` round-trip",
        "",
        f"N = {n} per client, interleaved, after {warmup} warm-up runs each. Milliseconds.",
        "",
        "| client | median | p95 | min | mean | max |",
        "|---|---:|---:|---:|---:|---:|",
        row("sbx-agent `POST /execute` (HTTP/1.1 keep-alive)", agent),
        row("jupyter_client → ipykernel (direct)", direct),
        "",
        f"Ratio agent/direct: **{ratio_med:.2f}** at the median, {ratio_p95:.2f} at p95 "
        f"(target ≤ 1.3 at the median: {verdict} it).",
        f"HTTP connections opened for the agent runs: {connects}.",
        END,
    ])


def write_report(path, block):
    text = open(path).read() if os.path.exists(path) else "# Performance\n\n" + METHOD + "\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


def measure(a, agent, direct):
    for _ in range(a.warmup):
        agent.run()
        direct.run()
        direct.drain_shell()
    times = {"agent": [], "direct": []}
    for i in range(a.n):
        # Alternate who goes first so drift and cache effects hit both.
        order = (("agent", agent.run), ("direct", direct.run))
        for name, fn in (order if i % 2 == 0 else order[::-1]):
            times[name].append(timed(fn))
            if name == "direct":
                direct.drain_shell()
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--out", required=True)
    ap.add_argument("--agent-version", default="?")
    a = ap.parse_args()
    # On SIGTERM (timeout, Ctrl-C in run.sh) still shut our kernel down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    agent = AgentClient(a.url)
    direct = DirectClient()
    try:
        times = measure(a, agent, direct)
    except RuntimeError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    finally:
        direct.close()

    sa, sd = summary(times["agent"]), summary(times["direct"])
    block = render(a.n, a.warmup, sa, sd, agent.connects, a.agent_version)
    write_report(a.out, block)
    print(f"agent  median {sa['median']:.3f} ms  p95 {sa['p95']:.3f} ms")
    print(f"direct median {sd['median']:.3f} ms  p95 {sd['p95']:.3f} ms")
    print(f"ratio  median {sa['median'] / sd['median']:.2f}  p95 {sa['p95'] / sd['p95']:.2f}  "
          f"(agent connections: {agent.connects})")


if __name__ == "__main__":
    sys.exit(main())
