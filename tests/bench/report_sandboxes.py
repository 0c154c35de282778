#!/usr/bin/python3
"""Writes the sandbox start-up results (tests/bench/sandboxes.py output, pool
off and on) into docs/PERFORMANCE.md between its sandboxes markers."""
import argparse
import json
import re


def row(name, s):
    return f"| {name} | {s['median']:.1f} | {s['p95']:.1f} | {s['min']:.1f} | {s['max']:.1f} |"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nopool")
    ap.add_argument("pool")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    off, on = (json.load(open(p)) for p in (a.nopool, a.pool))
    n = off["create"]["n"]
    mem = off.get("idle_memory_bytes") or {}
    lines = [
        "<!-- sandboxes:begin (rewritten by tests/bench/run.sh) -->",
        "## Results: sandbox start-up (ns runtime, template `%s`)" % off["template"],
        "",
        f"N = {n} sequential creates each, after 2 warm-up creates; each sandbox is killed after its sample. "
        "`create` is `POST /v2/sandboxes` until its 201 (sbxd answers once the agent is up); "
        "`first result` adds `POST /execute {\"code\":\"1+1\"}` through sbxd's proxy until `end_of_execution`. "
        f"The pool ({on['pool']} per default template) is given time to refill between samples. Milliseconds.",
        "",
        "| measurement | median | p95 | min | max |",
        "|---|---:|---:|---:|---:|",
        row("create, no pool", off["create"]),
        row("create → first `1+1` result, no pool", off["first_result"]),
        row("create, warm pool", on["create"]),
        row("create → first `1+1` result, warm pool", on["first_result"]),
        "",
    ]
    if mem.get("median"):
        lines.append(f"Memory per idle sandbox (kernel started, {mem['n']} sandboxes, cgroup memory): "
                     f"median {mem['median'] / 2**20:.1f} MiB.")
        lines.append("")
    target = on["first_result"]["median"]
    lines.append(f"Target: create → first result ≤ 60 ms at the median: **{target:.1f} ms** "
                 f"({'meets it' if target <= 60 else 'misses it'}).")
    lines.append("<!-- sandboxes:end -->")
    block = "\n".join(lines)
    text = open(a.out).read()
    pat = re.compile(r"<!-- sandboxes:begin.*?<!-- sandboxes:end -->", re.S)
    text = pat.sub(block, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
    open(a.out, "w").write(text)


if __name__ == "__main__":
    main()
