"""The ``chips`` command line.

Each package owns its commands (``forms/cli.py``, ``server/cli.py`` …); this module only
lists them. They are imported when called, so ``chips --help`` does not pay for GeoPandas
or Flask, and a failure in one package does not take the other commands down.
"""

from __future__ import annotations

import importlib
import sys

import click

from chips.settings import SettingsError, load_settings

# command name -> (module, attribute, one-line help); keep sorted by name. The help line is
# here so that `chips --help` lists every command without importing any of them.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "areas": ("maps.cli", "areas_group", "Area layers (forest, river, railway, rice field, village) and household classes."),
    "demo": ("chips.demo.cli", "demo_command", "Load a synthetic year of the CHIPS programme and start the server."),
    "db": ("chips.db.cli", "db_group", "Migrate the database; rebuild the projection from raw submissions."),
    "export": ("maps.cli", "export_group", "Export households with their area classes (GeoJSON, GeoPackage, CSV)."),
    "forms": ("forms.cli", "forms_group", "Build, check and list the XLSForms in forms/."),
    "map": ("maps.cli", "map_command", "Write the household map as an HTML file that opens offline."),
    "report": ("chips.reports.cli", "report_group", "SPM report and table exports as CSV or XLSX."),
    "serve": ("server.cli", "serve_cmd", "Run the OpenRosa server and web app (waitress)."),
    "sync": ("sync.cli", "sync_command", "Pull submissions from ODK Central and KoboToolbox sources."),
    "users": ("server.users_cli", "users_group", "Add and list users; issue app-user tokens."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module_name, attr, _ = COMMANDS[name]
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in sorted(COMMANDS)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chips")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """chips: ODK forms, an OpenRosa server, sync from ODK Central and KoboToolbox,
    the household map and the programme indicators of Puskesmas Sempu."""
    ctx.ensure_object(dict)


def get_settings(ctx: click.Context | None = None):
    """Settings for a command, loaded once per invocation; a bad config is a clean error."""
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    root.ensure_object(dict)
    if "settings" not in root.obj:
        try:
            root.obj["settings"] = load_settings()
        except SettingsError as exc:
            raise click.ClickException(f"configuration: {exc}") from None
    return root.obj["settings"]


def main() -> None:
    try:
        cli(obj={})
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
