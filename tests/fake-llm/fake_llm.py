#!/usr/bin/python3
"""A scripted fake LLM provider for tests: OpenAI chat completions (also the
paths Mistral's and Groq's clients use), Anthropic messages and Ollama's
native chat, each in the provider's wire format, streamed (SSE; Ollama
NDJSON) or not.  What the model "says" comes from script files (see
README.md).  Standard library only.

    fake_llm.py --script F.json [--script G.json ...] [--port 0]
                --port-file PATH [--log PATH.jsonl]

The port is written to --port-file once the server listens on 127.0.0.1.
Every request is appended to --log as a JSON line {"path","headers","body"}
and GET /_fake/log returns them all as a JSON array.  SIGTERM exits.
"""
import argparse
import json
import os
import random
import signal
import socket
import string
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPENAI_PATHS = ("/v1/chat/completions", "/chat/completions", "/openai/v1/chat/completions")
MODELS_PATHS = ("/v1/models", "/models", "/openai/v1/models")
MAX_BODY = 32 << 20


class ApiError(Exception):
    """A request the real API refuses: status, the provider's error type and
    code, a message, extra headers."""

    def __init__(self, status, message, etype=None, code=None, param=None, headers=None):
        super().__init__(message)
        self.status, self.message = status, message
        self.etype, self.code, self.param = etype, code, param
        self.headers = headers or {}


def rand_id(prefix, n):
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(random.choice(alphabet) for _ in range(n))


# ---------------------------------------------------------------- scripts

def load_scripts(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".json"))
        else:
            files.append(p)
    scripts = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            s = json.load(fh)
        if not isinstance(s, dict) or not isinstance(s.get("turns"), list) or not s["turns"]:
            raise SystemExit("fake_llm: %s: a script is an object with a non-empty \"turns\" list" % f)
        s.setdefault("name", os.path.splitext(os.path.basename(f))[0])
        for i, t in enumerate(s["turns"]):
            calls = t.get("tool_calls") if isinstance(t, dict) else None
            if not isinstance(t, dict) or not isinstance(calls or [], list) or \
                    any(not isinstance(c, dict) or not isinstance(c.get("name"), str) for c in calls or []):
                raise SystemExit("fake_llm: %s: turn %d: a turn is an object; its tool_calls a list of "
                                 "{\"name\": STRING, \"arguments\": OBJECT or STRING}" % (f, i))
        scripts.append(s)
    return scripts


