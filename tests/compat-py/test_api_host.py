"""get_host through sbxd (API mode only): a server started in the sandbox
answers at http://{sandbox.get_host(port)}, which is P-ID.localhost:PORT
(sbxd hands out the domain localhost:PORT).  A browser resolves *.localhost
to 127.0.0.1; Python's resolver may not, so the requests go to 127.0.0.1
with the Host get_host gives.  Also: nothing listening, a killed sandbox
(E2B's own words), and allow_public_traffic: False (the traffic token)."""
import http.client
import json
import os
from urllib.parse import urlparse

import pytest
from e2b import Sandbox

from conftest import API_MODE, RUN, dispose, until

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)

SBXD_PORT = urlparse(os.environ["E2B_API_URL"]).port


def get(host, path="/", headers=None):
    """GET http://{host}{path} with the name pinned to 127.0.0.1: (status, text)."""
    conn = http.client.HTTPConnection("127.0.0.1", SBXD_PORT, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        res = conn.getresponse()
        return res.status, res.read().decode()
    finally:
        conn.close()


@pytest.fixture
def fresh():
    made = []

    def make(**kw):
        s = Sandbox.create(timeout=300, metadata={"suite": RUN}, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        dispose(s)


def serve(s, port, text, headers=None):
    """python3 -m http.server on port, serving hello.txt; waits until it
    answers through sbxd."""
    d = f"/tmp/www-{port}"
    s.files.write(f"{d}/hello.txt", text)
    s.commands.run(f"python3 -m http.server {port}", background=True, cwd=d)
    last = [None]

    def up():
        last[0] = get(s.get_host(port), "/hello.txt", headers)
        return last[0][0] == 200
    until(up, 20, f"the server on {port} through sbxd", lambda: last[0])


def test_get_host_reaches_a_server_in_the_sandbox(fresh):
    s = fresh()
    assert s.get_host(8000) == f"8000-{s.sandbox_id}.localhost:{SBXD_PORT}"
    serve(s, 8000, "hello from python")
    assert get(s.get_host(8000), "/hello.txt") == (200, "hello from python")
    status, text = get(s.get_host(8001))
    assert status == 502
    body = json.loads(text)
    assert body["code"] == 502
    assert body["message"].startswith("The sandbox is running but port is not open")
    assert "8001" in body["message"]


def test_killed_sandbox_is_not_found(fresh):
    s = fresh()
    host = s.get_host(3000)
    s.kill()
    status, text = get(host)
    assert status == 502
    body = json.loads(text)
    assert body["message"] == "The sandbox was not found"
    assert s.sandbox_id.startswith(body["sandboxId"])
    assert body["code"] == 502


def test_private_sandbox_needs_the_traffic_token(fresh):
    s = fresh(network={"allow_public_traffic": False})
    assert s.traffic_access_token
    token = {"e2b-traffic-access-token": s.traffic_access_token}
    serve(s, 8000, "private", token)
    status, text = get(s.get_host(8000), "/hello.txt")
    assert status == 403
    assert "e2b-traffic-access-token" in json.loads(text)["message"]
    assert get(s.get_host(8000), "/hello.txt", {"e2b-traffic-access-token": "wrong"})[0] == 403
    assert get(s.get_host(8000), "/hello.txt", token) == (200, "private")
