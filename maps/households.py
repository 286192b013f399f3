"""Households for the map and the exports: points, area classes and the statuses a
planner colours by, gathered with a handful of grouped SQL queries (one per status,
each answered from an index on ``household_uuid``), joined in pandas.
"""

from __future__ import annotations

from datetime import datetime, timezone

import geopandas as gpd
import pandas as pd
from sqlalchemy import Connection, and_, exists, func, or_, select

from chips.db.schema import (
    home_visits,
    house_surveys,
    households,
    installations,
    members,
    visit_requests,
)
from maps.tables import household_areas

# status key -> (Indonesian label, English label); booleans unless said otherwise
STATUSES: dict[str, tuple[str, str]] = {
    "sticker": ("Stiker terpasang", "Sticker installed"),
    "no_latrine": ("Tanpa jamban", "No latrine"),
    "unhealthy_house": ("Rumah tidak sehat", "Unhealthy house"),
    "pregnant": ("Ibu hamil", "Pregnant woman"),
    "lone_elderly": ("Lansia sebatang kara", "Elderly living alone"),
    "open_request": ("Permintaan kunjungan terbuka", "Open visit request"),
    "visit_overdue": ("Belum dikunjungi > 90 hari", "No home visit for over 90 days"),
}
VISIT_OVERDUE_DAYS = 90


def load_points(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(
        select(households.c.uuid, households.c.latitude, households.c.longitude, households.c.accuracy)
    ).all()
    return pd.DataFrame(rows, columns=["uuid", "latitude", "longitude", "accuracy"])


def _ids(conn: Connection, query) -> set[str]:
    return {r[0] for r in conn.execute(query)}


def _statuses(conn: Connection, frame: pd.DataFrame, today: datetime) -> pd.DataFrame:
    uuid = frame["uuid"]
    stickers = _ids(conn, select(installations.c.household_uuid).where(installations.c.kind == "sticker").distinct())
    frame["sticker"] = uuid.isin(stickers)

    # the latest survey of each household decides its house condition
    surveys = pd.DataFrame(
        conn.execute(
            select(
                house_surveys.c.household_uuid,
                house_surveys.c.surveyed_on,
                house_surveys.c.id,
                house_surveys.c.latrine,
                house_surveys.c.unhealthy,
            )
        ).all(),
        columns=["uuid", "surveyed_on", "id", "latrine", "unhealthy"],
    )
    if len(surveys):
        latest = surveys.sort_values(["uuid", "surveyed_on", "id"], na_position="first").drop_duplicates("uuid", keep="last")
        latest = latest.set_index("uuid")
        frame["no_latrine"] = uuid.map(latest["latrine"].eq("none")).fillna(False).astype(bool)
        frame["unhealthy_house"] = uuid.map(latest["unhealthy"].fillna(False).astype(bool)).fillna(False).astype(bool)
    else:
        frame["no_latrine"] = False
        frame["unhealthy_house"] = False

    frame["pregnant"] = uuid.isin(_ids(conn, select(members.c.household_uuid).where(members.c.pregnant.is_(True)).distinct()))
    frame["lone_elderly"] = uuid.isin(
        _ids(conn, select(members.c.household_uuid).where(members.c.lives_alone.is_(True)).distinct())
    )
    # a request is answered by a home visit that arrived and names it (by entity or by id)
    answered = exists().where(
        and_(
            or_(
                home_visits.c.request_id == visit_requests.c.request_id,
                and_(visit_requests.c.uuid.is_not(None), home_visits.c.request_uuid == visit_requests.c.uuid),
            ),
            home_visits.c.arrived_at.is_not(None),
        )
    )
    frame["open_request"] = uuid.isin(
        _ids(conn, select(visit_requests.c.household_uuid).where(visit_requests.c.household_uuid.is_not(None), ~answered).distinct())
    )
    last = dict(
        conn.execute(
            select(home_visits.c.household_uuid, func.max(home_visits.c.arrived_at))
            .where(home_visits.c.household_uuid.is_not(None))
            .group_by(home_visits.c.household_uuid)
        ).all()
    )
    last_visit = pd.to_datetime(uuid.map(last), errors="coerce")
    frame["days_since_visit"] = (pd.Timestamp(today) - last_visit).dt.days
    frame["visit_overdue"] = ~(frame["days_since_visit"] <= VISIT_OVERDUE_DAYS)
    return frame


def load_households(conn: Connection, today: datetime | None = None) -> gpd.GeoDataFrame:
    """Every household with its area class and statuses, as a WGS84 GeoDataFrame.

    Households without a usable point keep an empty geometry (they are listed, not
    placed). Columns: uuid, head_name, phone, village/dusun/rt/rw (from the form),
    area columns of ``household_areas`` (``area_village_*`` from the village polygons),
    the :data:`STATUSES` booleans and ``days_since_visit``.
    """
    today = today or datetime.now(timezone.utc).replace(tzinfo=None)
    h = households.c
    a = household_areas.c
    rows = conn.execute(
        select(
            h.uuid,
            h.head_name,
            h.phone,
            h.village_code,
            h.village_name,
            h.dusun,
            h.rt,
            h.rw,
            h.latitude,
            h.longitude,
            h.accuracy,
            h.poverty_status,
            a.status.label("area_status"),
            a.area_class,
            a.in_forest,
            a.in_river_setback,
            a.in_railway_corridor,
            a.in_ricefield,
            a.river_distance_m,
            a.river_name,
            a.railway_distance_m,
            a.village_code.label("area_village_code"),
            a.village_name.label("area_village_name"),
        )
        .select_from(households.outerjoin(household_areas, a.household_uuid == h.uuid))
        .order_by(h.id)
    )
    frame = pd.DataFrame(rows.all(), columns=list(rows.keys()))
    frame = _statuses(conn, frame, today)
    usable = has_place(frame)
    geometry = gpd.points_from_xy(
        frame["longitude"].where(usable).astype(float), frame["latitude"].where(usable).astype(float), crs="EPSG:4326"
    )
    out = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    out.loc[~usable.to_numpy(), "geometry"] = None
    return out


def has_place(frame: pd.DataFrame) -> pd.Series:
    """Households drawn on the map: classified "ok", or not classified yet (no layers
    imported, shown as "not classified") but with a point. ``no_point`` and
    ``low_accuracy`` households are listed, never drawn."""
    status = frame["area_status"]
    point = pd.to_numeric(frame["latitude"], errors="coerce").notna() & pd.to_numeric(frame["longitude"], errors="coerce").notna()
    return status.eq("ok") | (status.isna() & point)


def village_of(frame: pd.DataFrame) -> pd.Series:
    """The village to group by: from the polygons, else the one the form recorded."""
    return frame["area_village_name"].fillna(frame["village_name"]).fillna("(tanpa desa / no village)")
