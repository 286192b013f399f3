"""Central's pages fetched, parsed and turned into records by a process of its own.

A first pull is bound by its own CPU, and one interpreter runs its Python on one core at a
time (bench/README.md): reading a page's JSON and converting its rows to records
(``chips.records.central``) needs nothing from the store, so a child process does that for
the pages after the first while the pull stores them. The child follows
``@odata.nextLink`` itself, one page ahead: a page it has prepared waits in the pipe until
the pull takes it (the write blocks), so it never runs further ahead than one page. Pages
still reach the pull one at a time and in order, and a ``SourceError`` of a fetch is
raised in the pull where that page would have been.

The child is ``python -m sync.page_worker`` (not ``multiprocessing``: a spawned child
imports the caller's main module again, which breaks any script without a ``__main__``
guard, and a forked one can inherit a lock another thread held). It gets its job on stdin
and writes pickled frames on stdout, and dies with its parent: on Linux the kernel kills
it when the pull's process goes (``PR_SET_PDEATHSIG``), elsewhere its next write fails on
the closed pipe. Each row's head and record cross the pipe as one JSON text a page: they
are dicts, lists and strings, and JSON reads back several times faster than ``pickle``
(``_encode``).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from chips.records.central import record_from_central_row
from sync.central import CentralClient, Page
from sync.retry import SourceError

# what the pull reads of a row itself; the rest of it reaches the store as its bytes and
# its record, so only these keys cross the pipe
HEAD_KEYS = ("__id", "__system", "meta")
ROOT = Path(__file__).resolve().parents[1]   # where ``sync`` and ``chips`` are imported from


@dataclass
class Prepared:
    """A page as the pull needs it, and each row's record (or the exception converting
    it raised, to be raised where the row is stored, as converting it there would)."""

    page: Page
    records: list[Any]


def records_of(rows: list[dict]) -> list[Any]:
    """Each row's record, or the exception converting it raised."""
    out: list[Any] = []
    for row in rows:
        try:
            out.append(record_from_central_row(row))
        except Exception as exc:  # noqa: BLE001 - raised again where the row is stored
            out.append(exc)
    return out


def prepare(page: Page) -> Prepared:
    """A page read in this process (the first of a pass, which has nothing to overlap)."""
    return Prepared(page, records_of(page.rows))


# -- the child ----------------------------------------------------------------------------
PARENT_ENV = "CHIPS_PAGE_READER_PARENT"   # the pull's pid, for the child to check


def _die_with_parent() -> None:
    """Be killed by the kernel when the pull's process dies (Linux). prctl(2): the signal
    comes when the *thread* that started the child ends; that is the pull's own thread,
    which outlives its ``PageStream``. A parent that died before this call is seen as a
    parent pid that is no longer the pull's."""
    if sys.platform != "linux":
        return
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return   # the closed pipe still stops it at its next write
    if os.environ.get(PARENT_ENV) not in (None, str(os.getppid())):
        os._exit(0)


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001 - any exception type may come from a conversion
        return ValueError(f"{type(exc).__name__}: {exc}")


def _encode(value: Any, raw_rows: list[bytes]) -> tuple[str, bytes]:
    """``value`` (what was parsed from ``raw_rows``) as JSON, and which encoder wrote it.

    orjson (a well-kept Rust extension) writes a page's heads and records in a tenth of the
    standard encoder's time and reads them back in two thirds (bench/README.md, page
    reader). It refuses what JSON's standard decoder accepts and it cannot write (an
    integer beyond 64 bits, a lone surrogate), and it would write NaN or Infinity as null:
    those pages go through the standard module, both ways, so a record arrives exactly as
    it was made."""
    text = b"".join(raw_rows)   # a copy of 2.5 MB takes a fraction of a millisecond
    if b"NaN" not in text and b"Infinity" not in text:
        try:
            return "orjson", orjson.dumps(value)
        except TypeError:   # orjson.JSONEncodeError is one
            pass
    # ASCII: a lone surrogate (valid in a JSON escape) cannot be written as UTF-8
    return "json", json.dumps(value, separators=(",", ":")).encode("ascii")


def _decode(kind: str, data: bytes) -> Any:
    return orjson.loads(data) if kind == "orjson" else json.loads(data)


def serve(job: tuple, out: BinaryIO) -> None:
    """Fetch, parse and convert the pages of ``job`` (source, form, first URL, session), one
    frame each on ``out``; a ``SourceError`` is the last frame."""
    source, form, url, login = job
    client = CentralClient(source)
    client.adopt(login)   # the pull's session: no second login

    def send(*frame: Any) -> None:
        pickle.dump(frame, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    while url:
        try:
            page = client.page(form, url)
        except SourceError as exc:
            send("error", str(exc), exc.status)   # as parts: its status would not pickle
            return
        records = records_of(page.rows)
        # a failed conversion goes beside the JSON, which holds null in its place
        errors = {i: _picklable(r) for i, r in enumerate(records) if isinstance(r, Exception)}
        if errors:
            records = [None if i in errors else r for i, r in enumerate(records)]
        heads = [{k: r[k] for k in HEAD_KEYS if k in r} for r in page.rows]
        body = {k: v for k, v in page.body.items() if k != "value"}
        kind, data = _encode([heads, records], page.raw_rows)
        send("page", body, page.raw_rows, page.server_time, kind, data, errors)
        nxt = page.next_link
        url = client.follow(form, nxt) if nxt else None


def main() -> None:
    _die_with_parent()
    # frames go to the pipe on fd 1; anything printed goes to stderr instead of into them
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        serve(pickle.load(sys.stdin.buffer), out)
    except (BrokenPipeError, KeyboardInterrupt):
        pass   # the pull has stopped
    except BaseException as exc:  # noqa: BLE001 - the pull stops the source with it
        try:
            pickle.dump(("error", f"page reader: {type(exc).__name__}: {exc}", None), out)
            out.flush()
        except OSError:
            pass
        raise


# -- the pull's side ----------------------------------------------------------------------
def read_frame(stream: BinaryIO) -> Prepared:
    """The next page ``serve`` wrote on ``stream``; raises the ``SourceError`` it sent, or
    EOFError when it wrote nothing more."""
    frame = pickle.load(stream)
    if frame[0] == "error":
        raise SourceError(frame[1], frame[2])
    _, body, raw_rows, server_time, kind, data, errors = frame
    heads, records = _decode(kind, data)
    body["value"] = heads
    for i, exc in errors.items():
        records[i] = exc
    return Prepared(Page(body, raw_rows, server_time), records)


class PageStream:
    """The prepared pages from ``url`` on, from a child process; ``next()`` waits for one.

    Use in a ``with`` block: leaving it stops the child, whether the pull ended or failed."""

    def __init__(self, client: CentralClient, form: str, url: str):
        self._what = f"source {client.source.name}, form {form}"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env[PARENT_ENV] = str(os.getpid())
        self._proc = subprocess.Popen([sys.executable, "-m", "sync.page_worker"], env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        job = (client.source, form, url, client.handover())
        try:
            self._proc.stdin.write(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            self._proc.stdin.close()
        except BrokenPipeError:
            pass   # it died at once: next() says so

    def next(self) -> Prepared:
        try:
            return read_frame(self._proc.stdout)
        except (EOFError, pickle.UnpicklingError):
            code = self._proc.wait(timeout=10)
            raise SourceError(f"{self._what}: the page reader stopped (exit code {code})") from None

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()   # it may be waiting on the server: nothing of it is needed now
        self._proc.wait()
        self._proc.stdout.close()

    def __enter__(self) -> "PageStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    main()
