"""User snapshots and fork through sbxd (API mode only) with the official
Python SDK: create_snapshot (instance and class), list_snapshots (filters,
pages), delete_snapshot, Sandbox.create(snapshot_id), fork (instance and
class, count, timeout), and the errors for a killed or unknown sandbox."""
import time

import pytest
from e2b import Sandbox, SandboxException, SandboxNotFoundException

from conftest import API_MODE, RUN, SANDBOX_TIMEOUT, dispose

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)

META = {"suite": RUN}


@pytest.fixture
def made():
    """Sandboxes and snapshots a test makes, removed afterwards even when it fails."""
    boxes, snaps = [], []
    yield boxes, snaps
    for s in boxes:
        dispose(s)
    for sid in snaps:
        try:
            Sandbox.delete_snapshot(sid)
        except Exception:
            pass


def new(boxes, template=None, **kw):
    kw.setdefault("timeout", SANDBOX_TIMEOUT)
    s = Sandbox.create(template, metadata=META, **kw) if template else Sandbox.create(metadata=META, **kw)
    boxes.append(s)
    return s


def test_snapshot_then_create_from_it(made):
    boxes, snaps = made
    src = new(boxes)
    src.files.write("/home/user/py.txt", "from python")
    end_before = src.get_info().end_at
    snap = src.create_snapshot()
    snaps.append(snap.snapshot_id)
    assert snap.snapshot_id.endswith(":default")
    assert snap.names == []
    info = src.get_info()
    assert info.state.value == "running"
    assert abs((info.end_at - end_before).total_seconds()) < 2
    copy = new(boxes, snap.snapshot_id)
    assert copy.sandbox_id != src.sandbox_id
    assert copy.get_info().template_id == snap.snapshot_id
    assert copy.files.read("/home/user/py.txt") == "from python"
    copy.files.write("/home/user/py.txt", "changed")
    assert src.files.read("/home/user/py.txt") == "from python"


def test_named_list_pages_delete(made):
    boxes, snaps = made
    src = new(boxes)
    name = f"py-{RUN}"
    named = Sandbox.create_snapshot(src.sandbox_id, name=name)
    snaps.append(named.snapshot_id)
    assert named.snapshot_id == f"{name}:default"
    assert named.names == [f"local/{name}:default"]
    other = src.create_snapshot()
    snaps.append(other.snapshot_id)
    by_name = Sandbox.list_snapshots(name=f"local/{name}").next_items()
    assert [s.snapshot_id for s in by_name] == [named.snapshot_id]
    assert Sandbox.list_snapshots(name=f"{name}-none").next_items() == []
    pager = src.list_snapshots(limit=1)
    seen = []
    while pager.has_next:
        items = pager.next_items()
        assert len(items) <= 1
        seen.extend(s.snapshot_id for s in items)
    assert sorted(seen) == sorted([named.snapshot_id, other.snapshot_id])
    assert Sandbox.delete_snapshot(named.snapshot_id) is True
    assert Sandbox.delete_snapshot(named.snapshot_id) is False
    with pytest.raises(SandboxException) as err:
        Sandbox.create(named.snapshot_id, metadata=META)
    assert "snapshot" in str(err.value)


def test_fork(made):
    boxes, _ = made
    src = new(boxes)
    src.files.write("/home/user/f.txt", "before the fork")
    forks = Sandbox.fork(src.sandbox_id, count=2, timeout=60)
    boxes.extend(f for f in forks if isinstance(f, Sandbox))
    assert len(forks) == 2
    assert all(isinstance(f, Sandbox) for f in forks), forks
    assert len({f.sandbox_id for f in forks} | {src.sandbox_id}) == 3
    for f in forks:
        assert f.files.read("/home/user/f.txt") == "before the fork"
        left = f.get_info().end_at.timestamp() - time.time()
        assert 50 < left <= 60, left
    [one] = src.fork()
    boxes.append(one)
    assert one.is_running()
    assert src.is_running()


def test_bad_input(made):
    boxes, _ = made
    doomed = new(boxes)
    doomed.kill()
    with pytest.raises(SandboxNotFoundException):
        doomed.create_snapshot()
    with pytest.raises(SandboxNotFoundException):
        Sandbox.fork(doomed.sandbox_id)
    with pytest.raises(SandboxNotFoundException):
        Sandbox.create_snapshot("nosuchsandbox000000000")
