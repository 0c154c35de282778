"""The shared scripts of tests/fake-llm/scripts against a real
code-interpreter sandbox: each execute_python call's code is run in one
sandbox per script (the kernel's state kept, as `sbx ai` keeps it), and
what comes out (stdout, stderr, the error's name and value, each result's
text) must hold every string the script's next turn expects — so a test of
`sbx ai` or the AI pane that uses a script fails only for its own reasons.
csv_chart gets tests/fake-llm/data/dataset.csv in /home/user first and must
also produce its PNG line chart.
"""
import glob
import json
import os

import pytest
from e2b_code_interpreter import Sandbox

FAKE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fake-llm")


def code_calls(script):
    """(turn index, call) of each execute_python call with code."""
    return [(i, c) for i, t in enumerate(script["turns"]) for c in t.get("tool_calls", [])
            if c["name"] == "execute_python" and isinstance(c["arguments"], dict)]


# The scripts with code to run (a skipped test would fail the run).
SCRIPTS = [p for p in sorted(glob.glob(os.path.join(FAKE_DIR, "scripts", "*.json")))
           if code_calls(json.load(open(p)))]


def output_text(ex):
    parts = list(ex.logs.stdout) + list(ex.logs.stderr)
    if ex.error:
        parts += [ex.error.name, ex.error.value]
    parts += [r.text for r in ex.results if r.text]
    return "\n".join(parts)


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("path", SCRIPTS, ids=[os.path.basename(p)[:-5] for p in SCRIPTS])
def test_script_code_in_the_sandbox(path):
    script = json.load(open(path))
    turns = script["turns"]
    calls = code_calls(script)
    with Sandbox.create() as sbx:
        if script["name"] == "csv_chart":
            with open(os.path.join(FAKE_DIR, "data", "dataset.csv"), "rb") as f:
                sbx.files.write("/home/user/dataset.csv", f)
        for i, call in calls:
            ex = sbx.run_code(call["arguments"]["code"])
            out = output_text(ex)
            nxt = turns[i + 1] if i + 1 < len(turns) else (turns[-1] if script.get("repeat_last") else {})
            for want in nxt.get("expect", []):
                assert want in out, "turn %d's code gave %r; turn %d expects %r" % (i, out, i + 1, want)
            if script["name"] == "csv_chart":
                charts = [r for r in ex.results if r.png]
                assert len(charts) == 1 and charts[0].chart is not None, ex.results
                assert charts[0].chart.title == "Average vote by release year"
                assert getattr(charts[0].chart.type, "value", charts[0].chart.type) == "line"
