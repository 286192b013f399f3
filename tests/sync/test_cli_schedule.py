"""`chips sync` (progress, summary, --status, errors) and the server's scheduler."""

from __future__ import annotations

import random

from click.testing import CliRunner

from chips.cli import cli
from sync.schedule import Scheduler, start_scheduler
from sync.status import last_runs
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config


def _env(tmp_path):
    return {**PASSWORD_ENV, "CHIPS_INSTANCE_DIR": str(tmp_path),
            "CHIPS_DATABASE_URL": f"sqlite:///{tmp_path / 'chips.sqlite'}"}


def test_sync_command_summary_and_status(tmp_path, central, kobo, forms):
    central.seed(REG, 30, random.Random(31), attachment_every=10)
    kobo.seed(kobo.uid, 20, random.Random(32), attachment_every=10)
    write_config(tmp_path, central_url=central.url, kobo_url=kobo.url, kobo_assets={kobo.uid: REG})
    prepare_store(make_settings(tmp_path, _env(tmp_path)["CHIPS_DATABASE_URL"]), forms)
    runner = CliRunner()

    result = runner.invoke(cli, ["sync"], env=_env(tmp_path), obj={})
    assert result.exit_code == 0, result.output
    assert "c: 30 new, 0 updated, 0 deleted, 3 attachments, 0 errors" in result.output
    assert "k: 20 new, 0 updated, 0 deleted, 2 attachments, 0 errors" in result.output
    assert f"c/{REG}: 30/30 rows" in result.output          # progress: count and rate
    assert f"k/{REG}: 20/20 rows" in result.output
    assert "/s" in result.output

    result = runner.invoke(cli, ["sync", "k", "--form", REG], env=_env(tmp_path), obj={})
    assert result.exit_code == 0 and "k: 0 new" in result.output and "c:" not in result.output

    status = runner.invoke(cli, ["sync", "--status"], env=_env(tmp_path), obj={})
    assert status.exit_code == 0
    assert "c: ok at " in status.output and "(command); 30 new" in status.output
    assert "k: ok at " in status.output and "(command); 0 new" in status.output


def test_sync_command_errors_are_clean(tmp_path, central, forms):
    write_config(tmp_path, central_url=central.url)
    runner = CliRunner()
    result = runner.invoke(cli, ["sync", "nowhere"], env=_env(tmp_path), obj={})
    assert result.exit_code == 1 and "Error: no source named nowhere in the settings (known: c)" in result.output
    env = {**_env(tmp_path), "CHIPS_SOURCE_C_PASSWORD": "salah"}
    result = runner.invoke(cli, ["sync"], env=env, obj={})
    assert result.exit_code == 1
    assert "stopped: source c: login as sync@example.org: HTTP 401" in result.output
    assert "Traceback" not in result.output
    status = runner.invoke(cli, ["sync", "--status"], env=_env(tmp_path), obj={})
    assert "c: error at" in status.output and "HTTP 401" in status.output
    # a password in the settings file itself is refused
    (tmp_path / "chips.toml").write_text(
        f'[sources.c]\ntype = "central"\nurl = "{central.url}"\nproject = 1\nemail = "a@b"\npassword = "x"\n')
    result = runner.invoke(cli, ["sync"], env=_env(tmp_path), obj={})
    assert result.exit_code == 1 and "must not hold the password itself" in result.output


def test_scheduler_pulls_and_records_its_runs(tmp_path, central, forms, monkeypatch):
    central.seed(REG, 12, random.Random(33))
    write_config(tmp_path, central_url=central.url)
    for k, v in PASSWORD_ENV.items():
        monkeypatch.setenv(k, v)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    engine = prepare_store(settings, forms)
    assert start_scheduler(settings) is None                 # no interval set: off

    scheduler = Scheduler(settings, interval_seconds=0.05).start()
    try:
        import time
        deadline = time.monotonic() + 30
        while scheduler.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        scheduler.stop()
    assert scheduler.runs >= 2
    runs = last_runs(engine)
    assert runs[0]["source"] == "c" and runs[0]["trigger"] == "schedule" and runs[0]["outcome"] == "ok"

    # another process holding the lock: this turn is skipped, not run twice at once
    import fcntl
    with open(tmp_path / "sync.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        assert Scheduler(settings, 60).run_once() is False


def test_a_run_killed_half_way_is_shown_interrupted_once_the_next_one_starts(tmp_path, central, forms):
    from sqlalchemy import select

    from chips.db.engine import make_engine
    from sync import status
    from sync.tables import sync_runs

    central.seed(REG, 5, random.Random(33))
    write_config(tmp_path, central_url=central.url)
    settings = make_settings(tmp_path, _env(tmp_path)["CHIPS_DATABASE_URL"])
    prepare_store(settings, forms)
    engine = make_engine(settings)
    killed = status.start(engine, "c", None, "command")  # a process that never finished it
    runner = CliRunner()
    assert "c: running at" in runner.invoke(cli, ["sync", "--status"], env=_env(tmp_path), obj={}).output
    result = runner.invoke(cli, ["sync", "c"], env=_env(tmp_path), obj={})
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        old = conn.execute(select(sync_runs).where(sync_runs.c.id == killed)).one()
    assert old.outcome == "interrupted" and "ended before this run finished" in old.message
    assert "c: ok at " in runner.invoke(cli, ["sync", "--status"], env=_env(tmp_path), obj={}).output
