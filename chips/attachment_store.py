"""Attachment files on disk, content-addressed and written durably.

A file is written to a temporary name in the same folder, flushed to disk (fsync), then
renamed to ``<attachments>/<sha[:2]>/<sha>``; a rename is atomic, so a crash leaves either
no file or the whole file, never half of one. The same bytes twice are one file. A file
whose database transaction rolled back stays on disk unreferenced: harmless, and cheaper
than coordinating two kinds of storage.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

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


def _held(root: Path, data: bytes, sha: str) -> StoredFile | None:
    """The stored file when these very bytes are already in the store, else None.

    A photo sent again (Collect's multi-POST resends, a re-pull, the demo's one placeholder)
    then costs a hash and a stat instead of a write and two fsyncs. A file this process has
    not itself seen flushed is fsynced once, with its folder: another thread may have
    renamed it in a moment ago and not yet flushed the folder, and a 201 must not rest on
    that."""
    final = root / sha[:2] / sha
    try:
        if final.stat().st_size != len(data):
            return None  # not ours to trust: write it again below
        if str(final) not in _DURABLE:
            _fsync_file(final)
            _fsync_dir(final.parent)
            _durable(final)
    except OSError:
        return None
    return StoredFile(sha256=sha, size=len(data), path=f"{sha[:2]}/{sha}")


# Attachment folders this process has made sure exist: a mkdir per file is a system call
# that, with eight uploads at once, queues on the folder's lock. Should one be removed
# while we run, creating the temporary file fails and the folder is made again.
_ROOTS: set[Path] = set()


def _incoming(root: Path) -> tuple[int, str]:
    if root not in _ROOTS:
        root.mkdir(parents=True, exist_ok=True)
        _ROOTS.add(root)
    try:
        return tempfile.mkstemp(dir=root, prefix=".incoming-")
    except FileNotFoundError:
        root.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=root, prefix=".incoming-")


def store(root: Path, *, data: bytes | None = None, path: Path | None = None, max_bytes: int) -> StoredFile:
    """Copy ``data`` (or the file at ``path``) into the store; refuse more than ``max_bytes``."""
    sha = None
    if data is not None:
        if len(data) > max_bytes:
            raise AttachmentError(f"attachment is {len(data)} bytes, more than the {max_bytes} allowed", too_large=True)
        sha = hashlib.sha256(data).hexdigest()  # once: a photo is megabytes
        held = _held(root, data, sha)
        if held is not None:
            return held
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
        folder = root / sha[:2]
        if not folder.is_dir():
            folder.mkdir(exist_ok=True)
            _fsync_dir(root)  # the new folder's own name must survive a power cut too
        final = folder / sha
        if final.exists():
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
