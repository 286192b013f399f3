"""`chips users`, `chips db` and `chips serve` as an operator runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from click.testing import CliRunner
from requests.auth import HTTPDigestAuth
from sqlalchemy import select

from chips.cli import cli
from chips.db import schema as s
from chips.db.engine import make_engine
from server import auth
from tests.server.conftest import OR

ROOT = Path(__file__).resolve().parents[2]


def _run(db_url, tmp_path, args, input=None):
    env = {"CHIPS_DATABASE_URL": db_url, "CHIPS_INSTANCE_DIR": str(tmp_path / "instance")}
    return CliRunner().invoke(cli, args, input=input, env=env, obj={})


def test_users_add_list_token(db_url, tmp_path):
    added = _run(db_url, tmp_path, ["users", "add", "bidan1", "--role", "bidan", "--villages",
                                    "35.10.20.2001,35.10.20.2002", "--password-stdin"], input="kata-sandi-1\nkata-sandi-1\n")
    assert added.exit_code == 0, added.output
    with make_engine(db_url).connect() as conn:
        row = conn.execute(select(s.users).where(s.users.c.name == "bidan1")).one()
    assert row.role == "bidan" and row.villages == ["35.10.20.2001", "35.10.20.2002"]
    assert "kata-sandi-1" not in f"{row.password_hash}{row.digest_ha1}"
    assert row.digest_ha1 == auth.ha1("bidan1", "kata-sandi-1")
    assert auth.verify_password(row.password_hash, "kata-sandi-1") and row.password_hash.startswith("$argon2")

    differ = _run(db_url, tmp_path, ["users", "add", "x2", "--role", "team", "--password-stdin"], input="aaaaaaaa1\nbbbbbbbb1\n")
    assert differ.exit_code != 0 and "differ" in differ.output and "Traceback" not in differ.output
    again = _run(db_url, tmp_path, ["users", "add", "bidan1", "--role", "team", "--password-stdin"], input="kata-sandi-1\nkata-sandi-1\n")
    assert again.exit_code != 0 and "exists" in again.output
    bad_role = _run(db_url, tmp_path, ["users", "add", "x3", "--role", "boss", "--password-stdin"], input="x\nx\n")
    assert bad_role.exit_code != 0

    listed = _run(db_url, tmp_path, ["users", "list"])
    assert "bidan1\tbidan\t35.10.20.2001,35.10.20.2002\tactive\tno token" in listed.output
    issued = _run(db_url, tmp_path, ["users", "token", "bidan1"])
    assert issued.exit_code == 0
    token = issued.stdout.splitlines()[0]
    with make_engine(db_url).connect() as conn:
        assert auth.user_by_token(conn, token).name == "bidan1"
    assert _run(db_url, tmp_path, ["users", "token", "nobody"]).exit_code != 0


def test_db_upgrade_and_reproject_commands(db_url, tmp_path):
    up = _run(db_url, tmp_path, ["db", "upgrade"])
    from alembic.script import ScriptDirectory

    from chips.db.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert up.exit_code == 0 and up.output.strip() == f"database at {', '.join(sorted(heads))}"
    rep = _run(db_url, tmp_path, ["db", "reproject"])
    assert rep.exit_code == 0, rep.output
    assert "published household_registration version" in rep.output and "no submissions" in rep.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_chips_serve_answers_form_list(tmp_path):
    """The real command: migrates, publishes the forms, serves on waitress (SQLite default)."""
    instance = tmp_path / "instance"
    env = {**os.environ, "CHIPS_INSTANCE_DIR": str(instance)}
    env.pop("CHIPS_DATABASE_URL", None)
    chips = [sys.executable, "-m", "chips"]
    subprocess.run([*chips, "users", "add", "tim", "--role", "team", "--password-stdin"], input="rahasia-99\nrahasia-99\n",
                   text=True, env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([*chips, "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/formList"
        for _ in range(300):  # wait for it to listen (not a timing assertion)
            try:
                anon = requests.get(url, headers=OR, timeout=5)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.1)
        assert anon.status_code == 401
        resp = requests.get(url, headers=OR, auth=HTTPDigestAuth("tim", "rahasia-99"), timeout=10)
        assert resp.status_code == 200 and resp.text.count("<formID>") == 5
        assert (instance / "chips.sqlite").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
