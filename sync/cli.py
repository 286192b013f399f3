"""``chips sync`` and ``chips forms publish``."""

from __future__ import annotations

import sys
import time

import click

from chips.settings import SettingsError


class _Progress:
    """Count and rate per form: redrawn in place on a terminal, a line every few seconds
    (and a last one per form) otherwise."""

    def __init__(self):
        self.done: dict[str, int] = {}
        self.total: dict[str, int | None] = {}
        self.shown: dict[str, int] = {}
        self.started = time.monotonic()
        self.last_print = 0.0
        self.tty = sys.stderr.isatty()

    def _show(self, form: str) -> None:
        rate = self.done[form] / max(time.monotonic() - self.started, 1e-6)
        total = self.total.get(form)
        line = f"{form}: {self.done[form]}{f'/{total}' if total else ''} rows, {rate:,.0f}/s"
        click.echo(("\r" + line.ljust(70)) if self.tty else line, err=True, nl=not self.tty)
        self.shown[form] = self.done[form]
        self.last_print = time.monotonic()

    def __call__(self, form: str, n: int, total: int | None) -> None:
        self.done[form] = self.done.get(form, 0) + n
        if total:
            self.total[form] = total
        if self.tty or time.monotonic() - self.last_print >= 5:
            self._show(form)

    def end(self) -> None:
        for form in self.done:
            if self.shown.get(form) != self.done[form]:
                self._show(form)
        if self.tty and self.done:
            click.echo("", err=True)


def _status(settings) -> None:
    from chips.db.engine import make_engine
    from chips.db.migrate import upgrade
    from sync.sources import load_sources
    from sync.status import last_runs

    sources = load_sources(settings)
    runs = {r["source"]: r for r in last_runs(upgrade(make_engine(settings)))}
    if not sources and not runs:
        click.echo("no sources configured ([sources.NAME] in the settings)")
        return
    for name in sorted(set(sources) | set(runs)):
        r = runs.get(name)
        if r is None:
            click.echo(f"{name}: never pulled")
            continue
        when = r["finished_at"] or r["started_at"]
        click.echo(f"{name}: {r['outcome']} at {when:%Y-%m-%d %H:%M:%S} UTC ({r['trigger']}); "
                   f"{r['new']} new, {r['updated']} updated, {r['deleted']} deleted, "
                   f"{r['attachments']} attachments, {r['errors']} errors"
                   + (f"\n  {r['message']}" if r["message"] else ""))


@click.command("sync")
@click.argument("source", required=False)
@click.option("--form", help="Only this form (Central xmlFormId, Kobo asset uid or its form id).")
@click.option("--status", "show_status", is_flag=True, help="Show the last run of each source and stop.")
def sync_command(source: str | None, form: str | None, show_status: bool) -> None:
    """Pull submissions from ODK Central and KoboToolbox sources ([sources.NAME] in the
    settings): all sources, or SOURCE only. Passwords and tokens come from the environment
    or a file named in the settings, never from the command line."""
    from chips.cli import get_settings
    from sync.retry import SourceError
    from sync.runner import run

    settings = get_settings()
    try:
        if show_status:
            _status(settings)
            return
        from sync.schedule import sync_lock
        progress = _Progress()
        with sync_lock(settings, wait=False) as free:
            if not free:
                click.echo("another sync of this instance is running; waiting for it", err=True)
        with sync_lock(settings, wait=True):
            tallies = run(settings, [source] if source else None, form=form, progress=progress)
        progress.end()
    except (SettingsError, SourceError) as exc:
        raise click.ClickException(str(exc)) from None
    if not tallies:
        raise click.ClickException("no sources configured: add a [sources.NAME] table to the settings")
    failed = False
    for name, t in tallies.items():
        click.echo(f"{name}: {t.new} new, {t.updated} updated, {t.deleted} deleted, "
                   f"{t.attachments} attachments, {t.errors} errors")
        for message in t.messages:
            click.echo(f"  {message}")
        if t.stopped:
            failed = True
            click.echo(f"  stopped: {t.stopped}", err=True)
    if failed:
        sys.exit(1)


@click.command("publish")
@click.argument("source")
@click.option("--form", "only", multiple=True, help="Only this form id (repeatable).")
def publish_command(source: str, only: tuple[str, ...]) -> None:
    """Upload the forms built from forms/ to SOURCE: a new form, or a new version of it
    (Central: draft, entity list linked, then published; Kobo: import, then deploy)."""
    from chips.cli import get_settings
    from sync.publish import publish
    from sync.retry import SourceError

    settings = get_settings()
    try:
        for line in publish(settings, source, only=list(only) or None):
            click.echo(line)
    except (SettingsError, SourceError) as exc:
        raise click.ClickException(str(exc)) from None
