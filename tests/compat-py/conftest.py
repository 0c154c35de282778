"""Shared setup for tests/compat-py: the official E2B Python SDKs, unmodified,
in one of two modes (tests/run-compat-py.sh sets them up):
  debug mode: E2B_DEBUG=true, E2B_SANDBOX_URL at one bare sbx-agent;
  API mode:   E2B_API_URL/E2B_SANDBOX_URL at sbxd and E2B_API_KEY, so every
              module gets real code-interpreter sandboxes through sbxd.
"""
import base64
import os
import secrets
import struct
import time

import pytest
import pytest_asyncio
from e2b_code_interpreter import AsyncSandbox, Sandbox

SANDBOX_URL = os.environ.get("E2B_SANDBOX_URL")
DEBUG = os.environ.get("E2B_DEBUG", "").lower() == "true"
API_MODE = not DEBUG and bool(os.environ.get("E2B_API_URL"))
if not SANDBOX_URL or (not DEBUG and not (API_MODE and os.environ.get("E2B_API_KEY"))):
    raise RuntimeError(
        "set E2B_DEBUG=true and E2B_SANDBOX_URL (debug mode), or E2B_API_URL, "
        "E2B_SANDBOX_URL and E2B_API_KEY from `sbx env` (API mode); "
        "tests/run-compat-py.sh does")

# The default cwd of commands and relative paths: the agent's --workdir in
# debug mode, the template's workdir /home/user in a real sandbox.
WORKDIR = "/home/user" if API_MODE else os.environ.get("SBX_COMPAT_WORKDIR")
# A tag for metadata and names that no other run shares.
RUN = f"compat-py-{os.getpid()}-{secrets.token_hex(3)}"

# Seconds a sandbox made by a test may live (sbxd kills it at the end anyway).
SANDBOX_TIMEOUT = 600


def pytest_collection_modifyitems(config, items):
    # Every test gets a bound (tests needing longer set their own mark):
    # a hang fails that test, not the whole run.
    for item in items:
        if item.get_closest_marker("timeout_s") is None:
            item.add_marker(pytest.mark.timeout_s(90))


def pytest_configure(config):
    config.addinivalue_line("markers", "timeout_s(n): fail the test after n seconds")


class LimitExceeded(BaseException):
    """Not an Exception: the SDKs' own except clauses must not swallow it
    (a TimeoutError is taken for a request timeout and waited out)."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    # A bound per test (pytest-timeout is not in the pinned set): SIGALRM
    # fails the test when it waits in Python code; the sync SDK's HTTP
    # client (native code) may not return to Python until data arrives, so
    # a watchdog 15 s later dumps every stack and ends the run (which then
    # fails for want of pytest's summary line).
    import faulthandler
    import signal
    import sys

    limit = item.get_closest_marker("timeout_s").args[0]

    def expired(signum, frame):
        raise LimitExceeded(f"test exceeded its {limit} s limit")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(limit)
    faulthandler.dump_traceback_later(limit + 15, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def unique_path(prefix):
    """A fresh absolute path no other test (or earlier run) uses."""
    return f"{WORKDIR or '/tmp'}/{prefix}-{os.getpid()}-{secrets.token_hex(4)}"


def png_size(b64):
    """A base64 PNG's (width, height) from its IHDR chunk; asserts it is a PNG."""
    png = base64.b64decode(b64)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", png[:16]
    return struct.unpack(">II", png[16:24])


def until(cond, seconds, what, seen=lambda: ""):
    """Poll cond() until it holds; on timeout say what was seen instead."""
    deadline = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}; saw: {seen()!r}")
        time.sleep(0.02)


def new_sandbox(**opts):
    """A sandbox for one module or test. Debug mode: no control-plane call
    (sandbox_id "debug_sandbox_id"). API mode: a fresh code-interpreter."""
    if not API_MODE:
        return Sandbox.create()
    return Sandbox.create(timeout=SANDBOX_TIMEOUT, **opts)


def dispose(sbx):
    if API_MODE:
        try:
            sbx.kill()
        except Exception:
            pass


@pytest.fixture(scope="module")
def sbx():
    s = new_sandbox(metadata={"suite": RUN})
    yield s
    dispose(s)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def asbx():
    if API_MODE:
        s = await AsyncSandbox.create(timeout=SANDBOX_TIMEOUT, metadata={"suite": RUN})
    else:
        s = await AsyncSandbox.create()
    yield s
    if API_MODE:
        try:
            await s.kill()
        except Exception:
            pass
