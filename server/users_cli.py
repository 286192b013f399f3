"""``chips users add|list|token``: the people and phones that may use the server."""

from __future__ import annotations

import sys

import click

from chips.cli import get_settings


def _engine():
    from chips.db.migrate import upgrade

    return upgrade(get_settings())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        lines = sys.stdin.read().split("\n")
        if len(lines) < 2:
            raise click.ClickException("--password-stdin needs the password twice, one per line")
        first, second = lines[0].rstrip("\r"), lines[1].rstrip("\r")
    else:
        first = click.prompt("Password", hide_input=True)
        second = click.prompt("Password again", hide_input=True)
    if first != second:
        raise click.ClickException("the two passwords differ")
    if len(first) < 8:
        raise click.ClickException("a password needs at least 8 characters")
    return first


@click.group("users")
def users_group() -> None:
    """Add and list users; issue app-user tokens for phones."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "planner", "bidan", "team"]), help="What the user may do.")
@click.option("--villages", default="", help="Comma-separated village codes (for a bidan).")
@click.option("--password-stdin", is_flag=True, help="Read the password twice from standard input, one per line.")
def add_cmd(name: str, role: str, villages: str, password_stdin: bool) -> None:
    """Create user NAME; asks for the password twice."""
    from server import auth

    password = _read_password(password_stdin)
    village_list = [v.strip() for v in villages.split(",") if v.strip()]
    with _engine().begin() as conn:
        try:
            auth.add_user(conn, name, role, password, village_list)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"user {name} added ({role})")


@users_group.command("list")
def list_cmd() -> None:
    """Print every user: name, role, villages, active, token issued."""
    from sqlalchemy import select

    from chips.db.schema import users

    with _engine().connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).all()
    for r in rows:
        click.echo(
            f"{r.name}\t{r.role}\t{','.join(r.villages or []) or '-'}\t"
            f"{'active' if r.active else 'inactive'}\t{'token' if r.token_hash else 'no token'}"
        )


@users_group.command("token")
@click.argument("name")
def token_cmd(name: str) -> None:
    """Issue a new app-user token for NAME (the old one stops working) and print its URL path."""
    from server import auth

    with _engine().begin() as conn:
        try:
            token = auth.issue_token(conn, name)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    settings = get_settings()
    base = settings.base_url.rstrip("/") if settings.base_url else "http://<server>"
    click.echo(token)
    click.echo(f"server URL for ODK Collect: {base}/key/{token}", err=True)


@users_group.command("qr")
@click.argument("name")
@click.option("--url", "base_url", default=None,
              help="The server address phones reach, e.g. http://192.168.1.10:8000 (default: base_url of the settings).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the QR code to this .png or .svg file instead of the terminal.")
@click.option("--project-name", default="CHIPS Sempu", show_default=True, help="Project name shown in Collect.")
def qr_cmd(name: str, base_url: str | None, out: str | None, project_name: str) -> None:
    """Issue a new app-user token for NAME and show the ODK Collect QR code that configures a
    phone with it (Collect: Project settings > Reconfigure with QR code). The old token stops working."""
    from server import auth, collect_qr

    base = (base_url or get_settings().base_url or "").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise click.ClickException("give the address phones reach with --url (e.g. http://192.168.1.10:8000) "
                                   "or set base_url in the settings")
    with _engine().begin() as conn:
        try:
            token = auth.issue_token(conn, name)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    server_url = f"{base}/key/{token}"
    code = collect_qr.qr_code(collect_qr.encode(collect_qr.collect_settings(server_url, project_name)))
    if out:
        code.save(out, scale=6)
        click.echo(f"wrote {out}")
    else:
        code.terminal(compact=True)
    click.echo(f"server URL for ODK Collect: {server_url}", err=True)
