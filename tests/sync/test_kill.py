"""A pull killed half-way (SIGKILL of a real `chips sync` process) and run again ends with
exactly the fake's content: nothing skipped, nothing stored twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from sync import cursor as cursors
from sync.runner import run
from sync.tables import sync_items
from tests.fakes.server import Fault
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config
from tests.sync.helpers import count_rows, held, page_readers, present_files, report_pull

REPO = Path(__file__).resolve().parents[2]
SRC = "central:c"


def _wait(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_pull_killed_half_way_resumes_its_pass_and_ends_exact(tmp_path, central, forms):
    ids = central.seed(REG, 1500, random.Random(11), attachment_every=25)
    write_config(tmp_path, central_url=central.url, page_size=250)
    db = f"sqlite:///{tmp_path / 'chips.sqlite'}"
    settings = make_settings(tmp_path, db)
    engine = prepare_store(settings, forms)
    # slow each page down so the kill lands while a pass is under way
    central.faults.append(Fault("timeout", ".svc/Submissions", times=1000, delay=0.25))

    env = {**os.environ, **PASSWORD_ENV, "CHIPS_INSTANCE_DIR": str(tmp_path), "CHIPS_DATABASE_URL": db}
    proc = subprocess.Popen([sys.executable, "-m", "chips", "sync", "c"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait(lambda: central.log.count("GET", ".svc/Submissions", query="skiptoken") >= 3)
        readers = page_readers(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        # its page reader goes with it (PR_SET_PDEATHSIG), asking the fake nothing more
        assert len(readers) == 1
        _wait(lambda: not readers & page_readers(), timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    with engine.connect() as conn:
        cur = cursors.load(conn, SRC, REG)
        items = conn.execute(select(func.count()).select_from(sync_items)).scalar_one()
    stored = count_rows(engine, SRC)
    assert cur.in_pass and "skiptoken" in cur.pass_url and cur.since is None
    assert 0 < stored < 1500 and stored % 250 == 0 and items == stored   # whole pages only

    # while it was down: an edit of a stored row, a new submission, a deletion
    newest_first = list(reversed(ids))
    central.edit(REG, newest_first[0], ("location/dusun", "Krajan"))
    central.delete(REG, newest_first[1])
    central.seed(REG, 5, random.Random(12), start=datetime.now(timezone.utc))
    central.faults.clear()
    central.log.clear()

    first = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    assert first.stopped is None
    pages = [q for _, p, q in central.log.entries if ".svc/Submissions" in p]
    assert "skiptoken" in pages[0]                  # the same pass went on
    second = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    report_pull("sync kill[central]", engine, SRC, central.content(REG), requests=len(central.log.entries),
                faults=1)   # the SIGKILL; the log counts the requests after it
    assert second.stopped is None

    assert held(engine, SRC) == central.content(REG)
    assert count_rows(engine, SRC) == 1500 + 5 + 1   # every submission once, plus the edit's new version
    files = {s.instance_id: set(s.attachments) for s in central.forms[REG].subs
             if s.attachments and s.deleted_at is None}
    stored_files = present_files(engine, SRC)
    assert {k: v for k, v in stored_files.items() if k in set(central.content(REG).values())} == files
