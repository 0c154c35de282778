"""sandbox.files: /files upload and download, the filesystem RPCs, and the
polling watcher the Python SDK uses (CreateWatcher/GetWatcherEvents)."""
import hashlib
import io
import os

import pytest
from e2b import FileNotFoundException, FileType, FilesystemEventType

from conftest import WORKDIR, unique_path, until


def test_write_read_text_overwrite_and_empty(sbx):
    d = unique_path("text")
    info = sbx.files.write(f"{d}/deep/a.txt", "héllo ✓ wörld\n")
    assert (info.name, info.path, info.type) == ("a.txt", f"{d}/deep/a.txt", FileType.FILE)
    assert sbx.files.read(f"{d}/deep/a.txt") == "héllo ✓ wörld\n"
    sbx.files.write(f"{d}/deep/a.txt", "short")
    assert sbx.files.read(f"{d}/deep/a.txt") == "short", "overwrite truncates"
    sbx.files.write(f"{d}/empty", "")
    assert sbx.files.read(f"{d}/empty", format="bytes") == b""


def test_bytes_and_file_objects_round_trip(sbx):
    d = unique_path("bin")
    data = bytes(range(256))
    sbx.files.write(f"{d}/b.bin", data)
    got = sbx.files.read(f"{d}/b.bin", format="bytes")
    assert isinstance(got, (bytes, bytearray)) and bytes(got) == data
    sbx.files.write(f"{d}/io.bin", io.BytesIO(data[::-1]))
    assert bytes(sbx.files.read(f"{d}/io.bin", format="bytes")) == data[::-1]
    streamed = b"".join(sbx.files.read(f"{d}/b.bin", format="stream"))
    assert streamed == data


def test_upload_and_download_a_bigger_file(sbx):
    # 6 MiB of random bytes, uploaded from a file object as E2B's upload docs do.
    blob = os.urandom(6 * 1024 * 1024)
    path = f"{unique_path('big')}/big.bin"
    sbx.files.write(path, io.BytesIO(blob))
    assert sbx.files.get_info(path).size == len(blob)
    r = sbx.commands.run(f"sha256sum {path}")
    assert r.stdout.split()[0] == hashlib.sha256(blob).hexdigest()
    assert hashlib.sha256(bytes(sbx.files.read(path, format="bytes"))).hexdigest() == hashlib.sha256(blob).hexdigest()


def test_write_files_writes_several(sbx):
    d = unique_path("multi")
    infos = sbx.files.write_files([
        {"path": f"{d}/one.txt", "data": "first"},
        {"path": f"{d}/sub/two.bin", "data": bytes(range(256))},
        {"path": f"{d}/sub/deeper/three.txt", "data": io.BytesIO(b"third")},
    ])
    assert sorted(i.path for i in infos) == sorted([f"{d}/one.txt", f"{d}/sub/two.bin", f"{d}/sub/deeper/three.txt"])
    assert sbx.files.read(f"{d}/one.txt") == "first"
    assert bytes(sbx.files.read(f"{d}/sub/two.bin", format="bytes")) == bytes(range(256))
    assert sbx.files.read(f"{d}/sub/deeper/three.txt") == "third"


def test_list_with_depth(sbx):
    d = unique_path("list")
    sbx.files.write_files([{"path": f"{d}/a.txt", "data": "a"}, {"path": f"{d}/sub/b.txt", "data": "bb"}])
    top = sbx.files.list(d)
    assert sorted((e.name, e.type, e.path) for e in top) == [
        ("a.txt", FileType.FILE, f"{d}/a.txt"), ("sub", FileType.DIR, f"{d}/sub")]
    deep = sbx.files.list(d, depth=2)
    assert sorted(e.path for e in deep) == [f"{d}/a.txt", f"{d}/sub", f"{d}/sub/b.txt"]
    assert [e.size for e in deep if e.name == "b.txt"] == [2]
    with pytest.raises(FileNotFoundException):
        sbx.files.list(f"{d}/missing")


def test_make_dir_rename_exists_remove(sbx):
    d = unique_path("ops")
    assert sbx.files.make_dir(f"{d}/x/y") is True
    assert sbx.files.make_dir(f"{d}/x/y") is False
    assert sbx.files.get_info(f"{d}/x/y").type == FileType.DIR
    sbx.files.write(f"{d}/old.txt", "moved content")
    entry = sbx.files.rename(f"{d}/old.txt", f"{d}/new/place.txt")
    assert (entry.name, entry.path, entry.type) == ("place.txt", f"{d}/new/place.txt", FileType.FILE)
    assert sbx.files.exists(f"{d}/old.txt") is False
    assert sbx.files.exists(f"{d}/new/place.txt") is True
    assert sbx.files.read(f"{d}/new/place.txt") == "moved content"
    sbx.files.remove(f"{d}/new/place.txt")
    assert sbx.files.exists(f"{d}/new/place.txt") is False
    sbx.files.remove(f"{d}/x")
    assert sbx.files.exists(f"{d}/x") is False
    assert sbx.files.exists(d) is True