def text_of(content):
    """The text in a message's content: a string, or a list of parts/blocks
    (OpenAI text parts, Anthropic text and tool_result blocks)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    out.append(part["text"])
                if "content" in part:
                    out.append(text_of(part["content"]))
        return "\n".join(out)
    if isinstance(content, dict):
        return text_of([content])
    return str(content)


def message_text(m):
    """All the text a message carries (content, and for Ollama's tool
    messages also the name)."""
    if not isinstance(m, dict):
        return ""
    return text_of(m.get("content"))


class Conversation:
    """The provider-neutral view of a request the script needs."""

    def __init__(self, first_user, n_assistant, tail_text):
        self.first_user = first_user
        self.n_assistant = n_assistant
        self.tail_text = tail_text


def conversation(messages, system_text=""):
    first_user = None
    last_asst = -1
    n_asst = 0
    for i, m in enumerate(messages):
        role = m.get("role")
        if role == "user" and first_user is None:
            first_user = message_text(m)
        if role == "assistant":
            n_asst += 1
            last_asst = i
    tail = "\n".join(message_text(m) for m in messages[last_asst + 1:])
    return Conversation(first_user or "", n_asst, tail)


class Scripts:
    def __init__(self, scripts):
        self.scripts = scripts
        self.lock = threading.Lock()
        self.attempts = {}   # (script name, turn index) -> requests seen

    def pick(self, conv):
        fallback = None
        low = conv.first_user.lower()
        for s in self.scripts:
            m = s.get("match")
            if m is None:
                if fallback is None:
                    fallback = s
            elif str(m).lower() in low:
                return s
        if fallback is None:
            raise ApiError(400, "fake: no script matches the first user message %r" % conv.first_user[:200])
        return fallback

    def turn(self, conv):
        """(script, turn dict, error spec or None) for this request."""
        s = self.pick(conv)
        i = conv.n_assistant
        turns = s["turns"]
        if i >= len(turns):
            if not s.get("repeat_last"):
                raise ApiError(400, "fake: script %s has no turn %d" % (s["name"], i))
            t = turns[-1]
        else:
            t = turns[i]
        errors = t.get("errors") or []
        with self.lock:
            key = (s["name"], i)
            n = self.attempts.get(key, 0)
            self.attempts[key] = n + 1
        if n < len(errors):
            return s, t, errors[n]
        missing = [x for x in (t.get("expect") or []) if x not in conv.tail_text]
        if missing:
            raise ApiError(400, "fake: expected %s in the request after the last assistant message "
                           "(script %s, turn %d); got %r"
                           % (json.dumps(missing), s["name"], i, conv.tail_text[:2000]))
        return s, t, None


def opt(script, turn, key, default):
    if key in turn:
        return turn[key]
    return script.get(key, default)


def args_text(arguments):
    """A tool call's arguments as the JSON text the model sends: an object is
    serialised, a string is sent as it is (malformed-JSON tests)."""
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments if arguments is not None else {})


def pieces(text, n):
    n = max(1, int(n))
    return [text[i:i + n] for i in range(0, len(text), n)] or []


# ---------------------------------------------------------------- validation

def validate_openai(body):
    if not isinstance(body, dict):
        raise ApiError(400, "We could not parse the JSON body of your request. (HINT: This likely means "
                       "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                       "payload, but what was sent was not valid JSON.)", "invalid_request_error")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise ApiError(400, "you must provide a model parameter", "invalid_request_error")
    msgs = body.get("messages")
    if not isinstance(msgs, list):
        raise ApiError(400, "Missing required parameter: 'messages'.", "invalid_request_error",
                       "missing_required_parameter", "messages")
    if not msgs:
        raise ApiError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                       "but got an empty array instead.", "invalid_request_error", "empty_array", "messages")
    pending = None   # tool_call ids the last assistant message asked for, not yet answered
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            raise ApiError(400, "Invalid type for 'messages[%d]': expected an object." % i,
                           "invalid_request_error", "invalid_type", "messages[%d]" % i)
        role = m.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool", "function"):
            raise ApiError(400, "Invalid value: %r. Supported values are: 'system', 'assistant', 'user', "
                           "'function', 'tool', and 'developer'." % role, "invalid_request_error",
                           "invalid_value", "messages[%d].role" % i)
        if role == "tool":
            tid = m.get("tool_call_id")
            if pending is None or tid not in pending:
                raise ApiError(400, "Invalid parameter: messages with role 'tool' must be a response to a "
                               "preceeding message with 'tool_calls'.", "invalid_request_error", None,
                               "messages.[%d].role" % i)
            pending.discard(tid)
            continue
        if pending:
            raise ApiError(400, "An assistant message with 'tool_calls' must be followed by tool messages "
                           "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                           "response messages: %s" % ", ".join(sorted(pending)), "invalid_request_error",
                           None, "messages.[%d].role" % i)
        pending = None
        if role == "assistant" and m.get("tool_calls"):
            calls = m["tool_calls"]
            if not isinstance(calls, list):
                raise ApiError(400, "Invalid type for 'messages[%d].tool_calls': expected an array." % i,
                               "invalid_request_error", "invalid_type", "messages[%d].tool_calls" % i)
            pending = set()
            for c in calls:
                if not isinstance(c, dict) or not isinstance(c.get("id"), str):
                    raise ApiError(400, "Missing required parameter: 'messages[%d].tool_calls[0].id'." % i,
                                   "invalid_request_error", "missing_required_parameter")
                pending.add(c["id"])
    if pending:
        raise ApiError(400, "An assistant message with 'tool_calls' must be followed by tool messages "
                       "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                       "response messages: %s" % ", ".join(sorted(pending)), "invalid_request_error",
                       None, "messages")
    return conversation(msgs)


def validate_anthropic(body):
    if not isinstance(body, dict):
        raise ApiError(400, "There was an error parsing the body of your request. Please check that it is "
                       "valid JSON.", "invalid_request_error")
    for field in ("model", "messages", "max_tokens"):
        if field not in body:
            raise ApiError(400, "%s: Field required" % field, "invalid_request_error")
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
        raise ApiError(400, "max_tokens: Input should be a valid integer greater than 0",
                       "invalid_request_error")
    msgs = body["messages"]
    if not isinstance(msgs, list) or not msgs:
        raise ApiError(400, "messages: at least one message is required", "invalid_request_error")
    prev_uses = set()
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            raise ApiError(400, "messages.%d.role: Input should be 'user' or 'assistant'" % i,
                           "invalid_request_error")
        content = m.get("content")
        if not isinstance(content, (str, list)):
            raise ApiError(400, "messages.%d.content: Field required" % i, "invalid_request_error")
        blocks = content if isinstance(content, list) else []
        results = [b.get("tool_use_id") for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        if m["role"] == "user":
            extra = [r for r in results if r not in prev_uses]
            if extra:
                raise ApiError(400, "messages.%d.content.0: unexpected `tool_use_id` found in `tool_result` "
                               "blocks: %s. Each `tool_result` block must have a corresponding `tool_use` "
                               "block in the previous message." % (i, ", ".join(map(str, extra))),
                               "invalid_request_error")
        missing = sorted(prev_uses - set(results))
        if missing:
            raise ApiError(400, "messages.%d: `tool_use` ids were found without `tool_result` blocks "
                           "immediately after: %s. Each `tool_use` block must have a corresponding "
                           "`tool_result` block in the next message." % (i - 1, ", ".join(missing)),
                           "invalid_request_error")
        prev_uses = set()
        if m["role"] == "assistant":
            prev_uses = {b.get("id") for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use"}
    if prev_uses:
        raise ApiError(400, "messages.%d: `tool_use` ids were found without `tool_result` blocks "
                       "immediately after: %s. Each `tool_use` block must have a corresponding "
                       "`tool_result` block in the next message." % (len(msgs) - 1, ", ".join(sorted(prev_uses))),
                       "invalid_request_error")
    return conversation(msgs)


def validate_ollama(body):
    if not isinstance(body, dict):
        raise ApiError(400, "invalid character in JSON body")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise ApiError(400, "model is required")
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        raise ApiError(400, "messages is required")
    asked = False
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "tool"):
            raise ApiError(400, "messages[%d]: invalid role" % i)
        if m["role"] == "tool" and not asked:
            raise ApiError(400, "messages[%d]: a tool message must follow an assistant message with "
                           "tool_calls" % i)
        if m["role"] == "assistant":
            asked = bool(m.get("tool_calls"))
        elif m["role"] != "tool":
            asked = False
    return conversation(msgs)


# ---------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-llm/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_llm: " + (fmt % args) + "\n")

    # -- plumbing

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(n)
                self.rfile.readline(16)
                if len(data) > MAX_BODY:
                    raise ApiError(413, "request too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ApiError(413, "request too large")
        return self.rfile.read(n) if n > 0 else b""

    def record(self, raw):
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        entry = {"method": self.command, "path": self.path,
                 "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        self.server.record(entry)

    def send(self, status, obj, headers=None, ctype="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self, ctype, headers):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.flush()

    def chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def end_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def abort(self):
        """Drop the connection mid-response, as a dying server would."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- dispatch

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/_fake/log":
            return self.send(200, self.server.entries())
        self.record(b"")
        if path in MODELS_PATHS:
            if not self.openai_auth():
                return
            models = sorted({s.get("model", "fake-model") for s in self.server.scripts.scripts} | {"fake-model"})
            return self.send(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"} for m in models]},
                {"x-request-id": rand_id("req_", 24)})
        if path == "/api/tags":
            return self.send(200, {"models": [{
                "name": "llama3.2:latest", "model": "llama3.2:latest",
                "modified_at": "2026-01-01T00:00:00.000000000Z", "size": 2019393189,
                "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
                "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                            "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}}]})
        if path in ("/", "/api/version"):
            return self.send(200, {"version": "0.5.0"}) if path != "/" else self.send(
                200, b"Ollama is running", ctype="text/plain; charset=utf-8")
        self.send(404, {"error": {"message": "fake: no route GET %s" % path, "type": "invalid_request_error",
                                  "param": None, "code": "unknown_url"}})

    def do_POST(self):
        path = self.path.split("?")[0]
        try:
            raw = self.read_body()
        except (ApiError, ValueError):
            self.close_connection = True
            return self.send(413, {"error": {"message": "request too large or malformed chunked body",
                                             "type": "invalid_request_error", "param": None, "code": None}})
        self.record(raw)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = ValueError
        try:
            if path in OPENAI_PATHS:
                return self.openai(body)
            if path == "/v1/messages":
                return self.anthropic(body)
            if path == "/api/chat":
                return self.ollama(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        except Exception as e:  # a bug here or in a script: say so, loudly
            traceback.print_exc()
            self.close_connection = True
            try:
                return self.send(500, {"error": {"message": "fake: internal error: %r" % e, "type": "server_error",
                                                 "param": None, "code": None}})
            except OSError:
                return
        self.send(404, {"error": {"message": "fake: no route POST %s" % path, "type": "invalid_request_error",
                                  "param": None, "code": "unknown_url"}})

    def scripted(self, validate, body):
        """(script, turn, error spec) for a valid request; raises ApiError."""
        conv = validate(None if body is ValueError else body)
        s, t, err = self.server.scripts.turn(conv)
        delay = opt(s, t, "delay_ms", 0)
        if delay:
            time.sleep(delay / 1000.0)
        return s, t, err

    def scripted_error(self, err, fmt):
        """Answer with one of a turn's `errors`: its status, headers and body
        (its own, or the provider's usual one for that status)."""
        status = int(err.get("status", 500))
        headers = dict(err.get("headers") or {})
        if "body" in err:
            b = err["body"]
            return self.send(status, b.encode() if isinstance(b, str) else b, headers)
        e = ApiError(status, err.get("message") or default_message(status), headers=headers)
        fmt(e)

    # -- OpenAI (and Mistral, Groq)

    def openai_auth(self):
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            self.openai_error(ApiError(401, "You didn't provide an API key. You need to provide your API key "
                                       "in an Authorization header using Bearer auth (i.e. Authorization: "
                                       "Bearer YOUR_KEY).", "invalid_request_error"))
            return False
        if auth[7:].strip() == "bad-key":
            self.openai_error(ApiError(401, "Incorrect API key provided: bad-key. You can find your API key "
                                       "at https://platform.openai.com/account/api-keys.",
                                       "invalid_request_error", "invalid_api_key"))
            return False
        return True

    def openai_error(self, e):
        etype = e.etype or {401: "invalid_request_error", 429: "requests", 500: "server_error",
                            503: "server_error"}.get(e.status, "invalid_request_error")
        code = e.code
        if code is None and e.status == 429:
            code = "rate_limit_exceeded"
        h = {"x-request-id": rand_id("req_", 32)}
        h.update(e.headers)
        self.send(e.status, {"error": {"message": e.message, "type": etype, "param": e.param, "code": code}}, h)

    def openai(self, body):
        if not self.openai_auth():
            return
        try:
            s, t, err = self.scripted(validate_openai, body)
        except ApiError as e:
            return self.openai_error(e)
        if err is not None:
            return self.scripted_error(err, self.openai_error)
        model = body["model"]
        cid = rand_id("chatcmpl-", 29)
        created = int(time.time())
        calls = [{"id": rand_id("call_", 24), "type": "function",
                  "function": {"name": c["name"], "arguments": args_text(c.get("arguments"))}}
                 for c in t.get("tool_calls") or []]
        text = t.get("text")
        reason = openai_reason(t.get("stop_reason", s.get("stop_reason")), bool(calls))
        ntext = sum(len(x) for x in [text or ""])
        usage = {"prompt_tokens": 10, "completion_tokens": max(1, ntext // 4), "total_tokens": 10 + max(1, ntext // 4)}
        hdrs = {"x-request-id": rand_id("req_", 32), "openai-processing-ms": "1"}
        if not body.get("stream"):
            msg = {"role": "assistant", "content": text if text is not None else (None if calls else ""),
                   "refusal": None}
            if calls:
                msg["tool_calls"] = calls
            resp = {"id": cid, "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "message": msg, "logprobs": None, "finish_reason": reason}],
                    "usage": usage, "system_fingerprint": "fp_fake"}
            return self.send_body(resp, hdrs, opt(s, t, "abort_after_chunks", None))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk_obj(delta, finish=None, choices=True):
            o = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                 "system_fingerprint": "fp_fake",
                 "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
                 if choices else []}
            if include_usage:
                o["usage"] = None
            return o

        stream = Stream(self, s, t, "openai", "text/event-stream; charset=utf-8", hdrs)
        stream.sse(None, chunk_obj({"role": "assistant", "content": "", "refusal": None}))
        for p in pieces(text or "", opt(s, t, "chunk", 8)):
            if not stream.sse(None, chunk_obj({"content": p}), text_delta=True):
                return
        # Mistral streams each call whole, in one delta (its client requires
        # the name in every tool_calls delta); OpenAI (and Groq) send id and
        # name first, then the arguments in pieces.
        ua = (self.headers.get("User-Agent") or "").lower()
        mistral = ua.startswith("mistral-client") or ua.endswith(" mistralai")
        for i, c in enumerate(calls):
            if mistral:
                if not stream.sse(None, chunk_obj({"tool_calls": [dict(c, index=i)]}), text_delta=True):
                    return
                continue
            stream.sse(None, chunk_obj({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                                                        "function": {"name": c["function"]["name"],
                                                                     "arguments": ""}}]}))
            for p in pieces(c["function"]["arguments"], opt(s, t, "chunk", 8)):
                if not stream.sse(None, chunk_obj({"tool_calls": [{"index": i, "function": {"arguments": p}}]}),
                                  text_delta=True):
                    return
        stream.sse(None, chunk_obj({}, reason))
        if include_usage:
            last = chunk_obj({}, choices=False)
            last["usage"] = usage
            stream.sse(None, last)
        stream.raw(b"data: [DONE]\n\n")
        stream.end()

    def send_body(self, resp, hdrs, abort_after):
        if abort_after is None:
            return self.send(200, resp, hdrs)
        data = json.dumps(resp).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data[:len(data) // 2])
        self.abort()

    # -- Anthropic

    def anthropic_error(self, e):
        etype = e.etype or {400: "invalid_request_error", 401: "authentication_error",
                            403: "permission_error", 404: "not_found_error", 413: "request_too_large",
                            429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"
                            }.get(e.status, "api_error")
        rid = rand_id("req_", 24)
        h = {"request-id": rid}
        h.update(e.headers)
        self.send(e.status, {"type": "error", "error": {"type": etype, "message": e.message},
                             "request_id": rid}, h)

    def anthropic(self, body):
        key = self.headers.get("x-api-key")
        if not key:
            return self.anthropic_error(ApiError(401, "x-api-key header is required", "authentication_error"))
        if key == "bad-key":
            return self.anthropic_error(ApiError(401, "invalid x-api-key", "authentication_error"))
        if not self.headers.get("anthropic-version"):
            return self.anthropic_error(ApiError(400, "anthropic-version: header is required",
                                                 "invalid_request_error"))
        try:
            s, t, err = self.scripted(validate_anthropic, body)
        except ApiError as e:
            return self.anthropic_error(e)
        if err is not None:
            return self.scripted_error(err, self.anthropic_error)
        model = body["model"]
        mid = rand_id("msg_01", 22)
        text = t.get("text")
        calls = [{"type": "tool_use", "id": rand_id("toolu_01", 22), "name": c["name"],
                  "args": args_text(c.get("arguments"))} for c in t.get("tool_calls") or []]
        reason = anthropic_reason(t.get("stop_reason", s.get("stop_reason")), bool(calls))
        out_tokens = max(1, len(text or "") // 4)
        hdrs = {"request-id": rand_id("req_", 24)}
        if not body.get("stream"):
            content = []
            if text:
                content.append({"type": "text", "text": text})
            for c in calls:
                try:
                    inp = json.loads(c["args"])
                except ValueError:
                    inp = c["args"]
                content.append({"type": "tool_use", "id": c["id"], "name": c["name"], "input": inp})
            resp = {"id": mid, "type": "message", "role": "assistant", "model": model, "content": content,
                    "stop_reason": reason, "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": out_tokens,
                              "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}
            return self.send_body(resp, hdrs, opt(s, t, "abort_after_chunks", None))
        stream = Stream(self, s, t, "anthropic", "text/event-stream; charset=utf-8", hdrs)
        stream.sse("message_start", {"type": "message_start", "message": {
            "id": mid, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}})
        idx = 0
        if text:
            stream.sse("content_block_start", {"type": "content_block_start", "index": idx,
                                               "content_block": {"type": "text", "text": ""}})
            stream.sse("ping", {"type": "ping"})
            for p in pieces(text, opt(s, t, "chunk", 8)):
                if not stream.sse("content_block_delta", {"type": "content_block_delta", "index": idx,
                                                          "delta": {"type": "text_delta", "text": p}},
                                  text_delta=True):
                    return
            stream.sse("content_block_stop", {"type": "content_block_stop", "index": idx})
            idx += 1
        for c in calls:
            stream.sse("content_block_start", {"type": "content_block_start", "index": idx, "content_block": {
                "type": "tool_use", "id": c["id"], "name": c["name"], "input": {}}})
            if not text and idx == 0:
                stream.sse("ping", {"type": "ping"})
            for p in pieces(c["args"], opt(s, t, "chunk", 8)):
                if not stream.sse("content_block_delta", {"type": "content_block_delta", "index": idx,
                                                          "delta": {"type": "input_json_delta",
                                                                    "partial_json": p}}, text_delta=True):
                    return
            stream.sse("content_block_stop", {"type": "content_block_stop", "index": idx})
            idx += 1
        stream.sse("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": reason, "stop_sequence": None},
                                     "usage": {"output_tokens": out_tokens}})
        stream.sse("message_stop", {"type": "message_stop"})
        stream.end()

    # -- Ollama

    def ollama_error(self, e):
        self.send(e.status, {"error": e.message}, e.headers)

    def ollama(self, body):
        try:
            s, t, err = self.scripted(validate_ollama, body)
        except ApiError as e:
            return self.ollama_error(e)
        if err is not None:
            return self.scripted_error(err, self.ollama_error)
        model = body["model"]
        text = t.get("text") or ""
        calls = []
        for c in t.get("tool_calls") or []:
            a = c.get("arguments")
            if isinstance(a, str):
                try:
                    a = json.loads(a)
                except ValueError:
                    pass
            calls.append({"function": {"name": c["name"], "arguments": a if a is not None else {}}})
        reason = t.get("stop_reason", s.get("stop_reason"))
        reason = "length" if reason in ("length", "max_tokens") else (reason or "stop")

        def now():
            return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())

        final = {"model": model, "created_at": now(), "message": {"role": "assistant", "content": ""},
                 "done_reason": reason, "done": True, "total_duration": 1000000, "load_duration": 100000,
                 "prompt_eval_count": 10, "prompt_eval_duration": 100000,
                 "eval_count": max(1, len(text) // 4), "eval_duration": 100000}
        if body.get("stream", True) is False:
            final["message"] = {"role": "assistant", "content": text}
            if calls:
                final["message"]["tool_calls"] = calls
            return self.send_body(final, {}, opt(s, t, "abort_after_chunks", None))
        stream = Stream(self, s, t, "ollama", "application/x-ndjson", {})
        for p in pieces(text, opt(s, t, "chunk", 8)):
            if not stream.line({"model": model, "created_at": now(),
                                "message": {"role": "assistant", "content": p}, "done": False}):
                return
        if calls:
            # Ollama sends a call whole, in one message of its own.
            if not stream.line({"model": model, "created_at": now(),
                                "message": {"role": "assistant", "content": "", "tool_calls": calls},
                                "done": False}):
                return
        final["created_at"] = now()
        stream.line(final, counts=False)
        stream.end()


class Stream:
    """A chunked streamed response: SSE events or NDJSON lines, with the
    turn's chunk_delay_ms between deltas, abort_after_chunks (the
    connection is dropped after that many text/argument deltas) and
    error_after_chunks (the provider's mid-stream error event instead of
    the rest, then the stream ends)."""

    def __init__(self, h, script, turn, kind, ctype, headers):
        self.h = h
        self.kind = kind
        self.delay = opt(script, turn, "chunk_delay_ms", 0) / 1000.0
        self.abort_after = opt(script, turn, "abort_after_chunks", None)
        self.error_after = opt(script, turn, "error_after_chunks", None)
        self.error = opt(script, turn, "stream_error", None) or {}
        self.deltas = 0
        self.dead = False
        h.start_stream(ctype, headers)

    def _write(self, data, counts):
        if self.dead:
            return False
        try:
            if counts and self.delay:
                time.sleep(self.delay)
            self.h.chunk(data)
        except OSError:   # the client left: stop quietly
            self.dead = True
            self.h.close_connection = True
            return False
        if counts:
            self.deltas += 1
            if self.abort_after is not None and self.deltas >= self.abort_after:
                self.h.abort()
                self.dead = True
                return False
            if self.error_after is not None and self.deltas >= self.error_after:
                self._error_event()
                self.end()
                self.dead = True
                return False
        return True

    def _error_event(self):
        etype = self.error.get("type")
        msg = self.error.get("message")
        if self.kind == "anthropic":
            data = "event: error\ndata: %s\n\n" % json.dumps({"type": "error", "error": {
                "type": etype or "overloaded_error", "message": msg or "Overloaded"}})
        elif self.kind == "openai":
            data = "data: %s\n\n" % json.dumps({"error": {
                "message": msg or "The server had an error while processing your request. Sorry about that!",
                "type": etype or "server_error", "param": None, "code": None}})
        else:
            data = json.dumps({"error": msg or "an error was encountered while running the model"}) + "\n"
        try:
            self.h.chunk(data.encode())
        except OSError:
            self.h.close_connection = True

    def sse(self, event, obj, text_delta=False):
        data = ("event: %s\n" % event if event else "") + "data: %s\n\n" % json.dumps(obj)
        return self._write(data.encode(), text_delta)

    def line(self, obj, counts=True):
        return self._write((json.dumps(obj) + "\n").encode(), counts)

    def raw(self, data):
        return self._write(data, False)

    def end(self):
        if not self.dead:
            self.dead = True
            try:
                self.h.end_stream()
            except OSError:
                self.h.close_connection = True


def openai_reason(r, calls):
    if r in ("max_tokens", "length"):
        return "length"
    if r:
        return r
    return "tool_calls" if calls else "stop"


def anthropic_reason(r, calls):
    if r in ("max_tokens", "length"):
        return "max_tokens"
    if r:
        return r
    return "tool_use" if calls else "end_turn"


def default_message(status):
    return {429: "Rate limit reached for requests. Please try again in 1s.",
            500: "The server had an error while processing your request.",
            503: "The engine is currently overloaded, please try again later.",
            529: "Overloaded"}.get(status, "fake: scripted error %d" % status)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, scripts, log_path, verbose):
        super().__init__(addr, Handler)
        self.scripts = scripts
        self.log_path = log_path
        self.verbose = verbose
        self._log = []
        self._lock = threading.Lock()

    def handle_error(self, request, client_address):
        # A client that hung up (a stopped run) is no error of the fake's.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def record(self, entry):
        with self._lock:
            self._log.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")

    def entries(self):
        with self._lock:
            return list(self._log)


def main():
    ap = argparse.ArgumentParser(description="A scripted fake OpenAI/Anthropic/Ollama server for tests.")
    ap.add_argument("--script", action="append", required=True, help="a script file or a directory of them")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", help="append every request here as a JSON line")
    ap.add_argument("-v", "--verbose", action="store_true", help="log each request to stderr")
    a = ap.parse_args()
    scripts = Scripts(load_scripts(a.script))
    srv = Server(("127.0.0.1", a.port), scripts, a.log, a.verbose)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown, daemon=True).start())
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, a.port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    srv.server_close()


if __name__ == "__main__":
    main()
