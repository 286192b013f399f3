"""Stored classes stay current: only changed households are classified again."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, func, select, update

from chips.db.schema import households
from maps.households import load_households
from maps.refresh import refresh_household_areas, unplaced
from maps.store import import_file, import_sample, SAMPLE_DIR
from maps.synthetic import synthetic_points
from maps.tables import household_areas
from tests.maps.conftest import insert_households


def classes(conn) -> dict[str, str]:
    return dict(conn.execute(select(household_areas.c.household_uuid, household_areas.c.area_class)).all())


def test_refresh_only_what_changed(map_db):
    points = synthetic_points(300, seed=5)
    with map_db.engine.begin() as conn:
        insert_households(conn, points)
        # no layers yet: nothing is classified rather than everything "settlement"
        assert refresh_household_areas(conn, map_db.settings)["classified"] == 0
        import_sample(conn)
        first = refresh_household_areas(conn, map_db.settings)
    assert first["classified"] == 300
    assert first["no_point"] == points["latitude"].isna().sum() > 0
    assert first["low_accuracy"] == (points["accuracy"] > 50).sum() > 0

    with map_db.engine.begin() as conn:
        again = refresh_household_areas(conn, map_db.settings)
        assert (again["classified"], again["unchanged"]) == (0, 300)

        # move one household onto the railway line next to Kalisetail station
        moved = points["uuid"].iloc[0]
        conn.execute(update(households).where(households.c.uuid == moved).values(latitude=-8.30285, longitude=114.13977, accuracy=4.0))
        conn.execute(delete(households).where(households.c.uuid == points["uuid"].iloc[1]))
        step = refresh_household_areas(conn, map_db.settings)
        assert (step["classified"], step["removed"], step["unchanged"]) == (1, 1, 298)
        assert classes(conn)[moved] == "railway"
        assert conn.execute(select(func.count()).select_from(household_areas)).scalar_one() == 299

        # a layer changes: everybody again
        import_file(conn, SAMPLE_DIR / "railway.geojson", kind="railway", name="sempu-railway")
        assert refresh_household_areas(conn, map_db.settings)["classified"] == 299

        listed = unplaced(conn)
        assert set(listed["status"]) == {"no_point", "low_accuracy"}
        assert len(listed) == first["no_point"] + first["low_accuracy"] - sum(
            1 for u in points["uuid"].iloc[:2] if u in set(listed["uuid"])
        )


def test_settings_change_reclassifies(map_db):
    # ~15 m north of Kalisetail station, which the railway passes through
    points = pd.DataFrame({"uuid": ["a"], "latitude": [-8.30285 + 0.000135], "longitude": [114.13977], "accuracy": [3.0]})
    with map_db.engine.begin() as conn:
        insert_households(conn, points)
        import_sample(conn)
        refresh_household_areas(conn, map_db.settings)
        assert classes(conn)["a"] == "railway"
        narrower = map_db.settings.with_overrides(sections={"areas": {"railway_corridor_m": 5}})
        assert refresh_household_areas(conn, narrower)["classified"] == 1
        assert classes(conn)["a"] != "railway"
        assert refresh_household_areas(conn, narrower)["classified"] == 0


def test_load_households_gathers_statuses(map_db):
    from datetime import date, datetime

    from sqlalchemy import insert

    from chips.db.schema import home_visits, house_surveys, installations, members, visit_requests

    points = pd.DataFrame(
        {"uuid": ["h1", "h2", "h3"], "latitude": [-8.30, -8.31, None], "longitude": [114.15, 114.16, None], "accuracy": [4.0, 4.0, None]}
    )
    with map_db.engine.begin() as conn:
        insert_households(conn, points)
        sub = conn.execute(select(households.c.submission_id)).scalars().first()
        origin = {"submission_id": sub, "logical_id": "x"}
        conn.execute(insert(installations), [{"household_uuid": "h1", "kind": "sticker", **origin}, {"household_uuid": "h2", "kind": "kenthongan", **origin}])
        conn.execute(
            insert(house_surveys),
            [
                {"household_uuid": "h1", "surveyed_on": date(2025, 1, 1), "latrine": "none", "unhealthy": True, **origin},
                {"household_uuid": "h1", "surveyed_on": date(2026, 1, 1), "latrine": "own", "unhealthy": False, **origin},
                {"household_uuid": "h2", "surveyed_on": date(2026, 1, 1), "latrine": "none", "unhealthy": True, **origin},
            ],
        )
        conn.execute(insert(members), [
                {"household_uuid": "h2", "position": 1, "pregnant": True, "lives_alone": False, **origin},
                {"household_uuid": "h3", "position": 1, "pregnant": False, "lives_alone": True, **origin},
            ])
        conn.execute(
            insert(visit_requests),
            [
                {"request_id": "r1", "household_uuid": "h1", "received_at": datetime(2026, 2, 1, 8), **origin},
                {"request_id": "r2", "household_uuid": "h2", "received_at": datetime(2026, 2, 1, 8), **origin},
            ],
        )
        conn.execute(insert(home_visits), [{"request_id": "r1", "household_uuid": "h1", "arrived_at": datetime(2026, 2, 1, 10), **origin}])
        import_sample(conn)
        refresh_household_areas(conn, map_db.settings)
    with map_db.engine.connect() as conn:
        frame = load_households(conn, today=datetime(2026, 3, 3, 10)).set_index("uuid")
    assert frame["sticker"].to_dict() == {"h1": True, "h2": False, "h3": False}
    assert frame["no_latrine"].to_dict() == {"h1": False, "h2": True, "h3": False}  # the latest survey counts
    assert frame["unhealthy_house"].to_dict() == {"h1": False, "h2": True, "h3": False}
    assert frame["pregnant"].to_dict() == {"h1": False, "h2": True, "h3": False}
    assert frame["lone_elderly"].to_dict() == {"h1": False, "h2": False, "h3": True}
    assert frame["open_request"].to_dict() == {"h1": False, "h2": True, "h3": False}
    assert frame.loc["h1", "days_since_visit"] == 30
    assert frame["visit_overdue"].to_dict() == {"h1": False, "h2": True, "h3": True}
    assert frame["area_status"].to_dict() == {"h1": "ok", "h2": "ok", "h3": "no_point"}
    assert frame.loc["h3", "geometry"] is None
    assert frame.loc["h1", "area_village_name"] is not None
