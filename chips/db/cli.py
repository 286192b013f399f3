"""``chips db upgrade`` and ``chips db reproject``."""

from __future__ import annotations

import click

from chips.cli import get_settings


@click.group("db")
def db_group() -> None:
    """The database: migrations and the projection of submissions."""


@db_group.command("upgrade")
def upgrade_cmd() -> None:
    """Apply every pending migration (SQLite file or CHIPS_DATABASE_URL)."""
    from sqlalchemy.exc import SQLAlchemyError

    from chips.db.migrate import current_heads, upgrade

    settings = get_settings()
    try:
        upgrade(settings)
        heads = current_heads(settings)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot migrate {settings.database_url}: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}") from None
    click.echo(f"database at {', '.join(sorted(heads))}")


@db_group.command("reproject")
@click.option("--no-build", is_flag=True, help="Do not build and publish the project's forms first.")
def reproject_cmd(no_build: bool) -> None:
    """Rebuild every domain table and entity list from the raw submissions.

    The forms are built and published first, so submissions stored as unknown_form are
    projected once their form version is known.
    """
    from chips import formdefs
    from chips.db.migrate import upgrade
    from chips.ingest import reproject

    settings = get_settings()
    engine = upgrade(settings)
    with engine.begin() as conn:
        if not no_build:
            try:
                new = formdefs.build_and_publish(conn, settings)
            except (ImportError, ValueError) as exc:
                raise click.ClickException(f"cannot publish the forms: {exc}") from None
            for fd in new:
                click.echo(f"published {fd.form_id} version {fd.version}")
        counts = reproject(conn, settings)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no submissions"
    click.echo(f"reprojected: {summary}")
