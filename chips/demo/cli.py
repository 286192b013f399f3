"""``chips demo``: a synthetic programme in a fresh database, then the server."""

from __future__ import annotations

from datetime import datetime

import click

from chips.cli import get_settings


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    from chips.demo.generate import WIB

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO date and time, e.g. 2026-11-24T10:00+07:00") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=WIB)
    if moment > datetime.now(WIB):
        # the forms refuse report and visit times in the future of the phone's clock
        raise click.BadParameter("the demo's 'now' cannot be in the future", param_hint="'--now'")
    return moment


@click.command("demo")
@click.option("--seed", type=int, default=None, help="Random seed of the synthetic programme (default: a fixed one, or the one already loaded).")
@click.option("--now", "now", default=None, metavar="ISO", help="The demo's 'now' (default: this minute, or the one already loaded).")
@click.option("--no-serve", is_flag=True, help="Stop after loading and print what was loaded (for scripts).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the server listens on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port of the server.")
@click.pass_context
def demo_command(ctx: click.Context, seed: int | None, now: str | None, no_serve: bool, host: str, port: int) -> None:
    """Build the forms, load the Sempu sample layers and a synthetic year of the CHIPS
    programme (1,666 poor households …) as submissions of the real forms, create a demo
    login, and start the server."""
    from chips.demo.load import DemoError, load_demo

    settings = get_settings()
    click.echo(f"chips demo: database {settings.database_url.split('@')[-1]}")
    try:
        result = load_demo(settings, seed=seed, now=_when(now), progress=click.echo)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None

    new = result.created
    if new == 0 and result.statuses.get("duplicate"):
        click.echo(f"The database already holds this demo (seed {result.seed}, as of {result.now:%Y-%m-%d %H:%M} WIB): "
                   f"nothing new was loaded ({result.statuses['duplicate']} submissions already there).")
    else:
        click.echo(f"Loaded {new} submissions (seed {result.seed}, as of {result.now:%Y-%m-%d %H:%M} WIB)"
                   + (", and the approximate Sempu sample area layers" if result.layers_loaded else "") + ".")
    if result.failed:
        click.echo(f"warning: {len(result.failed)} submission(s) were not projected, e.g. {result.failed[0]}", err=True)
    click.echo("In the database:")
    for label, count in result.counts.items():
        click.echo(f"  {count:>6}  {label}")
    if result.outcomes:
        click.echo("Follow-ups resolved: " + ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in sorted(result.outcomes.items()))
                   + (f" ({result.followup_steps} planner steps recorded now)" if result.followup_steps else ""))
    if result.area_classes:
        total = sum(result.area_classes.values()) or 1
        click.echo("Households by area: " + ", ".join(
            f"{cls} {n} ({100 * n / total:.0f} %)" for cls, n in sorted(result.area_classes.items(), key=lambda kv: -kv[1])))
    click.echo("Logins (web):")
    for name, role, password in result.users:
        click.echo(f"  {name:<6} ({role}) password: {password or '(unchanged: it existed before the demo)'}")
    base = settings.base_url.rstrip("/") if settings.base_url else f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    click.echo(f"Home page: {base}/")
    click.echo(f"Map:       {base}/map")
    click.echo("Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
    if no_serve:
        return
    from server.cli import serve_cmd

    ctx.invoke(serve_cmd, host=host, port=port, threads=8)
