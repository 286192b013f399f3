"""The SQL twin of the SPM's ANC indicators (chips.queries.anc_counts) gives the rules'
answers: pregnancies built and judged by chips.rules on the same generated rows, under
every preset, on SQLite and PostgreSQL — folded from the visits, read from the stored
``pregnancy_tallies``, or some of each."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from chips.db.migrate import upgrade
from chips.db.schema import anc_visits, pregnancies, submissions
from chips.queries import anc as anc_queries
from chips.db.tally_tables import pregnancy_tallies, pregnancy_tallies_due
from chips.queries.anc_counts import PregnancyFacts, pregnancy_counts, pregnancy_facts, rebuild_tallies
from chips.rules.anc import AncConfig, ended_in_year
from chips.rules.anc_standards import PRESETS, evaluate
from chips.rules.spm import anc_hiv_test, anc_to_standard
from sqlalchemy import select

YEAR = 2025
AS_OF = date(2026, 3, 1)
VILLAGES = ["35.10.20.2001", "35.10.20.2002", "", None]


def maybe(rnd, value, p=0.85):
    return value if rnd.random() < p else None


class Tidy(random.Random):
    """For a third of the pregnancies: every answer given (the first choice, which is a
    good one), so that some meet even the strictest standard."""

    def choice(self, seq):
        return seq[0] if self.on else super().choice(seq)

    def random(self):
        return 0.0 if self.on else super().random()


def generate(rnd: random.Random, n: int) -> tuple[list[dict], list[dict]]:
    """Pregnancies with every awkward case the rules handle: visits dated by HPHT, by
    recorded days or weeks, or not at all; HPHTs that disagree; missing and blank 10T
    answers; examiners spelt differently; visits on the same day; villages missing."""
    pregs, visits = [], []
    vid = 0
    for k in range(n):
        rnd.on = False
        tidy = rnd.random() < 0.35
        hpht = date(2024, 1, 1) + timedelta(days=rnd.randrange(800))
        pregs.append({"uuid": f"p{k}", "village_code": rnd.choice(VILLAGES), "hpht": hpht,
                      "edd": hpht + timedelta(days=280) if rnd.random() < 0.9 else None,
                      "first_visit_on": hpht + timedelta(days=30)})
        day = rnd.randrange(-10, 60) if not tidy else 20
        for _ in range(rnd.randrange(1, 9) if not tidy else 10):
            vid += 1
            rnd.on = tidy and rnd.getrandbits(3) != 0  # now and then a gap even in a tidy one
            visit_day = hpht + timedelta(days=day)
            dating = rnd.random()
            row_hpht = hpht + timedelta(days=rnd.choice([0, 0, 0, 5, -40, 35])) if dating < 0.6 else None
            visits.append({
                "id": rnd.choice([vid, vid + 100_000]),  # ids whose text order differs from their number
                "pregnancy_uuid": f"p{k}", "village_code": rnd.choice(VILLAGES), "visit_date": visit_day,
                "hpht": row_hpht,
                "ga_days": day + rnd.choice([0, 3, -3]) if 0.6 <= dating < 0.75 else None,
                "ga_weeks": day // 7 if 0.6 <= dating < 0.9 and rnd.random() < 0.6 else None,
                "examined_by": rnd.choice(["doctor", "bidan", " Dokter ", "dr", "DOKTER_SPOG", None, "perawat"]),
                "weight_kg": maybe(rnd, 55.0), "systolic": maybe(rnd, 110), "diastolic": maybe(rnd, 70, 0.95),
                "lila_cm": maybe(rnd, 24.0), "fundal_height_cm": maybe(rnd, 20.0, 0.7),
                "fetal_presentation": rnd.choice(["head", "", "  ", None, "breech"]),
                "tt_status": rnd.choice(["T2", "unknown", "", None, "T5"]),
                "iron_tablets": rnd.choice([30, 0, None, 90]),
                "hb_tested": rnd.choice([True, False, None]),
                "urine_protein": rnd.choice([None, "", "not_done", "negative"]),
                "hiv": rnd.choice([None, "", "non_reactive", "reactive", "done_before", "not_done"]),
                "syphilis": rnd.choice([None, "non_reactive"]), "hepatitis_b": rnd.choice([None, "not_done"]),
                "case_management": rnd.choice(["none_needed", "", " ", None]),
                "counselling": rnd.choice(["nutrition danger_signs", "", " ", None]),
            })
            day += rnd.choice([30, 0, 7, 20, 45, 60])
    return pregs, visits


@pytest.fixture
def store(db_url):
    engine = upgrade(db_url)
    rnd = Tidy(20251)
    pregs, visits = generate(rnd, 400)
    seen = set()
    visits = [v for v in visits if not (v["id"] in seen or seen.add(v["id"]))]
    with engine.begin() as conn:
        sid = conn.execute(submissions.insert().values(
            instance_id="uuid:t", logical_id="uuid:t", form_id="anc_visit", form_version="1", source="test",
            received_at=datetime(2026, 1, 1), raw=b"", raw_format="xml", raw_sha256="0" * 64)).inserted_primary_key[0]
        origin = {"submission_id": sid, "logical_id": "uuid:t"}
        conn.execute(pregnancies.insert(), [{**p, **origin} for p in pregs])
        conn.execute(anc_visits.insert(), [{**v, **origin} for v in visits])
    return engine


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_twin_equals_rules(store, key):
    standard, config = PRESETS[key], AncConfig()
    with store.connect() as conn:
        rules = anc_queries.pregnancies_for_year(conn, YEAR, config)
        candidates = select(pregnancies.c.uuid).where(anc_queries.ended_in_year_condition(YEAR))
        twin = {c.uuid: c for c in pregnancy_counts(conn, candidates, standard)}
    assert len(rules) > 250 and set(twin) == {p.key for p in rules}
    kinds = set()
    for p in rules:
        c = twin[p.key]
        ev = evaluate(p, standard)
        assert c.hpht == p.hpht, p.key
        assert c.village == p.village, p.key
        assert c.met(standard) == ev.met, (p.key, ev.reasons, c)
        ended = c.end(AS_OF, config)
        assert (ended is not None and ended.year == YEAR) == ended_in_year(p, YEAR, AS_OF, config), p.key
        assert c.hiv_tested == any(d.visit.hiv_tested for d in p.visits)
        kinds.add((ev.met, ended_in_year(p, YEAR, AS_OF, config)))
    assert kinds == {(True, True), (True, False), (False, True), (False, False)}  # the data reach every case


def test_stored_tallies_are_the_fold(store):
    """``pregnancy_tallies`` (written by the ANC projection, here rebuilt as the benchmark
    and migration 0401 do) holds the fold of each pregnancy's visits."""
    with store.begin() as conn:
        assert len(conn.execute(select(pregnancy_tallies_due)).all()) == 400  # the rows went in outside the projection
        assert rebuild_tallies(conn) == 400
        rows = {r.pregnancy_uuid: PregnancyFacts.of_row(r) for r in conn.execute(select(pregnancy_tallies))}
        folded = {f.uuid: f for f in pregnancy_facts(conn, select(pregnancies.c.uuid))}
        assert conn.execute(select(pregnancy_tallies_due)).all() == []
    assert rows == folded and len(rows) == 400


