"""Lifecycle events through sbxd (API mode only): GET /events/sandboxes and
/events/sandboxes/{id} as E2B's docs call them (httpx and the API key),
around a sandbox made, paused, resumed and killed by the Python SDK."""
import os
import re

import httpx
import pytest
from e2b import Sandbox

from conftest import API_MODE, RUN, dispose

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)

API = os.environ.get("E2B_API_URL")
KEY = os.environ.get("E2B_API_KEY")
P = "sandbox.lifecycle."


def events(path="", **params):
    r = httpx.get(f"{API}/events/sandboxes{path}", params=params, headers={"X-API-Key": KEY}, timeout=10)
    return r.status_code, r.json()


def test_lifecycle_events():
    s = Sandbox.create(metadata={"suite": RUN}, timeout=120)
    try:
        s.set_timeout(90)
        assert s.pause() is True
        s.connect()
        assert s.kill() is True
    finally:
        dispose(s)
    status, body = events(f"/{s.sandbox_id}", orderAsc="true", limit=100)
    assert status == 200
    assert [e["type"] for e in body] == [P + "created", P + "updated", P + "paused", P + "resumed", P + "killed"]
    first = body[0]
    assert first["version"] == "v1" and first["sandboxId"] == s.sandbox_id
    assert re.fullmatch(r"[0-9a-f-]{36}", first["id"])
    assert first["sandboxTemplateId"] == "base"
    assert body[2]["eventData"]["execution"]["execution_time"] >= 0
    # newest first without orderAsc; types repeatable; paging
    _, desc = events(f"/{s.sandbox_id}")
    assert desc[0]["type"] == P + "killed"
    _, only = events(f"/{s.sandbox_id}", types=[P + "paused", P + "resumed"], orderAsc="true")
    assert [e["type"] for e in only] == [P + "paused", P + "resumed"]
    _, page = events(f"/{s.sandbox_id}", orderAsc="true", offset=4, limit=10)
    assert [e["type"] for e in page] == [P + "killed"]
    # the team-wide list holds them as well
    _, team = events(limit=100)
    assert sum(1 for e in team if e["sandboxId"] == s.sandbox_id) == 5


def test_event_errors():
    status, body = events("/nosuchsandbox0000000")
    assert status == 404 and body["code"] == 404
    assert events(limit=0)[0] == 400
    assert events(offset=-1)[0] == 400
    assert httpx.get(f"{API}/events/sandboxes", timeout=10).status_code == 401
