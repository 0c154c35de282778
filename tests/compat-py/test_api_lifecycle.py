"""A sandbox's life through sbxd (API mode only): create with metadata and
envs, get_info, the context manager, kill, set_timeout, list with queries
and pages, pause and connect, and the same through AsyncSandbox."""
import time
from datetime import datetime, timezone

import pytest
from e2b import SandboxNotFoundException, SandboxQuery, SandboxState
from e2b_code_interpreter import AsyncSandbox, Sandbox

from conftest import API_MODE, RUN, SANDBOX_TIMEOUT, dispose, until

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)


def listed(query=None, **opts):
    """Every sandbox of this run matching query, over all pages."""
    q = query or SandboxQuery()
    q.metadata = {"suite": RUN, **(q.metadata or {})}
    pager = Sandbox.list(query=q, **opts)
    items = []
    while pager.has_next:
        items.extend(pager.next_items())
    return items


def ids(items):
    return sorted(s.sandbox_id for s in items)


@pytest.fixture
def fresh():
    """Sandboxes a test makes, killed afterwards even when it fails."""
    made = []

    def make(**kw):
        kw.setdefault("timeout", SANDBOX_TIMEOUT)
        s = Sandbox.create(metadata={"suite": RUN, **kw.pop("metadata", {})}, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        dispose(s)


def test_create_with_metadata_and_envs_then_get_info(fresh):
    before = datetime.now(timezone.utc)
    s = fresh(metadata={"kind": "info"}, envs={"COMPAT_ENV": "from create"}, timeout=300)
    info = s.get_info()
    assert info.sandbox_id == s.sandbox_id
    assert info.template_id == "code-interpreter"
    assert info.metadata == {"suite": RUN, "kind": "info"}
    assert info.state == SandboxState.RUNNING
    assert abs((info.started_at - before).total_seconds()) < 60
    assert abs((info.end_at - info.started_at).total_seconds() - 300) < 5
    assert info.cpu_count > 0 and info.memory_mb > 0
    # Envs given at create reach commands and the kernel.
    assert s.commands.run("echo $COMPAT_ENV").stdout == "from create\n"
    assert s.run_code('import os\nos.environ["COMPAT_ENV"]').text == "from create"
    assert s.commands.run("whoami").stdout == "user\n"
    assert s.commands.run("whoami", user="root").stdout == "root\n"


def test_context_manager_kills_on_exit():
    with Sandbox.create(metadata={"suite": RUN, "kind": "with"}, timeout=SANDBOX_TIMEOUT) as s:
        assert s.run_code("1+1").text == "2"
        assert s.sandbox_id in ids(listed())
    assert s.sandbox_id not in ids(listed())
    assert s.is_running() is False


def test_kill_then_everything_is_not_found(fresh):
    s = fresh()
    assert Sandbox.kill(s.sandbox_id) is True
    assert Sandbox.kill(s.sandbox_id) is False
    assert s.kill() is False
    with pytest.raises(SandboxNotFoundException):
        s.get_info()
    assert s.is_running() is False
    with pytest.raises(Exception):
        s.commands.run("true", request_timeout=5)
    assert s.sandbox_id not in ids(listed())


def test_set_timeout_moves_end_at_and_the_sandbox_dies(fresh):
    s = fresh()
    s.commands.run("sleep 600", background=True)
    s.set_timeout(60)
    end = s.get_info().end_at
    assert abs((end - datetime.now(timezone.utc)).total_seconds() - 60) < 3
    s.set_timeout(3)
    t0 = time.monotonic()
    assert s.is_running() is True
    until(lambda: not s.is_running(), 10, "the sandbox to die at its 3 s timeout")
    assert time.monotonic() - t0 >= 2
    with pytest.raises(SandboxNotFoundException):
        s.get_info()


def test_list_by_metadata_state_and_pages(fresh):
    a = fresh(metadata={"kind": "list", "n": "0"})
    b = fresh(metadata={"kind": "list", "n": "1"})
    mine = SandboxQuery(metadata={"kind": "list"})
    assert ids(listed(mine)) == ids([a, b])
    one = listed(SandboxQuery(metadata={"kind": "list", "n": "1"}))
    assert [(x.sandbox_id, x.metadata, x.template_id) for x in one] == [
        (b.sandbox_id, {"suite": RUN, "kind": "list", "n": "1"}, "code-interpreter")]
    assert listed(SandboxQuery(metadata={"kind": "no such value"})) == []
    # Pages of one: every sandbox once.
    pager = Sandbox.list(query=SandboxQuery(metadata={"suite": RUN, "kind": "list"}), limit=1)
    pages = []
    while pager.has_next:
        assert len(pages) < 2, "more pages than sandboxes"
        pages.append(pager.next_items())
    assert [len(p) for p in pages] == [1, 1]
    assert ids(sum(pages, [])) == ids([a, b])
    # State filters: b paused (the SDK's older name for pause, beta_pause).
    assert b.beta_pause() is True
    assert ids(listed(SandboxQuery(metadata={"kind": "list"}, state=[SandboxState.PAUSED]))) == [b.sandbox_id]
    assert ids(listed(SandboxQuery(metadata={"kind": "list"}, state=[SandboxState.RUNNING]))) == [a.sandbox_id]
    Sandbox.connect(b.sandbox_id)
    assert ids(listed(SandboxQuery(metadata={"kind": "list"}, state=[SandboxState.RUNNING]))) == ids([a, b])


def test_pause_then_connect_keeps_files_processes_and_kernel_state(fresh):
    s = fresh(metadata={"kind": "pause"})
    s.files.write("/home/user/survivor.txt", "written before pause")
    assert s.run_code("survivor = 41").error is None
    bg = s.commands.run("sleep 900", background=True)

    assert s.pause() is True
    assert s.get_info().state == SandboxState.PAUSED
    assert s.is_running() is False, "a paused sandbox does not answer"
    assert s.pause() is False, "pausing twice is False"

    back = Sandbox.connect(s.sandbox_id)
    assert back.sandbox_id == s.sandbox_id
    assert back.get_info().state == SandboxState.RUNNING
    assert back.files.read("/home/user/survivor.txt") == "written before pause"
    ex = back.run_code("survivor + 1")
    assert ex.error is None and ex.text == "42"
    assert any(p.pid == bg.pid and "sleep 900" in p.args for p in back.commands.list())
    # The old handle works again, and connecting a running sandbox is fine.
    assert s.is_running() is True
    assert Sandbox.connect(s.sandbox_id).run_code("survivor").text == "41"


def test_get_metrics(fresh):
    s = fresh()
    info = s.get_info()
    until(lambda: len(s.get_metrics()) > 0, 10, "a metrics sample")
    m = s.get_metrics()[-1]
    assert m.cpu_count == info.cpu_count
    assert 0 <= m.cpu_used_pct <= 100
    assert m.mem_total == info.memory_mb * 1024 * 1024
    assert 0 < m.mem_used < m.mem_total
    assert 0 < m.disk_used < m.disk_total


@pytest.mark.asyncio(loop_scope="function")
async def test_async_create_list_connect_kill():
    s = await AsyncSandbox.create(metadata={"suite": RUN, "kind": "async"}, timeout=SANDBOX_TIMEOUT)
    try:
        assert (await s.run_code("6*7")).text == "42"
        pager = AsyncSandbox.list(query=SandboxQuery(metadata={"suite": RUN, "kind": "async"}))
        assert [x.sandbox_id for x in await pager.next_items()] == [s.sandbox_id]
        assert await s.pause() is True
        back = await AsyncSandbox.connect(s.sandbox_id)
        assert (await back.run_code("6*7")).text == "42"
        assert await back.kill() is True
        assert await s.is_running() is False
        with pytest.raises(SandboxNotFoundException):
            await AsyncSandbox.get_info(s.sandbox_id)
    finally:
        await AsyncSandbox.kill(s.sandbox_id)
