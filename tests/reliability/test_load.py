"""Load: thousands of OpenRosa submissions of the real forms from 16 concurrent Digest
clients against the app on waitress (real HTTP, loopback), with identical resends racing
their originals; then every 201 must be in ``submissions`` exactly once, projected, with
its attachments — none lost, none doubled."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from lxml import etree
from requests.auth import HTTPDigestAuth

from server.app import create_app
from tests.reliability.checks import attachment_files, projected_instance_ids, stored_counts
from tests.reliability.figures import report
from tests.reliability.workload import make_items
from tests.server.conftest import OR, PASSWORD, USER, start
from tests.support.live_server import serving

CLIENTS = 16
COUNT = {"sqlite": 2000, "postgresql": 2000}  # the figure, on both stores
RESEND_SHARE = 10  # one submission in ten is sent a second time while the burst runs
ORR = "{http://openrosa.org/http/response}"


def _client_pool():
    local = threading.local()

    def session() -> requests.Session:
        if getattr(local, "session", None) is None:
            s = requests.Session()
            s.auth = HTTPDigestAuth(USER, PASSWORD)  # reuses the nonce: one round trip per POST
            s.headers.update(OR)
            local.session = s
        return local.session

    return session


def _is_openrosa(resp: requests.Response) -> bool:
    try:
        return etree.fromstring(resp.content).tag == f"{ORR}OpenRosaResponse"
    except etree.XMLSyntaxError:
        return False


def test_concurrent_burst_loses_and_doubles_nothing(db_url, tmp_path, built_forms):
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    items = make_items(built_forms, COUNT[kind], seed=7)
    rng = random.Random(8)
    # the resends are queued a little after their original, so many race it on another client
    schedule = list(items)
    for item in rng.sample(items, len(items) // RESEND_SHARE):
        schedule.insert(min(len(schedule), schedule.index(item) + rng.randint(1, CLIENTS)), item)

    store, _ = start(db_url, tmp_path, built_forms)
    session = _client_pool()

    def post(item):
        resp = session().post(f"{url}/submission?deviceID=collect:load{threading.get_ident() % 97}", files=item.parts())
        return item, resp.status_code, _is_openrosa(resp)

    with serving(create_app(store.settings)) as url:
        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(post, schedule))
        seconds = time.monotonic() - started
        alive = session().head(f"{url}/submission").status_code

    statuses = Counter(status for _, status, _ in answers)
    not_openrosa = [item.instance_id for item, _, ok in answers if not ok]
    created = Counter(item.instance_id for item, status, _ in answers if status == 201)
    stored = stored_counts(store.engine)
    lost = [iid for iid in created if stored.get(iid, 0) == 0]
    doubled = [iid for iid, n in stored.items() if n > 1]
    projected = projected_instance_ids(store.engine)
    unprojected = [i.instance_id for i in items if i.instance_id not in projected[i.form_id]]
    files = attachment_files(store.engine, store.settings.attachments_dir)
    bad_files = [(i.instance_id, name) for i in items for name, sha in i.sha256s().items()
                 if files.get((i.instance_id, name)) != (True, sha, sha)]
    report(f"load[{kind}]", requests=len(schedule), clients=CLIENTS, created_201=statuses[201],
           resent_202=statuses[202], other=sum(n for c, n in statuses.items() if c not in (201, 202)),
           faults=0, attachments=sum(len(i.files) for i in items), per_second=round(len(schedule) / seconds),
           lost=len(lost), doubled=len(doubled), unprojected=len(unprojected), bad_attachments=len(bad_files))

    assert set(statuses) <= {201, 202}, statuses
    assert not not_openrosa
    # each submission exactly one 201 (the first to commit), every resend a 202
    assert set(created) == {i.instance_id for i in items} and set(created.values()) == {1}
    assert statuses[202] == len(schedule) - len(items)
    assert not lost and not doubled and sum(stored.values()) == len(items)
    assert not unprojected
    assert not bad_files
    assert alive == 204
