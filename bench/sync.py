"""Benchmark of a pull from ODK Central (the fake of tests/fakes, on loopback).

    .venv/bin/python bench/sync.py                 # 50,000 submissions, SQLite under a temp dir
    .venv/bin/python bench/sync.py -n 5000 --db-url postgresql+psycopg://postgres@127.0.0.1/test

Prints three timings:
- download: merely fetching the same OData pages with requests (login, $top, following
  @odata.nextLink to the end, parsing the JSON): the floor any pull has to pay;
- full pull: `chips sync` of every submission into an empty store (records, raw JSON,
  projection, cursor, one transaction per page; the pages after the first fetched, parsed
  and converted by the pull's page reader, a child process, meanwhile);
- empty re-sync: the same again with nothing new (one empty page), as a fraction of the
  full pull.
The fake Central runs in a process of its own (seeded there, served by the same threaded
loopback server the tests use), as a real Central is another server: its Python work does
not share our interpreter's lock, and the download and the pull talk to the same server.
Then the CPU seconds of this process (with its page reader) and of the fake's in each
phase, and what a pull within the target (1.5 x the download) could spend: on one
interpreter lock, or spread perfectly over the machine's cores beside the fake's own work;
the distance to each says whether a pull can meet the target by doing less, or only by
also moving work to another process.
It also prints how many households and members the pull projected: one per seeded row
with ``consent = yes`` (the entity id comes from the form's ``entity_id`` mirror, as
Central's JSON has no attributes; forms/README.md); the others are stored raw and project
to none.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ingest import cpu_seconds  # noqa: E402
from tests.fakes.central import FakeCentral  # noqa: E402
from tests.fakes.server import ThreadedServer  # noqa: E402
from tests.fakes.xforms import built_forms  # noqa: E402

FORM = "household_registration"
ENV = {"CHIPS_SOURCE_BENCH_PASSWORD": "rahasia"}
TARGET = 1.5   # the target for a full pull, times the bare download


def own_cpu() -> float:
    """CPU seconds of this process and of its children that have ended: the pull's page
    reader (sync/page_worker.py) is a child joined when its pass ends, while the fake
    Central, also a child, is not waited for until the end and so is not counted here."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def download_only(url: str, top: int) -> tuple[int, int]:
    session = requests.Session()
    token = session.post(f"{url}/v1/sessions", json={"email": "sync@example.org", "password": "rahasia"},
                         timeout=60).json()["token"]
    session.headers["Authorization"] = f"Bearer {token}"
    next_url = f"{url}/v1/projects/1/forms/{FORM}.svc/Submissions?$top={top}&$expand=*"
    rows = pages = 0
    while next_url:
        body = session.get(next_url, timeout=60).json()
        rows += len(body["value"])
        pages += 1
        next_url = body.get("@odata.nextLink")
    return rows, pages


def serve_fake(form_xml: bytes, n: int, conn) -> None:
    """The child process: seed the fake Central, serve it, send its URL, wait to be told to stop."""
    fake = FakeCentral()
    fake.add_form(form_xml)
    t = time.perf_counter()
    fake.seed(FORM, n, random.Random(1), variants=16, attachment_every=0)
    seeded = time.perf_counter() - t
    with ThreadedServer(fake.app) as server:
        conn.send((server.url, seeded))
        try:
            conn.recv()   # anything ends it
        except EOFError:
            pass          # the parent has gone
    conn.close()


