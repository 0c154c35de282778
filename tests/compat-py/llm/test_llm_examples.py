"""E2B's documented LLM examples ("Connect LLMs to E2B", one file each in this
directory), run unchanged as subprocesses with the venv's Python against
tests/fake-llm (each with its own script in scripts/) and real sandboxes:
  tests/run-compat-py.sh --api BUILD llm/test_llm_examples.py
(the E2B_* variables come from tests/compat-py/conftest.py's modes).

For each example: it exits 0 and prints what it prints with a real model;
the fake saw the requests the example makes (the provider's path, the dummy
key, the prompt); where the example sends a tool result back, that result is
exactly what the sandbox produced (e.g. the kernel's "3" for the strawberry
count, a repr only the kernel makes); and the example left no sandbox
running.
"""
import ast
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "..", "..", "fake-llm", "fake_llm.py")
KEY = "dummy-key-for-the-fake"
ANSWER = "There are 3 r's in the word 'strawberry'."


def openai_tool(req):
    return [m["content"] for m in req["messages"] if m.get("role") == "tool"]


def anthropic_tool(req):
    return [b["content"] for m in req["messages"] if isinstance(m["content"], list)
            for b in m["content"] if b.get("type") == "tool_result"]


def function_msg(req):
    return [m["content"] for m in req["messages"] if m.get("role") == "function"]


def last_user(req):
    return [req["messages"][-1]["content"]]


# name: (the path the client calls, how many requests, the last line of stdout
#        (None: an agent's verbose log, checked with `contains`), the tool
#        result(s) the follow-up request must carry (None: no follow-up),
#        a string stdout must contain)
EXAMPLES = {
    "openai_simple": ("/v1/chat/completions", 1, "3", None, None),
    "openai_function_calling": ("/v1/chat/completions", 2, ANSWER, (openai_tool, ["3"]), None),
    "anthropic_simple": ("/v1/messages", 1, "['3\\n']", None, None),
    "anthropic_function_calling": ("/v1/messages", 2, ANSWER, (anthropic_tool, ["3"]), None),
    "mistral_simple": ("/v1/chat/completions", 1, "3", None, None),
    "mistral_function_calling": ("/v1/chat/completions", 2, ANSWER, (openai_tool, ["3"]), None),
    "groq_simple": ("/openai/v1/chat/completions", 1, "3", None, None),
    "langchain_simple": ("/v1/chat/completions", 1, "3", None, None),
    "langchain_agent": ("/v1/chat/completions", 2, None, (openai_tool, ["3"]), ANSWER),
    "langchain_function_calling": ("/v1/chat/completions", 2, ANSWER,
                                   (function_msg, ["{'__arg1': \"'strawberry'.count('r')\"}"]), None),
    "llamaindex_react": ("/v1/chat/completions", 2, None, (last_user, ["Observation: 3"]), "Answer: " + ANSWER),
    "ollama_simple": ("/api/chat", 1, "['3\\n']", None, None),
}


def running_sandboxes():
    """Ids of the sandboxes sbxd runs (API mode), else None."""
    api = os.environ.get("E2B_API_URL")
    if not api or os.environ.get("E2B_DEBUG", "").lower() == "true":
        return None
    req = urllib.request.Request(api.rstrip("/") + "/sandboxes", headers={"X-API-KEY": os.environ["E2B_API_KEY"]})
    with urllib.request.urlopen(req, timeout=10) as r:
        return {s["sandboxID"] for s in json.load(r)}


@pytest.fixture
def fake(tmp_path):
    """A fake provider with one script; yields (base URL, a function that
    returns the requests it saw)."""
    procs = []

    def start(script):
        port_file = tmp_path / "fake.port"
        err = open(tmp_path / "fake.err", "w")
        p = subprocess.Popen(["/usr/bin/python3", FAKE, "--script", script, "--port-file", str(port_file),
                              "--log", str(tmp_path / "fake.jsonl")], stdout=err, stderr=err)
        err.close()
        procs.append(p)
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            assert p.poll() is None, "the fake exited: " + (tmp_path / "fake.err").read_text()
            time.sleep(0.05)
        else:
            pytest.fail("the fake wrote no port file in 10 s")
        url = "http://127.0.0.1:%s" % port_file.read_text().strip()

        def requests():
            with urllib.request.urlopen(url + "/_fake/log", timeout=10) as r:
                return json.load(r)
        return url, requests

    yield start
    for p in procs:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    assert (tmp_path / "fake.err").read_text() == "", "the fake wrote to stderr"


def provider_env(url):
    env = dict(os.environ)
    for k in list(env):   # never a real provider's key or endpoint
        if k.startswith(("OPENAI_", "ANTHROPIC_", "MISTRAL_", "GROQ_", "OLLAMA_")):
            del env[k]
    env.update({
        "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url + "/v1",   # openai, langchain-openai
        "OPENAI_API_BASE": url + "/v1",                           # llama-index-llms-openai
        "ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": url,
        "MISTRAL_API_KEY": KEY, "MISTRAL_SERVER_URL": url,        # the one changed line (see the file)
        "GROQ_API_KEY": KEY, "GROQ_BASE_URL": url,
        "OLLAMA_HOST": url,
        "PYTHONUNBUFFERED": "1",
    })
    return env


def auth_of(req):
    h = req["headers"]
    return h.get("x-api-key") or (h.get("authorization") or "").replace("Bearer ", "")


@pytest.mark.timeout_s(150)
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example(name, fake, tmp_path):
    path, n_requests, last_line, followup, contains = EXAMPLES[name]
    url, requests = fake(os.path.join(HERE, "scripts", name + ".json"))
    before = running_sandboxes()

    run = subprocess.run([sys.executable, os.path.join(HERE, name + ".py")], cwd=tmp_path, env=provider_env(url),
                         capture_output=True, text=True, timeout=120)
    out = run.stdout
    assert run.returncode == 0, "%s exited %d\nstdout:\n%s\nstderr:\n%s" % (name, run.returncode, out[-3000:],
                                                                          run.stderr[-3000:])
    if last_line is not None:
        got = out.rstrip("\n").split("\n")[-1]
        if last_line.startswith("["):
            # a printed logs.stdout list: the kernel may send one print in
            # pieces (its flush timer can fire mid-print on a loaded
            # machine), so compare the text the pieces make
            got, last_line = "".join(ast.literal_eval(got)), "".join(ast.literal_eval(last_line))
        assert got == last_line, out
    if contains is not None:
        assert contains in out, out

    reqs = requests()
    chat = [r for r in reqs if r["method"] == "POST"]
    assert [r["path"] for r in chat] == [path] * n_requests, [r["path"] for r in reqs]
    for r in chat:
        if not path.startswith("/api/"):   # Ollama has no key
            assert auth_of(r) == KEY
    first_user = next(m["content"] for m in chat[0]["body"]["messages"] if m["role"] == "user")
    assert first_user.startswith("Calculate how many") and "strawberry" in first_user, first_user
    if followup is not None:
        extract, want = followup
        assert extract(chat[-1]["body"]) == want, json.dumps(chat[-1]["body"]["messages"], indent=1)

    if before is not None:
        assert running_sandboxes() - before == set(), "the example left its sandbox running"
