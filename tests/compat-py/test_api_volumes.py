"""Volumes through sbxd with the Python SDK (API mode only): Volume and
AsyncVolume create/get_info/list/connect/destroy, file calls on a volume
(sbxd's /volumecontent through E2B_VOLUME_API_URL), bad paths and tokens,
and volume_mounts on create: two ns sandboxes share a volume that outlives
them; destroy while mounted is refused."""
import asyncio

import pytest
from e2b import (AsyncVolume, Sandbox, Volume, VolumeException, VolumeFileType, VolumeNotFoundException,
                 VolumePathNotFoundException)

from conftest import API_MODE, RUN, SANDBOX_TIMEOUT, dispose

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)


def vname(tag):
    return f"py-{tag}-{RUN}".replace(".", "-")


@pytest.fixture
def volumes():
    """Volumes a test makes, destroyed afterwards even when it fails."""
    made = []

    def make(tag):
        v = Volume.create(vname(tag))
        made.append(v.volume_id)
        return v

    yield make
    for vid in made:
        try:
            Volume.destroy(vid)
        except Exception:
            pass


def test_volume_crud(volumes):
    v = volumes("crud")
    assert v.name == vname("crud") and len(v.volume_id) == 36 and v.token
    info = Volume.get_info(v.volume_id)
    assert (info.volume_id, info.name, info.token) == (v.volume_id, v.name, v.token)
    assert any(x.volume_id == v.volume_id and x.name == v.name for x in Volume.list())
    assert Volume.connect(v.volume_id).token == v.token
    with pytest.raises(VolumeException, match="already exists"):
        Volume.create(vname("crud"))
    assert Volume.destroy(v.volume_id) is True
    assert Volume.destroy(v.volume_id) is False
    with pytest.raises(VolumeNotFoundException):
        Volume.get_info(v.volume_id)


def test_volume_files(volumes):
    v = volumes("files")
    st = v.write_file("/hello.txt", "Hello from Python")
    assert (st.name, st.type, st.path, st.size) == ("hello.txt", VolumeFileType.FILE, "/hello.txt", 17)
    assert v.read_file("/hello.txt") == "Hello from Python"
    assert v.read_file("/hello.txt", format="bytes") == b"Hello from Python"
    with pytest.raises(VolumeException, match="exists"):
        v.write_file("/hello.txt", "again")
    v.write_file("/hello.txt", "again", force=True)
    assert v.read_file("/hello.txt") == "again"
    with pytest.raises(VolumePathNotFoundException):
        v.write_file("/no/dir/f.txt", "x")
    d = v.make_dir("/a/b", force=True)
    assert (d.type, d.path) == (VolumeFileType.DIRECTORY, "/a/b")
    v.write_file("/a/b/c.bin", bytes(range(256)))
    assert v.read_file("/a/b/c.bin", format="bytes") == bytes(range(256))
    assert sorted(e.path for e in v.list("/a", depth=2)) == ["/a/b", "/a/b/c.bin"]
    assert v.exists("/a/b/c.bin") and not v.exists("/a/nope")
    md = v.update_metadata("/hello.txt", mode=0o600)
    assert md.mode == 0o600
    v.remove("/a")
    assert not v.exists("/a")
    with pytest.raises(VolumePathNotFoundException):
        v.read_file("/a/b/c.bin")
    for bad in ("../meta.json", "/x/../../y"):
        with pytest.raises(VolumeException, match="leaves the volume"):
            v.read_file(bad)
    thief = Volume(v.volume_id, v.name, token="wrong")
    with pytest.raises(Exception, match="token"):
        thief.read_file("/hello.txt")


def test_async_volume():
    async def go():
        v = await AsyncVolume.create(vname("async"))
        try:
            await v.write_file("/x.txt", "async")
            assert await v.read_file("/x.txt") == "async"
            assert [e.name for e in await v.list("/")] == ["x.txt"]
        finally:
            assert await AsyncVolume.destroy(v.volume_id) is True

    asyncio.run(go())


@pytest.mark.timeout_s(180)
def test_volume_mounts(volumes):
    v = volumes("shared")
    v.write_file("/from-api.txt", "api")
    a = Sandbox.create("base", volume_mounts={"/mnt/shared": v}, metadata={"suite": RUN}, timeout=SANDBOX_TIMEOUT)
    b = None
    try:
        b = Sandbox.create("base", volume_mounts={"/data/vol": v.name}, metadata={"suite": RUN},
                           timeout=SANDBOX_TIMEOUT)
        mounts = a.get_info().volume_mounts
        assert [(m["name"], m["path"]) for m in mounts] == [(v.name, "/mnt/shared")]
        assert a.commands.run("cat /mnt/shared/from-api.txt").stdout == "api"
        a.commands.run("echo from-a > /mnt/shared/from-a.txt")
        assert b.commands.run("cat /data/vol/from-a.txt").stdout == "from-a\n"
        assert v.read_file("/from-a.txt") == "from-a\n"
        a.commands.run("ln -s /etc /mnt/shared/etc")
        with pytest.raises(VolumeException, match="outside the volume"):
            v.read_file("/etc/passwd")
        with pytest.raises(VolumeException, match=a.sandbox_id + "|" + b.sandbox_id):
            Volume.destroy(v.volume_id)
    finally:
        dispose(a)
        if b:
            dispose(b)
    assert Volume.connect(v.volume_id).read_file("/from-a.txt") == "from-a\n"
    with pytest.raises(Exception, match='volume "no-such-volume" not found'):
        Sandbox.create("base", volume_mounts={"/mnt/x": "no-such-volume"}, metadata={"suite": RUN})
