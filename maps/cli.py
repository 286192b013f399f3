"""``chips areas``, ``chips map`` and ``chips export``: area layers, the map, exports."""

from __future__ import annotations

from pathlib import Path

import click

from chips.cli import get_settings
from maps.classify import LAYER_KINDS, AreaSettingsError


def _engine():
    from chips.db.engine import make_engine
    from maps.snapshot import NotMigrated, ensure_tables

    engine = make_engine(get_settings())
    try:
        ensure_tables(engine)
    except NotMigrated as exc:
        raise click.ClickException(str(exc)) from None
    return engine


def _refresh(engine) -> dict[str, int]:
    from maps.refresh import refresh_household_areas

    try:
        with engine.begin() as conn:
            return refresh_household_areas(conn, get_settings())
    except AreaSettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _echo_counts(counts: dict[str, int]) -> None:
    if counts.get("layers") == 0:
        click.echo("no area layers yet: households are not classified (chips areas import / import-sample)")
        return
    click.echo(
        f"classified {counts['classified']} household(s), {counts['unchanged']} unchanged, {counts['removed']} removed"
    )
    if counts["no_point"] or counts["low_accuracy"]:
        click.echo(
            f"not placed: {counts['no_point']} without a GPS point, {counts['low_accuracy']} with accuracy worse than the limit"
            " (chips areas classify --unplaced lists them)"
        )


@click.group("areas")
def areas_group() -> None:
    """Area layers (forest, river, railway, rice field, village) and household classes."""


@areas_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", required=True, type=click.Choice(LAYER_KINDS), help="What the features are.")
@click.option("--name", help="Layer name (default KIND:FILE). Importing under an existing name replaces that layer.")
@click.option("--layer", "source_layer", help="Layer inside the file (GeoPackage, OSM: lines, multipolygons …).")
@click.option("--where", help="OGR SQL filter on the file's attributes, e.g. \"waterway = 'river'\".")
@click.option("--name-field", help="Attribute that holds the feature name (default: name, nama, NAMOBJ …).")
@click.option("--code-field", help="Villages: attribute that holds the village code (default: code, kode, KDEPUM …).")
@click.option(
    "--river-size",
    type=click.Choice(["large", "small"]),
    help="Rivers: large (catchment over 500 km², 100 m setback) or small (50 m) for every feature "
    "(default: from a size_class/catchment_km2 attribute, else small).",
)
def import_command(file, kind, name, source_layer, where, name_field, code_field, river_size):
    """Import FILE (GeoPackage, GeoJSON, Shapefile, OSM .pbf …) as an area layer."""
    from maps.layers import LayerError
    from maps.store import import_file

    engine = _engine()
    try:
        with engine.begin() as conn:
            info = import_file(
                conn, file, kind=kind, name=name, layer=source_layer, where=where,
                name_field=name_field, code_field=code_field, river_size=river_size,
            )
    except LayerError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{info['name']}: {info['features']} {kind} feature(s), version {info['version']}")
    _echo_counts(_refresh(engine))


@areas_group.command("import-sample")
def import_sample_command():
    """Load the bundled, approximate Kecamatan Sempu layers (villages, forest, rivers, railway, rice fields)."""
    from maps.store import import_sample

    engine = _engine()
    with engine.begin() as conn:
        for info in import_sample(conn):
            click.echo(f"{info['name']}: {info['features']} feature(s), version {info['version']}")
    click.echo("note: the Sempu sample layers are approximate (maps/data/sempu/README.md)")
    _echo_counts(_refresh(engine))


@areas_group.command("list")
def list_command():
    """List the stored area layers."""
    from maps.store import list_layers

    with _engine().connect() as conn:
        layers = list_layers(conn)
    if not layers:
        click.echo("no area layers (chips areas import FILE --kind …, or chips areas import-sample)")
    for row in layers:
        click.echo(
            f"{row['name']:<28} {row['kind']:<10} {row['feature_count']:>6} feature(s)  v{row['version']}  "
            f"{row['imported_at']:%Y-%m-%d %H:%M}  {row['source'] or ''}"
        )