@pytest.mark.parametrize("tallies", ["none", "stored", "some"])
@pytest.mark.parametrize("key", sorted(PRESETS))
def test_indicator_rows_equal(store, key, tallies):
    """The SPM rows equal the rules' whether the pregnancies' tallies are stored, missing
    (folded from the visits when read) or some of each."""
    from chips.queries.spm import anc_rows

    standard, config = PRESETS[key], AncConfig()
    with store.begin() as conn:
        if tallies != "none":
            rebuild_tallies(conn)
        if tallies == "some":
            conn.execute(pregnancy_tallies.delete().where(pregnancy_tallies.c.pregnancy_uuid.like("p%3")))
    with store.connect() as conn:
        built = anc_queries.pregnancies_for_year(conn, YEAR, config)
        anc, hiv = anc_rows(conn, YEAR, AS_OF, standard, config, {})
        ours = [*anc, *hiv]
    expected = [*anc_to_standard(built, YEAR, AS_OF, standard, config, {}), *anc_hiv_test(built, YEAR, AS_OF, config, {})]
    assert ours == expected
    assert sum(r.denominator for r in ours if r.village is None) > 50


def test_fast_rule_visit_equals_to_rule_visit(store):
    """The ANC page's fast path builds exactly the AncVisit of the plain conversion."""
    from chips.db.schema import anc_visits as A
    from chips.queries.anc import VISIT_COLUMNS, fast_rule_visit, fast_visits_statement, to_rule_visit

    with store.connect() as conn:
        preg = {r.uuid: r for r in conn.execute(select(pregnancies))}
        plain = conn.execute(select(*(A.c[c] for c in VISIT_COLUMNS)).order_by(A.c.id)).all()
        fast = conn.execute(fast_visits_statement(conn).order_by(A.c.id)).all()
    assert len(plain) == len(fast) > 1000
    items = set()
    for row, t in zip(plain, fast):
        p = preg[row.pregnancy_uuid]
        assert fast_rule_visit(t, p) == to_rule_visit(row, p)
        items.add(len(to_rule_visit(row, p).items_10t))
    assert 10 in items and min(items) <= 3  # visits with all and with few of the 10T were compared
