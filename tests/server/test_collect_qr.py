"""`chips users qr`: the QR code that configures ODK Collect for an app user."""

from __future__ import annotations

from click.testing import CliRunner

from chips.cli import cli
from chips.db.engine import make_engine
from server import auth, collect_qr


def _run(db_url, tmp_path, args, input=None):
    env = {"CHIPS_DATABASE_URL": db_url, "CHIPS_INSTANCE_DIR": str(tmp_path / "instance")}
    return CliRunner().invoke(cli, args, input=input, env=env, obj={})


def test_settings_round_trip_as_collect_reads_them():
    settings = collect_qr.collect_settings("http://10.0.0.2:8000/key/abc$def", "Sempu")
    payload = collect_qr.encode(settings)
    assert collect_qr.decode(payload) == settings
    assert settings["general"]["server_url"].endswith("/key/abc$def")
    assert "password" not in settings["general"]


def test_users_qr_issues_a_working_token_and_writes_the_code(db_url, tmp_path):
    added = _run(db_url, tmp_path, ["users", "add", "hp1", "--role", "team", "--password-stdin"],
                 input="kata-sandi-1\nkata-sandi-1\n")
    assert added.exit_code == 0, added.output
    out = tmp_path / "hp1.png"
    made = _run(db_url, tmp_path, ["users", "qr", "hp1", "--url", "http://192.168.1.10:8000/", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    url = [line for line in made.stderr.splitlines() if "server URL" in line][0].split(": ", 1)[1]
    assert url.startswith("http://192.168.1.10:8000/key/")
    token = url.rsplit("/", 1)[1]
    with make_engine(db_url).connect() as conn:
        assert auth.user_by_token(conn, token).name == "hp1"

    terminal = _run(db_url, tmp_path, ["users", "qr", "hp1", "--url", "http://192.168.1.10:8000"])
    assert terminal.exit_code == 0 and len(terminal.stdout.splitlines()) > 10
    with make_engine(db_url).connect() as conn:  # a new code retires the old token
        assert auth.user_by_token(conn, token) is None


def test_users_qr_needs_an_address_and_a_known_user(db_url, tmp_path):
    no_url = _run(db_url, tmp_path, ["users", "qr", "hp1"])
    assert no_url.exit_code != 0 and "--url" in no_url.output and "Traceback" not in no_url.output
    nobody = _run(db_url, tmp_path, ["users", "qr", "nobody", "--url", "http://x:8000"])
    assert nobody.exit_code != 0 and "nobody" in nobody.output