class OutOfProcessCentral:
    """The fake Central of ``serve_fake`` in a spawned process, for a ``with`` block."""

    def __init__(self, form_xml: bytes, n: int):
        ctx = multiprocessing.get_context("spawn")   # a fresh interpreter, nothing of ours
        self._conn, self._child = ctx.Pipe()
        self._proc = ctx.Process(target=serve_fake, args=(form_xml, n, self._child), daemon=True)

    def __enter__(self):
        self._proc.start()
        self._child.close()   # so that recv() sees EOF should the child die while seeding
        self.pid = self._proc.pid
        self.url, self.seeded = self._conn.recv()
        return self

    def __exit__(self, *exc):
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50_000, help="submissions in the fake Central")
    parser.add_argument("--top", type=int, default=1000, help="OData page size ($top)")
    parser.add_argument("--db-url", help="database (default: a fresh SQLite file)")
    args = parser.parse_args()

    from chips import formdefs
    from chips.db.engine import make_engine
    from chips.db.migrate import upgrade
    from chips.settings import load_settings
    from sync.runner import run

    forms = built_forms()
    with OutOfProcessCentral(forms[FORM], args.n) as server, tempfile.TemporaryDirectory() as tmp:
        print(f"seeded {args.n} submissions of {FORM} in {server.seeded:.1f} s (fake Central "
              f"in process {server.pid})", flush=True)
        instance = Path(tmp)
        (instance / "chips.toml").write_text(
            f'[sources.bench]\ntype = "central"\nurl = "{server.url}"\nproject = 1\n'
            f'email = "sync@example.org"\npage_size = {args.top}\n')
        settings = load_settings(environ={}, instance_dir=instance,
                                 database_url=args.db_url or f"sqlite:///{instance / 'chips.sqlite'}")
        engine = upgrade(make_engine(settings))
        with engine.begin() as conn:
            formdefs.publish(conn, list(forms.values()))

        # CPU seconds of this process (every thread, and the pull's page reader) and of the
        # fake Central's, per phase: on two cores, what the pull can gain from overlapping
        # its work with the server's is bounded by their sum (printed below as the CPU budget)
        t, mine, theirs = time.perf_counter(), own_cpu(), cpu_seconds(server.pid)
        rows, pages = download_only(server.url, args.top)
        download = time.perf_counter() - t
        cpu_download = (own_cpu() - mine, cpu_seconds(server.pid) - theirs)

        t, mine, theirs = time.perf_counter(), own_cpu(), cpu_seconds(server.pid)
        tally = run(settings, ["bench"], environ=ENV)["bench"]
        full = time.perf_counter() - t
        cpu_full = (own_cpu() - mine, cpu_seconds(server.pid) - theirs)
        assert tally.stopped is None and tally.new == args.n, tally

        t, mine, theirs = time.perf_counter(), own_cpu(), cpu_seconds(server.pid)
        again = run(settings, ["bench"], environ=ENV)["bench"]
        empty = time.perf_counter() - t
        cpu_empty = (own_cpu() - mine, cpu_seconds(server.pid) - theirs)
        assert again.new == 0 and again.stopped is None

        from sqlalchemy import func, select

        from chips.db.schema import households, members
        with engine.connect() as conn:
            projected = (conn.execute(select(func.count()).select_from(households)).scalar_one(),
                         conn.execute(select(func.count()).select_from(members)).scalar_one())

    db = "PostgreSQL" if args.db_url and args.db_url.startswith("postgres") else "SQLite"
    print(f"\n{args.n} submissions, {pages} pages of {args.top}, store on {db}; "
          f"projected {projected[0]} households, {projected[1]} members")
    print(f"{'download only (requests)':<28}{download:>9.1f} s  {rows / download:>8,.0f} rows/s")
    print(f"{'full pull (chips sync)':<28}{full:>9.1f} s  {args.n / full:>8,.0f} rows/s"
          f"  = {full / download:.1f} x download")
    print(f"{'empty re-sync':<28}{empty:>9.3f} s  = {empty / full:.2%} of the full pull")
    cores = len(os.sched_getaffinity(0))
    print(f"\nCPU seconds{'':<17}{'ours':>9}  {'fake Central':>12}")
    for name, (ours, fake) in (("download only", cpu_download), ("full pull", cpu_full)):
        print(f"{name:<28}{ours:>9.1f}  {fake:>12.1f}")
    # the empty re-sync's one page is the fake filtering every row it holds in Python
    print(f"{'empty re-sync':<28}{cpu_empty[0]:>9.3f}  {cpu_empty[1]:>12.3f}")
    # What a pull within TARGET x the download may spend: one interpreter runs its Python
    # on one core at a time; even split perfectly over processes, the cores are shared
    # with the server's own work.
    budget = TARGET * download
    ours, fake = cpu_full
    print(f"for a full pull within {TARGET} x download ({budget:.1f} s) our CPU may be at most "
          f"{budget:.1f} s in one interpreter, or {cores * budget - fake:.1f} s spread perfectly "
          f"over {cores} cores beside the fake's {fake:.1f} s; it is {ours:.1f} s "
          f"({ours / budget:.1f} x and {ours / (cores * budget - fake):.1f} x those)")


if __name__ == "__main__":
    main()
