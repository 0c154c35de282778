"""Issue 12's fixes for E2B's own suites through the official Python SDKs
against sbxd (API mode only): gzip on /files both ways, an expired signed
URL, and the errors of a sandbox killed under a running command or cell."""
import gzip
import threading

import httpx
import pytest
from e2b import Sandbox as BaseSandbox
from e2b import SandboxNotRunningException, TimeoutException
from e2b_code_interpreter import Sandbox

from conftest import API_MODE, RUN, SANDBOX_TIMEOUT, dispose, until

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)


@pytest.fixture(scope="module")
def base():
    s = BaseSandbox.create(timeout=SANDBOX_TIMEOUT, metadata={"suite": RUN})
    yield s
    dispose(s)


def test_gzip_write_and_read(base):
    text = "gzip from Python. " * 5000
    info = base.files.write("py_gz.txt", text, gzip=True)
    assert info.path == "/home/user/py_gz.txt"
    assert base.files.read("py_gz.txt") == text
    assert base.files.read("py_gz.txt", gzip=True) == text
    assert base.commands.run("wc -c < py_gz.txt").stdout.strip() == str(len(text))


def test_download_is_gzip_encoded_when_asked(base):
    text = "y" * 100_000
    base.files.write("py_gz_raw.txt", text)
    url = base.download_url("py_gz_raw.txt")
    headers = {"E2b-Sandbox-Id": base.sandbox_id, "Accept-Encoding": "gzip"}
    if base._envd_access_token:
        headers["X-Access-Token"] = base._envd_access_token
    with httpx.Client(timeout=20) as c:
        with c.stream("GET", url, headers=headers) as r:
            raw = b"".join(r.iter_raw())
            assert r.status_code == 200
            assert r.headers.get("content-encoding") == "gzip"
    assert len(raw) < len(text) // 10
    assert gzip.decompress(raw).decode() == text


def test_expired_signed_url_says_so():
    sec = BaseSandbox.create(timeout=SANDBOX_TIMEOUT, secure=True, metadata={"suite": RUN})
    try:
        sec.files.write("signed.txt", "hello world")
        with httpx.Client(timeout=20) as c:
            ok = c.get(sec.download_url("signed.txt", use_signature_expiration=10_000))
            assert ok.status_code == 200 and ok.text == "hello world"
            old = c.get(sec.download_url("signed.txt", use_signature_expiration=-10_000))
            assert old.status_code == 401
            assert old.json() == {"code": 401, "message": "signature is already expired"}
    finally:
        dispose(sec)


def test_killed_under_a_running_command():
    doomed = BaseSandbox.create(timeout=SANDBOX_TIMEOUT, metadata={"suite": RUN})
    try:
        handle = doomed.commands.run("sleep 60", background=True)
        doomed.kill()
        with pytest.raises(SandboxNotRunningException, match="killed or reached its end of life"):
            handle.wait()
    finally:
        dispose(doomed)


@pytest.mark.timeout_s(120)
def test_killed_during_run_code():
    ci = Sandbox.create(timeout=SANDBOX_TIMEOUT, metadata={"suite": RUN})
    started = threading.Event()
    outcome = {}

    def run():
        try:
            outcome["value"] = ci.run_code(
                "import time; print('started', flush=True); time.sleep(300)",
                timeout=300, on_stdout=lambda _: started.set())
        except Exception as e:  # noqa: BLE001 - the test looks at what it was
            outcome["error"] = e

    t = threading.Thread(target=run, daemon=True)
    try:
        t.start()
        until(started.is_set, 60, "the cell to start")
        ci.kill()
        until(lambda: not t.is_alive(), 60, "run_code to return")
    finally:
        dispose(ci)
    assert "value" not in outcome, f"run_code returned {outcome.get('value')!r}"
    err = outcome.get("error")
    assert isinstance(err, TimeoutException), repr(err)
    assert "killed while the request was in progress" in str(err)
