"""chips.attachment_store: content-addressed files, written straight to their name, never
trusted half-written."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from chips import attachment_store
from chips.attachment_store import AttachmentError, store


@pytest.fixture(autouse=True)
def _fresh_process_memory(monkeypatch):
    # what "this process" has flushed and made: each test starts as a new process would
    monkeypatch.setattr(attachment_store, "_DURABLE", set())
    monkeypatch.setattr(attachment_store, "_FOLDERS", set())
    monkeypatch.setattr(attachment_store, "_FLUSHING", {})


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_bytes_go_to_their_hash_once(tmp_path):
    data = os.urandom(70_000)
    sha = hashlib.sha256(data).hexdigest()
    first = store(tmp_path, data=data, max_bytes=10**6)
    again = store(tmp_path, data=data, max_bytes=10**6)
    assert first == again
    assert first.path == f"{sha[:2]}/{sha}" and first.size == len(data)
    assert (tmp_path / first.path).read_bytes() == data
    assert _files(tmp_path) == [first.path]          # no temporary file left behind
    assert oct((tmp_path / first.path).stat().st_mode & 0o777) == "0o600"


def test_a_file_read_from_a_path_lands_at_the_same_name(tmp_path):
    data = b"photo bytes" * 5000
    src = tmp_path / "upload.jpg"
    src.write_bytes(data)
    root = tmp_path / "store"
    from_path = store(root, path=src, max_bytes=10**6)
    from_bytes = store(root, data=data, max_bytes=10**6)
    assert from_path == from_bytes
    assert _files(root) == [from_path.path]


@pytest.mark.parametrize("left", [b"", b"half of it"], ids=["empty", "half"])
def test_what_a_crash_left_half_written_is_replaced_not_trusted(tmp_path, left):
    data = b"x" * 10_000
    sha = hashlib.sha256(data).hexdigest()
    (tmp_path / sha[:2]).mkdir()
    (tmp_path / sha[:2] / sha).write_bytes(left)     # a crash between create and fsync
    stored = store(tmp_path, data=data, max_bytes=10**6)
    assert (tmp_path / stored.path).read_bytes() == data
    assert _files(tmp_path) == [stored.path]


def test_same_size_wrong_bytes_are_replaced_too(tmp_path):
    data = b"y" * 4096
    sha = hashlib.sha256(data).hexdigest()
    (tmp_path / sha[:2]).mkdir()
    (tmp_path / sha[:2] / sha).write_bytes(b"\0" * 4096)   # blocks never written
    stored = store(tmp_path, data=data, max_bytes=10**6)
    assert (tmp_path / stored.path).read_bytes() == data
    src = tmp_path / "again.bin"
    src.write_bytes(data)
    (tmp_path / stored.path).write_bytes(b"\0" * 4096)
    attachment_store._DURABLE.clear()                      # a restart
    assert store(tmp_path, path=src, max_bytes=10**6) == stored
    assert (tmp_path / stored.path).read_bytes() == data


def test_a_whole_file_from_before_a_restart_is_kept(tmp_path):
    data = os.urandom(5000)
    stored = store(tmp_path, data=data, max_bytes=10**6)
    before = (tmp_path / stored.path).stat().st_ino
    attachment_store._DURABLE.clear()
    assert store(tmp_path, data=data, max_bytes=10**6) == stored
    assert (tmp_path / stored.path).stat().st_ino == before   # read and trusted, not written again


def test_eight_threads_storing_the_same_bytes_end_with_one_whole_file(tmp_path):
    data = os.urandom(2_000_000)
    results, errors = [], []
    start = threading.Barrier(8)

    def one():
        start.wait()
        try:
            results.append(store(tmp_path, data=data, max_bytes=10**7))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    assert (tmp_path / results[0].path).read_bytes() == data
    assert _files(tmp_path) == [results[0].path]


def test_a_removed_folder_is_made_again(tmp_path):
    first = store(tmp_path, data=b"one", max_bytes=100)
    (tmp_path / first.path).unlink()
    (tmp_path / first.path).parent.rmdir()
    attachment_store._DURABLE.clear()
    again = store(tmp_path, data=b"one", max_bytes=100)
    assert (tmp_path / again.path).read_bytes() == b"one"


def test_too_large_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(AttachmentError) as err:
        store(tmp_path, data=b"z" * 101, max_bytes=100)
    assert err.value.too_large
    src = tmp_path / "big"
    src.write_bytes(b"z" * 101)
    with pytest.raises(AttachmentError):
        store(tmp_path / "store", path=src, max_bytes=100)
    assert _files(tmp_path / "store") == []


# -- written now, flushed by the caller (the OpenRosa endpoint, chips.group_commit) ---------


def test_a_file_being_flushed_is_waited_for_unless_the_caller_awaits_it(tmp_path):
    from chips.attachment_store import flushes_awaited, write_unflushed

    data = os.urandom(30_000)
    stored, pending = write_unflushed(tmp_path, data, max_bytes=10**6)
    assert pending is not None and (tmp_path / stored.path).read_bytes() == data
    # the writer of its own batch takes it as stored at once
    with flushes_awaited([pending.key]):
        assert store(tmp_path, data=data, max_bytes=10**6) == stored
    # anyone else waits for the flush
    got = []
    waiter = threading.Thread(target=lambda: got.append(store(tmp_path, data=data, max_bytes=10**6)))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and not got          # still waiting
    pending.flush()
    waiter.join(5)
    assert got == [stored] and pending.key in attachment_store._DURABLE
    pending.flush()                                # a second flush does nothing
    assert _files(tmp_path) == [stored.path]


def test_the_same_bytes_twice_before_the_flush(tmp_path):
    from chips.attachment_store import write_unflushed

    data = os.urandom(10_000)
    first, pending = write_unflushed(tmp_path, data, max_bytes=10**6)
    result = []
    second = threading.Thread(target=lambda: result.append(write_unflushed(tmp_path, data, max_bytes=10**6)))
    second.start()
    second.join(0.3)
    assert second.is_alive()                       # waits for the first one's flush
    pending.flush()
    second.join(5)
    assert result == [(first, None)]               # nothing left for it to flush
    again = write_unflushed(tmp_path, data, max_bytes=10**6)
    assert again == (first, None)                  # already on disk: a hash and a stat


def test_a_failed_flush_removes_the_file_and_wakes_the_waiters(tmp_path, monkeypatch):
    from chips.attachment_store import write_unflushed

    data = os.urandom(10_000)
    stored, pending = write_unflushed(tmp_path, data, max_bytes=10**6)
    real_fsync = os.fsync

    def failing(fd):
        if fd == pending.fd:
            raise OSError(5, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(attachment_store.os, "fsync", failing)
    with pytest.raises(OSError):
        pending.flush()
    monkeypatch.setattr(attachment_store.os, "fsync", real_fsync)
    assert not (tmp_path / stored.path).exists() and pending.key not in attachment_store._FLUSHING
    assert store(tmp_path, data=data, max_bytes=10**6) == stored   # written again, the careful way
    assert (tmp_path / stored.path).read_bytes() == data


def test_too_large_for_the_unflushed_write_too(tmp_path):
    from chips.attachment_store import write_unflushed

    with pytest.raises(AttachmentError) as err:
        write_unflushed(tmp_path, b"z" * 101, max_bytes=100)
    assert err.value.too_large and _files(tmp_path) == []
