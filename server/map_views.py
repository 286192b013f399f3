"""The household map in the web app: ``/map``, its data, its static files and exports.

The page is the same Folium page ``chips map`` writes, with Leaflet and the plugins
linked from ``/map/static/`` (served here, no CDN) and the household points fetched from
``/map/data.json`` instead of inlined. Every route needs a login with one of
:data:`MAP_ROLES` (``server.access``); a bidan sees only the households of her villages.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_from_directory

from maps.households import village_of
from maps.render import STATIC, build_map, map_options, page_html, placed_households, point_data
from server.access import BIDAN, PLANNER, TEAM, roles_required, scope

bp = Blueprint("maps", __name__)

# Planners and the home-visit team see the whole map; a bidan only her villages
# (server.access.scope); admins always pass roles_required.
MAP_ROLES = (PLANNER, TEAM, BIDAN)
# A file with every household leaves the app: planners (and admins) only.
EXPORT_ROLES = (PLANNER,)
EXPORT_MIMETYPES = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv; charset=utf-8",
}


def _engine():
    return current_app.extensions["chips.engine"]


def _settings():
    return current_app.extensions["chips.settings"]


def _snapshot():
    from maps.snapshot import snapshot

    frame, layers, counts = snapshot(_engine(), _settings())
    allowed = scope()
    if allowed.villages is not None:
        # the village the household was registered in, as the user's villages are coded
        frame = frame[frame["village_code"].isin(allowed.villages)].reset_index(drop=True)
    return frame, layers, counts


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in {"1", "true", "yes", "on"}


@bp.get("/map")
@roles_required(*MAP_ROLES)
def map_page():
    frame, layers, _ = _snapshot()
    anonymised, aggregated = _flag("anonymised"), _flag("aggregated")
    data_url = None if aggregated else f"{request.script_root}/map/data.json" + ("?anonymised=1" if anonymised else "")
    m = build_map(
        frame,
        layers,
        _settings(),
        anonymised=anonymised,
        aggregated_only=aggregated,
        static_url=f"{request.script_root}/map/static",
        data_url=data_url,
    )
    html = page_html(m)
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


@bp.get("/map/data.json")
@roles_required(*MAP_ROLES)
def map_data():
    frame, _, _ = _snapshot()
    placed = placed_households(frame)
    villages = sorted(village_of(placed).unique().tolist())
    data = point_data(placed, villages, anonymised=_flag("anonymised"), decimals=map_options(_settings())["anonymised_decimals"])
    data["villages"] = villages
    response = current_app.response_class(
        current_app.json.dumps(data), mimetype="application/json", headers={"Cache-Control": "no-store"}
    )
    return response


@bp.get("/map/aggregates.geojson")
@roles_required(*MAP_ROLES)
def map_aggregates():
    from maps import aggregate

    frame, layers, _ = _snapshot()
    options = map_options(_settings())
    placed = placed_households(frame)
    by = request.args.get("by", "village")
    if by == "village":
        table = aggregate.by_village(placed, layers.get("village"), options["min_cell_count"])
    elif by == "hexagon":
        table = aggregate.by_hexagon(placed, options["hex_size_m"], options["min_cell_count"])
    else:
        abort(400, "by must be village or hexagon")
    return Response(table.to_json(drop_id=True, na="null"), mimetype="application/geo+json")


@bp.get("/map/static/<path:filename>")
@roles_required(*MAP_ROLES)
def map_static(filename: str):
    return send_from_directory(STATIC, filename, max_age=3600)


@bp.get("/map/export/households.<fmt>")
@roles_required(*EXPORT_ROLES)
def export_households(fmt: str):
    from maps.export import write_export

    if fmt not in EXPORT_MIMETYPES:
        abort(404)
    anonymised = _flag("anonymised")
    frame, _, _ = _snapshot()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"households.{fmt}"
        write_export(frame, path, fmt, anonymised=anonymised, decimals=map_options(_settings())["anonymised_decimals"])
        payload = path.read_bytes()
    name = f"households{'-anonymised' if anonymised else ''}.{fmt}"
    return Response(
        payload,
        mimetype=EXPORT_MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