@areas_group.command("delete")
@click.argument("name")
def delete_command(name):
    """Delete the area layer NAME."""
    from maps.store import delete_layer

    engine = _engine()
    with engine.begin() as conn:
        if not delete_layer(conn, name):
            raise click.ClickException(f"no area layer named {name!r} (chips areas list)")
    click.echo(f"deleted {name}")
    _echo_counts(_refresh(engine))


@areas_group.command("classify")
@click.option("--force", is_flag=True, help="Classify every household again, not only the changed ones.")
@click.option("--unplaced", is_flag=True, help="List the households that could not be placed.")
def classify_command(force, unplaced):
    """Bring the households' area classes up to date and show the totals."""
    from sqlalchemy import func, select

    from maps.refresh import refresh_household_areas, unplaced as unplaced_rows
    from maps.tables import household_areas

    engine = _engine()
    try:
        with engine.begin() as conn:
            counts = refresh_household_areas(conn, get_settings(), force=force)
    except AreaSettingsError as exc:
        raise click.ClickException(str(exc)) from None
    _echo_counts(counts)
    with engine.connect() as conn:
        rows = conn.execute(
            select(household_areas.c.area_class, func.count()).group_by(household_areas.c.area_class).order_by(household_areas.c.area_class)
        ).all()
        for cls, count in rows:
            click.echo(f"  {cls or '(not placed)':<14} {count}")
        if unplaced:
            for row in unplaced_rows(conn).itertuples(index=False):
                click.echo(f"  {row.status:<13} {row.uuid}  {row.village_name or ''} {row.dusun or ''}  acc={row.accuracy}")


@click.command("map")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The HTML file to write.")
@click.option("--anonymised", is_flag=True, help="No names, phones or ids; coordinates rounded ([map] anonymised_decimals).")
@click.option("--aggregated", is_flag=True, help="Only counts per village and hexagon, no household points (to share).")
@click.option("--tiles", help="Background tiles: 'osm' (online) or a URL template; default [map] tiles (none: works offline).")
def map_command(out, anonymised, aggregated, tiles):
    """Write the household map as one self-contained HTML file (opens offline)."""
    from maps.render import map_html
    from maps.snapshot import snapshot

    settings = get_settings()
    if tiles is not None:
        sections = dict(settings.sections)
        sections["map"] = {**sections.get("map", {}), "tiles": tiles}
        settings = settings.with_overrides(sections=sections)
    engine = _engine()
    try:
        frame, layers, counts = snapshot(engine, settings)
    except AreaSettingsError as exc:
        raise click.ClickException(str(exc)) from None
    html = map_html(frame, layers, settings, anonymised=anonymised, aggregated_only=aggregated)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    from maps.households import has_place

    placed = int(has_place(frame).sum()) if len(frame) else 0
    click.echo(f"wrote {out} ({len(html) / 1e6:.1f} MB): {placed} of {len(frame)} household(s) placed, {len(layers)} layer kind(s)")


@click.group("export")
def export_group() -> None:
    """Export data for reports."""


@export_group.command("households")
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "csv"]), default="geojson", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default households.FORMAT).")
@click.option("--anonymised", is_flag=True, help="No ids, names, phones, dusun/RT/RW; coordinates rounded.")
def export_households_command(fmt, out, anonymised):
    """Households with their area classes and statuses."""
    from maps.export import write_export
    from maps.render import map_options
    from maps.snapshot import snapshot

    settings = get_settings()
    frame, _, _ = snapshot(_engine(), settings)
    out = out or Path(f"households{'-anonymised' if anonymised else ''}.{fmt}")
    info = write_export(frame, out, fmt, anonymised=anonymised, decimals=map_options(settings)["anonymised_decimals"])
    click.echo(f"wrote {info['path']}: {info['rows']} household(s), {info['placed']} with a point")
