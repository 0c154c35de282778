"""Issue 12's lifecycle through the Python SDK (API mode only): a
filesystem-only pause (pause(mode="filesystem")), connect(on_resume=
"reboot") from a memory pause, a timeout that pauses filesystem-only
(lifecycle on_timeout {"action": "pause", "mode": "filesystem"}), and
get_metrics(start, end).  On ns the processes go, the files stay."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from e2b import Sandbox

from conftest import API_MODE, RUN, dispose, until

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)


def marker(s, n):
    """'yes' while `sleep n` runs in the sandbox ([s]leep: not pgrep's own shell)."""
    return s.commands.run(f"pgrep -f '[s]leep {n}' >/dev/null && echo yes || echo no").stdout.strip()


def test_pause_filesystem_then_connect():
    s = Sandbox.create(metadata={"suite": RUN}, envs={"LIFE": "py"}, timeout=120)
    try:
        s.files.write("/home/user/py-fs.txt", "kept")
        s.commands.run("sleep 7171", background=True)
        assert marker(s, 7171) == "yes"
        assert s.pause(mode="filesystem") is True
        assert s.get_info().state.value == "paused"
        assert s.pause(mode="filesystem") is False
        s.connect()
        assert s.files.read("/home/user/py-fs.txt") == "kept"
        assert marker(s, 7171) == "no"
        assert s.commands.run("echo $LIFE").stdout.strip() == "py"
        # from a memory pause, on_resume="reboot" drops the memory
        s.commands.run("sleep 7272", background=True)
        assert s.pause() is True
        Sandbox.connect(s.sandbox_id, on_resume="reboot")
        assert marker(s, 7272) == "no"
        assert s.files.read("/home/user/py-fs.txt") == "kept"
    finally:
        dispose(s)


def test_timeout_pauses_filesystem_only():
    s = Sandbox.create(metadata={"suite": RUN}, timeout=3,
                       lifecycle={"on_timeout": {"action": "pause", "mode": "filesystem"}})
    try:
        s.files.write("/home/user/py-auto.txt", "auto")
        s.commands.run("sleep 7373", background=True)
        until(lambda: s.get_info().state.value == "paused", 15, "the timeout to pause it")
        s.connect(timeout=60)
        assert s.files.read("/home/user/py-auto.txt") == "auto"
        assert marker(s, 7373) == "no"
    finally:
        dispose(s)


def test_metrics_range():
    s = Sandbox.create(metadata={"suite": RUN}, timeout=120)
    try:
        start = datetime.now(timezone.utc)
        time.sleep(11)
        end = datetime.now(timezone.utc)
        ms = s.get_metrics(start=start, end=end)
        assert len(ms) >= 2
        for m in ms:
            assert start - timedelta(seconds=1) <= m.timestamp <= end + timedelta(seconds=1)
        assert s.get_metrics(start=start - timedelta(hours=1), end=start - timedelta(minutes=30)) == []
    finally:
        dispose(s)
