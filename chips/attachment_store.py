"""Attachment files on disk, content-addressed and written durably.

A file lives at ``<attachments>/<sha[:2]>/<sha>``. Bytes held in memory (a photo of an
OpenRosa POST, a file pulled from Central) are written straight to that name, created
exclusively, then flushed to disk with their folder (fsync) before anyone is told they are
stored. A file read from a path (size and hash unknown until read) goes to a temporary
name first and is renamed when whole. The same bytes twice are one file.

Written straight to its name, a file a crash interrupts may remain there half-written;
nothing refers to it (its submission's row is committed only after the fsync) and the
next time those bytes come, a file this process has not itself flushed is trusted only
after its content is hashed again, else replaced atomically. That costs a read of a file
sent again after a restart, and saves each new file a rename and a second flush of the
folder: on ext4 one journal commit instead of two, 1.08 → 0.5 ms for a 60 kB photo
(half of what the OpenRosa endpoint spent on a photo submission). A file whose database
transaction rolled back stays on disk unreferenced: harmless, and cheaper than
coordinating two kinds of storage.

The OpenRosa endpoint splits the write from the flush (``write_unflushed``): the photo is
written in the request's thread and flushed there while the writer thread stores the
submission's rows, and the writer waits for that flush before it commits
(``chips.group_commit``). Until then the file is "flushing": anyone else who stores the
same bytes waits for the flush, except the writer of that very batch
(``flushes_awaited``), which waits before its commit instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

CHUNK = 1024 * 1024
_BAD_NAME = re.compile(r"[/\\\x00-\x1f]")


class AttachmentError(ValueError):
    """An attachment cannot be accepted; ``too_large`` tells the HTTP layer to say 413."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: str  # relative to the attachments folder


def check_name(name: str) -> None:
    """A bare file name: no folders, no ``..``, nothing a file system would read as a path."""
    if not name or name in {".", ".."} or name.startswith(".") or _BAD_NAME.search(name) or len(name) > 255:
        raise AttachmentError(f"attachment file name {name!r} is not a plain file name")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Files this process has seen flushed to disk (file and folder), so that the same bytes
# again cost a hash and a stat: no write, no fsync. Bounded; forgetting only costs fsyncs.
_DURABLE: set[str] = set()
_DURABLE_MAX = 100_000


def _durable(final: Path) -> None:
    if len(_DURABLE) >= _DURABLE_MAX:
        _DURABLE.clear()
    _DURABLE.add(str(final))


