"""tests/fake-llm as the official clients see it: each provider's Python
client (openai, anthropic, mistralai, groq, ollama) reads the fake's
answers, streamed and not, to the same text, tool call and stop reason,
and gets its own error class for the fake's 401 and 429.  No sandbox is
needed; the strawberry script's turn 0 is a text plus an execute_python
call.
"""
import json
import os
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_DIR = os.path.join(HERE, "..", "..", "fake-llm")
TEXT = "Let me count with Python."
CODE = "print('strawberry'.count('r'))"
USER = [{"role": "user", "content": "How many r are in strawberry?"}]


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    d = tmp_path_factory.mktemp("fake")
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(FAKE_DIR, "fake_llm.py"),
                          "--script", os.path.join(FAKE_DIR, "scripts"), "--port-file", str(d / "port")])
    for _ in range(200):
        if (d / "port").exists() and (d / "port").read_text().strip():
            break
        time.sleep(0.05)
    yield "http://127.0.0.1:%s" % (d / "port").read_text().strip()
    p.terminate()
    p.wait(10)


def test_openai(url):
    import openai
    c = openai.OpenAI(api_key="k", base_url=url + "/v1", max_retries=0)
    r = c.chat.completions.create(model="m", messages=USER)
    m = r.choices[0].message
    assert (m.content, r.choices[0].finish_reason, m.tool_calls[0].function.name) == (TEXT, "tool_calls", "execute_python")
    assert json.loads(m.tool_calls[0].function.arguments) == {"code": CODE}
    text, args, finish, usage = "", {}, None, None
    for ch in c.chat.completions.create(model="m", messages=USER, stream=True, stream_options={"include_usage": True}):
        usage = ch.usage or usage
        for choice in ch.choices:
            text += choice.delta.content or ""
            for tc in choice.delta.tool_calls or []:
                args[tc.index] = args.get(tc.index, "") + (tc.function.arguments or "")
            finish = choice.finish_reason or finish
    assert (text, json.loads(args[0]), finish, usage.total_tokens > 0) == (TEXT, {"code": CODE}, "tool_calls", True)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(api_key="bad-key", base_url=url + "/v1", max_retries=0).chat.completions.create(
            model="m", messages=USER)
    with pytest.raises(openai.RateLimitError):
        c.chat.completions.create(model="m", messages=[{"role": "user", "content": "retry_429 please"}])
    # and the client's own retry honours Retry-After and gets the answer
    r = openai.OpenAI(api_key="k", base_url=url + "/v1", max_retries=2).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "retry_429 please"}])
    assert r.choices[0].message.content == "Answered after one retry."


def test_anthropic(url):
    import anthropic
    c = anthropic.Anthropic(api_key="k", base_url=url, max_retries=0)
    r = c.messages.create(model="m", max_tokens=100, messages=USER)
    assert ([b.type for b in r.content], r.content[0].text, r.content[1].input, r.stop_reason) == \
        (["text", "tool_use"], TEXT, {"code": CODE}, "tool_use")
    with c.messages.stream(model="m", max_tokens=100, messages=USER) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert (text, final.content[1].name, final.content[1].input, final.stop_reason) == \
        (TEXT, "execute_python", {"code": CODE}, "tool_use")
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(api_key="bad-key", base_url=url, max_retries=0).messages.create(
            model="m", max_tokens=10, messages=USER)
    with pytest.raises(anthropic.BadRequestError, match="fake: expected"):
        c.messages.create(model="m", max_tokens=100, messages=USER + [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "execute_python",
                                               "input": {"code": CODE}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "4"}]}])


def test_mistral(url):
    from mistralai import Mistral, models
    c = Mistral(api_key="k", server_url=url)
    r = c.chat.complete(model="m", messages=USER)
    m = r.choices[0].message
    assert (m.content, r.choices[0].finish_reason, m.tool_calls[0].function.name) == (TEXT, "tool_calls", "execute_python")
    text, args = "", ""
    for ev in c.chat.stream(model="m", messages=USER):
        d = ev.data.choices[0].delta
        text += d.content or ""
        for tc in d.tool_calls or []:
            args += tc.function.arguments if isinstance(tc.function.arguments, str) else json.dumps(tc.function.arguments)
    assert (text, json.loads(args)) == (TEXT, {"code": CODE})
    with pytest.raises(models.SDKError):
        Mistral(api_key="bad-key", server_url=url).chat.complete(model="m", messages=USER)


def test_groq(url):
    import groq
    c = groq.Groq(api_key="k", base_url=url, max_retries=0)
    r = c.chat.completions.create(model="m", messages=USER)
    assert (r.choices[0].message.content, r.choices[0].message.tool_calls[0].function.name) == (TEXT, "execute_python")
    text = "".join(ch.choices[0].delta.content or "" for ch in c.chat.completions.create(
        model="m", messages=USER, stream=True) if ch.choices)
    assert text == TEXT
    with pytest.raises(groq.AuthenticationError):
        groq.Groq(api_key="bad-key", base_url=url, max_retries=0).chat.completions.create(model="m", messages=USER)


def test_ollama(url):
    import ollama
    c = ollama.Client(host=url)
    assert [m.model for m in c.list().models] == ["llama3.2:latest"]
    r = c.chat(model="llama3.2", messages=USER)
    assert (r.message.content, r.message.tool_calls[0].function.name, r.message.tool_calls[0].function.arguments,
            r.done) == (TEXT, "execute_python", {"code": CODE}, True)
    parts = list(c.chat(model="llama3.2", messages=USER, stream=True))
    assert "".join(p.message.content for p in parts) == TEXT
    assert [p.message.tool_calls[0].function.arguments for p in parts if p.message.tool_calls] == [{"code": CODE}]
    assert parts[-1].done and parts[-1].done_reason == "stop"
    with pytest.raises(ollama.ResponseError):
        c.chat(model="llama3.2", messages=[{"role": "tool", "content": "3"}])
