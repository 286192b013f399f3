"""chips.db.rows writes what SQLAlchemy's own INSERT writes: the same values read back
(JSON, NULL JSON, datetimes, booleans, scalar defaults), in the order the rows were added,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from chips.db.engine import make_engine
from chips.db.migrate import upgrade
from chips.db.rows import Rows, insert_rows
from chips.db.schema import entities, submissions


def _submission(conn, iid: str) -> int:
    return conn.execute(submissions.insert().values(
        instance_id=iid, logical_id=iid, form_id="f", received_at=datetime(2026, 1, 1), raw=b"<x/>",
        raw_format="xml", raw_sha256="0" * 64, source="openrosa")).inserted_primary_key[0]


def _entity(i: int, sub: int, **extra) -> dict:
    # label, deleted and conflict left to their column defaults unless given
    return dict(dataset="households", uuid=f"u{i}", version=1, properties=extra.pop("properties", {"n": str(i)}),
                created_at=datetime(2026, 3, 4, 5, 6, 7, 890123), updated_at=None,
                creator_submission_id=sub, last_submission_id=sub, **extra)


def _read(conn, uuids) -> list[tuple]:
    rows = conn.execute(select(entities).where(entities.c.uuid.in_(uuids)).order_by(entities.c.id)).all()
    return [(r.uuid, r.label, r.version, r.properties, r.deleted, r.conflict, r.created_at, r.updated_at)
            for r in rows]


def test_insert_rows_stores_what_sqlalchemy_stores(db_url):
    engine = upgrade(make_engine(db_url))
    with engine.begin() as conn:
        sub = _submission(conn, "uuid:a")
        ours = [_entity(i, sub) for i in range(3)] + [_entity(3, sub, properties=None)]
        theirs = [{**r, "uuid": "s" + r["uuid"]} for r in ours]
        insert_rows(conn, entities, ours)
        conn.execute(entities.insert(), theirs)
        mine = _read(conn, [r["uuid"] for r in ours])
        reference = _read(conn, [r["uuid"] for r in theirs])
    assert [row[1:] for row in mine] == [row[1:] for row in reference]
    assert [row[0] for row in mine] == ["u0", "u1", "u2", "u3"]   # the order they were given
    assert mine[0][1:6] == ("", 1, {"n": "0"}, False, False)      # defaults and JSON
    assert mine[0][6] == datetime(2026, 3, 4, 5, 6, 7, 890123)


def test_rows_keep_their_order_across_column_sets_and_run_hooks(db_url):
    engine = upgrade(make_engine(db_url))
    seen = []
    with engine.begin() as conn:
        sub = _submission(conn, "uuid:b")
        rows = Rows(conn)
        rows.add(entities, _entity(0, sub))
        rows.add(entities, _entity(1, sub, label="with a label"))   # another column set
        rows.add(entities, _entity(2, sub))
        rows.before_flush(lambda c: rows.add(entities, _entity(3, sub)))
        rows.after_flush(lambda c: seen.append(len(_read(c, ["u0", "u1", "u2", "u3"]))))
        assert _read(conn, ["u0"]) == []          # nothing written before the flush
        rows.flush()
        got = _read(conn, ["u0", "u1", "u2", "u3"])
    assert [g[0] for g in got] == ["u0", "u1", "u2", "u3"]
    assert got[1][1] == "with a label" and got[0][1] == ""
    assert seen == [4]                            # the after hook ran once, after the rows went in


def test_discarded_rows_are_not_written(db_url):
    engine = upgrade(make_engine(db_url))
    with engine.begin() as conn:
        sub = _submission(conn, "uuid:c")
        rows = Rows(conn)
        rows.add(entities, _entity(0, sub))
        rows.discard()
        rows.flush()
        assert _read(conn, ["u0"]) == []


@pytest.mark.parametrize("as_values", [True, False], ids=["multi-row VALUES", "executemany"])
def test_many_rows_keep_values_and_order(db_url, monkeypatch, as_values):
    # on PostgreSQL a few rows go as one multi-row VALUES statement, many by executemany
    import chips.db.rows as rows_module
    monkeypatch.setattr(rows_module, "SCRIPT_ROWS", 1000 if as_values else 64)
    engine = upgrade(make_engine(db_url))
    with engine.begin() as conn:
        sub = _submission(conn, "uuid:d")
        ours = [_entity(i, sub, properties={"n": str(i), "quote": "it's %s; 100%"}) for i in range(250)]
        insert_rows(conn, entities, ours)
        got = _read(conn, [r["uuid"] for r in ours])
    assert [g[0] for g in got] == [f"u{i}" for i in range(250)]   # ids follow the order given
    assert got[249][3] == {"n": "249", "quote": "it's %s; 100%"}


def test_a_small_flush_of_several_tables_is_one_statement_on_postgresql(db_url):
    from sqlalchemy import event

    from chips.db.schema import entity_events
    engine = upgrade(make_engine(db_url))
    sent = []

    @event.listens_for(engine, "before_cursor_execute")
    def _sent(conn, cursor, statement, *args):
        sent.append(statement)

    hostile = {"n": "0", "text": "it's -- %s %(x)s ; DROP TABLE entities; \\ é"}
    with engine.begin() as conn:
        sub = _submission(conn, "uuid:e")
        rows = Rows(conn)
        rows.add(entities, _entity(0, sub, properties=hostile))
        rows.add(entities, _entity(1, sub, label="another column set"))
        rows.add(entity_events, dict(dataset="households", uuid="u0", submission_id=sub, action="create", logical_id="uuid:e", seq=sub,
                                     base_version=None, properties=hostile, label="", at=datetime(2026, 1, 2)))
        del sent[:]
        rows.flush()
        flushed = list(sent)
        got = _read(conn, ["u0", "u1"])
        events = conn.execute(select(entity_events.c.properties).where(entity_events.c.uuid == "u0")).all()
    assert [g[0] for g in got] == ["u0", "u1"] and got[0][3] == hostile and got[1][1] == "another column set"
    assert events == [(hostile,)]
    if db_url.startswith("postgresql"):
        assert len(flushed) == 1          # three INSERTs, one round trip
    else:
        assert len(flushed) == 3


def test_a_failing_statement_in_a_flush_fails_the_flush(db_url):
    from sqlalchemy.exc import IntegrityError

    engine = upgrade(make_engine(db_url))
    with engine.connect() as conn:
        with conn.begin():
            sub = _submission(conn, "uuid:f")
        with pytest.raises(IntegrityError):
            with conn.begin():
                rows = Rows(conn)
                rows.add(entities, _entity(0, sub))
                rows.add(entities, _entity(1, sub, label="x"))
                rows.add(entities, _entity(0, sub, label="the same uuid again"))  # unique (dataset, uuid)
                rows.flush()
        assert _read(conn, ["u0", "u1"]) == []   # nothing of it stayed


def test_sqlite_datetime_and_date_text_is_sqlalchemys_exactly():
    # the text is compared as text by queries (received_at > '…'), so it must not change
    from datetime import date, timedelta, timezone

    from sqlalchemy import Date, DateTime
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from chips.db.rows import _bind_processor

    dialect = sqlite_dialect.dialect()
    for type_, values in (
        (DateTime(), [None, datetime(2026, 3, 4, 5, 6, 7, 890123), datetime(2026, 3, 4), datetime(5, 1, 2, 3, 4, 5, 6),
                      datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=7))), date(2026, 3, 4)]),
        (Date(), [None, date(2026, 3, 4), date(5, 1, 2), datetime(2026, 3, 4, 5, 6, 7)]),
    ):
        ours = _bind_processor(type_, dialect)
        theirs = type_.dialect_impl(dialect).bind_processor(dialect)
        assert ours is not theirs   # the fast one is in use
        assert [ours(v) for v in values] == [theirs(v) for v in values]
    with pytest.raises(TypeError):
        _bind_processor(DateTime(), dialect)("2026-03-04")   # as SQLAlchemy's refuses it