def test_get_info_and_missing_files(sbx):
    d = unique_path("info")
    sbx.files.write(f"{d}/f.bin", bytes(256))
    f = sbx.files.get_info(f"{d}/f.bin")
    assert (f.name, f.path, f.type, f.size) == ("f.bin", f"{d}/f.bin", FileType.FILE, 256)
    assert len(f.permissions) == 10 and f.permissions[0] == "-"
    assert f.mode & 0o777 == f.mode
    assert isinstance(f.owner, str) and f.owner
    with pytest.raises(FileNotFoundException):
        sbx.files.read(f"{d}/nope.txt")
    with pytest.raises(FileNotFoundException):
        sbx.files.get_info(f"{d}/nope.txt")


@pytest.mark.skipif(not WORKDIR, reason="SBX_COMPAT_WORKDIR not set")
def test_relative_paths_resolve_against_the_workdir(sbx):
    name = f"rel-{os.getpid()}-{os.urandom(3).hex()}.txt"
    assert sbx.files.write(name, "relative").path == f"{WORKDIR}/{name}"
    assert sbx.files.read(f"{WORKDIR}/{name}") == "relative"
    sbx.files.remove(name)


def test_watch_dir_reports_create_write_remove(sbx):
    d = unique_path("watch")
    sbx.files.make_dir(d)
    handle = sbx.files.watch_dir(d)
    events = []

    def has(kind):
        events.extend(handle.get_new_events())
        return any(e.type == kind and e.name == "w.txt" for e in events)

    seen = lambda: [(e.type.value, e.name) for e in events]  # noqa: E731
    try:
        sbx.files.write(f"{d}/w.txt", "one")
        until(lambda: has(FilesystemEventType.CREATE), 5, "create w.txt", seen)
        events.clear()
        sbx.files.write(f"{d}/w.txt", "two")
        until(lambda: has(FilesystemEventType.WRITE), 5, "write w.txt", seen)
        sbx.files.remove(f"{d}/w.txt")
        until(lambda: has(FilesystemEventType.REMOVE), 5, "remove w.txt", seen)
        assert all(e.name == "w.txt" for e in events), seen()
    finally:
        handle.stop()


def test_watch_dir_on_a_missing_dir_is_file_not_found(sbx):
    with pytest.raises(FileNotFoundException):
        sbx.files.watch_dir(f"{unique_path('nowatch')}/x")


def test_gzip_and_octet_stream_uploads_and_a_gzip_download(sbx):
    d = unique_path("enc")
    data = os.urandom(100_000) + b"z" * 100_000
    sbx.files.write(f"{d}/gz.bin", data, gzip=True)
    sbx.files.write(f"{d}/oct.bin", data, use_octet_stream=True)
    sbx.files.write(f"{d}/multi.bin", data, use_octet_stream=False)
    want = hashlib.sha256(data).hexdigest()
    r = sbx.commands.run(f"cd {d} && sha256sum gz.bin oct.bin multi.bin")
    assert [line.split()[0] for line in r.stdout.splitlines()] == [want] * 3
    assert bytes(sbx.files.read(f"{d}/gz.bin", format="bytes", gzip=True)) == data


def test_file_metadata_is_kept_as_xattrs(sbx):
    path = f"{unique_path('meta')}/m.txt"
    info = sbx.files.write(path, "with metadata", metadata={"Owner": "compat", "run": "py"})
    assert info.metadata == {"owner": "compat", "run": "py"}
    assert sbx.files.get_info(path).metadata == {"owner": "compat", "run": "py"}
    # A new upload replaces the set.
    sbx.files.write(path, "again", metadata={"run": "two"})
    assert sbx.files.get_info(path).metadata == {"run": "two"}


def test_watch_dir_recursive_with_entries(sbx):
    d = unique_path("watchr")
    sbx.files.make_dir(f"{d}/sub")
    handle = sbx.files.watch_dir(d, recursive=True, include_entry=True)
    events = []

    def created():
        events.extend(handle.get_new_events())
        return [e for e in events if e.type == FilesystemEventType.CREATE and e.name == "sub/n.txt"]

    try:
        sbx.files.write(f"{d}/sub/n.txt", "nested")
        until(created, 5, "create sub/n.txt", lambda: [(e.type.value, e.name) for e in events])
        entry = created()[0].entry
        assert entry is not None and (entry.path, entry.type) == (f"{d}/sub/n.txt", FileType.FILE)
    finally:
        handle.stop()
