"""kill -9 of a real ``chips serve`` process in the middle of a submission burst: every
submission it answered 201 (or 202) before dying is in the store with its attachments
intact, and the restarted server takes the rest (resends answer 201 or 202, never 409)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from requests.auth import HTTPDigestAuth

from chips.db.schema import PROJECTION_TABLES
from chips.ingest import reproject
from tests.reliability.checks import attachment_files, stored_counts
from tests.reliability.figures import report
from tests.reliability.workload import make_items
from tests.server.conftest import OR, PASSWORD, USER, start
from tests.support.db import dump_tables

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 8
COUNT = 600
KILL_AFTER = 150  # acknowledged submissions before the kill: the burst is well under way


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(predicate, what: str, limit: float = 120.0) -> None:
    # a bound on waiting so the test stops by itself; not a timing assertion
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting: {what}")


class Serve:
    """``chips serve`` as a child process on a fixed port."""

    def __init__(self, instance: Path, db_url: str, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "CHIPS_INSTANCE_DIR": str(instance), "CHIPS_DATABASE_URL": db_url}
        self.port, self.log, self.proc = port, log, None

    def start(self) -> None:
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chips", "serve", "--port", str(self.port), "--threads", "4"],
            cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        _wait_until(self.answers, f"chips serve on {self.url} (log {self.log})")

    def answers(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()[-3000:]
        try:
            return requests.head(f"{self.url}/submission", headers=OR, timeout=2).status_code == 401
        except requests.ConnectionError:
            return False

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def _sessions():
    local = threading.local()

    def get() -> requests.Session:
        if getattr(local, "s", None) is None:
            local.s = requests.Session()
            local.s.auth = HTTPDigestAuth(USER, PASSWORD)
            local.s.headers.update(OR)
        return local.s

    return get


def test_kill9_mid_burst_keeps_every_acknowledged_submission(db_url, tmp_path, built_forms):
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    store, _ = start(db_url, tmp_path, built_forms)  # migrated, forms published, device user
    instance = store.settings.instance_dir
    items = make_items(built_forms, COUNT, seed=21, photo_every=2)
    server = Serve(instance, db_url, _free_port(), tmp_path / "serve.log")
    session = _sessions()
    answers: dict[str, int | str] = {}
    acked = threading.Event()
    lock = threading.Lock()

    def post(item):
        try:
            status = session().post(f"{server.url}/submission", files=item.parts(), timeout=60).status_code
        except requests.RequestException as exc:
            status = type(exc).__name__  # no answer: the phone keeps it and sends it again
        with lock:
            answers[item.instance_id] = status
            if sum(1 for v in answers.values() if v in (201, 202)) >= KILL_AFTER:
                acked.set()
        return status

    try:
        server.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(post, item) for item in items]
            _wait_until(acked.is_set, f"{KILL_AFTER} acknowledged submissions")
            server.kill9()
            for f in futures:
                f.result()
        killed_by = server.proc.returncode

        # straight after the crash, before anything restarts: what was promised is there
        acknowledged = [i for i in items if answers[i.instance_id] in (201, 202)]
        unanswered = [i for i in items if answers[i.instance_id] not in (201, 202)]
        stored = stored_counts(store.engine)
        files = attachment_files(store.engine, store.settings.attachments_dir)
        lost = [i.instance_id for i in acknowledged if stored.get(i.instance_id) != 1]
        broken = [(i.instance_id, n) for i in acknowledged for n, sha in i.sha256s().items()
                  if files.get((i.instance_id, n)) != (True, sha, sha)]
        other = Counter(v for v in answers.values() if isinstance(v, int) and v not in (201, 202))

        server.start()
        resend = Counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            for status in pool.map(lambda i: session().post(f"{server.url}/submission", files=i.parts(),
                                                            timeout=60).status_code, unanswered + acknowledged[:50]):
                resend[status] += 1
    finally:
        server.stop()

    # no half-projected submission survived the crash: rebuilding the projection from the
    # raw submissions gives the same rows
    projection = [t.name for t in PROJECTION_TABLES]
    projected = dump_tables(store.engine, projection)
    with store.engine.begin() as conn:
        reproject(conn, store.settings)
    rebuilt = dump_tables(store.engine, projection)
    final = stored_counts(store.engine)
    files = attachment_files(store.engine, store.settings.attachments_dir)
    missing_after = [i.instance_id for i in items if final.get(i.instance_id) != 1]
    broken_after = [(i.instance_id, n) for i in items for n, sha in i.sha256s().items()
                    if files.get((i.instance_id, n)) != (True, sha, sha)]
    report(f"kill9[{kind}]", requests=len(items) + sum(resend.values()), clients=CLIENTS, faults="1 SIGKILL",
           acknowledged_before_kill=len(acknowledged), unanswered=len(unanswered),
           stored_unacknowledged=sum(1 for i in unanswered if stored.get(i.instance_id)),
           resent=sum(resend.values()), resend_201=resend[201], resend_202=resend[202],
           resend_409=resend[409], lost=len(lost) + len(missing_after), broken_attachments=len(broken) + len(broken_after),
           projection_rows=sum(len(rows) for rows in projected.values()), projection_as_rebuilt=projected == rebuilt)

    assert killed_by == -signal.SIGKILL
    assert unanswered, "the kill came after the burst: nothing was in flight"
    assert not other, other
    assert not lost and not broken
    assert set(resend) <= {201, 202}, resend
    assert not missing_after and not broken_after
    assert sum(final.values()) == len(items)
    assert projected == rebuilt
