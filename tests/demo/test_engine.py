"""A sample of demo submissions, filled again by ODK's own XForm engine from their answers:
the engine accepts them (required, constraints) and computes the same calculated fields
and the same XML structure (tests/support/engine.py)."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import datetime, timedelta

import pytest
from lxml import etree

from chips.demo import calc
from chips.demo.generate import WIB
from chips.demo.submissions import (
    household_properties,
    load_templates,
    placeholder_photo,
    pregnancy_properties,
    request_properties,
    programme_submissions,
)
from tests.support.engine import EngineUnavailable, FillJob, fill_many

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
# values that depend on the moment or the device of the fill, not on the answers
VOLATILE = {"start", "end", "today", "deviceid", "username", "meta/instanceID", "meta/entity/@id"}


def _input_paths(xform: bytes) -> set[str]:
    """Paths (below the root) of the questions a person answers: body controls that are not
    read-only (notes are)."""
    doc = etree.fromstring(xform)
    model = doc.find(f"{{{H}}}head/{{{XF}}}model")
    readonly = {b.get("nodeset") for b in model.findall(f"{{{XF}}}bind") if b.get("readonly") == "true()"}
    refs = set()
    for el in doc.find(f"{{{H}}}body").iter():
        ref = el.get("ref") if isinstance(el.tag, str) else None
        if ref and etree.QName(el).localname in ("input", "select1", "select", "upload") and ref not in readonly:
            refs.add("/".join(ref.split("/")[2:]))
    return refs


def _leaves(xml: bytes) -> list[tuple[str, str]]:
    """(path with repeat positions, text) of every element in document order, and attributes of meta/entity."""
    root = etree.fromstring(xml)
    out = []

    def walk(el, prefix):
        seen: dict[str, int] = {}
        for child in el:
            seen[child.tag] = seen.get(child.tag, 0) + 1
            path = f"{prefix}{child.tag}"
            if child.tag == "members":
                path += f"[{seen[child.tag]}]"
            out.append((path, (child.text or "") if len(child) == 0 else "<group>"))
            for name, value in sorted(child.attrib.items()):
                out.append((f"{path}/@{name}", value))
            walk(child, path + "/")

    walk(root, "")
    return out


def _answers(xml: bytes, inputs: set[str], photo_dir) -> list[tuple[str, str]]:
    answers = []
    for path, value in _leaves(xml):
        plain = "/".join(p.split("[")[0] for p in path.split("/"))
        if plain in inputs and value != "<group>":
            if value.endswith(".png"):
                target = photo_dir / value
                target.write_bytes(placeholder_photo())
                value = str(target)
            answers.append((path, value))
    return answers


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _pick(subs, form_id, predicate, n=1):
    found = [s for s in subs if s.form_id == form_id and predicate(etree.fromstring(s.xml))]
    assert len(found) >= n, f"no {form_id} sample of that kind"
    return found[:n]


@pytest.fixture(scope="module")
def samples(programme, built_forms, demo_submissions):
    """Submissions of every branch the demo uses, and the media files their forms read."""
    # registrations are remade as of today: the engine's today() is the real one, so the
    # moment they start stays on today's date in WIB (half an hour ago, or midnight when
    # the day is younger: a run at 17:00-17:30 UTC got yesterday's date)
    now_wib = datetime.now(WIB).replace(second=0, microsecond=0)
    today_wib = max(now_wib - timedelta(minutes=30), now_wib.replace(hour=0, minute=0))
    wanted = []
    hhs = programme.households
    lone_yes = next(h for h in hhs if h.kenthongan_installed is True)
    lone_no = next(h for h in hhs if h.kenthongan_installed is False)
    pregnant = next(h for h in hhs if any(m.pregnant for m in h.members) and len(h.members) > 3)
    no_sticker = next(h for h in hhs if h.sticker_serial is None)
    shifted = [dataclasses.replace(h, started=today_wib, finished=today_wib + timedelta(minutes=9))
               for h in (lone_yes, lone_no, pregnant, no_sticker)]
    moved = dataclasses.replace(programme, households=shifted, pregnancies=[], requests=[], visits=[], surveys=[])
    wanted += list(programme_submissions(moved, load_templates(built_forms)))
    subs = demo_submissions
    wanted += _pick(subs, "anc_visit", lambda r: r.findtext("first_visit") == "yes" and r.find("mother/hpht") is not None)
    wanted += _pick(subs, "anc_visit", lambda r: r.find("ga_weeks_entered") is not None)
    wanted += _pick(subs, "anc_visit", lambda r: r.findtext("first_visit") == "no" and r.findtext("high_risk") == "yes")
    wanted += _pick(subs, "anc_visit", lambda r: r.findtext("first_visit") == "no" and r.findtext("trimester") == "3")
    wanted += _pick(subs, "visit_request", lambda r: r.findtext("reporter/serial_read") == "yes")
    wanted += _pick(subs, "visit_request", lambda r: r.findtext("place/household_known") == "no")
    for status in ("on_time", "late", "breach"):
        wanted += _pick(subs, "home_visit", lambda r, s=status: r.findtext("response_status") == s
                        and r.findtext("request_group/request_listed") == "yes")
    wanted += _pick(subs, "home_visit", lambda r: r.findtext("request_group/request_listed") == "no")
    wanted += _pick(subs, "house_condition", lambda r: r.findtext("nutrition/nutrition_concern") == "yes"
                    and r.findtext("unhealthy_house") == "yes")
    wanted += _pick(subs, "house_condition", lambda r: r.findtext("followup_needed") == "no")
    media = {
        "households.csv": _csv([household_properties(h) for h in hhs]),
        "visit_requests.csv": _csv([request_properties(r, hhs) for r in programme.requests]),
        "pregnancies.csv": _csv([pregnancy_properties(p, hhs) for p in programme.pregnancies]),
    }
    return wanted, media


@pytest.mark.slow
def test_the_engine_accepts_and_computes_the_same(samples, built_forms, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Jakarta")  # the phones' clock: today() and request ids in WIB
    wanted, media = samples
    jobs = []
    for sub in wanted:
        xform = (built_forms / f"{sub.form_id}.xml").read_bytes()
        answers = _answers(sub.xml, _input_paths(xform), tmp_path)
        jobs.append(FillJob(built_forms / f"{sub.form_id}.xml", answers, media))
    try:
        results = fill_many(jobs)
    except EngineUnavailable as exc:
        pytest.skip(str(exc))
    for sub, result in zip(wanted, results):
        assert result.valid, (sub.form_id, sub.instance_id, result.violations)
        ours, theirs = _leaves(sub.xml), _leaves(result.xml)
        assert [p for p, _ in ours] == [p for p, _ in theirs], sub.form_id
        engine_key = etree.fromstring(result.xml).findtext("request_key") or ""
        ours_by_path = dict(ours)
        for path, value in theirs:
            if path in VOLATILE:
                continue
            expected = ours_by_path[path]
            if path == "entity_id":
                # the engine drew its own entity id: the mirror holds it, as ours holds ours
                assert expected == ours_by_path["meta/entity/@id"], sub.form_id
                expected = dict(theirs)["meta/entity/@id"]
            if sub.form_id == "visit_request" and path in ("request_key", "request_id", "meta/instanceName", "meta/entity/label"):
                # the request key is random: the engine drew its own
                expected = expected.replace(calc.request_key(sub.instance_id), engine_key)
            assert value == expected, (sub.form_id, path, value, expected)
