"""AsyncSandbox: the same data plane through the SDK's asyncio client, with
async callbacks (E2B's async examples)."""
import asyncio
import base64

import pytest
from e2b import CommandExitException, FileNotFoundException, PtySize

from conftest import unique_path

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_run_code_with_async_callbacks(asbx):
    out, results = [], []

    async def on_stdout(m):
        await asyncio.sleep(0)
        out.append(m.line)

    ex = await asbx.run_code('print("a")\nprint("b")\n21*2', on_stdout=on_stdout, on_result=results.append)
    assert ex.error is None, ex.error and ex.error.traceback
    assert ("".join(out), "".join(ex.logs.stdout), ex.text) == ("a\nb\n", "a\nb\n", "42")
    assert [r.text for r in results] == ["42"]
    err = await asbx.run_code("undefined_name_xyz")
    assert (err.error.name, err.error.value) == ("NameError", "name 'undefined_name_xyz' is not defined")


async def test_concurrent_executions_in_two_contexts(asbx):
    a, b = await asyncio.gather(asbx.create_code_context(), asbx.create_code_context())
    try:
        ra, rb = await asyncio.gather(
            asbx.run_code("import time; time.sleep(0.3); 'from a'", context=a),
            asbx.run_code("import time; time.sleep(0.3); 'from b'", context=b))
        assert (ra.text, rb.text) == ("from a", "from b")
        ids = {c.id for c in await asbx.list_code_contexts()}
        assert {a.id, b.id} <= ids
    finally:
        await asbx.remove_code_context(a)
        await asbx.remove_code_context(b)


async def test_chart_png_through_the_async_client(asbx):
    ex = await asbx.run_code(
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [3, 1, 2], label='l')\nplt.title('async')\nplt.show()")
    assert ex.error is None, ex.error and ex.error.traceback
    [r] = ex.results
    assert base64.b64decode(r.png).startswith(b"\x89PNG")
    assert (r.chart.type.value, r.chart.title, r.chart.elements[0].points) == (
        "line", "async", [(1, 3), (2, 1), (3, 2)])


async def test_files_round_trip(asbx):
    d = unique_path("afiles")
    await asbx.files.write(f"{d}/a.txt", "async text")
    await asbx.files.write_files([{"path": f"{d}/b.bin", "data": bytes(range(10))}])
    assert await asbx.files.read(f"{d}/a.txt") == "async text"
    assert bytes(await asbx.files.read(f"{d}/b.bin", format="bytes")) == bytes(range(10))
    assert sorted(e.name for e in await asbx.files.list(d)) == ["a.txt", "b.bin"]
    await asbx.files.remove(f"{d}/a.txt")
    assert await asbx.files.exists(f"{d}/a.txt") is False
    with pytest.raises(FileNotFoundException):
        await asbx.files.read(f"{d}/a.txt")


async def test_commands_stream_and_exit_codes(asbx):
    chunks = []
    r = await asbx.commands.run("echo one; echo two", on_stdout=chunks.append)
    assert (r.exit_code, "".join(chunks)) == (0, "one\ntwo\n")
    with pytest.raises(CommandExitException) as ei:
        await asbx.commands.run("exit 5")
    assert ei.value.exit_code == 5
    h = await asbx.commands.run("read x; echo got-$x", background=True, stdin=True)
    await asbx.commands.send_stdin(h.pid, "it\n")
    assert (await h.wait()).stdout == "got-it\n"


async def test_pty_on_data(asbx):
    got = bytearray()
    h = await asbx.pty.create(PtySize(rows=24, cols=80), on_data=got.extend)
    await asbx.pty.send_stdin(h.pid, b'echo "async-$((6*7))"; exit 3\n')
    with pytest.raises(CommandExitException) as ei:
        await h.wait()
    assert ei.value.exit_code == 3
    assert b"async-42" in got, bytes(got)