def _same_bytes(final: Path, sha: str) -> bool:
    digest = hashlib.sha256()
    with open(final, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == sha


def _held(root: Path, data: bytes, sha: str) -> StoredFile | None:
    """The stored file when these very bytes are already in the store, else None.

    A photo sent again (Collect's multi-POST resends, a re-pull, the demo's one placeholder)
    then costs a hash and a stat instead of a write and two fsyncs. A file this process has
    not itself seen flushed is read and hashed (it may be what a crash left half-written,
    or another thread's file still being written) and, when whole, fsynced once with its
    folder: a 201 must not rest on a file not yet on disk."""
    final = root / sha[:2] / sha
    try:
        if final.stat().st_size != len(data):
            return None  # not ours to trust: written again by the caller
        if str(final) not in _DURABLE:
            if not _same_bytes(final, sha):
                return None
            _fsync_file(final)
            _fsync_dir(final.parent)
            _durable(final)
    except OSError:
        return None
    return StoredFile(sha256=sha, size=len(data), path=f"{sha[:2]}/{sha}")


# Folders this process has made sure exist: a mkdir (or a stat) per file is a system call
# that, with eight uploads at once, queues on the folder's lock. Should one be removed
# while we run, creating a file in it fails and the folder is made again.
_FOLDERS: set[Path] = set()


def _folder(path: Path, parent: Path | None = None) -> Path:
    if path not in _FOLDERS:
        if not path.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            if parent is not None:
                _fsync_dir(parent)  # the new folder's own name must survive a power cut too
        _FOLDERS.add(path)
    return path


def _incoming(root: Path) -> tuple[int, str]:
    _folder(root)
    try:
        return tempfile.mkstemp(dir=root, prefix=".incoming-")
    except FileNotFoundError:
        _FOLDERS.discard(root)
        _folder(root)
        return tempfile.mkstemp(dir=root, prefix=".incoming-")


def _create(final: Path) -> int | None:
    """``final`` created exclusively for writing; None when a file of that name exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(final, flags, 0o600)
    except FileExistsError:
        return None
    except FileNotFoundError:
        _FOLDERS.discard(final.parent)   # the folder went away under us: make it again
        _folder(final.parent, final.parent.parent)
        try:
            return os.open(final, flags, 0o600)
        except FileExistsError:
            return None


# Files written to their final name by ``write_unflushed`` whose flush is still to come or
# under way: path -> Event set once it is flushed (or has failed and is gone).
_FLUSHING: dict[str, threading.Event] = {}
_FLUSHING_LOCK = threading.Lock()
# Paths whose flush the current caller awaits itself before it commits (``flushes_awaited``).
_AWAITED: ContextVar[frozenset[str]] = ContextVar("chips_flushes_awaited", default=frozenset())


@dataclass
class Unflushed:
    """A file written whole to its final name, not yet flushed to disk: ``flush()`` it
    before anything that refers to it commits."""

    stored: StoredFile
    final: Path
    fd: int
    _done: bool = field(default=False, repr=False)

    @property
    def key(self) -> str:
        return str(self.final)

    def flush(self) -> None:
        """fsync the file and its folder (once; later calls do nothing). On failure the
        file is removed, so that no one trusts it, and the error raised."""
        if self._done:
            return
        self._done = True
        try:
            try:
                os.fsync(self.fd)
            except BaseException:
                try:
                    if os.fstat(self.fd).st_ino == os.stat(self.final).st_ino:
                        os.unlink(self.final)
                except OSError:
                    pass
                raise
            finally:
                os.close(self.fd)
            _fsync_dir(self.final.parent)
            _durable(self.final)
        finally:
            _unregister(self.key)


def flush_all(files: Iterable[Unflushed]) -> None:
    """Flush every one (each attempted even when one fails), then raise the first error."""
    first: BaseException | None = None
    for f in files:
        try:
            f.flush()
        except BaseException as exc:  # noqa: BLE001 - raised below, after the others
            first = first or exc
    if first is not None:
        raise first


@contextmanager
def flushes_awaited(keys: Iterable[str]) -> Iterator[None]:
    """Within it, ``store`` takes these files, written but not yet flushed, as stored: the
    caller promises to wait for their flush before it commits anything that refers to
    them (``chips.group_commit``). Any other file still being flushed is waited for."""
    token = _AWAITED.set(frozenset(keys))
    try:
        yield
    finally:
        _AWAITED.reset(token)


def _wait_flushing(key: str) -> bool:
    """Wait for a flush of this file under way in another thread; True when the caller's
    own batch awaits it (``flushes_awaited``): then no need to wait here."""
    event = _FLUSHING.get(key)
    if event is None:
        return False
    if key in _AWAITED.get():
        return True
    event.wait()
    return False


def _start_write(root: Path, data: bytes, sha: str) -> Unflushed | None:
    """``data`` written whole to its final name and marked as flushing, the flush left to
    the caller; None when that name is taken: the same bytes being written by another
    thread, or a file there already (whole, or what a crash left)."""
    final = root / sha[:2] / sha
    key = str(final)
    with _FLUSHING_LOCK:
        if key in _FLUSHING:
            return None
        _FLUSHING[key] = threading.Event()
    fd = None
    try:
        _folder(root)
        _folder(final.parent, root)
        fd = _create(final)
        if fd is not None:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
    except BaseException:
        if fd is not None:
            try:
                # only our own half-written file: another process may have put a whole one there
                if os.fstat(fd).st_ino == os.stat(final).st_ino:
                    os.unlink(final)
            except OSError:
                pass
            finally:
                os.close(fd)
        _unregister(key)
        raise
    if fd is None:
        _unregister(key)
        return None
    return Unflushed(StoredFile(sha256=sha, size=len(data), path=f"{sha[:2]}/{sha}"), final, fd)


def _sha_of(data: bytes, max_bytes: int) -> str:
    """The SHA-256 of bytes not over ``max_bytes`` (hashed once: a photo is megabytes)."""
    if len(data) > max_bytes:
        raise AttachmentError(f"attachment is {len(data)} bytes, more than the {max_bytes} allowed", too_large=True)
    return hashlib.sha256(data).hexdigest()


def write_unflushed(root: Path, data: bytes, *, max_bytes: int) -> tuple[StoredFile, Unflushed | None]:
    """Write ``data`` to its final name and leave the flush to the caller (``Unflushed``):
    the OpenRosa endpoint flushes a photo while its submission's rows are being written,
    instead of before. None instead of an ``Unflushed`` when nothing is left to flush (the
    same bytes already stored, or stored here the careful way because the name was taken).
    Raises ``AttachmentError`` as ``store``."""
    sha = _sha_of(data, max_bytes)
    if str(root / sha[:2] / sha) in _DURABLE:
        held = _held(root, data, sha)
        if held is not None:
            return held, None
    pending = _start_write(root, data, sha)
    if pending is None:
        return store(root, data=data, max_bytes=max_bytes), None
    return pending.stored, pending


def _unregister(key: str) -> None:
    with _FLUSHING_LOCK:
        event = _FLUSHING.pop(key, None)
    if event is not None:
        event.set()


def store(root: Path, *, data: bytes | None = None, path: Path | None = None, max_bytes: int) -> StoredFile:
    """Copy ``data`` (or the file at ``path``) into the store; refuse more than ``max_bytes``."""
    sha = None
    if data is not None:
        sha = _sha_of(data, max_bytes)
        key = str(root / sha[:2] / sha)
        if _wait_flushing(key):
            return StoredFile(sha256=sha, size=len(data), path=f"{sha[:2]}/{sha}")
        if key in _DURABLE:
            held = _held(root, data, sha)
            if held is not None:
                return held
        pending = _start_write(root, data, sha)
        if pending is not None:
            pending.flush()
            return pending.stored
        _wait_flushing(key)   # the same bytes being written by another thread
        held = _held(root, data, sha)   # there already: whole, or left by a crash
        if held is not None:
            return held
        # a half-written file: replaced below by a whole one, atomically
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = _incoming(root)
    try:
        with os.fdopen(fd, "wb") as out:
            if data is not None:
                size = len(data)
                out.write(data)
            else:
                assert path is not None
                with open(path, "rb") as src:
                    while chunk := src.read(CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise AttachmentError(
                                f"attachment is more than the {max_bytes} bytes allowed", too_large=True
                            )
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if sha is None:
            sha = digest.hexdigest()
        folder = _folder(root / sha[:2], root)
        final = folder / sha
        if data is None:
            _wait_flushing(str(final))   # the same bytes being flushed by another thread: let it end
        if data is None and final.exists() and (str(final) in _DURABLE or _same_bytes(final, sha)):
            os.unlink(tmp_name)
            if str(final) not in _DURABLE:  # put there a moment ago by another thread?
                _fsync_file(final)
                _fsync_dir(folder)
        else:
            os.replace(tmp_name, final)
            _fsync_dir(folder)
        _durable(final)
        return StoredFile(sha256=sha, size=size, path=f"{sha[:2]}/{sha}")
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
