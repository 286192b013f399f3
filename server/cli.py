"""``chips serve``: the OpenRosa endpoints and the web app on waitress."""

from __future__ import annotations

import click

from chips.cli import get_settings


def prepare(settings) -> list:
    """Migrate the database and publish the project's forms; returns what was new."""
    from chips import formdefs
    from chips.db.migrate import upgrade

    engine = upgrade(settings)
    with engine.begin() as conn:
        return formdefs.build_and_publish(conn, settings)


def waitress_proxy_options(settings) -> dict:
    """With ``[server] trust_proxy = true``, waitress believes the X-Forwarded-* headers of
    the proxy at ``proxy_address`` (it drops them from anyone else), so a request that
    reached the proxy over HTTPS counts as HTTPS and Basic auth is offered."""
    from server.openrosa import DEFAULTS

    section = settings.section("server", DEFAULTS)
    if not section.get("trust_proxy"):
        return {}
    return {
        "trusted_proxy": section.get("proxy_address", "127.0.0.1"),
        "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-host", "x-forwarded-for"},
        "trusted_proxy_count": 1,
    }


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for phones on the LAN).")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
@click.option("--prepare-only", is_flag=True,
              help="Migrate the database and publish the forms, then stop (before starting gunicorn workers).")
def serve_cmd(host: str, port: int, threads: int, prepare_only: bool) -> None:
    """Run the server (waitress); migrates the database and publishes the forms first."""
    import waitress

    from server.app import create_app

    from chips import formdefs
    from chips.db.engine import make_engine

    settings = get_settings()
    try:
        for fd in prepare(settings):
            click.echo(f"published {fd.form_id} version {fd.version}")
    except (ImportError, ValueError) as exc:
        with make_engine(settings).connect() as conn:
            published = formdefs.current(conn)
        if not published:
            raise click.ClickException(f"cannot publish the forms: {exc}") from None
        # phones keep working with the versions already published
        click.echo(f"warning: the forms were not republished ({exc}); serving "
                   f"{len(published)} published form(s)", err=True)
    if prepare_only:
        return
    app = create_app(settings)
    click.echo(f"chips serving on http://{host}:{port}/ (database {settings.database_url.split('@')[-1]})")
    waitress.serve(app, host=host, port=port, threads=threads, ident="chips", **waitress_proxy_options(settings))
