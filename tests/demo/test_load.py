"""`chips demo --no-serve` on a fresh instance: the counts land in the projected tables
through the one ingest path, and a second run adds nothing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from chips.cli import cli
from chips.db import schema
from chips.db.engine import make_engine
from chips.settings import load_settings

NOW = "2026-11-24T10:00+07:00"


def _count(conn, table, *where):
    query = select(func.count()).select_from(table)
    for condition in where:
        query = query.where(condition)
    return conn.execute(query).scalar_one()


def _count_lines(output: str) -> list[str]:
    """The "In the database" table: count and label per line."""
    table = output.split("In the database:")[1].splitlines()[1:]
    return [line.strip() for line in table if line[:1] == " " and line.strip()[:1].isdigit()]


@pytest.fixture(scope="module")
def demo_instance(tmp_path_factory):
    instance = tmp_path_factory.mktemp("demo-instance")
    env = {"CHIPS_INSTANCE_DIR": str(instance), "CHIPS_DATABASE_URL": None, "CHIPS_CONFIG": None}
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve", "--now", NOW], env=env, catch_exceptions=False)
    second = runner.invoke(cli, ["demo", "--no-serve"], env=env, catch_exceptions=False)
    return instance, first, second


@pytest.mark.slow
def test_demo_loads_the_programme(demo_instance):
    instance, first, _ = demo_instance
    assert first.exit_code == 0, first.output
    out = first.output
    # households first among the counts, then the people DOMAIN.md counts
    counts = out.split("In the database:")[1].splitlines()[1:5]
    assert [line.split(None, 1) for line in counts][0] == ["1666", "households"]
    assert "Home page: http://127.0.0.1:8000/" in out and "Map:" in out
    assert "demo   (planner) password: " in out and "admin  (admin) password: " in out

    engine = make_engine(load_settings(environ={}, instance_dir=instance))
    with engine.connect() as conn:
        assert _count(conn, schema.households) == 1666
        assert _count(conn, schema.members, schema.members.c.pregnant.is_(True)) == 62
        assert _count(conn, schema.members, schema.members.c.is_under_five.is_(True)) == 102
        assert _count(conn, schema.members, schema.members.c.is_lone_elderly.is_(True)) == 69
        assert _count(conn, schema.pregnancies) == 62
        assert 300 <= _count(conn, schema.visit_requests) <= 600
        # every row came in as a submission of a published form, and was projected
        assert _count(conn, schema.submissions, schema.submissions.c.source != "demo") == 0
        assert _count(conn, schema.submissions, schema.submissions.c.status != "projected") == 0
        assert _count(conn, schema.attachments, schema.attachments.c.present.is_(False)) == 0
        statuses = dict(conn.execute(select(schema.home_visits.c.response_status, func.count())
                                     .group_by(schema.home_visits.c.response_status)).all())
        assert statuses["on_time"] > statuses["late"] > statuses["breach"] > 0
        from maps.tables import household_areas

        classes = dict(conn.execute(select(household_areas.c.area_class, func.count())
                                    .group_by(household_areas.c.area_class)).all())
        assert sum(classes.values()) == 1666 and classes["settlement"] < 1666 * 0.4
        # the planners' steps on the findings end in the outcomes the programme recorded
        from chips.db.web_tables import followup_current

        outcomes = dict(conn.execute(select(followup_current.c.outcome, func.count())
                                     .where(followup_current.c.outcome.is_not(None))
                                     .group_by(followup_current.c.outcome)).all())
        assert outcomes == {"renovated": 63, "latrine_built": 23, "food_aid": 69}
        users = dict(conn.execute(select(schema.users.c.name, schema.users.c.role)).all())
        assert users == {"demo": "planner", "admin": "admin"}


@pytest.mark.slow
def test_a_second_run_loads_nothing_new(demo_instance):
    instance, first, second = demo_instance
    assert second.exit_code == 0, second.output
    assert "already holds this demo" in second.output
    assert _count_lines(second.output) == _count_lines(first.output)
    engine = make_engine(load_settings(environ={}, instance_dir=instance))
    with engine.connect() as conn:
        assert _count(conn, schema.households) == 1666
        assert _count(conn, schema.users) == 2
        from chips.db.web_tables import followup_steps

        assert _count(conn, followup_steps, followup_steps.c.state == "resolved") == 63 + 23 + 69


def test_another_seed_in_the_same_database_is_refused(demo_instance):
    instance, _, _ = demo_instance
    env = {"CHIPS_INSTANCE_DIR": str(instance), "CHIPS_DATABASE_URL": None, "CHIPS_CONFIG": None}
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--seed", "7"], env=env)
    assert result.exit_code != 0
    assert "already holds the demo" in result.output and "Traceback" not in result.output
